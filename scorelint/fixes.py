"""Fix application: fixes resolved to text edits, applied without overlaps, round after round until the
file is clean, never keeping a round whose result would not parse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath

from .guards import parses
from .model import Applicability, Diagnostic, Edit, Fix, LintResult, Range
from .rule import PendingFix
from .source import ParsedSource, line_starts


@dataclass
class FixOutcome:
    text: str
    applied: int
    result: LintResult  # the findings left after fixing
    refused: list[str] = field(default_factory=list)  # fixes dropped because the result would not parse


def fix_until_clean(lint: Callable[[str, PurePath | str], LintResult], text: str, path: PurePath | str = "score.py",
                    *, unsafe: bool = False, max_rounds: int = 10) -> FixOutcome:
    """Apply fixes until none is left (or `max_rounds`), checking that every round still parses. `lint`:
    the linter's `lint_text`."""
    applied = 0
    refused: list[str] = []
    result = lint(text, path)
    for _ in range(max_rounds):
        fixes = [d for d in result.diagnostics if d.fix is not None
                 and (unsafe or d.fix.applicability is Applicability.SAFE)]
        if not fixes:
            break
        new_text, count = apply_fixes(text, fixes)
        if count == 0 or new_text == text:
            break
        if not parses(new_text):
            # Fall back to applying them one at a time, keeping those that parse.
            new_text, count, bad = apply_one_by_one(text, fixes)
            refused.extend(bad)
            if count == 0:
                break
        text = new_text
        applied += count
        result = lint(text, path)
    return FixOutcome(text=text, applied=applied, result=result, refused=refused)


def apply_one_by_one(text: str, fixes: list[Diagnostic]) -> tuple[str, int, list[str]]:
    count, bad = 0, []
    for diagnostic in fixes:
        candidate, n = apply_fixes(text, [diagnostic])
        if n and parses(candidate):
            text, count = candidate, count + 1
        elif n:
            bad.append(f"{diagnostic.code} at line {diagnostic.line}: the fixed file would not parse")
    # Positions of later fixes refer to the original text, so stop after the first round here;
    # the caller re-lints and goes on.
    return text, count, bad


def apply_fixes(text: str, diagnostics: list[Diagnostic]) -> tuple[str, int]:
    """Apply the fixes of `diagnostics` whose edits do not overlap an earlier fix's. Returns the new
    text and how many fixes were applied."""
    starts = line_starts(text)

    def offset(line: int, column: int) -> int:
        index = min(max(line - 1, 0), len(starts) - 1)
        return min(starts[index] + column, len(text))

    chosen: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    count = 0
    for diagnostic in sorted(diagnostics, key=Diagnostic.sort_key):
        fix = diagnostic.fix
        if fix is None:
            continue
        spans = [(offset(e.range.start.line, e.range.start.column), offset(e.range.end.line, e.range.end.column),
                  e.content) for e in fix.edits]
        if any(s < te and ts < e or (s == e == ts == te) for s, e, _ in spans for ts, te in taken):
            continue  # overlaps a fix already chosen: the next round will see it again
        if any(spans.count(x) > 1 for x in spans):
            continue
        chosen.extend(spans)
        taken.extend((s, e) for s, e, _ in spans)
        count += 1
    for start, end, content in sorted(chosen, key=lambda x: (x[0], x[1]), reverse=True):
        text = text[:start] + content + text[end:]
    return text, count


_NEWLINES = re.compile(r"\r\n|\r|\n")


def resolve_fix(pending: PendingFix, source: ParsedSource) -> Fix:
    # Rules write their replacement text with "\n"; a file with other line endings keeps its own.
    newline = source.module.default_newline
    edits = []
    for edit in pending.edits:
        if edit.kind == "replace_span":
            start, end = edit.span  # type: ignore[misc]
        else:
            start, end = source.offsets(edit.node, whitespace=edit.whitespace)  # type: ignore[arg-type]
            if edit.kind == "insert_before":
                end = start
            elif edit.kind == "insert_after":
                start = end
        content = edit.content
        if newline != "\n" and ("\n" in content or "\r" in content):
            content = _NEWLINES.sub(newline, content)
        edits.append(Edit(Range(source.offset_to_position(start), source.offset_to_position(end)), content))
    return Fix(message=pending.message, edits=tuple(edits), applicability=pending.applicability)
