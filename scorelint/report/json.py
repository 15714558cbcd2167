"""A JSON array of findings; the fields are documented in README ("JSON output")."""

from __future__ import annotations

import json
from typing import IO, TYPE_CHECKING

from ..model import LintResult
from . import ReportOptions, Summary, printable_path

if TYPE_CHECKING:
    from ..registry import Registry


class JsonReporter:
    needs_source = False

    def __init__(self, out: IO[str], registry: Registry, options: ReportOptions) -> None:
        self.out = out
        self.items: list[dict] = []

    def file(self, display_path: str, result: LintResult, source: str | None = None) -> None:
        self.items.extend(d.to_json(printable_path(display_path)) for d in result.diagnostics)

    def finish(self, summary: Summary) -> None:
        json.dump(self.items, self.out, indent=2, ensure_ascii=False)
        self.out.write("\n")
