"""The engine's one public entry point, used alike by the command line, the pre-commit hook and the
language server: build a `Linter` from settings, then `lint_text` / `lint_file` / `fix_text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePath

import libcst as cst

from .config import RuleSelection, Settings
from .context import FileContext
from .model import Applicability, Diagnostic, Edit, Fix, LintResult, Range
from .registry import Registry, default_registry
from .rule import PendingFix, Report, Rule
from .source import ParsedSource, SourceDecodeError, decode_source
from .suppress import SuppressionIndex


@dataclass
class FixOutcome:
    text: str
    applied: int
    result: LintResult  # the findings left after fixing
    refused: list[str] = field(default_factory=list)  # fixes dropped because the result would not parse


class Linter:
    """Holds the registry and the rule selection; cheap to call for many files."""

    def __init__(self, settings: Settings | None = None, registry: Registry | None = None) -> None:
        self.settings = settings or Settings()
        self.registry = registry or default_registry()
        self.selection = RuleSelection(self.registry, self.settings)

    # --- linting ------------------------------------------------------------------------------------
    def lint_file(self, path: Path) -> LintResult:
        try:
            data = path.read_bytes()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return LintResult(str(path), error=f"cannot read file: {reason}")
        try:
            text = decode_source(data)
        except SourceDecodeError as exc:
            return LintResult(str(path), error=f"cannot decode file: {exc}")
        return self.lint_text(text, path)

    def lint_text(
        self,
        text: str,
        path: PurePath | str = "score.py",
        *,
        rules: tuple[type[Rule], ...] | None = None,
        kind: str | None = None,
    ) -> LintResult:
        path = PurePath(path)
        rules = rules if rules is not None else self.selection.rules_for(path)
        result = LintResult(str(path))
        try:
            source = ParsedSource.parse(text)
        except cst.ParserSyntaxError as exc:
            result.diagnostics = self._unparsable(text, exc, rules, result)
            return result
        except RecursionError:
            result.error = "the file is nested too deeply to parse (recursion limit reached)"
            return result

        ctx = FileContext(path, source, kind or self.settings.kind)
        try:
            script_kind = ctx.facts.kind
        except RecursionError:
            result.error = "the file is nested too deeply to analyse (recursion limit reached)"
            return result
        active = [r(ctx, self.selection.options.get(r.code)) for r in rules
                  if script_kind in r.kinds and not r.requires_sandbox]
        suppressions = SuppressionIndex(source)
        diagnostics: list[Diagnostic] = []
        ran: set[str] = set()  # the rules that checked this whole file: their suppressions can be judged
        for rule in active:
            try:
                for node_type, method in rule.visitors.items():
                    visit = getattr(rule, method)
                    for node in source.nodes(node_type):
                        visit(node)
                rule.check()
                for report in rule.reports:
                    diagnostic = self._diagnostic(rule, report, source)
                    if diagnostic is None:
                        continue
                    statement = source.enclosing_statement(report.node) if report.node is not None else None
                    hit = suppressions.suppressed_by(rule.code, rule.name, diagnostic.line, statement)
                    if hit is not None:
                        hit.used.add(rule.code)
                        continue
                    diagnostics.append(diagnostic)
                ran.add(rule.code)
            except RecursionError:
                result.internal_errors.append(f"{rule.code} {rule.name}: recursion limit reached on this file")
            except Exception as exc:  # a rule bug must not hide the other rules' findings
                result.internal_errors.append(f"{rule.code} {rule.name} crashed: {type(exc).__name__}: {exc}")
        diagnostics.extend(self._unused_suppressions(suppressions, rules, ran, source))
        diagnostics.sort(key=Diagnostic.sort_key)
        result.diagnostics = diagnostics
        return result

    def _unparsable(self, text: str, exc: cst.ParserSyntaxError, rules, result: LintResult) -> list[Diagnostic]:
        # The server imports the file with CPython: its message is the one users will see in the logs.
        try:
            compile(text, result.path, "exec", dont_inherit=True)
        except SyntaxError as syntax_error:
            rule = next((r for r in rules if hasattr(r, "from_syntax_error")), None)
            return [rule.from_syntax_error(text, syntax_error)] if rule is not None else []
        except (ValueError, RecursionError, MemoryError) as other:
            result.error = f"cannot compile file: {other}"
            return []
        result.error = (f"libcst cannot parse this file although Python can (line {exc.raw_line}, "
                        f"column {exc.raw_column + 1}): {exc.message}")
        return []

    def _unused_suppressions(self, suppressions: SuppressionIndex, rules, ran: set[str], source) -> list[Diagnostic]:
        # Only the rules that ran on this file count: a rule that is off for this script kind, needs the
        # sandbox, or crashed could not have used a suppression, so its codes are not judged.
        rule = next((r for r in rules if hasattr(r, "from_unused_suppressions")), None)
        if rule is None or not suppressions.items:
            return []
        return rule.from_unused_suppressions(suppressions, ran | {rule.code}, self.registry, source)

    def _diagnostic(self, rule: Rule, report: Report, source: ParsedSource) -> Diagnostic | None:
        if report.span is not None:
            start, end = report.span
            rng = Range(source.offset_to_position(start), source.offset_to_position(end))
        elif report.node is not None:
            rng = source.range_of(report.node)
        else:
            rng = Range.of(1, 0, 1, 0)
        fix = _resolve_fix(report.fix, source) if report.fix is not None else None
        noqa_line = rng.start.line
        if report.node is not None:
            statement = source.enclosing_statement(report.node)
            noqa_line = source.range_of(statement).start.line if statement is not report.node else noqa_line
        return Diagnostic(
            code=rule.code, name=rule.name, severity=rule.severity, message=report.message, range=rng,
            fix=fix, noqa_line=noqa_line, url=rule.url(),
        )

    # --- fixing -------------------------------------------------------------------------------------
    def fix_text(self, text: str, path: PurePath | str = "score.py", *, unsafe: bool = False,
                 max_rounds: int = 10) -> FixOutcome:
        """Apply fixes until none is left (or `max_rounds`), checking that every round still parses."""
        applied = 0
        refused: list[str] = []
        result = self.lint_text(text, path)
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
                new_text, count, bad = _apply_one_by_one(text, fixes)
                refused.extend(bad)
                if count == 0:
                    break
            text = new_text
            applied += count
            result = self.lint_text(text, path)
        return FixOutcome(text=text, applied=applied, result=result, refused=refused)


def parses(text: str) -> bool:
    try:
        cst.parse_module(text)
        compile(text, "<fixed>", "exec", dont_inherit=True)
    except (cst.ParserSyntaxError, SyntaxError, ValueError, RecursionError):
        return False
    return True


def _apply_one_by_one(text: str, fixes: list[Diagnostic]) -> tuple[str, int, list[str]]:
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
    from .source import line_starts

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


def _resolve_fix(pending: PendingFix, source: ParsedSource) -> Fix:
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
        edits.append(Edit(Range(source.offset_to_position(start), source.offset_to_position(end)), edit.content))
    return Fix(message=pending.message, edits=tuple(edits), applicability=pending.applicability)


def lint_text(text: str, path: PurePath | str = "score.py", settings: Settings | None = None) -> LintResult:
    """Convenience for one-off calls (tests, notebooks): lint `text` with default or given settings."""
    return Linter(settings).lint_text(text, path)

