"""Hover on a rule code or name inside a suppression comment shows the rule's documentation; hover on a
finding shows its short message and its help."""

from __future__ import annotations

import re

from lsprotocol import types

from scorelint.docs import rule_markdown
from scorelint.registry import Registry

# The start of a suppression comment, in either spelling the engine understands.
_SUPPRESSION = re.compile(r"#\s*(?:noqa\b|scorelint\s*:)", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z0-9_\-]+")


def rule_at(line: str, column: int, registry: Registry) -> tuple[int, int, str] | None:
    """The rule named at code-point `column` of `line` inside a suppression comment: (start, end, markdown)."""
    comment = _SUPPRESSION.search(line)
    if comment is None or column < comment.end():
        return None
    for word in _WORD.finditer(line, comment.end()):
        if word.start() <= column <= word.end():
            text = word.group()
            rule = registry.lookup(text) or registry.lookup(text.upper())
            if rule is None:
                return None
            return word.start(), word.end(), rule_markdown(rule)
        if word.start() > column:
            break
    return None


def findings_at(diagnostics: list[types.Diagnostic], position: types.Position) -> list[types.Diagnostic]:
    """The findings whose range holds `position` (both in client units), with a help to show."""
    def holds(rng: types.Range) -> bool:
        start, end = (rng.start.line, rng.start.character), (rng.end.line, rng.end.character)
        return start <= (position.line, position.character) <= end
    return [d for d in diagnostics if holds(d.range) and isinstance(d.data, dict) and d.data.get("help")]


def findings_markdown(diagnostics: list[types.Diagnostic]) -> str:
    return "\n\n---\n\n".join(f"**{d.code}** {d.message}\n\n{d.data['help']}" for d in diagnostics)
