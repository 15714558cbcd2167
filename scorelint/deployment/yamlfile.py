"""YAML read with positions (ruamel.yaml, imported only when a YAML file is really read).

Every value a rule may point at is wrapped in `Located`: the value, the file and the range of its text,
so a finding lands on the line of the key or item it is about, in every output format.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..model import Range


class YamlError(Exception):
    """The file is not YAML scorelint can read; the message is one line."""


@dataclass(frozen=True)
class Located:
    value: Any
    path: Path
    range: Range

    @property
    def line(self) -> int:
        return self.range.start.line


class YamlDocument:
    """One YAML file: its text, its top-level mapping (ruamel's CommentedMap) and position helpers."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        self.lines = text.splitlines()
        self.data = _load(text)

    @classmethod
    def read(cls, path: Path, overlay: dict[Path, str] | None = None) -> YamlDocument:
        """The file at `path`; `overlay` holds texts newer than the disk's (an editor's unsaved buffers)."""
        text = read_overlay(path, overlay)
        if text is not None:
            return cls(path, text)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise YamlError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None
        return cls(path, text)

    # --- positions -------------------------------------------------------------------------------------
    def span(self, line0: int, col0: int) -> Range:
        """The range from (0-based) line/column to the end of the value on that line (comment excluded)."""
        text = self.lines[line0] if 0 <= line0 < len(self.lines) else ""
        end = len(_without_comment(text).rstrip())
        return Range.of(line0 + 1, col0, line0 + 1, max(end, col0))

    def key(self, mapping: Any, key: str) -> Located | None:
        """The value under `key` in `mapping`, located at the key (its line holds the whole entry)."""
        return self._located(mapping, key, "key")

    def value(self, mapping: Any, key: str) -> Located | None:
        """The value under `key`, located at the value itself (where a scalar's text starts)."""
        return self._located(mapping, key, "value")

    def _located(self, mapping: Any, key: str, part: str) -> Located | None:
        if not isinstance(mapping, dict) or key not in mapping:
            return None
        try:
            line0, col0 = getattr(mapping.lc, part)(key)
        except (KeyError, TypeError, AttributeError):  # a plain dict, or a value ruamel placed no mark on
            line0, col0 = 0, 0
        return Located(mapping[key], self.path, self.span(line0, col0))

    def items(self, sequence: Any) -> list[Located]:
        if not isinstance(sequence, list):
            return []
        lc = getattr(sequence, "lc", None)
        found = []
        for index, item in enumerate(sequence):
            try:
                line0, col0 = lc.item(index) if lc is not None else (0, 0)
            except (KeyError, TypeError, AttributeError):
                line0, col0 = 0, 0
            found.append(Located(item, self.path, self.span(line0, col0)))
        return found

    def at_start(self, value: Any = None) -> Located:
        return Located(value, self.path, self.span(0, 0) if self.lines else Range.of(1, 0, 1, 0))


def _load(text: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML(typ="rt", pure=True)
    try:
        return yaml.load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlError(f"not valid YAML{where}: {problem}") from None
    except Exception as exc:  # ruamel raises a few non-YAMLError types on odd input (duplicate anchors...)
        raise YamlError(f"not valid YAML: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None


def _without_comment(line: str) -> str:
    """The line without a trailing YAML comment (a `#` at the start or after a blank, outside quotes)."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in " \t"):
            return line[:index]
    return line


def read_overlay(path: Path, overlay: dict[Path, str] | None) -> str | None:
    """The text `overlay` holds for `path` (compared as real paths), or None."""
    if not overlay:
        return None
    import os

    target = os.path.realpath(path)
    return next((text for key, text in overlay.items() if os.path.realpath(key) == target), None)
