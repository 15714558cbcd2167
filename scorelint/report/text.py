"""The two text formats, as ruff's: `concise` (`path:line:col: CODE [name] message`, one finding a line) and
`full` (the same line, then the source lines of the finding with its range underlined, then the fix)."""

from __future__ import annotations

import textwrap
import unicodedata
from typing import IO, TYPE_CHECKING

import click

from ..model import Diagnostic, LintResult, Severity
from . import ReportOptions, Summary, applies_with_fix, summary_lines

if TYPE_CHECKING:
    from ..registry import Registry

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}
HELP_WIDTH = 100  # columns of the help text under a finding in `full`
MAX_SOURCE_LINES = 6  # of one finding, in `full`; a finding over a whole function shows its first lines


class TextReporter:
    needs_source = False

    def __init__(self, out: IO[str], registry: Registry, options: ReportOptions) -> None:
        self.out = out
        self.options = options

    def _style(self, text: str, **kwargs) -> str:
        return click.style(text, **kwargs) if self.options.color else text

    def headline(self, display_path: str, d: Diagnostic) -> str:
        location = self._style(f"{display_path}:{d.line}:{d.column + 1}:", bold=True)
        code = self._style(d.code, fg=_COLORS[d.severity], bold=True)
        marker = " [*]" if applies_with_fix(d, self.options) else ""
        return f"{location} {code} [{d.name}] {d.message}{marker}\n"

    def file(self, display_path: str, result: LintResult, source: str | None = None) -> None:
        # result.error goes to stderr (the command line prints it), so stdout holds findings only.
        for problem in result.internal_errors:
            self.out.write(f"{display_path}: internal error: {problem} (please report it)\n")
        for d in result.diagnostics:
            self.out.write(self.headline(display_path, d))

    def finish(self, summary: Summary) -> None:
        for line in summary_lines(summary):
            self.out.write(line + "\n")


def _width(text: str) -> int:
    """Columns a terminal gives `text` (East Asian wide characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in text)


def _wrapped_help(help_text: str, first: str) -> str:
    """The finding's help, wrapped under a `= note:` label, continuation lines aligned (`= help:` is the
    fix's line, as in ruff's output)."""
    wrapped = textwrap.wrap(help_text, width=HELP_WIDTH, initial_indent=first,
                            subsequent_indent=" " * len(first), break_long_words=False, break_on_hyphens=False)
    return "".join(line + "\n" for line in wrapped)


class FullReporter(TextReporter):
    needs_source = True

    def file(self, display_path: str, result: LintResult, source: str | None = None) -> None:
        for problem in result.internal_errors:
            self.out.write(f"{display_path}: internal error: {problem} (please report it)\n")
        lines = source.splitlines() if source is not None else []
        for d in result.diagnostics:
            self.out.write(self.headline(display_path, d))
            self.out.write(self.snippet(d, lines))
            self.out.write("\n")

    def snippet(self, d: Diagnostic, lines: list[str]) -> str:
        start, end = d.range.start, d.range.end
        # A range that ends at the start of a line (a whole statement) does not cover that line.
        covered = end.line - 1 if end.line > start.line and end.column == 0 else end.line
        last = min(covered, start.line + MAX_SOURCE_LINES - 1)
        gutter = len(str(last))
        bar = self._style("|", fg="blue", bold=True)
        out = [f"{' ' * gutter} {bar}\n"]
        for number in range(start.line, last + 1):
            line = lines[number - 1].expandtabs(4) if number <= len(lines) else ""
            raw = lines[number - 1] if number <= len(lines) else ""
            out.append(f"{self._style(str(number).rjust(gutter), fg='blue', bold=True)} {bar} {line}\n")
            first_col = start.column if number == start.line else len(raw) - len(raw.lstrip())
            last_col = end.column if number == end.line else len(raw)
            before = _width(raw[:first_col].expandtabs(4))
            span = max(1, _width(raw[first_col:last_col].expandtabs(4)))
            carets = self._style("^" * span, fg=_COLORS[d.severity], bold=True)
            label = f" {d.code}" if number == last else ""
            out.append(f"{' ' * gutter} {bar} {' ' * before}{carets}{label}\n")
        if covered > last:
            out.append(f"{' ' * gutter} {bar} ... ({covered - last} more lines)\n")
        out.append(f"{' ' * gutter} {bar}\n")
        if d.help:
            out.append(_wrapped_help(d.help, f"{' ' * gutter} = note: "))
        if d.fix is not None:
            how = "" if applies_with_fix(d, self.options) else " (unsafe: needs `--unsafe-fixes`)"
            out.append(f"{' ' * gutter} = help: {d.fix.message}{how}\n")
        return "".join(out)
