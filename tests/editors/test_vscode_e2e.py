"""The VS Code extension in a real VS Code: code-server (Code 1.100.3) driven by Debian's Chromium.

The extension is packaged as a .vsix, installed into a fresh user-data directory, and exercised against
the real language server (`<this interpreter> -m scorelint_lsp`):

- in the extension host, through the public `vscode` API (vscode-extension/e2e/in-host/index.js): the
  diagnostics and their codes, a quick fix, "Fix all", "Show Swagger", and the failure path of an
  interpreter without scorelint; the expectations come from scorelint's own command line run on the same
  file, plus literal texts;
- through the UI: the Problems panel lists the findings (a screenshot goes to test-artifacts/).

The unit tests of the extension's TypeScript logic (node's test runner) run here too.

code-server, Chromium and playwright-core are installed by vscode-extension/e2e/install.sh (scripts/install.sh
calls it; this test calls it again, which takes well under a second once done). If they cannot be installed,
the tests fail with the reason: they never skip.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXT = ROOT / "vscode-extension"
E2E = EXT / "e2e"
ARTIFACTS = ROOT / "test-artifacts" / "vscode"
EXTENSION_ID = "scorelint.scorelint"

# Generous: the first run on a fresh machine may install code-server (a few minutes) inside the fixture.
pytestmark = [pytest.mark.editor, pytest.mark.slow, pytest.mark.timeout(1200)]

# A bad entry script that the sandbox can still import (init() is never called, so its import of the
# removed sklearn.externals module does not run): four findings, two with quick fixes, one of them safe.
BAD_SCORE = '''\
import os

import numpy as np
from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.schema_decorators import input_schema, output_schema

model = None


def init(model_name):
    global model
    from sklearn.externals import joblib

    model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR", "."), model_name))


@input_schema("inputs", NumpyParameterType(np.array([[1.0, 2.0, 3.0]])))
@input_schema("GlobalParameters", StandardPythonParameterType(1.0))
@output_schema(StandardPythonParameterType([0.5]))
def run(inputs, GlobalParameters):
    return [float(x) for x in model.predict(inputs * GlobalParameters)]
'''
EXPECTED_CODES = {"SL004", "SL504", "SL102", "SL103"}

# SL102's quick fix renames the input in the decorator, the parameter and its use.
AFTER_SL102_FIX = BAD_SCORE.replace('@input_schema("inputs"', '@input_schema("Inputs"').replace(
    "def run(inputs,", "def run(Inputs,").replace("model.predict(inputs *", "model.predict(Inputs *")
# "Fix all" applies the safe fixes only: SL504's.
AFTER_FIX_ALL = BAD_SCORE.replace("    from sklearn.externals import joblib\n", "    import joblib\n")


def _cache_dir() -> Path:
    if os.environ.get("SCORELINT_EDITOR_CACHE"):
        return Path(os.environ["SCORELINT_EDITOR_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "scorelint-editors"


def _run(cmd: list[str], timeout: float, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)


@pytest.fixture(scope="session")
def tools() -> dict:
    """code-server, Chromium, playwright-core and the extension's node_modules (installed if missing)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("node and npm (Node 20) are needed for the VS Code tests and are not on PATH")
    proc = _run(["bash", str(E2E / "install.sh")], timeout=1800)
    if proc.returncode != 0:
        pytest.fail("could not install code-server / Chromium / playwright-core for the VS Code tests:\n"
                    f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    paths = json.loads((_cache_dir() / "paths.json").read_text())
    for key in ("code_server", "chromium"):
        if not Path(paths[key]).exists():
            pytest.fail(f"{key} is missing after install.sh: {paths[key]}")
    return paths


@pytest.fixture(scope="session")
def vsix(tools, tmp_path_factory) -> Path:
    """The extension, type-checked, bundled and packaged exactly as it is published."""
    proc = _run(["npm", "run", "package"], timeout=600, cwd=EXT)
    if proc.returncode != 0:
        pytest.fail(f"npm run package failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    built = EXT / "scorelint.vsix"
    target = tmp_path_factory.mktemp("vsix") / "scorelint.vsix"
    shutil.copy(built, target)
    return target


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CodeServer:
    """One code-server with a fresh user-data and extensions directory and the .vsix installed."""

    def __init__(self, tools: dict, vsix: Path, base: Path, env: dict[str, str]):
        self.bin = tools["code_server"]
        self.base = base
        self.data = base / "data"
        self.exts = base / "extensions"
        (self.data / "User").mkdir(parents=True)
        shutil.copy(E2E / "user-settings.json", self.data / "User" / "settings.json")
        proc = _run([self.bin, "--config", "/dev/null", "--user-data-dir", str(self.data), "--extensions-dir",
                     str(self.exts), "--install-extension", str(vsix)], timeout=180)
        if proc.returncode != 0 or "successfully installed" not in proc.stdout + proc.stderr:
            pytest.fail(f"code-server --install-extension failed:\n{proc.stdout}\n{proc.stderr}")
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = base / "code-server.log"
        self.proc = subprocess.Popen(
            [self.bin, "--config", "/dev/null", "--auth", "none", "--bind-addr", f"127.0.0.1:{self.port}",
             "--user-data-dir", str(self.data), "--extensions-dir", str(self.exts), "--disable-telemetry",
             "--disable-update-check", "--disable-workspace-trust", "--disable-getting-started-override"],
            stdout=self.log.open("w"), stderr=subprocess.STDOUT, env={**os.environ, **env}, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2):
                    break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"code-server did not come up:\n{self.log.read_text()[-3000:]}")
                time.sleep(0.3)

    def installed_extension_dir(self) -> Path:
        found = [p for p in self.exts.iterdir() if p.name.startswith(EXTENSION_ID + "-")]
        assert len(found) == 1, found
        return found[0]

    def browser(self, *args: str, timeout: float) -> subprocess.CompletedProcess:
        return _run(["node", str(E2E / "browser.js"), *args], timeout=timeout,
                    env={**os.environ, "NODE_PATH": self.tools_playwright, "CHROMIUM": self.chromium})

    def keep_logs(self, name: str) -> None:
        """Copies code-server's log and the extension host's logs (incl. the 'scorelint' channel) to artifacts."""
        target = ARTIFACTS / name
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        shutil.copy(self.log, target / "code-server.log")
        for log in (self.data / "logs").rglob("*.log"):
            if "exthost" in str(log) or "scorelint" in log.name:
                rel = "_".join(log.relative_to(self.data / "logs").parts[1:])
                shutil.copy(log, target / rel)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


@pytest.fixture
def start_code_server(tools, vsix, tmp_path):
    servers: list[CodeServer] = []

    def start(env: dict[str, str] | None = None) -> CodeServer:
        server = CodeServer(tools, vsix, tmp_path / f"cs{len(servers)}", env or {})
        server.tools_playwright = tools["playwright"]
        server.chromium = tools["chromium"]
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def _workspace(path: Path, interpreter: str) -> Path:
    (path / ".vscode").mkdir(parents=True)
    (path / "score.py").write_text(BAD_SCORE)
    (path / ".vscode" / "settings.json").write_text(json.dumps({"scorelint.interpreter": [interpreter]}, indent=1))
    return path


def _cli_findings(workspace: Path) -> list[dict]:
    """What `scorelint check` reports for the same file: the reference for the editor's diagnostics."""
    proc = _run([sys.executable, "-m", "scorelint", "check", "--output-format", "json", "score.py"],
                timeout=60, cwd=workspace)
    assert proc.returncode == 1, proc.stderr
    return json.loads(proc.stdout)


SEVERITY = {"error": "Error", "warning": "Warning", "info": "Information"}


def test_extension_in_the_real_extension_host(start_code_server, tmp_path):
    """Diagnostics, Show Swagger, a quick fix, Fix all and the failure path, inside VS Code's extension host."""
    workspace = _workspace(tmp_path / "ws", sys.executable)
    expected = _cli_findings(workspace)
    assert {f["code"] for f in expected} == EXPECTED_CODES  # the fixture script still means what it says
    sl102_fix = next(f["fix"] for f in expected if f["code"] == "SL102")

    bare = tmp_path / "bare-venv"  # a Python without scorelint: the extension must fail clearly, then recover
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=120)

    out = tmp_path / "result.json"
    config = tmp_path / "config.json"
    config.write_text(json.dumps({
        "out": str(out), "script": "score.py", "quickFix": {"code": "SL102", "titleContains": sl102_fix["message"]},
        "swaggerVersions": ["2", "3"], "badInterpreter": str(bare / "bin" / "python"),
    }))
    server = start_code_server({"SCORELINT_E2E_CONFIG": str(config)})
    remote = f"vscode-remote://127.0.0.1:{server.port}"
    payload = json.dumps([["extensionDevelopmentPath", remote + str(E2E / "runner-extension")],
                          ["extensionTestsPath", remote + str(E2E / "in-host" / "index.js")]])
    url = f"{server.url}/?folder={urllib.parse.quote(str(workspace))}&payload={urllib.parse.quote(payload)}"
    proc = server.browser("in-host", url, str(out), "300000", str(tmp_path / "in-host-timeout.png"), timeout=420)
    server.keep_logs("in-host")
    assert proc.returncode == 0 and out.exists(), f"the in-host test wrote no result:\n{proc.stdout}\n{proc.stderr}"
    result = json.loads(out.read_text())
    (ARTIFACTS / "in-host" / "result.json").write_text(json.dumps(result, indent=1))
    assert "error" not in result, result["error"]
    assert result.get("finished"), result

    # The installed .vsix is the extension under test (not a development copy).
    assert result["extension"]["path"] == str(server.installed_extension_dir())
    assert result["activation"]["status"] == "running", result["activation"]
    assert result["activation"]["interpreter"]["command"] == sys.executable

    # Diagnostics: the same findings as the command line, at the same places, with codes and links.
    diagnostics = result["diagnostics"]
    assert isinstance(diagnostics, list), diagnostics
    got = sorted((d["code"], d["range"], d["severity"]) for d in diagnostics)
    want = sorted((f["code"], [f["line"] - 1, f["column"] - 1, f["end_line"] - 1, f["end_column"] - 1],
                   SEVERITY[f["severity"]]) for f in expected)
    assert got == want
    assert {d["code"] for d in diagnostics} == EXPECTED_CODES
    assert all(d["source"] == "scorelint" for d in diagnostics)
    by_code = {f["code"]: f for f in expected}
    for d in diagnostics:
        assert d["message"] == by_code[d["code"]]["message"]
        assert d["related"] == [by_code[d["code"]]["help"]]  # the help, under the short message
        assert d["href"] == by_code[d["code"]]["url"]

    # "scorelint: Show Swagger" opens, in a JSON editor, exactly what `scorelint swagger` prints.
    swagger = result["swagger"]
    assert "error" not in swagger, swagger.get("error")
    for version in ("2", "3"):
        cli = _run([sys.executable, "-m", "scorelint", "swagger", "score.py", "--version", version], timeout=120,
                   cwd=workspace)
        assert cli.returncode == 0, cli.stderr
        shown = swagger[version]
        assert shown is not None, f"Show Swagger opened nothing for version {version}"
        assert shown["languageId"] == "json" and shown["untitled"] and shown["active"], shown
        assert json.loads(shown["text"]) == json.loads(cli.stdout)
        assert shown["text"] == cli.stdout
    assert json.loads(swagger["2"]["text"])["swagger"] == "2.0"
    assert json.loads(swagger["3"]["text"])["openapi"].startswith("3.0")

    # A quick fix changes the text exactly as the rule's fix says, and its diagnostic goes away.
    quick = result["quickFix"]
    assert "error" not in quick, quick.get("error")
    assert any(sl102_fix["message"] in title for title in quick["titles"]), quick["titles"]
    assert any("Disable schema-name-casing" in title for title in quick["titles"]), quick["titles"]
    assert quick["applied"] is True
    assert quick["text"] == AFTER_SL102_FIX
    assert isinstance(quick["diagnosticsAfter"], list), quick["diagnosticsAfter"]
    assert sorted(d["code"] for d in quick["diagnosticsAfter"]) == sorted(EXPECTED_CODES - {"SL102"})

    # "scorelint: Fix all" applies the safe fixes (source.fixAll.scorelint).
    fix_all = result["fixAll"]
    assert "error" not in fix_all, fix_all.get("error")
    assert fix_all["changed"] is True
    assert fix_all["text"] == AFTER_FIX_ALL

    # An interpreter without scorelint: failed state, the install offer, no diagnostics; then recovery.
    bad = result["badInterpreter"]
    assert "error" not in bad, bad.get("error")
    assert bad["bad"]["status"] == "failed"
    assert bad["bad"]["offerInstall"] is True
    assert "cannot import scorelint_lsp" in bad["bad"]["message"]
    assert "scorelint[lsp]" in bad["bad"]["message"]
    assert str(bare / "bin" / "python") in bad["bad"]["message"]
    assert bad["bad"]["diagnosticsWhileFailed"] == 0
    assert bad["recovered"] == "running"
    assert bad["diagnosticsAgain"] == len(EXPECTED_CODES)


def test_problems_panel_ui_smoke(start_code_server, tmp_path):
    """The findings reach VS Code's Problems panel (screenshot in test-artifacts/vscode/), and Show Swagger
    runs from the command palette with the version picked in a quick pick."""
    workspace = _workspace(tmp_path / "ws", sys.executable)
    server = start_code_server()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "problems-panel.png"
    shot.unlink(missing_ok=True)
    url = f"{server.url}/?folder={urllib.parse.quote(str(workspace))}"
    proc = server.browser("ui", url, "score.py", ",".join(sorted(EXPECTED_CODES)), str(shot), timeout=300)
    server.keep_logs("ui")
    assert proc.stdout.strip(), f"the UI driver printed nothing:\n{proc.stderr}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert shot.exists() and shot.stat().st_size > 10_000
    assert result["ok"], result
    text = "\n".join(result["problems"])
    for code in EXPECTED_CODES:
        assert code in text, (code, result["problems"])
    assert "scorelint" in text
    assert [item["label"] for item in result["statusBar"]] == ["scorelint running"], result["statusBar"]
    # Show Swagger from the command palette: the version is chosen in a quick pick
    choices = result["versionChoices"]  # label and description, as the quick pick lists them
    assert len(choices) == 3, choices
    for choice, start in zip(choices, ("2Swagger 2.0", "3OpenAPI 3.0", "3.1OpenAPI 3.1")):
        assert choice.replace(" ", "").startswith(start.replace(" ", "")), choices
    assert result["swaggerLine"].startswith('"openapi": "3.0'), result["swaggerLine"]
    assert (ARTIFACTS / "problems-panel-swagger.png").exists()


def test_failure_notification_installs_scorelint(start_code_server, tmp_path):
    """An interpreter without scorelint: one clear notification; its Install button makes the server run.

    The button runs `<interpreter> -m pip install "scorelint[lsp]"`; PIP_FIND_LINKS points pip at a wheel
    of this checkout (scorelint is not on the package index), its dependencies come from the index.
    """
    wheels = tmp_path / "wheels"
    built = _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(ROOT)],
                 timeout=300)
    assert built.returncode == 0, built.stderr[-3000:]
    venv = tmp_path / "user-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    workspace = _workspace(tmp_path / "ws", str(python))
    server = start_code_server({"PIP_FIND_LINKS": str(wheels)})
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "install-notification.png"
    url = f"{server.url}/?folder={urllib.parse.quote(str(workspace))}"
    proc = server.browser("install", url, "score.py", ",".join(sorted(EXPECTED_CODES)), str(shot), timeout=600)
    server.keep_logs("install")
    assert proc.stdout.strip(), f"the UI driver printed nothing:\n{proc.stderr}"
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["ok"], result
    # the notification: which interpreter, what is missing, and the action
    assert str(python) in result["notification"]
    assert "'scorelint' is missing" in result["notification"]
    assert "Install scorelint[lsp]" in result["notification"]
    assert result["notificationCount"] == 1
    assert [item["label"] for item in result["statusBarFailed"]] == ["scorelint failed"], result["statusBarFailed"]
    # after the install: the server runs in that interpreter and the findings are listed
    assert [item["label"] for item in result["statusBarRunning"]] == ["scorelint running"], result["statusBarRunning"]
    text = "\n".join(result["problems"])
    for code in EXPECTED_CODES:
        assert code in text, (code, result["problems"])
    check = _run([str(python), "-c", "import scorelint_lsp, pygls"], timeout=60)
    assert check.returncode == 0, check.stderr


def test_extension_unit_tests(tools):
    """The TypeScript logic that needs no VS Code (interpreter choice, settings mapping, the import probe)."""
    proc = _run(["npm", "test"], timeout=300, cwd=EXT, env={**os.environ, "SCORELINT_TEST_PYTHON": sys.executable})
    assert proc.returncode == 0, f"{proc.stdout[-6000:]}\n{proc.stderr[-3000:]}"
    assert "# fail 0" in proc.stdout or "ℹ fail 0" in proc.stdout, proc.stdout[-2000:]
