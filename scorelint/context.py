"""What a rule sees of the file it checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePath
from typing import TYPE_CHECKING

from .facts import EntryScriptFacts
from .source import ParsedSource

if TYPE_CHECKING:
    from .codefolder import CodeFolder, CodeFolders


@dataclass
class FileContext:
    path: PurePath
    source: ParsedSource
    kind_setting: str = "auto"
    folders: CodeFolders | None = field(default=None, repr=False)  # the project's code folders

    @cached_property
    def facts(self) -> EntryScriptFacts:
        return EntryScriptFacts(self.source, self.kind_setting)

    @cached_property
    def code_folder(self) -> CodeFolder | None:
        """The folder the server puts on sys.path beside this file, with its sibling modules
        (`scorelint.codefolder`); None for text that is not a file on disk (stdin, an untitled buffer)."""
        return self.folders.of_script(self.path) if self.folders is not None else None
