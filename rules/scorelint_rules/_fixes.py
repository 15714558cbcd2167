"""Helpers shared by the fixes that insert statements: where a body's own code starts, and the
indentation a new line needs there."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from scorelint.source import ParsedSource


def is_docstring(statement: cst.BaseStatement) -> bool:
    """A string literal alone on its line (a function's docstring when it comes first)."""
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def after_docstring(statements: Sequence[cst.BaseStatement]) -> cst.BaseStatement | None:
    """The first statement of a body that is not its docstring: a statement inserted before it still
    leaves the docstring first. None when the body is empty or only a docstring."""
    if not statements:
        return None
    if is_docstring(statements[0]):
        return statements[1] if len(statements) > 1 else None
    return statements[0]


def indent_of(source: ParsedSource, node: cst.CSTNode) -> str | None:
    """The whitespace before `node` on its line, i.e. the indentation of the statement it starts; None when
    other code precedes it on that line."""
    start = source.offsets(node)[0]
    prefix = source.text[start - source.offset_to_position(start).column : start]  # any line ending, lone CR too
    return None if prefix.strip() else prefix
