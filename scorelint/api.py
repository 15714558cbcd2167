"""The engine's one lint call, used alike by the command line, the pre-commit hook and the language server
(through `scorelint.project`): build a `Linter` from settings, then `lint_text` / `lint_file` / `fix_text`.
This module is the lint loop; the guards against hostile input are in guards.py, fix application in
fixes.py.
"""

from __future__ import annotations

import warnings
from pathlib import Path, PurePath

import libcst as cst

from .codefolder import CodeFolders
from .config import RuleSelection, Settings, server_version
from .context import FileContext
from .fixes import FixOutcome, apply_fixes, fix_until_clean, resolve_fix  # noqa: F401 - apply_fixes re-exported
from .guards import (  # noqa: F401 - parses and MAX_SOURCE_CHARS re-exported: part of the engine's API
    BIG_STACK_CHARS,
    MAX_BRACKET_DEPTH,
    MAX_SOURCE_CHARS,
    TooDeep,
    brackets_may_nest_deeper_than,
    cpython_parse_problem,
    may_chain_deeply,
    parses,
    with_deep_stack,
)
from .model import Diagnostic, LintResult, Range
from .registry import Registry, default_registry
from .rule import EngineHook, Report, Rule
from .source import ParsedSource, SourceDecodeError, decode_source
from .suppress import SuppressionIndex


class Linter:
    """Holds the registry and the rule selection; cheap to call for many files."""

    def __init__(self, settings: Settings | None = None, registry: Registry | None = None,
                 code_folders: CodeFolders | None = None) -> None:
        self.settings = settings or Settings()
        self.registry = registry or default_registry()
        self.selection = RuleSelection(self.registry, self.settings)
        # The project context the rules that follow sibling modules read (the pipeline's, shared by every
        # configuration of the project; a Linter used alone keeps its own).
        self.code_folders = code_folders if code_folders is not None else CodeFolders()

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
        if len(text) > MAX_SOURCE_CHARS:
            result.error = (f"the file is too large to check ({len(text) / 1e6:.1f} million characters; scorelint "
                            f"stops at {MAX_SOURCE_CHARS / 1e6:g} million): an entry script this big usually embeds "
                            "data, which is better loaded from a file")
            return result
        deep_brackets = brackets_may_nest_deeper_than(text, MAX_BRACKET_DEPTH)
        if deep_brackets or may_chain_deeply(text):
            problem = cpython_parse_problem(text)
            if problem == "recursion":
                result.error = ("Python cannot compile this file: its expressions are nested too deeply "
                                "(RecursionError), so the server cannot import it either")
                return result
            if deep_brackets and isinstance(problem, SyntaxError):
                # More than 200 nested brackets: CPython refuses them, and libcst's parser overflows its stack
                # (a crash, not an exception) from about 2,000 on. Report CPython's error without libcst.
                result.diagnostics = _syntax_error(rules, text, problem)
                return result
        if len(text) > BIG_STACK_CHARS:
            # Room for a chain of thousands of `and`s: libcst's parser needs about 1 kB of stack per level and
            # crashes (SIGSEGV) past the main thread's 8 MB.
            return with_deep_stack(self._lint_text, text, path, rules, kind, result, deep=True)
        try:
            return self._lint_text(text, path, rules, kind, result, deep=False)
        except TooDeep:
            # Long `elif` chains, big implicit string concatenations and long operator chains are valid Python
            # but nest deeper than the default recursion limit allows the tree walks: retry with room to spare.
            return with_deep_stack(self._lint_text, text, path, rules, kind, LintResult(str(path)), deep=True)

    def _lint_text(self, text: str, path: PurePath, rules, kind: str | None, result: LintResult, *,
                   deep: bool) -> LintResult:
        try:
            source = ParsedSource.parse(text)
        except cst.ParserSyntaxError as exc:
            result.diagnostics = self._unparsable(text, exc, rules, result)
            return result
        except RecursionError:
            if not deep:
                raise TooDeep from None
            result.error = "the file is nested too deeply to parse (recursion limit reached)"
            return result

        ctx = FileContext(path, source, kind or self.settings.kind, self.code_folders)
        try:
            script_kind = ctx.facts.kind
        except RecursionError:
            if not deep:
                raise TooDeep from None
            result.error = "the file is nested too deeply to analyse (recursion limit reached)"
            return result
        target = server_version(self.settings.target_version)
        active = [r(ctx, self.selection.options.get(r.code)) for r in rules
                  if script_kind in r.kinds and not r.requires_sandbox and r.target == "script"
                  and r.concerns_server(target)]
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
                if not deep:
                    raise TooDeep from None
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
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(text, result.path, "exec", dont_inherit=True)
        except SyntaxError as syntax_error:
            return _syntax_error(rules, text, syntax_error)
        except (ValueError, RecursionError, MemoryError) as other:
            result.error = f"cannot compile file: {other}"
            return []
        result.error = (f"libcst cannot parse this file although Python can (line {exc.raw_line}, "
                        f"column {exc.raw_column + 1}): {exc.message}")
        return []

    def _unused_suppressions(self, suppressions: SuppressionIndex, rules, ran: set[str], source) -> list[Diagnostic]:
        # Only the rules that ran on this file count: a rule that is off for this script kind, needs the
        # sandbox, or crashed could not have used a suppression, so its codes are not judged.
        rule = _hooked(rules, EngineHook.UNUSED_SUPPRESSIONS)
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
        fix = resolve_fix(report.fix, source) if report.fix is not None else None
        noqa_line = rng.start.line
        if report.node is not None:
            statement = source.enclosing_statement(report.node)
            noqa_line = source.range_of(statement).start.line if statement is not report.node else noqa_line
        return Diagnostic(
            code=rule.code, name=rule.name, severity=rule.severity, message=report.message, range=rng,
            fix=fix, noqa_line=noqa_line, url=rule.url(), help=report.help,
        )

    # --- fixing -------------------------------------------------------------------------------------
    def fix_text(self, text: str, path: PurePath | str = "score.py", *, unsafe: bool = False,
                 max_rounds: int = 10) -> FixOutcome:
        """Apply fixes until none is left (or `max_rounds`), checking that every round still parses."""
        return fix_until_clean(self.lint_text, text, path, unsafe=unsafe, max_rounds=max_rounds)


def _syntax_error(rules, text: str, error: SyntaxError) -> list[Diagnostic]:
    """CPython's syntax error as the syntax-error rule's finding (none when that rule is not selected)."""
    rule = _hooked(rules, EngineHook.SYNTAX_ERROR)
    return [rule.from_syntax_error(text, error)] if rule is not None else []


def _hooked(rules, hook: EngineHook) -> type[Rule] | None:
    """The selected rule that declares `hook` (None: none is selected for this file)."""
    return next((r for r in rules if hook in r.hooks), None)


def lint_text(text: str, path: PurePath | str = "score.py", settings: Settings | None = None) -> LintResult:
    """Convenience for one-off calls (tests, notebooks): lint `text` with default or given settings."""
    return Linter(settings).lint_text(text, path)

