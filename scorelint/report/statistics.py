"""--statistics: how many findings each rule has, most first (ruff's --statistics), as text or JSON."""

from __future__ import annotations

import json
from collections import Counter
from typing import IO, TYPE_CHECKING

from ..model import LintResult
from . import ReportOptions, Summary, applies_with_fix

if TYPE_CHECKING:
    from ..registry import Registry


class StatisticsReporter:
    needs_source = False

    def __init__(self, out: IO[str], registry: Registry, options: ReportOptions, *, as_json: bool = False) -> None:
        self.out = out
        self.options = options
        self.as_json = as_json
        self.counts: Counter[str] = Counter()
        self.names: dict[str, str] = {}
        self.fixable: Counter[str] = Counter()

    def file(self, display_path: str, result: LintResult, source: str | None = None) -> None:
        for d in result.diagnostics:
            self.counts[d.code] += 1
            self.names[d.code] = d.name
            self.fixable[d.code] += applies_with_fix(d, self.options)

    def finish(self, summary: Summary) -> None:
        rows = sorted(self.counts.items(), key=lambda item: (-item[1], item[0]))
        if self.as_json:
            json.dump([{"code": code, "name": self.names[code], "count": count,
                        "fixable": self.fixable[code] == count} for code, count in rows], self.out, indent=2)
            self.out.write("\n")
            return
        width = len(str(rows[0][1])) if rows else 1
        for code, count in rows:
            marker = "[*]" if self.fixable[code] == count else "[-]" if self.fixable[code] else "   "
            self.out.write(f"{count:>{width}}\t{code}\t{marker} {self.names[code]}\n")
        if rows and not self.options.quiet:
            self.out.write(f"Found {sum(self.counts.values())} findings.\n" if sum(self.counts.values()) != 1
                           else "Found 1 finding.\n")
