"""Output formats. A reporter gets every file's result once, in a deterministic order, then `finish`.

Like flake8's formatters and ruff's emitters, each format is one small class; the command line picks
one by name. All formats see the same `LintResult`s, so they cannot disagree about what was found.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Protocol

from ..model import LintResult

if TYPE_CHECKING:
    from ..registry import Registry


class Reporter(Protocol):
    def __init__(self, out: IO[str], registry: Registry, *, color: bool = False) -> None: ...

    def file(self, display_path: str, result: LintResult) -> None: ...

    def finish(self, summary: Summary) -> None: ...


class Summary:
    def __init__(self) -> None:
        self.files = 0
        self.diagnostics = 0
        self.fixable = 0
        self.fixed = 0
        self.errors = 0  # files that could not be checked, rule crashes
        self.dry_run = False  # --diff: `fixed` counts fixes that would be applied, nothing was written

    def add(self, result: LintResult) -> None:
        self.files += 1
        self.diagnostics += len(result.diagnostics)
        self.fixable += sum(1 for d in result.diagnostics if d.fix is not None)
        self.errors += (result.error is not None) + len(result.internal_errors)


FORMATS = ("text", "json", "sarif", "github", "azure")


def make_reporter(name: str, out: IO[str], registry: Registry, *, color: bool = False) -> Reporter:
    if name == "text":
        from .text import TextReporter as cls
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
    return cls(out, registry, color=color)
