"""End-to-end tests of the language server: a real `python -m scorelint_lsp` process over stdio, driven by
pytest-lsp with the VS Code and Neovim capability profiles."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from scorelint.api import Linter

from .helpers import WAIT, apply_edits, codes, doc, edits_of

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

BAD = textwrap.dedent('''\
    import json


    def initialize():
        pass


    def run():
        return {"ok": json.__name__}
    ''')

GOOD = textwrap.dedent('''\
    import json


    def init():
        pass


    def run(data):
        return json.loads(data)
    ''')

JOBLIB = textwrap.dedent('''\
    import os
    from sklearn.externals import joblib

    model = None


    def init():
        global model
        model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))


    def run(data):
        return model.predict(data).tolist()
    ''')


async def test_bad_script_reports_expected_diagnostics(client: LanguageClient):
    d = doc(client, "score.py", BAD)
    diagnostics = await d.open()
    assert codes(diagnostics) == ["SL002", "SL006"]
    by_code = {x.code: x for x in diagnostics}
    run = by_code["SL006"]
    assert run.range == types.Range(start=types.Position(line=7, character=4), end=types.Position(line=7, character=7))
    assert run.severity == types.DiagnosticSeverity.Error
    assert run.source == "scorelint"
    assert run.data["name"] == "run-no-input-param"
    assert run.code_description.href.endswith("#sl006-run-no-input-param")
    assert "initialize" in by_code["SL002"].message  # the engine's hint about the near miss
    # the same findings as the engine's own API gives for the text
    assert [(x.code, x.message) for x in sorted(diagnostics, key=lambda x: x.code)] == [
        (e.code, e.message) for e in sorted(Linter().lint_text(BAD, d.path).diagnostics, key=lambda e: e.code)]


async def test_editing_into_a_good_script_clears_diagnostics(client: LanguageClient):
    d = doc(client, "score.py", BAD)
    assert codes(await d.open()) == ["SL002", "SL006"]
    half = BAD.replace("def initialize():", "def init():")
    assert codes(await d.change(half)) == ["SL006"]
    assert await d.change(GOOD) == []


async def test_quick_fix_changes_the_text(client: LanguageClient):
    d = doc(client, "score.py", JOBLIB)
    diagnostics = await d.open()
    assert codes(diagnostics) == ["SL504"]
    actions = await d.code_actions(diagnostics, only=[types.CodeActionKind.QuickFix])
    fixes = [a for a in actions if "Disable" not in a.title]
    assert len(fixes) == 1 and fixes[0].kind == types.CodeActionKind.QuickFix and fixes[0].is_preferred
    assert fixes[0].title.startswith("scorelint (SL504): ")
    after = await d.apply(fixes[0])
    assert "import joblib\n" in d.text and "sklearn.externals" not in d.text
    assert d.text == Linter().fix_text(JOBLIB, d.path).text
    assert after == []


async def test_disable_for_this_line(client: LanguageClient):
    d = doc(client, "score.py", BAD)
    diagnostics = await d.open()
    run = next(x for x in diagnostics if x.code == "SL006")
    actions = await d.code_actions([run])
    disable = [a for a in actions if a.title == "scorelint (SL006): Disable run-no-input-param for this line"]
    assert len(disable) == 1
    after = await d.apply(disable[0])
    assert "def run():  # scorelint: ignore[run-no-input-param]\n" in d.text
    assert codes(after) == ["SL002"]
    # SL002 is about the whole file: its suppression goes at the top
    actions = await d.code_actions(after)
    disable = [a for a in actions if "Disable missing-init" in a.title]
    assert [a.title for a in disable] == ["scorelint (SL002): Disable missing-init for this file"]
    assert await d.apply(disable[0]) == []
    assert d.text.startswith("# scorelint: ignore-file[missing-init]\nimport json\n")


async def test_fix_all(client: LanguageClient):
    text = JOBLIB.replace("def run(data):", "def run():")  # run still reads `data`: SL011 too
    d = doc(client, "score.py", text)
    assert codes(await d.open()) == ["SL006", "SL011", "SL504"]
    actions = await d.code_actions([], only=["source.fixAll.scorelint"])
    assert [a.kind for a in actions] == ["source.fixAll.scorelint"]
    after = await d.apply(actions[0])
    assert d.text == Linter().fix_text(text, d.path).text
    assert "from sklearn.externals" not in d.text
    assert codes(after) == ["SL006", "SL011"]  # not fixable: stay
    # The light bulb (no `only`) offers fix-all only while a safe fix exists.
    assert not [a for a in await d.code_actions(after) if a.kind == "source.fixAll.scorelint"]


async def test_hover_on_rule_code_in_suppression_comment(client: LanguageClient):
    text = BAD.replace("def run():", "def run():  # noqa: SL006, missing-init")
    d = doc(client, "score.py", text)
    await d.open()
    line = 7
    column = d.text.split("\n")[line].index("SL006") + 2
    result = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=d.uri), position=d.position(line, column))), WAIT)
    assert result is not None
    assert "run-no-input-param (SL006)" in result.contents.value
    assert "## What it does" in result.contents.value
    start = d.text.split("\n")[line].index("SL006")
    assert result.range == types.Range(start=d.position(line, start), end=d.position(line, start + 5))
    # a rule name works too; elsewhere on the line there is nothing to show
    column = d.text.split("\n")[line].index("missing-init") + 3
    result = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=d.uri), position=d.position(line, column))), WAIT)
    assert "missing-init (SL002)" in result.contents.value
    result = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=d.uri), position=d.position(line, 5))), WAIT)
    assert result is None


async def test_hover_on_a_finding_shows_its_message_and_help(client: LanguageClient):
    """The Problems panel shows the short message; the hover over the finding adds the help (issue 17)."""
    d = doc(client, "score.py", BAD)
    diagnostics = await d.open()
    finding = next(x for x in diagnostics if x.code == "SL006")
    expected = next(x for x in Linter().lint_text(BAD, d.path).diagnostics if x.code == "SL006")
    assert finding.message == expected.message and "\n" not in finding.message
    assert [info.message for info in finding.related_information] == [expected.help]
    result = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=d.uri), position=finding.range.start)), WAIT)
    assert result is not None and result.range == finding.range
    assert result.contents.value == f"**SL006** {expected.message}\n\n{expected.help}"


async def test_non_ascii_columns_and_fix(client: LanguageClient):
    # Astral characters are 2 UTF-16 units and 4 UTF-8 bytes but one code point: the diagnostic after them
    # must start where the client counts, and the fix must edit the right characters.
    prefix = 'LABEL = "Modèle 😀 ünïcode 🚀"; '
    text = JOBLIB.replace("from sklearn.externals import joblib", prefix + "from sklearn.externals import joblib")
    d = doc(client, "score.py", text)
    diagnostics = await d.open()
    assert codes(diagnostics) == ["SL504"]
    line = 1
    assert diagnostics[0].range.start == d.position(line, len(prefix))
    assert diagnostics[0].range.start.character != len(prefix)  # the conversion did something
    fixes = [a for a in await d.code_actions(diagnostics) if "Disable" not in a.title]
    await d.apply(fixes[0])
    assert d.text.split("\n")[line] == prefix + "import joblib"


async def test_syntax_error_mid_edit(client: LanguageClient):
    d = doc(client, "score.py", GOOD)
    assert await d.open() == []
    broken = GOOD.replace("def run(data):", 'def run(data, note="😀"')
    diagnostics = await d.change(broken)
    assert codes(diagnostics) == ["SL001"]
    expected = Linter().lint_text(broken, d.path).diagnostics[0]
    assert diagnostics[0].range.start == d.position(expected.range.start.line - 1, expected.range.start.column)
    # still answering while the buffer is broken, and back to normal once it parses again
    result = await asyncio.wait_for(client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=d.uri), position=types.Position(line=0, character=0))), WAIT)
    assert result is None
    for partial in ("def run(d", "def run(da", "def run(dat", "def run(data)", "def run(data):"):
        diagnostics = await d.change(GOOD.replace("def run(data):", partial))
    assert diagnostics == []
    # typing errors are findings, not server errors: nothing was shown to the user
    assert client.messages == []
    assert not [m for m in client.log_messages if m.type == types.MessageType.Error]


async def swagger_command(client: LanguageClient, *arguments):
    return await asyncio.wait_for(client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="scorelint.showSwagger", arguments=list(arguments))), 60)


async def test_swagger_command(client: LanguageClient):
    from scorelint.sandbox import swagger

    d = doc(client, "score.py", GOOD)
    await d.open()
    expected = swagger(d.path)  # the sandbox's own API, run here for the expectation
    result = await swagger_command(client, {"uri": d.uri, "version": "3"})
    assert result["version"] == "3" and result["document"] == expected.document("3")
    assert result["document"]["openapi"].startswith("3.0")
    cli = subprocess.run([sys.executable, "-m", "scorelint", "swagger", str(d.path), "--version", "3"],
                         capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0, cli.stderr
    assert result["text"] == cli.stdout  # what the command line prints, to the byte
    result = await swagger_command(client, d.uri)  # a bare URI: version 2, what /swagger.json serves
    assert result["document"] == expected.document("2") and result["document"]["swagger"] == "2.0"
    assert "/score" in result["document"]["paths"]
    # a script the server cannot import (a real error at import time; a missing module gets a stand-in):
    # the reason, not a document
    broken = doc(client, "broken_score.py", "raise ValueError('not_a_module_scorelint_test')\n" + GOOD)
    await broken.open()
    with pytest.raises(Exception, match="not_a_module_scorelint_test"):
        await swagger_command(client, {"uri": broken.uri})
    # a package that is not installed: stood in for, and named with the document
    heavy = doc(client, "heavy_score.py", "import not_a_module_scorelint_test\n" + GOOD)
    await heavy.open()
    result = await swagger_command(client, {"uri": heavy.uri})
    assert result["document"] == expected.document("2") and result["stoodIn"] == ["not_a_module_scorelint_test"]
    assert "not_a_module_scorelint_test is not installed" in result["note"]
    # the server is still alive and well
    assert codes(await d.change(BAD)) == ["SL002", "SL006"]


async def test_only_entry_scripts_are_linted(client: LanguageClient):
    helper = doc(client, "helpers.py", "def initialize():\n    pass\n")
    assert await helper.open() == []
    # detection by content, as on the command line: a file binding init and run is an entry script
    entry = doc(client, "main.py", BAD.replace("def initialize():", "def init():"))
    assert codes(await entry.open()) == ["SL006"]


async def test_apply_fix_all_command(client: LanguageClient):
    text = JOBLIB.replace("def run(data):", "def run():")
    d = doc(client, "score.py", text)
    await d.open()
    received = []

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply_edit(params: types.ApplyWorkspaceEditParams):
        received.append(params.edit)
        return types.ApplyWorkspaceEditResult(applied=True)

    result = await asyncio.wait_for(client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="scorelint.applyFixAll", arguments=[d.uri])), WAIT)
    assert result == {"applied": True, "fixes": 1}
    assert len(received) == 1
    await d.change(apply_edits(d.text, edits_of(received[0], d.uri), d.encoding))
    assert d.text == Linter().fix_text(text, d.path).text
