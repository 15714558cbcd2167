"""Engine results to LSP structures.

The engine counts lines from 1 and columns in code points; LSP counts both from 0, and columns in the
client's position encoding (UTF-16 unless the client and server agreed on another at initialisation).
pygls's `PositionCodec` does the unit conversion. Lines are split the way both the engine and LSP split
them (`\\n`, `\\r\\n`, `\\r`), never with `str.splitlines`, which also breaks at form feeds and other
characters that are not line ends for either.
"""

from __future__ import annotations

import bisect
from typing import Any

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from scorelint.model import Diagnostic, Fix, Severity
from scorelint.model import Position as EnginePosition
from scorelint.model import Range as EngineRange
from scorelint.source import line_starts

SOURCE = "scorelint"

SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


class TextIndex:
    """One document text's lines, for position conversions in both directions."""

    def __init__(self, text: str, codec: PositionCodec) -> None:
        self.text = text
        self.codec = codec
        self.starts = line_starts(text)

    def line(self, index: int) -> str:
        """The text of 0-based line `index`, without its line end ('' past the end)."""
        if index < 0 or index >= len(self.starts):
            return ""
        start = self.starts[index]
        end = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.text)
        line = self.text[start:end]
        return line.rstrip("\r\n") if line.endswith(("\n", "\r")) else line

    # --- engine (1-based line, code-point column) or offsets -> client ---
    def position(self, line: int, column: int) -> types.Position:
        index = line - 1
        if index >= len(self.starts):
            return types.Position(line=len(self.starts) - 1, character=self.codec.client_num_units(
                self.line(len(self.starts) - 1)))
        index = max(index, 0)
        text = self.line(index)
        column = min(max(column, 0), len(text))
        if text.isascii():
            return types.Position(line=index, character=column)
        return types.Position(line=index, character=self.codec.client_num_units(text[:column]))

    def range(self, rng: EngineRange) -> types.Range:
        return types.Range(start=self.position(rng.start.line, rng.start.column),
                           end=self.position(rng.end.line, rng.end.column))

    def offset_position(self, offset: int) -> types.Position:
        index = bisect.bisect_right(self.starts, offset) - 1
        return self.position(index + 1, offset - self.starts[index])

    # --- client -> offsets ---
    def to_column(self, position: types.Position) -> tuple[int, int]:
        """A client position as (0-based line, code-point column), clamped to the text."""
        index = min(max(position.line, 0), len(self.starts) - 1)
        text = self.line(index)
        if text.isascii():
            return index, min(max(position.character, 0), len(text))
        units = 0
        for column, char in enumerate(text):
            if units >= position.character:
                return index, column
            units += self.codec.impl.code_units_for_char(char)
        return index, len(text)

    def offset(self, position: types.Position) -> int:
        index, column = self.to_column(position)
        return self.starts[index] + column

    def engine_position(self, position: types.Position) -> EnginePosition:
        index, column = self.to_column(position)
        return EnginePosition(index + 1, column)


def edit_json(index: TextIndex, rng: EngineRange, new_text: str) -> dict[str, Any]:
    r = index.range(rng)
    return {"range": _range_json(r), "newText": new_text}


def _range_json(r: types.Range) -> dict[str, Any]:
    return {"start": {"line": r.start.line, "character": r.start.character},
            "end": {"line": r.end.line, "character": r.end.character}}


def fix_json(index: TextIndex, fix: Fix) -> dict[str, Any]:
    return {
        "title": fix.message,
        "safe": fix.applicability.value == "safe",
        "edits": [edit_json(index, e.range, e.content) for e in fix.edits],
    }


def to_lsp(diagnostic: Diagnostic, index: TextIndex, version: int | None, uri: str | None = None) -> types.Diagnostic:
    """One engine diagnostic as an LSP diagnostic. `data` carries everything a code action needs (the
    fix's edits already in client units, the suppression line), so code actions never lint again.
    `message` is the finding's short message (the Problems panel shows one line); its help goes to
    `relatedInformation` at the finding's own range (shown under it in the panel and the peek view) and,
    through `data`, to the hover."""
    data: dict[str, Any] = {
        "name": diagnostic.name,
        "version": version,
        "origin": diagnostic.source,
        "noqaLine": (diagnostic.noqa_line - 1) if diagnostic.noqa_line else None,
    }
    if diagnostic.fix is not None:
        data["fix"] = fix_json(index, diagnostic.fix)
    rng = index.range(diagnostic.range)
    related = None
    if diagnostic.help:
        data["help"] = diagnostic.help
        if uri is not None:
            related = [types.DiagnosticRelatedInformation(location=types.Location(uri=uri, range=rng),
                                                          message=diagnostic.help)]
    return types.Diagnostic(
        range=rng,
        related_information=related,
        message=diagnostic.message,
        severity=SEVERITIES.get(diagnostic.severity, types.DiagnosticSeverity.Warning),
        code=diagnostic.code,
        code_description=types.CodeDescription(href=diagnostic.url) if diagnostic.url else None,
        source=SOURCE,
        data=data,
    )


def file_problem(message: str) -> types.Diagnostic:
    """A problem that stopped the file from being checked (not a rule's finding)."""
    return types.Diagnostic(
        range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
        message=f"scorelint could not check this file: {message}",
        severity=types.DiagnosticSeverity.Warning,
        source=SOURCE,
    )


def text_edit(edit: dict[str, Any]) -> types.TextEdit:
    r = edit["range"]
    return types.TextEdit(
        range=types.Range(start=types.Position(line=r["start"]["line"], character=r["start"]["character"]),
                          end=types.Position(line=r["end"]["line"], character=r["end"]["character"])),
        new_text=edit["newText"],
    )


def minimal_edit(old: str, new: str, index: TextIndex) -> types.TextEdit | None:
    """One edit turning `old` into `new`: the span between their common prefix and common suffix."""
    if old == new:
        return None
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old -= 1
        end_new -= 1
    # Never split a \r\n pair: clients treat it as one line end.
    if start > 0 and old[start - 1] == "\r" and start < len(old) and old[start] == "\n":
        start -= 1
    if end_old < len(old) and old[end_old] == "\n" and end_old > 0 and old[end_old - 1] == "\r" \
            and end_old - 1 >= start:
        end_old += 1
        end_new += 1
    return types.TextEdit(
        range=types.Range(start=index.offset_position(start), end=index.offset_position(end_old)),
        new_text=new[start:end_new],
    )
