"""Settings, entry-script selection, the two ways of starting the server, and robustness: real server
processes over stdio."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from .helpers import WAIT, Doc, codes, doc, start
from .test_lsp_server import BAD

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]


async def change_configuration(d: Doc, settings) -> list[types.Diagnostic]:
    """didChangeConfiguration makes the server re-lint open documents; wait for the new diagnostics."""
    d.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=settings))
    while True:
        params = await asyncio.wait_for(d.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), WAIT)
        if params.uri == d.uri:
            return list(params.diagnostics)


async def test_initialization_options_select_rules(vscode: LanguageClient):
    await start(vscode, "visual-studio-code", vscode.root, {"ignore": ["run-no-input-param"]})
    d = doc(vscode, "score.py", BAD)
    assert codes(await d.open()) == ["SL002"]


async def test_changes_are_debounced(vscode: LanguageClient):
    await start(vscode, "visual-studio-code", vscode.root, {"debounceMs": 400})
    d = doc(vscode, "score.py", BAD)
    assert codes(await d.open()) == ["SL002", "SL006"]  # opening is not debounced
    for step in ("def ini():", "def init", "def init(", "def init():"):  # typed faster than the debounce
        d.text = BAD.replace("def initialize():", step)
        d.version += 1
        vscode.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=d.uri, version=d.version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=d.text)]))
    published = await asyncio.wait_for(vscode.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), WAIT)
    assert published.version == d.version == 5  # one lint, of the last version only
    assert codes(published.diagnostics) == ["SL006"]


async def test_precedence_defaults_pyproject_editor(vscode: LanguageClient):
    (vscode.root / "pyproject.toml").write_text('[tool.scorelint]\nignore = ["SL002"]\n', encoding="utf-8")
    await start(vscode, "visual-studio-code", vscode.root)
    d = doc(vscode, "score.py", BAD)
    assert codes(await d.open()) == ["SL006"]  # pyproject.toml over the defaults
    # the editor's settings over pyproject.toml, as command-line flags are
    assert codes(await change_configuration(d, {"scorelint": {"ignore": ["SL006"]}})) == ["SL002"]
    assert codes(await change_configuration(d, {"scorelint": {"select": ["SL0"], "ignore": []}})) == [
        "SL002", "SL006"]


async def test_config_file_setting_like_dash_dash_config(vscode: LanguageClient):
    (vscode.root / "pyproject.toml").write_text('[tool.scorelint]\nignore = ["SL002"]\n', encoding="utf-8")
    (vscode.root / "ci").mkdir()
    (vscode.root / "ci" / "scorelint.toml").write_text('ignore = ["SL006"]\n', encoding="utf-8")
    await start(vscode, "visual-studio-code", vscode.root, {"configFile": "ci/scorelint.toml"})
    d = doc(vscode, "score.py", BAD)
    assert codes(await d.open()) == ["SL002"]  # the given file instead of the pyproject.toml found


async def test_settings_pulled_with_workspace_configuration(vscode: LanguageClient):
    await start(vscode, "visual-studio-code", vscode.root)
    d = doc(vscode, "score.py", BAD)
    assert codes(await d.open()) == ["SL002", "SL006"]
    vscode.set_configuration({"ignore": ["SL002"], "debounceMs": 0}, section="scorelint")
    assert codes(await change_configuration(d, None)) == ["SL006"]


async def test_force_include_and_enable(vscode: LanguageClient):
    await start(vscode, "visual-studio-code", vscode.root)
    helper = doc(vscode, "helpers.py", "def run():\n    return 1\n")
    assert await helper.open() == []  # neither named like an entry script nor binding init and run
    assert codes(await change_configuration(helper, {"scorelint": {"forceInclude": ["helpers.py"],
                                                                    "debounceMs": 0}})) == ["SL002", "SL006"]
    assert await change_configuration(helper, {"scorelint": {"enable": False}}) == []


async def test_configuration_error_is_shown_once_and_never_fatal(vscode: LanguageClient):
    (vscode.root / "pyproject.toml").write_text('[tool.scorelint]\nignre = ["SL002"]\n', encoding="utf-8")
    await start(vscode, "visual-studio-code", vscode.root)
    d = doc(vscode, "score.py", BAD)
    assert await d.open() == []
    for n in range(3):
        assert await d.change(BAD + f"# {n}\n") == []
    shown = [m.message for m in vscode.messages]
    assert len(shown) == 1 and "ignre" in shown[0], shown
    # fixing the file is picked up (the settings cache is keyed by the file's modification time)
    (vscode.root / "pyproject.toml").write_text('[tool.scorelint]\nignore = ["SL002"]\n', encoding="utf-8")
    assert codes(await d.change(BAD)) == ["SL006"]


async def test_bad_settings_and_requests_do_not_hurt(vscode: LanguageClient):
    await start(vscode, "visual-studio-code", vscode.root, {"select": 3, "nonsense": True})
    assert any("select" in m.message for m in vscode.messages)
    d = doc(vscode, "score.py", BAD)
    assert codes(await d.open()) == ["SL002", "SL006"]
    with pytest.raises(Exception, match="URI"):
        await vscode.workspace_execute_command_async(types.ExecuteCommandParams(
            command="scorelint.showSwagger", arguments=[42]))
    nothing = await vscode.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=(vscode.root / "closed.py").as_uri()),
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
        context=types.CodeActionContext(diagnostics=[])))
    assert not nothing
    # a client that drops `data` still gets the actions, from the server's own last lint (no re-lint) ...
    def diagnostic(line, start, end, data):
        return types.Diagnostic(range=types.Range(start=types.Position(line=line, character=start),
                                                  end=types.Position(line=line, character=end)),
                                message="x", code="SL006", source="scorelint", data=data)
    titles = [a.title for a in await d.code_actions([diagnostic(7, 4, 7, None)])]
    assert titles == ["scorelint (SL006): Disable run-no-input-param for this line"]
    # ... but a diagnostic the current version does not have gets nothing made up
    assert await d.code_actions([diagnostic(3, 4, 7, {"version": 999, "name": "run-no-input-param"})]) == []
    assert codes(await d.change(BAD.replace("def run():", "def run(data):"))) == ["SL002"]


async def test_pull_diagnostics_result_ids(neovim: LanguageClient):
    d = doc(neovim, "score.py", BAD)
    assert d.pull
    assert codes(await d.open()) == ["SL002", "SL006"]
    ident = types.TextDocumentIdentifier(uri=d.uri)
    first = await neovim.text_document_diagnostic_async(types.DocumentDiagnosticParams(text_document=ident))
    again = await neovim.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=ident, previous_result_id=first.result_id))
    assert again.kind == "unchanged" and again.result_id == first.result_id
    await d.change(BAD.replace("def initialize", "def init"))
    changed = await neovim.text_document_diagnostic_async(types.DocumentDiagnosticParams(
        text_document=ident, previous_result_id=first.result_id))
    assert changed.kind == "full" and codes(changed.items) == ["SL006"]


async def test_started_by_scorelint_lsp(via_cli: LanguageClient):
    # Neovim 0.7 (Debian's) has no pull diagnostics and no position encodings: push, UTF-16
    d = doc(via_cli, "score.py", BAD)
    assert not d.pull and d.encoding == "utf-16"
    assert codes(await d.open()) == ["SL002", "SL006"]


def test_command_line_does_not_import_pygls():
    code = textwrap.dedent("""
        import sys
        from click.testing import CliRunner
        import scorelint.cli
        result = CliRunner().invoke(scorelint.cli.main, ["rule", "SL002"])
        assert result.exit_code == 0, result.output
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("pygls", "lsprotocol", "scorelint_lsp"))
        print(loaded)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_scorelint_lsp_without_the_extra_says_what_to_install():
    # pygls hidden from the import system, as when scorelint is installed without [lsp]
    code = textwrap.dedent("""
        import sys
        class Hide:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("pygls", "lsprotocol"):
                    raise ImportError(f"No module named {name!r}")
        sys.meta_path.insert(0, Hide())
        sys.argv = ["scorelint", "lsp"]
        import scorelint.cli
        scorelint.cli.main()
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         stdin=subprocess.DEVNULL)
    assert out.returncode == 2
    assert "pip install 'scorelint[lsp]'" in out.stderr


async def test_swagger_without_a_sandbox_says_why(no_sandbox: LanguageClient):
    d = doc(no_sandbox, "score.py", BAD)
    assert codes(await d.open()) == ["SL002", "SL006"]
    with pytest.raises(Exception, match="sandbox not available"):
        await asyncio.wait_for(no_sandbox.workspace_execute_command_async(types.ExecuteCommandParams(
            command="scorelint.showSwagger", arguments=[d.uri])), WAIT)
    assert codes(await d.change(BAD.replace("def run():", "def run(data):"))) == ["SL002"]

