"""Annotations for CI systems: GitHub Actions workflow commands and Azure Pipelines logging commands."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

from ..model import LintResult, Severity
from . import ReportOptions, Summary, printable_path

if TYPE_CHECKING:
    from ..registry import Registry


def _gh_escape(value: str, *, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


class GithubReporter:
    """`::error file=...,line=...::message`, shown on the pull request's changed lines."""

    LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}

    needs_source = False

    def __init__(self, out: IO[str], registry: Registry, options: ReportOptions) -> None:
        self.out = out

    def file(self, display_path: str, result: LintResult, source: str | None = None) -> None:
        path = _gh_escape(printable_path(display_path), prop=True)
        if result.error:
            self.out.write(f"::error file={path},title=scorelint::{_gh_escape(result.error)}\n")
        for d in result.diagnostics:
            title = _gh_escape(f"scorelint ({d.code} {d.name})", prop=True)
            # The annotation's first line is the short message; the help follows on the lines under it.
            text = f"{d.code} {d.message}" + (f"\n{d.help}" if d.help else "")
            self.out.write(
                f"::{self.LEVELS[d.severity]} file={path},line={d.line},col={d.column + 1},"
                f"endLine={d.range.end.line},endColumn={d.range.end.column + 1},title={title}::"
                f"{_gh_escape(text)}\n"
            )

    def finish(self, summary: Summary) -> None:
        pass


def _vso_escape(value: str, *, prop: bool = False) -> str:
    value = value.replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(";", "%3B").replace("]", "%5D")
    return value


class AzureReporter:
    """`##vso[task.logissue ...]`: many Azure ML users build in Azure Pipelines. Azure knows only
    error and warning, so info findings are warnings there. An issue is one line of the build summary: it
    holds the short message, not the help."""

    needs_source = False

    def __init__(self, out: IO[str], registry: Registry, options: ReportOptions) -> None:
        self.out = out

    def file(self, display_path: str, result: LintResult, source: str | None = None) -> None:
        path = _vso_escape(printable_path(display_path), prop=True)
        if result.error:
            self.out.write(f"##vso[task.logissue type=error;sourcepath={path};]{_vso_escape(result.error)}\n")
        for d in result.diagnostics:
            level = "error" if d.severity is Severity.ERROR else "warning"
            self.out.write(
                f"##vso[task.logissue type={level};sourcepath={path};linenumber={d.line};"
                f"columnnumber={d.column + 1};code={d.code};]{_vso_escape(d.name + ': ' + d.message)}\n"
            )

    def finish(self, summary: Summary) -> None:
        pass
