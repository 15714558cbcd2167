"""Code actions: each fix as a quick fix, "disable for this line", and fix-all.

A quick fix's edits come from the diagnostic's `data` (computed when the document was linted), so asking
for code actions never lints again. The suppression edit is a text operation on the current document:
the comment goes at the end of the first line at or after the statement's first line that ends outside
a string and a backslash continuation, which is where the engine looks for it.
"""

from __future__ import annotations

import re
import tokenize
from typing import Any

from lsprotocol import types

from .convert import TextIndex

FIX_ALL_KIND = "source.fixAll.scorelint"

_TOOL_COMMENT = re.compile(r"#\s*scorelint:\s*ignore\[(?P<codes>[^\]]*)\]")
_NOQA_COMMENT = re.compile(r"#\s*noqa:\s*(?P<codes>[A-Za-z0-9_\-]+(?:[\s,]+[A-Za-z0-9_\-]+)*)", re.IGNORECASE)


def kind_requested(kind: str, only: list[str] | None) -> bool:
    """LSP kinds are hierarchical: asking for `source.fixAll` includes `source.fixAll.scorelint`."""
    if not only:
        return True
    return any(kind == k or kind.startswith(k + ".") for k in only)


def suppression_edit(index: TextIndex, noqa_line: int, code: str, name: str) -> types.TextEdit | None:
    """The edit that adds a suppression for `code` on the statement starting at 0-based `noqa_line`:
    extends an existing `# scorelint: ignore[...]` or `# noqa: ...` comment, else appends
    `  # scorelint: ignore[name]`. None when the place cannot be found safely."""
    if noqa_line < 0 or noqa_line >= len(index.starts):
        return None
    reader = iter(_split_physical(index.text[index.starts[noqa_line]:]))
    comment: tokenize.TokenInfo | None = None
    try:
        for token in tokenize.generate_tokens(lambda: next(reader, "")):
            if token.type == tokenize.COMMENT:
                comment = token
            elif token.type in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER):
                row = token.start[0] - 1
                if comment is not None and comment.start[0] - 1 != row:
                    comment = None
                return _edit_for(index, noqa_line + row, token.start[1], comment, code, name)
    except (tokenize.TokenError, SyntaxError):
        return None
    return None


def file_suppression_edit(index: TextIndex, name: str) -> types.TextEdit:
    """`# scorelint: ignore-file[name]` as the first line (after a shebang and an encoding cookie)."""
    line = 0
    while line < min(2, len(index.starts)) and (
        (line == 0 and index.line(0).startswith("#!")) or re.match(r"^[ \t\f]*#.*?coding[:=]", index.line(line))
    ):
        line += 1
    line = min(line, len(index.starts) - 1)
    position = types.Position(line=line, character=0)
    newline = "\r\n" if "\r\n" in index.text[:200] else "\n"
    return types.TextEdit(range=types.Range(start=position, end=position),
                          new_text=f"# scorelint: ignore-file[{name}]{newline}")


def _split_physical(text: str) -> list[str]:
    out, start = [], 0
    for match in re.finditer(r"\r\n|\r|\n", text):
        out.append(text[start:match.start()] + "\n")
        start = match.end()
    if start < len(text):
        out.append(text[start:])
    return out


def _edit_for(index: TextIndex, line: int, end_column: int, comment: tokenize.TokenInfo | None,
              code: str, name: str) -> types.TextEdit | None:
    line_text = index.line(line)
    if comment is not None:
        start = comment.start[1]
        tool = _TOOL_COMMENT.search(comment.string)
        if tool is not None:
            existing = tool["codes"].strip()
            return _insert(index, line, start + tool.end("codes"), f", {name}" if existing else name)
        noqa = _NOQA_COMMENT.search(comment.string)
        if noqa is not None:
            return _insert(index, line, start + noqa.end("codes"), f", {code}")
        return _insert(index, line, start + len(comment.string), f"  # scorelint: ignore[{name}]")
    code_end = len(line_text[:min(end_column, len(line_text))].rstrip())
    if code_end == 0:
        return None  # nothing on the line to attach the comment to
    return _insert(index, line, code_end, f"  # scorelint: ignore[{name}]")


def _insert(index: TextIndex, line: int, column: int, text: str) -> types.TextEdit:
    position = index.position(line + 1, column)
    return types.TextEdit(range=types.Range(start=position, end=position), new_text=text)


def workspace_edit(uri: str, version: int | None, edits: list[types.TextEdit],
                   capabilities: types.ClientCapabilities) -> types.WorkspaceEdit:
    """Versioned document changes when the client supports them (so a stale edit is refused), else the
    plain `changes` map."""
    workspace = capabilities.workspace
    edit_caps = workspace.workspace_edit if workspace is not None else None
    if edit_caps is not None and edit_caps.document_changes and version is not None:
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
            text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version),
            edits=list(edits),
        )])
    return types.WorkspaceEdit(changes={uri: list(edits)})


def data_of(diagnostic: types.Diagnostic) -> dict[str, Any] | None:
    data = diagnostic.data
    return data if isinstance(data, dict) else None
