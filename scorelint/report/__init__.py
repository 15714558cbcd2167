"""Output formats. A reporter gets every file's result once, in a deterministic order, then `finish`.

Like flake8's formatters and ruff's emitters, each format is one small class; the command line picks
one by name. All formats see the same `LintResult`s, so they cannot disagree about what was found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Protocol

from ..model import Applicability, Diagnostic, LintResult

if TYPE_CHECKING:
    from ..registry import Registry


@dataclass(frozen=True)
class ReportOptions:
    color: bool = False
    # With --unsafe-fixes, `--fix` applies unsafe fixes too: `[*]` marks exactly the fixes `--fix` would apply.
    unsafe_fixes: bool = False
    quiet: bool = False  # -q: the findings only, no summary
    show_fixes: bool = False  # --show-fixes: list the fixed findings per file in the summary
    fix_only: bool = False  # --fix-only: the summary says what was fixed, nothing else


def applies_with_fix(d: Diagnostic, options: ReportOptions) -> bool:
    """Whether `--fix` (with the run's --unsafe-fixes) would apply this finding's fix."""
    return d.fix is not None and (options.unsafe_fixes or d.fix.applicability is Applicability.SAFE)


class Reporter(Protocol):
    needs_source: bool  # file() wants the file's text (to show the lines of each finding)

    def __init__(self, out: IO[str], registry: Registry, options: ReportOptions) -> None: ...

    def file(self, display_path: str, result: LintResult, source: str | None = None) -> None: ...

    def finish(self, summary: Summary) -> None: ...


class Summary:
    def __init__(self, options: ReportOptions | None = None) -> None:
        self.options = options or ReportOptions()
        self.files = 0  # files checked
        self.files_with_findings = 0
        self.diagnostics = 0
        self.fixable = 0  # fixes `--fix` would apply (the `[*]` ones)
        self.hidden_fixes = 0  # unsafe fixes, applied only with --unsafe-fixes
        self.fixed = 0  # fixes written (or, with --diff, that would be written)
        self.errors = 0  # files that could not be checked or written, rule crashes
        self.dry_run = False  # --diff: `fixed` counts fixes that would be applied, nothing was written
        self.fixed_by_file: dict[str, dict[str, int]] = {}  # --show-fixes: findings fixed, by code

    def add_fixed(self, path: str, count: int, codes: dict[str, int]) -> None:
        self.fixed += count
        if codes:
            self.fixed_by_file[path] = codes

    def add(self, result: LintResult) -> None:
        self.files += 1
        self.files_with_findings += bool(result.diagnostics)
        self.diagnostics += len(result.diagnostics)
        for d in result.diagnostics:
            if applies_with_fix(d, self.options):
                self.fixable += 1
            elif d.fix is not None:
                self.hidden_fixes += 1
        self.errors += (result.error is not None) + len(result.internal_errors)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 'es' if noun.endswith('x') else 's'}"


def summary_lines(summary: Summary) -> list[str]:
    """The closing lines of the text formats, in ruff's words where ruff has them."""
    lines: list[str] = []
    if summary.options.quiet:
        return lines
    if summary.fixed:
        lines.append(f"{'Would fix' if summary.dry_run else 'Fixed'} {plural(summary.fixed, 'finding')}"
                     f"{':' if summary.fixed_by_file else '.'}")
        for path, codes in summary.fixed_by_file.items():
            lines.append(f"- {path}:")
            lines.extend(f"    {count} × {code}" for code, count in sorted(codes.items()))
    if summary.options.fix_only:
        return lines or ["No fixes applied."]
    if summary.diagnostics:
        found = f"Found {plural(summary.diagnostics, 'finding')} in {plural(summary.files_with_findings, 'file')}"
        if summary.files != summary.files_with_findings:
            found += f" ({plural(summary.files, 'file')} checked)"
        lines.append(found + ".")
        if summary.fixable:
            lines.append(f"[*] {summary.fixable} fixable with the `--fix` option.")
        if summary.hidden_fixes:
            fixes = "hidden fix" if summary.hidden_fixes == 1 else "hidden fixes"
            lines.append(f"{summary.hidden_fixes} {fixes} can be enabled with the `--unsafe-fixes` option.")
    elif not summary.errors and summary.files:  # no file at all: the command line warns on stderr
        lines.append(f"All checks passed ({plural(summary.files, 'file')}).")
    return lines


def printable_path(path: str) -> str:
    """A file name as valid Unicode: bytes that are not UTF-8 (kept by Python as lone surrogates) become
    `\\xe9` escapes, for formats that must be valid UTF-8 (JSON, CI annotations)."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


FORMATS = ("full", "concise", "text", "json", "sarif", "github", "azure")


def make_reporter(name: str, out: IO[str], registry: Registry, options: ReportOptions) -> Reporter:
    if name in ("concise", "text"):  # `text` is the old name of `concise`
        from .text import TextReporter as cls
    elif name == "full":
        from .text import FullReporter as cls  # type: ignore[assignment]
    elif name in ("statistics", "statistics-json"):
        from .statistics import StatisticsReporter as cls  # type: ignore[assignment]

        return cls(out, registry, options, as_json=name == "statistics-json")
    elif name == "json":
        from .json import JsonReporter as cls  # type: ignore[assignment]
    elif name == "sarif":
        from .sarif import SarifReporter as cls  # type: ignore[assignment]
    elif name == "github":
        from .ci import GithubReporter as cls  # type: ignore[assignment]
    elif name == "azure":
        from .ci import AzureReporter as cls  # type: ignore[assignment]
    else:
        raise ValueError(f"unknown output format {name!r}")
    return cls(out, registry, options)
