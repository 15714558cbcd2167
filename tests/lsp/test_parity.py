"""The command line and the language server go through one document pipeline (scorelint.project), so the
same project gives the same findings in both: per-file ignores, a rule's allow list (which also governs
the sandbox's sensitive-swagger-example), a `# noqa` on a sandbox finding, a file outside the include
globs, and a broken configuration reported with the same message. Both are real processes."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from .helpers import WAIT, Doc, start

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

PYPROJECT = """\
[tool.scorelint.per-file-ignores]
"legacy/*.py" = ["SL5"]

[tool.scorelint.rules.sensitive-sample-data]
allow = ["email"]
"""

FILES = {
    # The published example holds a name and an e-mail address read from a file: the sandbox's SL903
    # reports the name; the e-mail column is allowed by sensitive-sample-data's allow list.
    "score.py": """\
        import os

        import pandas as pd
        from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType
        from inference_schema.schema_decorators import input_schema

        sample = pd.read_csv(os.path.join(os.path.dirname(__file__), "sample.csv"))


        def init():
            pass


        @input_schema("frame", PandasParameterType(sample))
        def run(frame):
            print("scoring")
            return frame.shape[0]
        """,
    "sample.csv": "name,email,age\nSarah Connor,sarah.connor@gmail.com,41\n",
    # SL504 is ignored for legacy/*.py; the sandbox's import-failed is suppressed by its noqa comment
    # (its twin without the comment shows the finding is there to suppress).
    "legacy/score.py": """\
        WORKERS = int("four")  # noqa: SL901
        from sklearn.externals import joblib


        def init():
            global model
            model = joblib.load("model.pkl")


        def run(data):
            return model.predict(data)
        """,
    "legacy/score_twin.py": """\
        WORKERS = int("four")


        def init():
            pass


        def run(data):
            return data
        """,
    # Outside the include globs (*score*.py): main.py binds init and run, so it is an entry script;
    # util.py does not, so neither front end checks it.
    "helpers/main.py": """\
        def init():
            pass


        def run():
            return 1
        """,
    "helpers/util.py": """\
        def run():
            return undefined_name
        """,
    "broken/pyproject.toml": "[tool.scorelint\nselect = [\n",
    "broken/score.py": """\
        def initialize():
            pass


        def run():
            return 1
        """,
}
SCRIPTS = [name for name in FILES if name.endswith(".py")]


def write_project(root: Path) -> None:
    (root / "pyproject.toml").write_text(PYPROJECT)
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def command_line(root: Path) -> tuple[set[tuple], set[str]]:
    out = subprocess.run([sys.executable, "-m", "scorelint", "check", "--sandbox", "--no-cache",
                          "--output-format", "json", "."], cwd=root, capture_output=True, text=True, timeout=180,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 2, out.stderr  # the broken configuration
    findings = {(f["path"], f["code"], f["line"], f["column"], f["message"], f["help"]) for f in json.loads(out.stdout)}
    errors = {line.removeprefix("scorelint: error: ") for line in out.stderr.splitlines()}
    return findings, errors


async def next_publication(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    while True:
        params = await asyncio.wait_for(client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 120)
        if params.uri == uri:
            return list(params.diagnostics)


async def language_server(client: LanguageClient, root: Path) -> tuple[set[tuple], set[str]]:
    await start(client, "visual-studio-code", root, {"sandbox": {"onSave": True}})
    findings = set()
    for name in SCRIPTS:
        path = root / name
        d = Doc(client, path, path.read_text())
        diagnostics = await d.open()
        if diagnostics or name.startswith("legacy/"):
            # an entry script: save it, and wait for the sandbox's findings to be published with the others
            client.text_document_did_save(types.DidSaveTextDocumentParams(
                text_document=types.TextDocumentIdentifier(uri=d.uri)))
            diagnostics = await next_publication(client, d.uri)
        # the short message is the diagnostic's message, the help its related information (at its own range)
        findings |= {(name, x.code, x.range.start.line + 1, x.range.start.character + 1, x.message,
                      x.related_information[0].message if x.related_information else None)
                     for x in diagnostics}
        assert all(info.location.uri == d.uri and info.location.range == x.range
                   for x in diagnostics for info in x.related_information or ())
    await asyncio.sleep(0.2)  # the configuration error's showMessage follows the lint of broken/score.py
    prefix = "scorelint: configuration error: "
    errors = {m.message.removeprefix(prefix) for m in client.messages if m.message.startswith(prefix)}
    return findings, errors


async def test_command_line_and_language_server_agree(vscode: LanguageClient, tmp_path):
    write_project(tmp_path)
    cli_findings, cli_errors = command_line(tmp_path)
    lsp_findings, lsp_errors = await language_server(vscode, tmp_path)
    assert lsp_findings == cli_findings

    by_file = {}
    for path, code, *_ in cli_findings:
        by_file.setdefault(path, set()).add(code)
    assert set(by_file) == {"score.py", "legacy/score.py", "legacy/score_twin.py", "helpers/main.py"}
    assert "SL903" in by_file["score.py"] and "SL208" in by_file["score.py"]
    sl903 = [f[4] for f in cli_findings if f[1] == "SL903"]
    assert sl903 and not any("e-mail" in message for message in sl903)  # allowed by the static rule's list
    assert not by_file["legacy/score.py"] & {"SL504", "SL901"}  # per-file ignore; noqa on a sandbox finding
    assert by_file["legacy/score_twin.py"] == {"SL901"}
    assert by_file["helpers/main.py"] == {"SL006"}
    broken = {e for e in cli_errors if "invalid TOML" in e}
    assert len(broken) == 1 and broken == lsp_errors
