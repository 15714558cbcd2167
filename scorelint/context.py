"""What a rule sees of the file it checks."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePath

from .facts import EntryScriptFacts
from .source import ParsedSource


@dataclass
class FileContext:
    path: PurePath
    source: ParsedSource
    kind_setting: str = "auto"

    @cached_property
    def facts(self) -> EntryScriptFacts:
        return EntryScriptFacts(self.source, self.kind_setting)
