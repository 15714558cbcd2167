"""The engine's one public entry point, used alike by the command line, the pre-commit hook and the
language server: build a `Linter` from settings, then `lint_text` / `lint_file` / `fix_text`.
"""

from __future__ import annotations

import re
import sys
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path, PurePath

import libcst as cst

from .config import RuleSelection, Settings
from .context import FileContext
from .model import Applicability, Diagnostic, Edit, Fix, LintResult, Range
from .registry import Registry, default_registry
from .rule import EngineHook, PendingFix, Report, Rule
from .source import ParsedSource, SourceDecodeError, decode_source, line_starts
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
        if len(text) > MAX_SOURCE_CHARS:
            result.error = (f"the file is too large to check ({len(text) / 1e6:.1f} million characters; scorelint "
                            f"stops at {MAX_SOURCE_CHARS / 1e6:g} million): an entry script this big usually embeds "
                            "data, which is better loaded from a file")
            return result
        deep_brackets = _brackets_may_nest_deeper_than(text, _MAX_BRACKET_DEPTH)
        if deep_brackets or _may_chain_deeply(text):
            problem = _cpython_parse_problem(text)
            if problem == "recursion":
                result.error = ("Python cannot compile this file: its expressions are nested too deeply "
                                "(RecursionError), so the server cannot import it either")
                return result
            if deep_brackets and isinstance(problem, SyntaxError):
                # More than 200 nested brackets: CPython refuses them, and libcst's parser overflows its stack
                # (a crash, not an exception) from about 2,000 on. Report CPython's error without libcst.
                result.diagnostics = _syntax_error(rules, text, problem)
                return result
        if len(text) > _BIG_STACK_CHARS:
            # Room for a chain of thousands of `and`s: libcst's parser needs about 1 kB of stack per level and
            # crashes (SIGSEGV) past the main thread's 8 MB.
            return _with_deep_stack(self._lint_text, text, path, rules, kind, result, deep=True)
        try:
            return self._lint_text(text, path, rules, kind, result, deep=False)
        except _TooDeep:
            # Long `elif` chains, big implicit string concatenations and long operator chains are valid Python
            # but nest deeper than the default recursion limit allows the tree walks: retry with room to spare.
            return _with_deep_stack(self._lint_text, text, path, rules, kind, LintResult(str(path)), deep=True)

    def _lint_text(self, text: str, path: PurePath, rules, kind: str | None, result: LintResult, *,
                   deep: bool) -> LintResult:
        try:
            source = ParsedSource.parse(text)
        except cst.ParserSyntaxError as exc:
            result.diagnostics = self._unparsable(text, exc, rules, result)
            return result
        except RecursionError:
            if not deep:
                raise _TooDeep from None
            result.error = "the file is nested too deeply to parse (recursion limit reached)"
            return result

        ctx = FileContext(path, source, kind or self.settings.kind)
        try:
            script_kind = ctx.facts.kind
        except RecursionError:
            if not deep:
                raise _TooDeep from None
            result.error = "the file is nested too deeply to analyse (recursion limit reached)"
            return result
        active = [r(ctx, self.selection.options.get(r.code)) for r in rules
                  if script_kind in r.kinds and not r.requires_sandbox and r.target == "script"]
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
                    raise _TooDeep from None
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


def _syntax_error(rules, text: str, error: SyntaxError) -> list[Diagnostic]:
    """CPython's syntax error as the syntax-error rule's finding (none when that rule is not selected)."""
    rule = _hooked(rules, EngineHook.SYNTAX_ERROR)
    return [rule.from_syntax_error(text, error)] if rule is not None else []


def _hooked(rules, hook: EngineHook) -> type[Rule] | None:
    """The selected rule that declares `hook` (None: none is selected for this file)."""
    return next((r for r in rules if hook in r.hooks), None)


# Bigger files cost seconds and gigabytes to parse with libcst (about 750 bytes of memory per character).
MAX_SOURCE_CHARS = 1_000_000
# CPython's own parser (about a tenth of libcst's parse time) first checks files that hold enough operators
# for one expression to nest thousands deep: libcst's parse is quadratic in such chains (2,000 terms: 0.65 s;
# 3,000: 2 s, where CPython refuses them with a RecursionError in 2 ms). Counting the operators is ~50 µs;
# the largest real and generated entry scripts (30 kB) hold under 1,500, so ordinary files skip the check.
_CHAIN_TOKENS = (*"+-*/%&|^@.([~", " and ", " or ", "not ", "elif", " if ", "await ", "lambda")
_CHAIN_OPERATOR_BUDGET = 2_000


def _may_chain_deeply(text: str) -> bool:
    return sum(map(text.count, _CHAIN_TOKENS)) > _CHAIN_OPERATOR_BUDGET


# Files this big are linted on the big-stack thread from the start (a new thread costs ~0.1 ms; linting them
# costs 50 ms and more). Smaller ones cannot hold a chain deep enough to overflow the main thread's stack.
_BIG_STACK_CHARS = 20_000
# For files nested deeper than the default recursion limit allows (walked again on a thread with a big stack).
_DEEP_RECURSION_LIMIT = 1_000_000  # Python frames cost heap, not C stack, in 3.11+
_DEEP_STACK_BYTES = 512 * 1024 * 1024


class _TooDeep(Exception):
    """A RecursionError on the first try: lint again with a deeper stack."""


# CPython's tokenizer refuses more than 200 nested brackets ("too many nested parentheses").
_MAX_BRACKET_DEPTH = 200


def _brackets_may_nest_deeper_than(text: str, limit: int) -> bool:
    """Whether brackets may nest deeper than `limit` (brackets inside strings and comments count too: a
    false alarm only costs a CPython parse). Counting the opening ones first keeps ordinary files at a few
    microseconds."""
    if text.count("(") + text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for char in _BRACKET_CHARS.findall(text):
        if char in "([{":
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


_BRACKET_CHARS = re.compile(r"[()\[\]{}]")


def _cpython_parse_problem(text: str) -> str | SyntaxError | None:
    """What CPython's parser says of `text`: None, its SyntaxError, or "recursion" (nested too deeply)."""
    import ast

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, "<scorelint>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (RecursionError, MemoryError):
        return "recursion"
    except SyntaxError as exc:
        return exc
    except ValueError:
        return None  # left to the usual path (SL001 or a clear error)
    return None


_deep_lock = threading.Lock()
_deep_users = 0
_saved_limit = 0


def _with_deep_stack(fn, *args, **kwargs):
    """Run `fn` on a thread with a 512 MB stack and a high recursion limit. The limit is process-wide: the
    thread raises it as it starts and the last such thread restores it as it ends, never earlier (lowering
    it under a thread still deep in a tree is a fatal error; Ctrl-C may interrupt the caller at any time)."""
    outcome: dict[str, object] = {}
    done = threading.Event()

    def target() -> None:
        global _deep_users, _saved_limit
        with _deep_lock:
            if _deep_users == 0:
                _saved_limit = sys.getrecursionlimit()
                sys.setrecursionlimit(max(_saved_limit, _DEEP_RECURSION_LIMIT))
            _deep_users += 1
        try:
            outcome["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            outcome["error"] = exc
        finally:
            with _deep_lock:
                _deep_users -= 1
                if _deep_users == 0:
                    sys.setrecursionlimit(_saved_limit)
            done.set()

    with _deep_lock:  # stack_size is process-wide too: set only around this thread's creation
        previous = threading.stack_size(_DEEP_STACK_BYTES)
        try:
            thread = threading.Thread(target=target, name="scorelint-deep-file")
            thread.start()
        finally:
            threading.stack_size(previous)
    # Not thread.join(): on Python 3.11 a join interrupted by Ctrl-C marks the thread as finished while it
    # still runs, the interpreter then finalises under it and the process aborts (SIGABRT) inside libcst.
    # Interrupted here, the thread stays known to `threading`, which lets it finish before the exit.
    done.wait()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]


def parses(text: str) -> bool:
    """Whether both libcst and CPython accept `text` (with the same guards against libcst's stack as linting)."""
    if _brackets_may_nest_deeper_than(text, _MAX_BRACKET_DEPTH) or _may_chain_deeply(text):
        if _cpython_parse_problem(text) is not None:
            return False
    try:
        if len(text) > _BIG_STACK_CHARS:
            _with_deep_stack(cst.parse_module, text)
        else:
            cst.parse_module(text)
        with warnings.catch_warnings():  # CPython's SyntaxWarnings about the user's code are not ours to print
            warnings.simplefilter("ignore")
            compile(text, "<fixed>", "exec", dont_inherit=True)
    except (cst.ParserSyntaxError, SyntaxError, ValueError, RecursionError, MemoryError):
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


def _resolve_fix(pending: PendingFix, source: ParsedSource) -> Fix:
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


def lint_text(text: str, path: PurePath | str = "score.py", settings: Settings | None = None) -> LintResult:
    """Convenience for one-off calls (tests, notebooks): lint `text` with default or given settings."""
    return Linter(settings).lint_text(text, path)

