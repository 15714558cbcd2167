"""Sandbox diagnostics on save: the server runs the sandbox (an isolated child process) on its sandbox
thread when `sandbox.onSave` is on, and adds its findings to the static ones."""

from __future__ import annotations

import asyncio

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from .helpers import codes, doc, start

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


async def test_sandbox_diagnostics_on_save(vscode: LanguageClient):
    from .test_lsp_server import GOOD

    await start(vscode, "visual-studio-code", vscode.root, {"sandbox": {"onSave": True}})
    d = doc(vscode, "score.py", "import not_a_module_scorelint_test\n" + GOOD)
    assert await d.open() == []  # nothing the static rules can see
    vscode.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=d.uri)))
    while True:  # the sandbox imports the saved file in its isolated child, off the message loop
        params = await asyncio.wait_for(vscode.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), 60)
        if params.uri == d.uri and params.diagnostics:
            break
    # the package is not installed: the sandbox stood in for it, and says so (an info finding)
    assert codes(params.diagnostics) == ["SL904"]
    found = params.diagnostics[0]
    assert found.range.start.line == 0 and "not_a_module_scorelint_test" in found.message
    assert found.data["origin"] == "sandbox" and found.data["name"] == "modules-stood-in"
    # they stay while the user edits (until the next save), next to the static findings
    # (run then reads `data`, which nothing binds any more: SL011 too)
    assert codes(await d.change(d.text.replace("def run(data):", "def run():"))) == ["SL006", "SL011", "SL904"]


async def test_sandbox_on_save_says_when_isolation_is_reduced(vscode: LanguageClient):
    """The editor's own settings are the user's word: namespaces off is allowed, and said plainly."""
    from .test_lsp_server import GOOD

    await start(vscode, "visual-studio-code", vscode.root, {"sandbox": {"onSave": True, "namespaces": False}})
    d = doc(vscode, "score.py", GOOD)
    await d.open()
    vscode.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=d.uri)))
    while True:
        params = await asyncio.wait_for(vscode.wait_for_notification(types.WINDOW_SHOW_MESSAGE), 60)
        if "less isolation" in params.message:
            break
    assert params.type == types.MessageType.Warning
