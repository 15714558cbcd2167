"""--add-noqa: suppress every current finding with a `# noqa: CODE` comment (ruff's --add-noqa), so that a
project adopting scorelint starts clean and new code is held to the rules.

Each comment goes where scorelint reads it: at the end of the logical line (the NEWLINE token) that holds the
finding's `noqa_line`, that is after the last physical line of a multi-line statement and never inside a
string. A line that already has a `# noqa: ...` gets the new codes added to it. Files are written as --fix
writes them (scorelint.writes), and a file Python cannot tokenize is left alone with one line saying so.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import defaultdict
from typing import IO

import click

from .encoding import SourceDecodeError, SourceFile
from .writes import write_atomically

_NOQA_CODES = re.compile(r"(#\s*noqa:\s*)([A-Za-z0-9_\-]+(?:[\s,]+[A-Za-z0-9_\-]+)*)", re.IGNORECASE)


def add_noqa_comments(outcomes, out: IO[str], *, quiet: bool = False) -> int:
    """Add the comments to every file of `outcomes` with findings; print how many; the exit status (2 when
    a file could not be changed, else 0)."""
    added, status = 0, 0
    for outcome in outcomes:
        result = outcome.result
        codes_by_line: dict[int, set[str]] = defaultdict(set)
        for d in result.diagnostics:
            if d.source == "static" and d.noqa_line is not None:
                codes_by_line[d.noqa_line].add(d.code)
        if not codes_by_line or result.error or str(outcome.path) == "-":
            continue
        try:
            data = outcome.path.read_bytes()
            source = SourceFile.from_bytes(data)
            text = with_noqa(source.text, codes_by_line)
        except (OSError, SourceDecodeError, tokenize.TokenError, SyntaxError) as exc:
            click.echo(f"scorelint: error: {result.path}: no noqa added: {exc}", err=True)
            status = 2
            continue
        problem = write_atomically(outcome.path, source.to_bytes(text), expected=data)
        if problem:
            click.echo(f"scorelint: error: {result.path}: {problem}", err=True)
            status = 2
            continue
        added += len(codes_by_line)
    if not quiet:
        out.write(f"Added {added} noqa directive{'' if added == 1 else 's'}.\n")
    return status


def with_noqa(text: str, codes_by_line: dict[int, set[str]]) -> str:
    """`text` with `# noqa: CODES` at the end of each logical line holding one of the lines."""
    ends: dict[int, tuple[int, str | None]] = {}  # line a logical line ends on -> (column, its comment)
    codes_at_end: dict[int, set[str]] = defaultdict(set)
    comment: tuple[int, int, str] | None = None
    start_line = None
    skipped = (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if start_line is None and token.type not in skipped:
            start_line = token.start[0]
        if token.type == tokenize.COMMENT:
            comment = (*token.start, token.string)
        elif token.type in (tokenize.NEWLINE, tokenize.ENDMARKER) and start_line is not None:
            end = token.start[0]
            for line, codes in codes_by_line.items():
                if start_line <= line <= end:
                    codes_at_end[end] |= codes
                    ends[end] = comment[1:] if comment is not None and comment[0] == end else (token.start[1], None)
            start_line, comment = None, None
        elif token.type == tokenize.NL and start_line is None:
            comment = None  # a comment on a line of its own belongs to no statement
    lines = text.splitlines(keepends=True)
    for end in sorted(ends, reverse=True):
        column, existing = ends[end]
        codes = sorted(codes_at_end[end])
        body = lines[end - 1].rstrip("\r\n")
        newline = lines[end - 1][len(body):]
        if existing is None:
            body = body[:column].rstrip() + f"  # noqa: {', '.join(codes)}" + body[column:]
        else:
            match = _NOQA_CODES.search(existing)
            if match:  # `# noqa: SL001` gets the new codes
                merged = sorted(set(re.split(r"[\s,]+", match.group(2).strip())) | set(codes))
                replacement = existing[:match.start(2)] + ", ".join(merged) + existing[match.end(2):]
            else:
                replacement = f"{existing}  # noqa: {', '.join(codes)}"
            body = body[:column] + replacement + body[column + len(existing):]
        lines[end - 1] = body + newline
    return "".join(lines)
