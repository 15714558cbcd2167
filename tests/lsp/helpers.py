"""Helpers for the language-server tests: a real server process over stdio, driven by pytest-lsp's client
with the capabilities real editors send (VS Code 1.65: push diagnostics, UTF-16; Neovim 0.11: pull
diagnostics, UTF-8 positions).

Positions are converted here independently of the server (by encoding each line), so a test fails when
the server gets a unit conversion wrong.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "scorelint_lsp"])
PROFILES = ["visual-studio-code", "neovim"]
WAIT = 20  # seconds for a diagnostic to arrive: far more than it takes, far less than the test timeout


async def start(client: LanguageClient, profile: str, root: Path, options: dict | None = None) -> None:
    if types.CLIENT_REGISTER_CAPABILITY not in client.protocol.fm.features:
        # Editors accept the server's dynamic registrations (it watches pyproject.toml); so does this client.
        client.feature(types.CLIENT_REGISTER_CAPABILITY)(lambda params: None)
    await client.initialize_session(types.InitializeParams(
        capabilities=pytest_lsp.client_capabilities(profile),
        root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        initialization_options={"debounceMs": 0, **(options or {})},
    ))


def encoding_of(client: LanguageClient) -> str:
    caps = client.capabilities
    offered = caps.general.position_encodings if caps and caps.general else None
    return str(offered[0]) if offered else "utf-16"  # what the server must pick: the client's first choice


def units(text: str, encoding: str) -> int:
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-32":
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def lsp_position(text: str, line: int, column: int, encoding: str) -> types.Position:
    """A 0-based line and code-point column as an LSP position in `encoding`."""
    line_text = text.split("\n")[line]
    return types.Position(line=line, character=units(line_text[:column], encoding))


def offset_of(text: str, position: types.Position, encoding: str) -> int:
    lines = text.split("\n")
    offset = sum(len(line) + 1 for line in lines[:position.line])
    line_text = lines[position.line] if position.line < len(lines) else ""
    count = 0
    for index, char in enumerate(line_text):
        if count >= position.character:
            return offset + index
        count += units(char, encoding)
    return offset + len(line_text)


def apply_edits(text: str, edits, encoding: str) -> str:
    spans = sorted(((offset_of(text, e.range.start, encoding), offset_of(text, e.range.end, encoding), e.new_text)
                    for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def edits_of(edit: types.WorkspaceEdit, uri: str) -> list[types.TextEdit]:
    if edit.document_changes:
        return [e for change in edit.document_changes if change.text_document.uri == uri for e in change.edits]
    return list((edit.changes or {}).get(uri, []))


class Doc:
    """One open document, with the diagnostics for its current version whichever way the client gets
    them (published, or pulled when the client supports pull diagnostics)."""

    def __init__(self, client: LanguageClient, path: Path, text: str, language_id: str = "python") -> None:
        self.client = client
        self.language_id = language_id
        self.path = path
        self.uri = path.as_uri()
        self.text = text
        self.version = 0
        caps = client.capabilities
        self.pull = bool(caps and caps.text_document and caps.text_document.diagnostic is not None)
        self.encoding = encoding_of(client)

    async def open(self) -> list[types.Diagnostic]:
        self.version = 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
            uri=self.uri, language_id=self.language_id, version=self.version, text=self.text)))
        return await self.diagnostics()

    async def change(self, text: str) -> list[types.Diagnostic]:
        self.text = text
        self.version += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        return await self.diagnostics()

    async def diagnostics(self) -> list[types.Diagnostic]:
        if self.pull:
            report = await asyncio.wait_for(self.client.text_document_diagnostic_async(
                types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=self.uri))), WAIT)
            assert report.kind == "full"
            return list(report.items)
        while True:
            params = await asyncio.wait_for(
                self.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), WAIT)
            if params.uri == self.uri and params.version == self.version:
                return list(params.diagnostics)

    async def code_actions(self, diagnostics, only=None, rng: types.Range | None = None) -> list[types.CodeAction]:
        if rng is None:
            rng = diagnostics[0].range if diagnostics else types.Range(start=types.Position(line=0, character=0),
                                                                       end=types.Position(line=0, character=0))
        actions = await asyncio.wait_for(self.client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=self.uri), range=rng,
            context=types.CodeActionContext(diagnostics=list(diagnostics), only=only))), WAIT)
        return list(actions or ())

    async def apply(self, action: types.CodeAction) -> list[types.Diagnostic]:
        if action.edit is None:
            action = await asyncio.wait_for(self.client.code_action_resolve_async(action), WAIT)
        assert action.edit is not None, action
        return await self.change(apply_edits(self.text, edits_of(action.edit, self.uri), self.encoding))

    def position(self, line: int, column: int) -> types.Position:
        return lsp_position(self.text, line, column, self.encoding)


def codes(diagnostics) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


def doc(client: LanguageClient, name: str, text: str) -> Doc:
    """Write `name` in the client's workspace and return it as a document to open."""
    path = client.root / name
    path.write_text(text, encoding="utf-8")
    return Doc(client, path, text)
