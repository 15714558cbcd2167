"""Suppression comments, attached to statements (as in Fixit), in two spellings:

    x = f()  # noqa: SL201                    ruff/flake8 style: codes only; bare `# noqa` suppresses all
    x = f()  # scorelint: ignore[status-500]  tool-scoped: codes or names; ruff's RUF100 leaves it alone
    # scorelint: ignore[status-500]           on its own line: applies to the statement below it
    # scorelint: ignore-file[missing-init]    anywhere: the whole file

A trailing comment covers the statement it ends a line of: every line of a simple statement, or the
header lines (decorators to colon) of a compound one. The comments are found as libcst Comment nodes,
so a `#` inside a string is never mistaken for one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import libcst as cst

from .source import ParsedSource

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Za-z0-9_\-]+(?:[\s,]+[A-Za-z0-9_\-]+)*))?", re.IGNORECASE)
_CODE = re.compile(r"[A-Za-z]+[0-9]+")
_TOOL = re.compile(r"#\s*scorelint:\s*(?P<verb>ignore-file|ignore)(?:\[(?P<codes>[^\]]*)\])?")


@dataclass
class Suppression:
    comment: cst.Comment
    line: int
    codes: frozenset[str] | None  # None: every rule
    own_line: bool
    file_level: bool
    used: set[str] = field(default_factory=set)
    statement: cst.CSTNode | None = None  # for own-line comments: the statement below


def parse_suppressions(source: ParsedSource) -> list[Suppression]:
    whole = source.text
    # The common case, no suppression at all, costs a few substring searches and no comment walk; the
    # lower-cased search runs only when the plain one fails (`# NOQA` is a noqa too).
    if "noqa" not in whole and "scorelint:" not in whole and "noqa" not in whole.lower():
        return []
    found = []
    for comment in source.nodes(cst.Comment):
        parsed = parse_comment(comment.value)
        if parsed is None:
            continue
        file_level, codes = parsed
        owner = source.parent.get(comment)  # TrailingWhitespace (end of line) or EmptyLine (own line)
        own_line = isinstance(owner, cst.EmptyLine)
        statement = None
        if own_line:
            holder = source.parent.get(owner)
            if isinstance(holder, cst.Decorator):
                holder = source.parent.get(holder)
            if isinstance(holder, cst.BaseStatement):
                statement = holder
            elif isinstance(holder, cst.Module) and holder.body and _ends_header(holder, owner):
                # libcst keeps the comments above the first statement in the module header; one
                # directly above the statement (no blank line between) still applies to it.
                statement = holder.body[0]
        line = source.range_of(comment).start.line
        found.append(Suppression(comment, line, codes, own_line, file_level, statement=statement))
    return found


def parse_comment(text: str) -> tuple[bool, frozenset[str] | None] | None:
    """What a comment suppresses: (whole file?, codes or names; None for every rule), or None when it is no
    suppression. Shared by Python files and the deployment's YAML, conda and requirements files."""
    match = _TOOL.search(text)
    file_level = False
    if match:
        file_level = match["verb"] == "ignore-file"
        raw = match["codes"]
    else:
        match = _NOQA.search(text)
        if not match:
            return None
        raw = match["codes"]
    # Case does not matter, as in --select: `# NOQA: sl501` suppresses SL501 (codes are kept upper case,
    # rule names lower case).
    codes = None if raw is None else frozenset(_normal(c) for c in re.split(r"[\s,]+", raw.strip()) if c)
    return file_level, codes or None


def _normal(word: str) -> str:
    return word.upper() if _CODE.fullmatch(word) else word.lower()


def _ends_header(module: cst.Module, line: cst.EmptyLine) -> bool:
    """Whether a header line is followed only by comment lines up to the first statement."""
    header = list(module.header)
    if module.body and not module.body[0].leading_lines:
        index = next((i for i, item in enumerate(header) if item is line), None)
        return index is not None and all(item.comment is not None for item in header[index:])
    return False


def header_lines(source: ParsedSource, statement: cst.CSTNode) -> range:
    """The lines a trailing suppression comment may sit on to cover `statement`."""
    start, end = source.offsets(statement)
    decorators = getattr(statement, "decorators", ())
    if decorators:
        start = min(start, source.offsets(decorators[0])[0])
    body = getattr(statement, "body", None)
    if isinstance(body, (cst.IndentedBlock, cst.SimpleStatementSuite)) and not isinstance(
        statement, cst.SimpleStatementLine
    ):
        # The header ends on the line of the colon, where the block's own header whitespace starts.
        end = source.offsets(body, whitespace=True)[0]
    first = source.offset_to_position(start).line
    last = source.offset_to_position(max(start, end)).line
    return range(first, last + 1)


class SuppressionIndex:
    def __init__(self, source: ParsedSource) -> None:
        self.source = source
        self.items = parse_suppressions(source)

    def suppressed_by(
        self, code: str, name: str, line: int, statement: cst.CSTNode | None
    ) -> Suppression | None:
        if not self.items:
            return None
        lines = header_lines(self.source, statement) if statement is not None else range(line, line + 1)
        for item in self.items:
            if item.codes is not None and code not in item.codes and name not in item.codes:
                continue
            if item.file_level:
                return item
            if item.own_line:
                if statement is not None and item.statement is statement:
                    return item
                if statement is None and item.line + 1 == line:
                    return item
            elif item.line in lines or item.line == line:
                return item
        return None
