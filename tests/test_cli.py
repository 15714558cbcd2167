"""The command line, end to end: real `python -m scorelint` processes on real files.

Exit codes, paths that cannot be read, standard input, rule selection, configuration, folder discovery,
suppressions, fixes (written atomically, keeping mode, line endings, BOM and encoding), every output
format, and `scorelint rule`.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

GOOD = "def init():\n    pass\n\n\ndef run(data):\n    return data\n"
# SL004 at 1:10 (init's required parameter).
BAD = "def init(model_path):\n    pass\n\n\ndef run(data):\n    return data\n"
MSG_SL004 = "`init` parameter `model_path` has no default, but `init` is called with no arguments"
HELP_SL004 = ("The deployment fails at start-up with a TypeError. Give the parameter a default or read the value "
              "inside init.")
LINE_SL004 = f"score.py:1:10: SL004 [init-required-params] {MSG_SL004}"

# SL010 (safe fix) at 1:8, SL004 at 4:10, SL006 at 9:5.
MANY = """\
import azureml.contrib.services.aml_request as req


def init(path):
    pass


@req.rawhttp
def run():
    return {}
"""
MSG_SL010 = "`import azureml.contrib.services.aml_request` fails when the server loads the script"
HELP_SL010 = ("The server registers that module under its full name only, without the `azureml` packages above it, "
              "so the import raises and the deployment fails. Write `from azureml.contrib.services.aml_request "
              "import ...` or `import azureml_inference_server_http.api.aml_request as ...`.")
MSG_SL004_PATH = MSG_SL004.replace("model_path", "path")

# One safe fix (SL010) and one unsafe fix (SL202: the error returned as a 200 becomes `raise`).
FIXABLE = """\
import json
import azureml.contrib.services.aml_response as resp


def init():
    pass


def run(data):
    try:
        return resp.AMLResponse(json.loads(data), 200)
    except Exception as e:
        return str(e)
"""
SAFE_FIXED = FIXABLE.replace("azureml.contrib.services.aml_response", "azureml_inference_server_http.api.aml_response")
ALL_FIXED = SAFE_FIXED.replace("        return str(e)\n", "        raise\n")


@pytest.fixture
def env(tmp_path):
    """Environment overrides for a scorelint run (None: unset)."""
    return {"SCORELINT_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1", "SCORELINT_OUTPUT_FORMAT": None,
            "FORCE_COLOR": None, "CLICOLOR_FORCE": None}


def scorelint(*args: str, cwd: Path, env: dict, stdin: bytes | None = None, prefix: tuple[str, ...] = (),
              real: bool = False) -> subprocess.CompletedProcess:
    """Run the command line: in a real process when `real` or a `prefix` is given (exit status, standard
    streams and privileges as a user gets them), else in this process with click's runner (the same
    code path, without the interpreter's start-up, which would make this file take a minute)."""
    if real or prefix:
        environment = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
        return subprocess.run([*prefix, sys.executable, "-m", "scorelint", *args], cwd=cwd, env=environment,
                              input=stdin, capture_output=True, timeout=120)
    from click.testing import CliRunner

    from scorelint.cli import main

    try:
        runner = CliRunner(mix_stderr=False)  # click 8.1; 8.2 and later always keep stderr apart
    except TypeError:
        runner = CliRunner()
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        result = runner.invoke(main, list(args), input=stdin, env=env, catch_exceptions=False)
    finally:
        os.chdir(previous)
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout_bytes, result.stderr_bytes)


def out(done: subprocess.CompletedProcess) -> str:
    return done.stdout.decode()


def err(done: subprocess.CompletedProcess) -> str:
    return done.stderr.decode()


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def codes(done: subprocess.CompletedProcess) -> list[tuple[str, str]]:
    """(path, code) of every finding, from --output-format json output."""
    return [(item["path"], item["code"]) for item in json.loads(done.stdout)]


# --- exit codes ---------------------------------------------------------------------------------------
def test_exit_codes(tmp_path, env):
    write(tmp_path, "score.py", GOOD)
    clean = scorelint("score.py", cwd=tmp_path, env=env, real=True)
    assert (clean.returncode, out(clean), err(clean)) == (0, "All checks passed (1 file).\n", "")

    write(tmp_path, "score.py", BAD)
    found = scorelint("check", "score.py", cwd=tmp_path, env=env, real=True)
    assert found.returncode == 1, err(found)
    assert out(found) == f"{LINE_SL004}\nFound 1 finding in 1 file.\n"

    zero = scorelint("score.py", "--exit-zero", cwd=tmp_path, env=env, real=True)
    assert (zero.returncode, out(zero)) == (0, out(found))

    usage = scorelint("score.py", "--no-such-option", cwd=tmp_path, env=env, real=True)
    assert usage.returncode == 2 and "No such option: --no-such-option" in err(usage)


def test_a_missing_path_is_an_error_but_the_other_files_are_reported(tmp_path, env):
    write(tmp_path, "score.py", BAD)
    done = scorelint("missing_score.py", "score.py", cwd=tmp_path, env=env)
    assert done.returncode == 2
    assert err(done) == "scorelint: error: missing_score.py: no such file or directory\n"
    assert LINE_SL004 in out(done)


def _unreadable_prefix() -> tuple[str, ...]:
    """Root reads any file: drop the capabilities that let it, so chmod 000 means unreadable."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: a chmod 000 file stays readable")
    caps = "-dac_override,-dac_read_search"
    return (setpriv, f"--bounding-set={caps}", f"--inh-caps={caps}")


def test_an_unreadable_file_is_an_error_but_the_other_files_are_reported(tmp_path, env):
    locked = write(tmp_path, "locked_score.py", GOOD)
    locked.chmod(0)
    write(tmp_path, "score.py", BAD)
    try:
        done = scorelint("locked_score.py", "score.py", cwd=tmp_path, env=env, prefix=_unreadable_prefix())
    finally:
        locked.chmod(0o644)
    assert done.returncode == 2, err(done)
    assert err(done) == "scorelint: error: locked_score.py: cannot read file: Permission denied\n"
    assert out(done) == f"{LINE_SL004}\nFound 1 finding in 1 file (2 files checked).\n"


def test_undecodable_file_and_folder_named_like_a_script(tmp_path, env):
    (tmp_path / "latin_score.py").write_bytes(b"# caf\xe9\n" + GOOD.encode())  # no coding cookie: not UTF-8
    (tmp_path / "folder_score.py").mkdir()  # a folder with a script's name is searched, not read
    write(tmp_path, "folder_score.py/score.py", BAD)
    done = scorelint("latin_score.py", "folder_score.py", cwd=tmp_path, env=env)
    assert done.returncode == 2
    assert err(done).startswith("scorelint: error: latin_score.py: cannot decode file: ")
    assert out(done) == f"folder_score.py/{LINE_SL004}\nFound 1 finding in 1 file (2 files checked).\n"


# --- standard input -----------------------------------------------------------------------------------
def test_stdin_with_and_without_a_file_name(tmp_path, env):
    named = scorelint("-", "--stdin-filename", "deploy/score.py", cwd=tmp_path, env=env, stdin=BAD.encode())
    assert named.returncode == 1
    assert out(named) == f"deploy/{LINE_SL004}\nFound 1 finding in 1 file.\n"
    anonymous = scorelint("-", cwd=tmp_path, env=env, stdin=BAD.encode())
    assert out(anonymous).startswith(f"-:1:10: SL004 [init-required-params] {MSG_SL004}\n")
    clean = scorelint("-", cwd=tmp_path, env=env, stdin=GOOD.encode())
    assert clean.returncode == 0


def test_stdin_fix_prints_only_the_fixed_source_on_stdout(tmp_path, env):
    done = scorelint("--fix", "-", "--stdin-filename", "score.py", cwd=tmp_path, env=env, stdin=FIXABLE.encode(),
                     real=True)
    assert out(done) == SAFE_FIXED
    assert "SL202 [error-returned-as-success]" in err(done)  # what is left goes to stderr
    assert done.returncode == 1


# --- rule selection -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("args", "expected"), [
    (["--select", "SL004"], {"SL004"}),
    (["--select", "init-required-params,run-no-input-param"], {"SL004", "SL006"}),
    (["--select", "SL0", "--ignore", "SL006"], {"SL004", "SL010"}),
    (["--select", "SL00"], {"SL004", "SL006"}),  # SL010 does not start with SL00
    (["--select", "SL0", "--ignore", "SL00", "--extend-select", "SL004"], {"SL004", "SL010"}),
    (["--select", "SL010", "--extend-select", "run-no-input-param"], {"SL006", "SL010"}),
    (["--select", "ALL", "--ignore", "SL", "--extend-select", "SL006"], {"SL006"}),
    (["--select", "sl004", "--select", "SL006"], {"SL004", "SL006"}),
])
def test_select_ignore_extend_select(tmp_path, env, args, expected):
    write(tmp_path, "score.py", MANY)
    done = scorelint("score.py", "--output-format", "json", *args, cwd=tmp_path, env=env)
    assert {code for _, code in codes(done)} == expected, out(done) + err(done)


def test_default_selection_reports_every_load_time_finding(tmp_path, env):
    write(tmp_path, "score.py", MANY)
    done = scorelint("score.py", "--output-format", "json", cwd=tmp_path, env=env)
    assert {"SL004", "SL006", "SL010"} <= {code for _, code in codes(done)}


@pytest.mark.parametrize("selector", ["SL999", "SL8", "no-such-rule", "E501"])
def test_an_unknown_selector_is_a_usage_error(tmp_path, env, selector):
    write(tmp_path, "score.py", GOOD)
    for option in ("--select", "--ignore", "--extend-select"):
        done = scorelint("score.py", option, selector, cwd=tmp_path, env=env)
        assert done.returncode == 2, (option, out(done))
        assert f"scorelint: error: unknown rule selector {selector!r}" in err(done)
        assert "`scorelint rule --all` lists them" in err(done)


# --- configuration ------------------------------------------------------------------------------------
def project(tmp_path: Path, pyproject: str) -> Path:
    root = tmp_path / "project"
    write(root, "pyproject.toml", pyproject)
    write(root, "app/score.py", MANY)
    write(root, "app/entry_images.py", BAD)  # matches the configured include glob only
    write(root, "app/handler.py", "from common import init\n\nrun = lambda data: data\n")  # init+run, no glob
    write(root, "app/util.py", BAD.replace("def run", "def helper"))  # neither: never found in a folder
    write(root, "tests/fixtures/score.py", BAD)  # excluded
    write(root, "legacy/old_score.py", BAD)  # per-file-ignores
    write(root, ".venv/lib/score.py", BAD)  # never searched
    write(root, "node_modules/x/score.py", BAD)
    return root


PYPROJECT = """\
[project]
name = "demo"

[tool.scorelint]
include = ["*score*.py", "entry_*.py"]
exclude = ["tests/fixtures/**"]
select = ["SL0"]
ignore = ["SL006"]

[tool.scorelint.per-file-ignores]
"legacy/*.py" = ["init-required-params"]
"""


def test_config_include_exclude_per_file_ignores_and_discovery(tmp_path, env):
    root = project(tmp_path, PYPROJECT)
    done = scorelint(".", "--output-format", "json", cwd=root, env=env)
    assert sorted(codes(done)) == [("app/entry_images.py", "SL004"), ("app/score.py", "SL004"),
                                   ("app/score.py", "SL010")], err(done)
    text = scorelint(".", cwd=root, env=env)
    # score.py, entry_images.py, handler.py (binds init and run), legacy/old_score.py: four files.
    assert out(text).endswith("Found 3 findings in 2 files (4 files checked).\n[*] 1 fixable with the `--fix` "
                              "option.\n")
    # The command line overrides the file's selection; an explicitly named file is always checked.
    util = scorelint("app/util.py", "tests/fixtures/score.py", "--select", "SL003", "--output-format", "json",
                     cwd=root, env=env)
    assert sorted(codes(util)) == [("app/util.py", "SL003")]
    # The settings come from the nearest pyproject.toml with [tool.scorelint], also from a subfolder.
    sub = scorelint("score.py", "--output-format", "json", cwd=root / "app", env=env)
    assert sorted(codes(sub)) == [("score.py", "SL004"), ("score.py", "SL010")]


def test_discovery_without_configuration(tmp_path, env):
    root = tmp_path / "plain"
    write(root, "score.py", BAD)
    write(root, "deploy/scoring_model.py", BAD)  # *score* glob
    write(root, "deploy/main.py", "if True:\n    from lib import init\n\ntry:\n    run = 1\nexcept ImportError:\n    pass\n")
    write(root, "deploy/model.py", BAD.replace("def init", "def load"))  # run only: not an entry script
    write(root, "deploy/notes.txt", BAD)
    done = scorelint(".", "--output-format", "json", "--select", "SL0", cwd=root, env=env)
    found = {path for path, _ in codes(done)}
    assert found == {"score.py", "deploy/scoring_model.py"}
    text = scorelint(".", "--select", "SL0", cwd=root, env=env)
    assert out(text).endswith("in 2 files (3 files checked).\n")  # main.py was checked too (and is clean)


@pytest.mark.parametrize(("pyproject", "message"), [
    ("[tool.scorelint\nselect = [", "pyproject.toml: invalid TOML: Expected ']' at the end of a table declaration"),
    ("[tool.scorelint]\nselekt = ['SL0']\n", "pyproject.toml: unknown key(s) in [tool.scorelint]: selekt"),
    ("[tool.scorelint]\nselect = 'SL0'\nkind = 'web'\n", "kind must be one of auto, online, batch, not 'web'"),
    ("[tool.scorelint]\nignore = [4]\n", "[tool.scorelint] ignore must be a list of strings"),
    ("[tool.scorelint]\nignore = ['SL77']\n", "unknown rule selector 'SL77'"),
    ("[tool.scorelint.per-file-ignores]\n'a/*.py' = ['nope']\n", "unknown rule selector 'nope'"),
    ("[tool.scorelint.rules.init-required-params]\nstrict = true\n",
     "[tool.scorelint.rules.init-required-params]: unknown option(s) strict (options of init-required-params: "
     "none)"),
    ("[tool.scorelint.rules.no-such-rule]\nx = 1\n", "[tool.scorelint.rules.no-such-rule]: no rule has that name"),
])
def test_configuration_errors_are_clear_and_exit_2(tmp_path, env, pyproject, message):
    root = tmp_path / "broken"
    write(root, "pyproject.toml", pyproject)
    write(root, "score.py", BAD)
    write(root, "other_score.py", BAD)
    for args in (["score.py"], ["."], ["score.py", "other_score.py"]):
        done = scorelint(*args, cwd=root, env=env)
        assert done.returncode == 2, (args, out(done), err(done))
        assert message in err(done), (args, err(done))
        assert err(done).count("scorelint: error:") == 1, err(done)  # said once, not once per file
        assert "Traceback" not in err(done)


# --- suppressions -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("source", "suppressed"), [
    ("def init(model_path):  # noqa: SL004\n", True),
    ("def init(model_path):  # noqa: SL004, SL999\n", True),
    ("def init(model_path):  # noqa\n", True),
    ("def init(model_path):  # noqa: SL005\n", False),
    ("def init(model_path):  # noqa: init-required-params\n", True),  # names work in noqa too
    ("def init(model_path):  # scorelint: ignore[init-required-params]\n", True),
    ("def init(model_path):  # scorelint: ignore[SL004]\n", True),
    ("def init(model_path):  # scorelint: ignore[missing-run]\n", False),
    ("# scorelint: ignore[init-required-params]\ndef init(model_path):\n", True),  # own line, first statement
    ("# scorelint: ignore[init-required-params]\n\ndef init(model_path):\n", False),  # a blank line between
    ("import os\n# noqa: SL004\ndef init(model_path):\n", True),  # own line above a later statement
    ("# scorelint: ignore-file[SL004]\nimport os\n\n\ndef init(model_path):\n", True),
    ("def init(\n    model_path,\n):  # noqa: SL004\n", True),  # on the header's last line
    ("x = '# noqa: SL004'\ndef init(model_path):\n", False),  # inside a string: not a comment
])
def test_suppression_comments(tmp_path, env, source, suppressed):
    text = source + "    pass\n\n\ndef run(data):\n    return data\n"
    write(tmp_path, "score.py", text)
    done = scorelint("score.py", "--select", "SL004", cwd=tmp_path, env=env)
    assert done.returncode == (0 if suppressed else 1), out(done)


# --- fixes --------------------------------------------------------------------------------------------
def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if "scorelint-tmp" in p.name]


def test_fix_unsafe_fixes_and_diff(tmp_path, env):
    target = write(tmp_path, "score.py", FIXABLE)

    preview = scorelint("--diff", "score.py", cwd=tmp_path, env=env)
    assert preview.returncode == 1
    assert target.read_text() == FIXABLE  # --diff writes nothing
    assert out(preview) == (
        "--- a/score.py\n+++ b/score.py\n@@ -1,5 +1,5 @@\n import json\n"
        "-import azureml.contrib.services.aml_response as resp\n"
        "+import azureml_inference_server_http.api.aml_response as resp\n \n \n def init():\n"
    )
    assert "Would fix 1 finding." in err(preview) and "SL202" in err(preview)
    # The diff applies with patch(1) and gives what --fix writes.
    if shutil.which("patch"):
        copy = tmp_path / "patched"
        copy.mkdir()
        write(copy, "score.py", FIXABLE)
        subprocess.run(["patch", "-s", "-p1"], cwd=copy, input=preview.stdout, check=True)
        assert (copy / "score.py").read_text() == SAFE_FIXED

    safe = scorelint("--fix", "score.py", cwd=tmp_path, env=env)
    assert target.read_text() == SAFE_FIXED
    assert safe.returncode == 1  # the unsafe fix is still to do
    assert "Fixed 1 finding." in out(safe) and "score.py:13:9: SL202 [error-returned-as-success]" in out(safe)

    unsafe = scorelint("--fix", "--unsafe-fixes", "score.py", cwd=tmp_path, env=env)
    assert target.read_text() == ALL_FIXED
    assert unsafe.returncode == 0, out(unsafe)
    assert out(unsafe) == "Fixed 1 finding.\nAll checks passed (1 file).\n"
    assert leftovers(tmp_path) == []

    again = scorelint("--fix", "--unsafe-fixes", "score.py", cwd=tmp_path, env=env)
    assert (again.returncode, target.read_text()) == (0, ALL_FIXED)


def test_fix_keeps_mode_line_endings_bom_and_encoding(tmp_path, env):
    crlf = tmp_path / "crlf_score.py"
    crlf.write_bytes(FIXABLE.replace("\n", "\r\n").encode())
    crlf.chmod(0o751)
    bom = tmp_path / "bom_score.py"
    bom.write_bytes(b"\xef\xbb\xbf" + FIXABLE.encode())
    latin = tmp_path / "latin_score.py"
    latin.write_bytes(("# -*- coding: latin-1 -*-\n# modèle café\n" + FIXABLE).encode("latin-1"))
    link = tmp_path / "link_score.py"
    link.symlink_to(crlf.name)

    done = scorelint("--fix", "--unsafe-fixes", "crlf_score.py", "bom_score.py", "latin_score.py", cwd=tmp_path,
                     env=env)
    assert done.returncode == 0, out(done) + err(done)
    assert out(done) == "Fixed 6 findings.\nAll checks passed (3 files).\n"
    assert crlf.read_bytes() == ALL_FIXED.replace("\n", "\r\n").encode()
    assert stat.S_IMODE(crlf.stat().st_mode) == 0o751
    assert bom.read_bytes() == b"\xef\xbb\xbf" + ALL_FIXED.encode()
    assert latin.read_bytes() == ("# -*- coding: latin-1 -*-\n# modèle café\n" + ALL_FIXED).encode("latin-1")
    assert link.is_symlink() and link.resolve() == crlf.resolve()  # the link is kept, its target fixed
    assert leftovers(tmp_path) == []

    crlf.write_bytes(FIXABLE.replace("\n", "\r\n").encode())
    through_link = scorelint("--fix", "link_score.py", cwd=tmp_path, env=env)
    assert through_link.returncode == 1  # SL202 is left (unsafe)
    assert link.is_symlink() and crlf.read_bytes() == SAFE_FIXED.replace("\n", "\r\n").encode()


def test_a_fix_that_cannot_be_written_is_an_error(tmp_path, env):
    folder = tmp_path / "readonly"
    target = write(folder, "score.py", FIXABLE)
    folder.chmod(0o555)  # the temporary file cannot be created next to it
    try:
        done = scorelint("--fix", "score.py", cwd=folder, env=env, prefix=_unreadable_prefix())
    finally:
        folder.chmod(0o755)
    assert done.returncode == 2, out(done) + err(done)
    assert err(done) == ("scorelint: error: score.py: not written: cannot create a file in its folder (Permission "
                         "denied); a fix is written beside the file and renamed over it, so the folder must be "
                         "writable\n")
    assert "Fixed" not in out(done) and "internal error" not in out(done)
    assert target.read_text() == FIXABLE


# --- output formats -----------------------------------------------------------------------------------
def _formatted(tmp_path, env, fmt: str) -> subprocess.CompletedProcess:
    write(tmp_path, "score.py", MANY)
    done = scorelint("score.py", "--select", "SL004,SL010", "--output-format", fmt, cwd=tmp_path, env=env)
    assert done.returncode == 1, err(done)
    assert err(done) == ""
    return done


def test_text_format(tmp_path, env):
    assert out(_formatted(tmp_path, env, "text")) == (
        f"score.py:1:8: SL010 [contrib-submodule-import] {MSG_SL010} [*]\n"
        f"score.py:4:10: SL004 [init-required-params] {MSG_SL004_PATH}\n"
        "Found 2 findings in 1 file.\n[*] 1 fixable with the `--fix` option.\n"
    )


def test_json_format(tmp_path, env):
    url = "https://github.com/scorelint/scorelint/blob/main/docs/rules.md#"
    assert json.loads(out(_formatted(tmp_path, env, "json"))) == [
        {"path": "score.py", "line": 1, "column": 8, "end_line": 1, "end_column": 51, "code": "SL010",
         "name": "contrib-submodule-import", "severity": "error", "message": MSG_SL010,
         "help": HELP_SL010,
         "fix": {"applicability": "safe", "message": "Import azureml_inference_server_http.api.aml_request instead",
                 "edits": [{"line": 1, "column": 8, "end_line": 1, "end_column": 44,
                            "content": "azureml_inference_server_http.api.aml_request"}]},
         "noqa_line": 1, "url": url + "sl010-contrib-submodule-import"},
        {"path": "score.py", "line": 4, "column": 10, "end_line": 4, "end_column": 14, "code": "SL004",
         "name": "init-required-params", "severity": "error", "message": MSG_SL004_PATH, "help": HELP_SL004,
         "fix": None,
         "noqa_line": 4, "url": url + "sl004-init-required-params"},
    ]


def test_github_format(tmp_path, env):
    assert out(_formatted(tmp_path, env, "github")) == (
        "::error file=score.py,line=1,col=8,endLine=1,endColumn=51,title=scorelint (SL010 contrib-submodule-import)"
        f"::SL010 {MSG_SL010}%0A{HELP_SL010}\n"
        "::error file=score.py,line=4,col=10,endLine=4,endColumn=14,title=scorelint (SL004 init-required-params)"
        f"::SL004 {MSG_SL004_PATH}%0A{HELP_SL004}\n"
    )


def test_azure_format(tmp_path, env):
    assert out(_formatted(tmp_path, env, "azure")) == (
        "##vso[task.logissue type=error;sourcepath=score.py;linenumber=1;columnnumber=8;code=SL010;]"
        f"contrib-submodule-import: {MSG_SL010}\n"
        "##vso[task.logissue type=error;sourcepath=score.py;linenumber=4;columnnumber=10;code=SL004;]"
        f"init-required-params: {MSG_SL004_PATH}\n"
    )


def test_sarif_format(tmp_path, env):
    log = json.loads(out(_formatted(tmp_path, env, "sarif")))
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert run["tool"]["driver"]["name"] == "scorelint"
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["artifacts"] == [{"location": {"uri": "score.py"}, "sourceLanguage": "python"}]
    location = {"physicalLocation": {"artifactLocation": {"uri": "score.py", "index": 0}, "region": {
        "startLine": 4, "startColumn": 10, "endLine": 4, "endColumn": 14}}}
    first, second = run["results"]
    assert second == {"ruleId": "SL004", "ruleIndex": second["ruleIndex"], "level": "error",
                      "message": {"text": MSG_SL004_PATH, "markdown": f"{MSG_SL004_PATH}\n\n{HELP_SL004}"},
                      "locations": [location]}
    assert rules[second["ruleIndex"]]["id"] == "SL004" and rules[second["ruleIndex"]]["name"] == "init-required-params"
    assert rules[first["ruleIndex"]]["id"] == first["ruleId"] == "SL010"
    assert first["fixes"] == [{
        "description": {"text": "Import azureml_inference_server_http.api.aml_request instead (safe)"},
        "artifactChanges": [{"artifactLocation": {"uri": "score.py"}, "replacements": [{
            "deletedRegion": {"startLine": 1, "startColumn": 8, "endLine": 1, "endColumn": 44},
            "insertedContent": {"text": "azureml_inference_server_http.api.aml_request"}}]}],
    }]


def test_output_format_from_the_environment(tmp_path, env):
    write(tmp_path, "score.py", BAD)
    done = scorelint("score.py", cwd=tmp_path, env=dict(env, SCORELINT_OUTPUT_FORMAT="json"), real=True)
    assert json.loads(out(done))[0]["code"] == "SL004"


# --- scorelint rule -----------------------------------------------------------------------------------
def test_rule_documentation_by_code_and_by_name(tmp_path, env):
    by_code = scorelint("rule", "SL004", cwd=tmp_path, env=env)
    by_name = scorelint("rule", "init-required-params", cwd=tmp_path, env=env)
    assert by_code.returncode == by_name.returncode == 0
    assert out(by_code) == out(by_name)
    text = out(by_code)
    assert text.startswith("# init-required-params (SL004)\n")
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert heading in text
    as_json = json.loads(out(scorelint("rule", "sl010", "--output-format", "json", cwd=tmp_path, env=env)))
    assert (as_json["code"], as_json["name"], as_json["fixable"]) == ("SL010", "contrib-submodule-import", True)


def test_rule_all_lists_every_rule(tmp_path, env):
    from scorelint.registry import default_registry

    done = scorelint("rule", "--all", cwd=tmp_path, env=env)
    assert done.returncode == 0
    lines = out(done).splitlines()
    registry = default_registry()
    assert [line.split()[0] for line in lines] == [r.code for r in registry.rules]
    assert lines[3].split()[:3] == ["SL004", "init-required-params", "error"]
    assert any(line.startswith("SL010") and line.endswith("(fixable)") for line in lines)


def test_rule_errors(tmp_path, env):
    unknown = scorelint("rule", "SL999", cwd=tmp_path, env=env)
    assert unknown.returncode == 2
    assert err(unknown) == ("scorelint: error: no rule has the code or name 'SL999' (`scorelint rule --all` "
                            "lists them)\n")
    missing = scorelint("rule", cwd=tmp_path, env=env, real=True)
    assert (missing.returncode, err(missing)) == (2, "scorelint: error: give a rule code or name (`scorelint rule "
                                                     "SL004`), or --all to list every rule\n")
    both = scorelint("rule", "--all", "SL203", cwd=tmp_path, env=env, real=True)
    assert (both.returncode, out(both)) == (2, "")
    assert err(both) == "scorelint: error: give a rule (SL203) or --all, not both\n"
    misspelt = scorelint("rule", "init-requred-params", cwd=tmp_path, env=env, real=True)
    assert misspelt.returncode == 2
    assert "did you mean 'init-required-params'?" in err(misspelt)


def test_command_errors_in_scorelints_style(tmp_path, env):
    write(tmp_path, "x.py", BAD)
    chek = scorelint("chek", "x.py", cwd=tmp_path, env=env, real=True)
    assert (chek.returncode, out(chek)) == (2, "")
    assert err(chek) == ("scorelint: error: unknown command 'chek' (did you mean `scorelint check`?), and no file "
                         "or folder of that name either\n")
    # A file of that name is checked, as `scorelint PATH` always does.
    write(tmp_path, "chek", GOOD)
    assert scorelint("chek", cwd=tmp_path, env=env, real=True).returncode == 0
    option = scorelint("check", "--no-such-option", cwd=tmp_path, env=env, real=True)
    assert option.returncode == 2
    assert err(option).startswith("scorelint: error: No such option: --no-such-option")
    assert err(option).count("\n") == 1 and "Usage:" not in err(option)


def test_misspelt_selector_gets_a_suggestion_and_a_config_error_names_its_file(tmp_path, env):
    write(tmp_path, "score.py", BAD)
    cli = scorelint("score.py", "--select", "print-in-rn", cwd=tmp_path, env=env, real=True)
    assert cli.returncode == 2
    assert err(cli) == ("scorelint: error: unknown rule selector 'print-in-rn' in --select (did you mean "
                        "'print-in-run'? use a code like SL101, a prefix like SL1, a rule name, or ALL; "
                        "`scorelint rule --all` lists them)\n")
    config = write(tmp_path, "pyproject.toml", '[tool.scorelint]\nignore = ["SL999"]\n')
    in_file = scorelint("score.py", cwd=tmp_path, env=env, real=True)
    assert in_file.returncode == 2
    assert err(in_file).startswith(f"scorelint: error: {config}: [tool.scorelint] unknown rule selector 'SL999' ")
    write(tmp_path, "pyproject.toml", "[tool.scorelint.rules.sensitve-sample-data]\n")
    options = scorelint("score.py", cwd=tmp_path, env=env, real=True)
    assert err(options).startswith(f"scorelint: error: {config}: [tool.scorelint.rules.sensitve-sample-data]: no "
                                   "rule has that name or code (did you mean 'sensitive-sample-data'?")


def test_diff_of_an_absolute_path_names_the_file(tmp_path, env):
    target = write(tmp_path, "score.py", FIXABLE)
    done = scorelint("--diff", str(target), cwd=tmp_path, env=env, real=True)
    assert out(done).startswith(f"--- {target.as_posix()}\n+++ {target.as_posix()}\n@@ ")
    if shutil.which("patch"):  # and it applies as it is
        subprocess.run(["patch", "-s", str(target)], input=done.stdout, check=True)
        assert target.read_text() == SAFE_FIXED


# --- honest counts (issue 17) ---------------------------------------------------------------------------
def test_star_marks_only_the_fixes_fix_applies_and_hidden_fixes_are_counted(tmp_path, env):
    target = write(tmp_path, "score.py", FIXABLE)  # SL010: safe fix; SL202: unsafe fix
    done = scorelint("score.py", "--output-format", "concise", cwd=tmp_path, env=env, real=True)
    lines = out(done).splitlines()
    sl010 = next(line for line in lines if " SL010 " in line)
    sl202 = next(line for line in lines if " SL202 " in line)
    assert sl010.endswith(" [*]") and not sl202.endswith(" [*]")
    assert lines[-3:] == ["Found 2 findings in 1 file.", "[*] 1 fixable with the `--fix` option.",
                          "1 hidden fix can be enabled with the `--unsafe-fixes` option."]
    # With --unsafe-fixes, --fix would apply both: both are marked, nothing is hidden.
    unsafe = out(scorelint("score.py", "--unsafe-fixes", cwd=tmp_path, env=env, real=True)).splitlines()
    assert next(line for line in unsafe if " SL202 " in line).endswith(" [*]")
    assert unsafe[-2:] == ["Found 2 findings in 1 file.", "[*] 2 fixable with the `--fix` option."]

    fixed = scorelint("score.py", "--fix", cwd=tmp_path, env=env, real=True)
    assert target.read_text() == SAFE_FIXED
    assert out(fixed).splitlines()[-3:] == ["Fixed 1 finding.", "Found 1 finding in 1 file.",
                                            "1 hidden fix can be enabled with the `--unsafe-fixes` option."]
    assert "[*]" not in out(fixed)
    again = scorelint("score.py", "--fix", cwd=tmp_path, env=env, real=True)
    assert "Fixed" not in out(again) and target.read_text() == SAFE_FIXED


def test_in_n_files_counts_files_with_findings(tmp_path, env):
    write(tmp_path, "a_score.py", BAD)
    write(tmp_path, "b_score.py", BAD)
    for i in range(16):
        write(tmp_path, f"clean{i}_score.py", GOOD)
    done = scorelint(".", "--select", "SL004", "--output-format", "concise", cwd=tmp_path, env=env, real=True)
    assert out(done).splitlines()[-1] == "Found 2 findings in 2 files (18 files checked)."


def test_readme_sample_output_is_a_real_run():
    """README's sample is `scorelint examples/score.py` as it prints today (regenerate it by running that
    command at the repository's root with `--output-format full`: the format a terminal gets)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = readme.split("## Sample output\n\n```text\n", 1)[1].split("```", 1)[0]
    command, expected = sample.split("\n", 1)
    assert command == "$ scorelint examples/score.py"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCORELINT_", "FORCE_COLOR"))}
    done = subprocess.run([sys.executable, "-m", "scorelint", "--no-cache", "--output-format", "full",
                           "examples/score.py"], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert done.stdout.decode() == expected


# --- discovery (issue 17) -------------------------------------------------------------------------------
def test_test_modules_are_not_entry_scripts_and_force_exclude_applies_exclusions_to_named_files(tmp_path, env):
    write(tmp_path, "tests/test_score.py", "def test_scores():\n    assert True\n")
    write(tmp_path, "tests/conftest.py", "def init():\n    pass\n\n\ndef run(data):\n    return data\n")
    write(tmp_path, "legacy/old_score.py", BAD)
    write(tmp_path, "pyproject.toml", '[tool.scorelint]\nexclude = ["legacy/**"]\n')
    write(tmp_path, "score.py", BAD)
    folder = scorelint(".", "--output-format", "json", cwd=tmp_path, env=env)
    assert codes(folder) == [("score.py", "SL004")]
    named = ["tests/test_score.py", "legacy/old_score.py", "score.py"]
    # Named files are checked as asked; with --force-exclude (pre-commit's hooks) the exclusions apply.
    plain = scorelint(*named, "--output-format", "json", cwd=tmp_path, env=env)
    assert {path for path, _ in codes(plain)} == {"tests/test_score.py", "legacy/old_score.py", "score.py"}
    forced = scorelint("--force-exclude", *named, "--output-format", "json", cwd=tmp_path, env=env)
    assert codes(forced) == [("score.py", "SL004")]
    only_tests = scorelint("--force-exclude", "tests/test_score.py", cwd=tmp_path, env=env, real=True)
    assert (only_tests.returncode, out(only_tests)) == (0, "")
    assert err(only_tests) == ("scorelint: warning: no files checked: every file given is excluded (a test module, "
                               "or the configuration's exclude) and --force-exclude is on\n")


def test_globs_ignore_case_and_an_unparsable_entry_script_is_reported(tmp_path, env):
    write(tmp_path, "a/Score.py", "def init(:\n    pass\n")  # named like a script, any case
    write(tmp_path, "b/entry.py", "import json\n\ndef init():\n    x = (\n\ndef run(data):\n    return data\n")
    write(tmp_path, "b/helper.py", "def helper(:\n    pass\n")  # unparsable, but no init/run: not a script
    done = scorelint(".", "--output-format", "concise", cwd=tmp_path, env=env, real=True)
    assert done.returncode == 1
    assert [line.split(" ")[0:2] for line in out(done).splitlines()[:-1]] == [
        ["a/Score.py:1:10:", "SL001"], ["b/entry.py:4:9:", "SL001"]]


def test_nothing_checked_is_a_warning(tmp_path, env):
    write(tmp_path, "project/helper.py", "def helper():\n    pass\n")
    done = scorelint("project", cwd=tmp_path, env=env, real=True)
    assert (done.returncode, out(done)) == (0, "")
    assert err(done) == ("scorelint: warning: no files checked: no entry scripts under project (files named like an "
                         "include glob, default *score*.py, or defining init and run)\n")


# --- the options a ruff user reaches for (issue 17) -------------------------------------------------------
OPTIONS = ["--statistics", "--show-fixes", "--show-files", "--show-settings", "--quiet", "--verbose",
           "--output-file", "--output-format", "--add-noqa", "--fix-only", "--no-fix", "--watch", "--force-exclude",
           "NO_COLOR", "FORCE_COLOR", "--target-version"]


def test_every_option_is_in_help_and_readme(tmp_path, env):
    helptext = out(scorelint("check", "--help", cwd=tmp_path, env=env, real=True))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for option in OPTIONS:
        assert option in helptext, option
        assert option in readme, option


def test_statistics(tmp_path, env):
    write(tmp_path, "score.py", FIXABLE)
    write(tmp_path, "b_score.py", BAD)
    done = scorelint(".", "--statistics", cwd=tmp_path, env=env, real=True)
    assert done.returncode == 1
    assert out(done) == ("1\tSL004\t    init-required-params\n1\tSL010\t[*] contrib-submodule-import\n"
                         "1\tSL202\t    error-returned-as-success\nFound 3 findings.\n")
    as_json = json.loads(out(scorelint(".", "--statistics", "--output-format", "json", cwd=tmp_path, env=env)))
    assert as_json[1] == {"code": "SL010", "name": "contrib-submodule-import", "count": 1, "fixable": True}


def test_show_files_and_show_settings(tmp_path, env):
    write(tmp_path, "deploy/score.py", BAD)
    write(tmp_path, "deploy/helper.py", "def helper():\n    pass\n")
    config = write(tmp_path, "pyproject.toml", '[tool.scorelint]\nignore = ["SL208"]\n')
    files = scorelint("--show-files", ".", cwd=tmp_path, env=env, real=True)
    assert (files.returncode, out(files)) == (0, "deploy/score.py\n")
    shown = scorelint("--show-settings", "deploy/score.py", cwd=tmp_path, env=env, real=True)
    assert shown.returncode == 0
    assert f"  configuration file: {config}\n" in out(shown) and "  ignore: ['SL208']\n" in out(shown)
    enabled = out(shown).split("enabled rules (", 1)[1]
    assert "SL004" in enabled and "SL208" not in enabled


def test_quiet_verbose_and_output_file(tmp_path, env):
    write(tmp_path, "score.py", BAD)
    quiet = scorelint("-q", "score.py", cwd=tmp_path, env=env, real=True)
    assert (quiet.returncode, out(quiet)) == (1, f"{LINE_SL004}\n")
    verbose = scorelint("-v", "score.py", cwd=tmp_path, env=env, real=True)
    assert out(verbose) == out(scorelint("score.py", cwd=tmp_path, env=env, real=True))
    assert "scorelint: ./: configuration none (the defaults)\n" in err(verbose)
    assert "scorelint: checked 1 file (1 answered by the cache) in " in err(verbose)  # the -q run filled it
    to_file = scorelint("score.py", "-o", "report.json", "--output-format", "json", cwd=tmp_path, env=env, real=True)
    assert (to_file.returncode, out(to_file)) == (1, "")
    assert json.loads((tmp_path / "report.json").read_text())[0]["code"] == "SL004"
    listed = scorelint("--show-files", ".", "-o", "files.txt", cwd=tmp_path, env=env, real=True)
    assert (listed.returncode, out(listed), (tmp_path / "files.txt").read_text()) == (0, "", "score.py\n")
    nowhere = scorelint("score.py", "-o", "missing/report.txt", cwd=tmp_path, env=env, real=True)
    assert nowhere.returncode == 2
    assert err(nowhere) == "scorelint: error: missing/report.txt: cannot write the report: No such file or directory\n"


def test_fix_only_no_fix_and_show_fixes(tmp_path, env):
    target = write(tmp_path, "score.py", FIXABLE)
    off = scorelint("--fix", "score.py", "--no-fix", cwd=tmp_path, env=env, real=True)  # a hook's args: --no-fix
    assert off.returncode == 1 and target.read_text() == FIXABLE
    only = scorelint("--fix-only", "score.py", cwd=tmp_path, env=env, real=True)
    assert (only.returncode, out(only)) == (0, "Fixed 1 finding.\n")  # SL202 (unsafe) is left, not reported
    assert target.read_text() == SAFE_FIXED
    again = scorelint("--fix-only", "score.py", cwd=tmp_path, env=env, real=True)
    assert (again.returncode, out(again)) == (0, "No fixes applied.\n")
    target.write_text(FIXABLE)
    shown = scorelint("--fix", "--unsafe-fixes", "--show-fixes", "score.py", cwd=tmp_path, env=env, real=True)
    assert out(shown) == "Fixed 2 findings:\n- score.py:\n    1 × SL010\n    1 × SL202\nAll checks passed (1 file).\n"


def test_add_noqa_suppresses_every_finding_where_scorelint_reads_it(tmp_path, env):
    source = ('import azureml.contrib.services.aml_request as req\n\n\ndef init(path):  # the model path\n'
              '    pass\n\n\n@req.rawhttp\ndef run(request):\n    note = """\n    text"""\n'
              '    print(request.get_data(),\n          note)\n    return {}  # noqa: SL201\n')
    target = write(tmp_path, "score.py", source)
    done = scorelint("--add-noqa", "score.py", cwd=tmp_path, env=env, real=True)
    assert (done.returncode, out(done)) == (0, "Added 4 noqa directives.\n")
    assert target.read_text() == (
        'import azureml.contrib.services.aml_request as req  # noqa: SL010\n\n\n'
        'def init(path):  # the model path  # noqa: SL004\n    pass\n\n\n@req.rawhttp\ndef run(request):\n'
        '    note = """\n    text"""\n    print(request.get_data(),\n          note)  # noqa: SL206, SL207, SL208\n'
        '    return {}  # noqa: SL009, SL201\n')
    after = scorelint("score.py", cwd=tmp_path, env=env, real=True)
    assert (after.returncode, out(after)) == (0, "All checks passed (1 file).\n")


def test_no_color_and_force_color(tmp_path, env):
    write(tmp_path, "score.py", BAD)
    plain = scorelint("score.py", cwd=tmp_path, env=dict(env, NO_COLOR=None), real=True)
    assert "\x1b[" not in out(plain)  # not a terminal
    forced = scorelint("score.py", cwd=tmp_path, env=dict(env, NO_COLOR=None, FORCE_COLOR="1"), real=True)
    assert out(forced).startswith("\x1b[1mscore.py:1:10:\x1b[0m \x1b[31m\x1b[1mSL004")
    both = scorelint("score.py", cwd=tmp_path, env=dict(env, NO_COLOR="1", FORCE_COLOR="1"), real=True)
    assert "\x1b[" not in out(both)  # NO_COLOR wins (no-color.org)
    flag = scorelint("score.py", "--color", cwd=tmp_path, env=dict(env, NO_COLOR="1"), real=True)
    assert "\x1b[" in out(flag)  # the command line wins over both


def test_full_output_underlines_the_range(tmp_path, env):
    write(tmp_path, "score.py", "def init(model_path):\n\tpass\n\n\ndef run(data):\n    return data\n")
    done = scorelint("score.py", "--output-format", "full", cwd=tmp_path, env=env, real=True)
    # the help under the finding, wrapped and aligned under its label
    assert out(done) == (f"{LINE_SL004}\n  |\n1 | def init(model_path):\n  |          ^^^^^^^^^^ SL004\n  |\n"
                         "  = note: The deployment fails at start-up with a TypeError. Give the parameter a default or "
                         "read\n          the value inside init.\n\n"
                         "Found 1 finding in 1 file.\n")


def test_watch_checks_again_when_a_file_changes(tmp_path, env):
    import time

    target = write(tmp_path, "score.py", GOOD)
    environment = {k: v for k, v in {**os.environ, **env}.items() if v is not None}
    process = subprocess.Popen([sys.executable, "-m", "scorelint", "--watch", "."], cwd=tmp_path, env=environment,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stderr.readline() == b"scorelint: watching for changes (Ctrl-C to stop)\n"
        assert process.stdout.readline() == b"All checks passed (1 file).\n"
        time.sleep(0.5)
        target.write_text(BAD)
        assert process.stderr.readline() == b"scorelint: changed: score.py; checking again\n"
        assert process.stdout.readline().decode() == f"{LINE_SL004}\n"
    finally:
        process.send_signal(2)  # Ctrl-C
        process.wait(timeout=20)
    assert process.returncode == 0


def test_target_version_scopes_the_rule_about_server_1_4(tmp_path, env):
    write(tmp_path, "score.py", "from azureml.contrib.services.aml_request import rawhttp\n\ndef init():\n    pass\n\n"
                                "@rawhttp\ndef run(request):\n    if request.method != 'POST':\n        return 'no'\n"
                                "    return request.json\n")
    newest = scorelint("score.py", "--output-format", "json", cwd=tmp_path, env=env, real=True)
    assert codes(newest) == [("score.py", "SL210")]
    assert codes(scorelint("score.py", "--target-version", "1.4.0", "--output-format", "json", cwd=tmp_path,
                           env=env, real=True)) == [("score.py", "SL210")]
    old = scorelint("score.py", "--target-version", "1.3", cwd=tmp_path, env=env, real=True)
    assert (old.returncode, out(old)) == (0, "All checks passed (1 file).\n")
    config = write(tmp_path, "pyproject.toml", '[tool.scorelint]\ntarget-version = "1.3.1"\n')
    assert scorelint("score.py", cwd=tmp_path, env=env, real=True).returncode == 0
    write(tmp_path, "pyproject.toml", '[tool.scorelint]\ntarget-version = 1.3\n')
    bad = scorelint("score.py", cwd=tmp_path, env=env, real=True)
    assert bad.returncode == 2
    assert err(bad) == (f"scorelint: error: {config}: [tool.scorelint] target-version must be an "
                        "azureml-inference-server-http version such as \"1.3\" or \"1.4.0\", not 1.3\n")
    flag = scorelint("score.py", "--target-version", "latest", cwd=tmp_path, env=env, real=True)
    assert (flag.returncode, err(flag)) == (2, "scorelint: error: --target-version must be an "
                                               "azureml-inference-server-http version such as 1.3 or 1.4.0, not "
                                               "'latest'\n")


def test_message_defects_of_issue_17(tmp_path, env):
    # `# NOQA:sl501` suppresses SL501 as `--select sl501` selects it: case does not matter.
    write(tmp_path, "a_score.py", 'import os\n\ndef init():\n    global model\n'
                                  '    model = os.path.join(os.getenv("AZUREML_MODEL_DIR"), "m.pkl")  # NOQA:sl501\n\n'
                                  'def run(data):\n    return model\n')
    lower = scorelint("a_score.py", "--select", "sl501,sl009", cwd=tmp_path, env=env, real=True)
    assert (lower.returncode, out(lower)) == (0, "All checks passed (1 file).\n")
    # An unknown code cannot hide anything: unused-suppression does not say it would.
    write(tmp_path, "b_score.py", "def init():\n    pass\n\ndef run(data):\n    return data  # noqa: SL999\n")
    unknown = out(scorelint("b_score.py", "--select", "SL009", "--output-format", "full", cwd=tmp_path, env=env,
                            real=True))
    assert "`SL999` names no scorelint rule" in unknown and "hide" not in unknown
    # run-may-return-none suggests a 405 only where run sees the HTTP method (@rawhttp).
    write(tmp_path, "c_score.py", "import json\n\ndef init():\n    pass\n\ndef run(data):\n    body = json.loads(data)\n"
                                  "    if body.get('kind') == 'a':\n        return 1\n    elif body.get('kind') == 'b':\n"
                                  "        return 2\n")
    plain = out(scorelint("c_score.py", "--select", "SL205", "--output-format", "full", cwd=tmp_path, env=env,
                          real=True))
    assert "no branch of this `if` chain matches" in plain and "405" not in plain
