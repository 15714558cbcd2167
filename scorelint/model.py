"""The plain data every front end and the engine share: diagnostics, fixes, text edits, script kinds.

These dataclasses are the public JSON interface (see README, "JSON output"): lines are 1-based,
columns are 0-based offsets in Unicode code points inside the line. Front ends convert: the JSON and
text reporters add 1 to columns, the language server converts to the client's position encoding.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Severity(str, enum.Enum):
    """How bad a finding is.

    error: the script fails at deployment or on every request.
    warning: the script works but is wrong or risky.
    info: advice.
    """

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class ScriptKind(str, enum.Enum):
    """Online (HTTP) entry scripts and batch (mini_batch) scripts follow different contracts."""

    ONLINE = "online"
    BATCH = "batch"


class Applicability(str, enum.Enum):
    """Whether a fix may be applied without a human reading it (ruff's terms)."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, order=True, slots=True)
class Position:
    line: int  # 1-based
    column: int  # 0-based, in code points


@dataclass(frozen=True, order=True, slots=True)
class Range:
    start: Position
    end: Position

    @classmethod
    def of(cls, line: int, column: int, end_line: int, end_column: int) -> Range:
        return cls(Position(line, column), Position(end_line, end_column))


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the text in `range` with `content` (an insertion has an empty range)."""

    range: Range
    content: str

    def to_json(self) -> dict[str, Any]:
        return {
            "line": self.range.start.line,
            "column": self.range.start.column + 1,
            "end_line": self.range.end.line,
            "end_column": self.range.end.column + 1,
            "content": self.content,
        }


@dataclass(frozen=True, slots=True)
class Fix:
    message: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE

    def to_json(self) -> dict[str, Any]:
        return {
            "applicability": self.applicability.value,
            "message": self.message,
            "edits": [e.to_json() for e in self.edits],
        }


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    range: Range
    fix: Fix | None = None
    # The line a `# noqa` comment for this finding goes on (the statement's first line).
    noqa_line: int | None = None
    url: str | None = None
    source: str = field(default="static", compare=False)  # "static" or "sandbox"
    # `message` says what is wrong in one short line; `help` what happens at run time and what to write
    # instead (shown under the finding, in the editor's hover, in SARIF and JSON). None: the message is all.
    help: str | None = None

    @property
    def line(self) -> int:
        return self.range.start.line

    @property
    def column(self) -> int:
        return self.range.start.column

    def sort_key(self) -> tuple[int, int, str]:
        return (self.range.start.line, self.range.start.column, self.code)

    def to_json(self, path: str) -> dict[str, Any]:
        return {
            "path": path,
            "line": self.range.start.line,
            "column": self.range.start.column + 1,
            "end_line": self.range.end.line,
            "end_column": self.range.end.column + 1,
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "help": self.help,
            "fix": self.fix.to_json() if self.fix else None,
            "noqa_line": self.noqa_line,
            "url": self.url,
        }


@dataclass
class LintResult:
    """Everything found in one file."""

    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # A problem that stopped the file from being checked at all (unreadable, undecodable): exit 2.
    error: str | None = None
    # A rule that crashed: reported, the other rules' findings kept, exit 2.
    internal_errors: list[str] = field(default_factory=list)
    # The file's text after --fix (None when nothing was fixed).
    text: str | None = None
