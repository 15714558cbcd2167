"""Helpers shared by the fixes that insert statements: where a body's own code starts, the
indentation a new line needs there, and a `global` declaration (init-missing-global, unbound-local)."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from scorelint.rule import PendingFix, Rule
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


def declare_global(rule: Rule, func: cst.FunctionDef, name: str, *, unsafe: bool = False) -> PendingFix | None:
    """Declare `name` global in `func`: added to a `global` statement that comes before the name's first
    use, else a `global name` line first in the body (after its docstring)."""
    source = rule.source
    where = func.name.value
    first_use = min((source.offsets(n)[0] for n in source.walk(func.body, cst.Name) if n.value == name),
                    default=None)
    for statement in rule.facts.own_nodes(func, cst.Global):
        if first_use is None or source.offsets(statement)[1] <= first_use:
            last = statement.names[-1].name
            return rule.fix(f"Add `{name}` to {where}'s `global` statement", rule.insert_after(last, f", {name}"),
                            unsafe=unsafe)
        break
    body = func.body
    if isinstance(body, cst.SimpleStatementSuite):
        return rule.fix(f"Declare `global {name}` in {where}", rule.insert_before(body.body[0], f"global {name}; "),
                        unsafe=unsafe)
    first = after_docstring(body.body)
    if first is None:
        first = body.body[0]  # only a docstring: declare before it
    indent = indent_of(source, first)
    if indent is None:
        return None
    return rule.fix(f"Declare `global {name}` in {where}", rule.insert_before(first, f"global {name}\n{indent}"),
                    unsafe=unsafe)
