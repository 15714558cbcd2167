"""`path:line:col: CODE [name] message`, one finding a line, coloured on a terminal."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

import click

from ..model import LintResult, Severity
from . import Summary

if TYPE_CHECKING:
    from ..registry import Registry

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "blue"}


class TextReporter:
    def __init__(self, out: IO[str], registry: Registry, *, color: bool = False) -> None:
        self.out = out
        self.color = color

    def _style(self, text: str, **kwargs) -> str:
        return click.style(text, **kwargs) if self.color else text

    def file(self, display_path: str, result: LintResult) -> None:
        # result.error goes to stderr (the command line prints it), so stdout holds findings only.
        for problem in result.internal_errors:
            self.out.write(f"{display_path}: internal error: {problem} (please report it)\n")
        for d in result.diagnostics:
            location = f"{display_path}:{d.line}:{d.column + 1}:"
            code = self._style(d.code, fg=_COLORS[d.severity], bold=True)
            marker = " [*]" if d.fix is not None else ""
            self.out.write(f"{self._style(location, bold=True)} {code} [{d.name}] {d.message}{marker}\n")

    def finish(self, summary: Summary) -> None:
        if summary.fixed:
            verb = "Would fix" if summary.dry_run else "Fixed"
            self.out.write(f"{verb} {summary.fixed} finding{'s' if summary.fixed != 1 else ''}.\n")
        if summary.diagnostics:
            plural = "s" if summary.diagnostics != 1 else ""
            line = f"Found {summary.diagnostics} finding{plural} in {summary.files} file{'s' if summary.files != 1 else ''}."
            if summary.fixable:
                line += f" [*] {summary.fixable} fixable with --fix (some may need --unsafe-fixes)."
            self.out.write(line + "\n")
        elif not summary.errors:
            self.out.write(f"All checks passed ({summary.files} file{'s' if summary.files != 1 else ''}).\n")
