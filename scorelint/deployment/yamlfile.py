"""YAML read with positions (PyYAML, imported only when a YAML file is really read).

PyYAML composes the document into nodes that carry their start marks, with libyaml's C parser where it is
there (PyYAML's wheels bundle it). PyYAML rather than ruamel.yaml, because:
- it is what `az ml` reads the file with (azure-ai-ml's `load_yaml` calls `yaml.safe_load`), so values
  resolve as the service's loader resolves them (YAML 1.1: `yes` is true);
- composing with libyaml costs about 0.25 ms a file; ruamel.yaml's round-trip loader (which keeps
  positions too) 4 ms in pure Python, and its safe composer with the C parser 0.7 ms (its versioned
  resolver dominates): on a folder of 77 deployment and conda files, 0.02 s against 0.3 s.
The nodes are turned into plain dicts and lists (`Mapping`, `Sequence`) that remember where each key, value
and item starts. Every value a rule may point at is wrapped in `Located`: the value, the file and the range
of its text, so a finding lands on the line of the key or item it is about.
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
    """One YAML file: its text, its top-level value (a `Mapping` for deployments) and position helpers."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        self.lines = text.splitlines()
        self.data = _load(text)

    @classmethod
    def from_data(cls, path: Path, text: str, data: Any) -> YamlDocument:
        """A document whose values were read otherwise (an SDK call in Python), with positions in `text`."""
        doc = cls.__new__(cls)
        doc.path, doc.text, doc.lines, doc.data = path, text, text.splitlines(), data
        return doc

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
        return self._located(mapping, key, 0)

    def value(self, mapping: Any, key: str) -> Located | None:
        """The value under `key`, located at the value itself (where a scalar's text starts)."""
        return self._located(mapping, key, 1)

    def _located(self, mapping: Any, key: str, part: int) -> Located | None:
        if not isinstance(mapping, dict) or key not in mapping:
            return None
        marks = getattr(mapping, "marks", {}).get(key)
        line0, col0 = marks[part] if marks else (0, 0)
        return Located(mapping[key], self.path, self.span(line0, col0))

    def items(self, sequence: Any) -> list[Located]:
        if not isinstance(sequence, list):
            return []
        marks = getattr(sequence, "marks", None) or [(0, 0)] * len(sequence)
        return [Located(item, self.path, self.span(*mark)) for item, mark in zip(sequence, marks)]

    def at_start(self, value: Any = None) -> Located:
        return Located(value, self.path, self.span(0, 0) if self.lines else Range.of(1, 0, 1, 0))


class Mapping(dict):
    """A YAML mapping as a dict; `marks[key]` = ((line, column) of the key, (line, column) of its value).
    From an SDK call, `unknown` holds the keywords whose values are not literals."""

    marks: dict
    unknown: set = frozenset()


class Sequence(list):
    """A YAML sequence as a list; `marks[i]` = (line, column) of item i."""

    marks: list


def _load(text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        node = yaml.compose(text, Loader=loader)
        return None if node is None else _Builder(yaml.constructor.SafeConstructor()).build(node, 0)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise YamlError(f"not valid YAML{where}: {problem}") from None
    except YamlError:
        raise
    except (RecursionError, MemoryError):
        raise YamlError("not valid YAML: nested too deeply") from None
    except Exception as exc:  # odd input PyYAML refuses with other types (bad tags, huge numbers)
        raise YamlError(f"not valid YAML: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None


_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Builder:
    """Plain values from a composed node, remembering where keys, values and items start. Mappings and
    sequences are built here; scalars by PyYAML's safe constructor (as `yaml.safe_load` would), except plain
    strings (nine scalars in ten), whose value is the node's text."""

    def __init__(self, constructor) -> None:
        from yaml.nodes import MappingNode, SequenceNode

        self.construct = constructor.construct_object
        self.mapping_node, self.sequence_node = MappingNode, SequenceNode

    def build(self, node, depth: int) -> Any:
        if depth > 100:
            raise RecursionError
        if node.tag == _STR_TAG and node.__class__ is not self.mapping_node and node.__class__ is not self.sequence_node:
            return node.value
        if isinstance(node, self.mapping_node):
            mapping = Mapping()
            marks = mapping.marks = {}
            for key_node, value_node in node.value:
                if key_node.tag == _MERGE_TAG:  # `<<: *base` (or a list of them): the merged entries, the
                    # mapping's own winning, then the first listed (as yaml.safe_load merges)
                    merged = value_node.value if isinstance(value_node, self.sequence_node) else [value_node]
                    for source in merged:
                        if not isinstance(source, self.mapping_node):
                            mark = source.start_mark
                            raise YamlError(f"not valid YAML (line {mark.line + 1}, column {mark.column + 1}): "
                                            "`<<` merges mappings only")
                        built = self.build(source, depth + 1)
                        for merged_key, merged_value in built.items():
                            mapping.setdefault(merged_key, merged_value)
                            marks.setdefault(merged_key, built.marks[merged_key])
                    continue
                key = self.build(key_node, depth + 1)
                try:
                    hash(key)
                except TypeError:
                    continue  # a mapping used as a key (`{{ACR}}`-style templates): not a key a rule looks up
                mapping[key] = self.build(value_node, depth + 1)
                key_mark, value_mark = key_node.start_mark, value_node.start_mark
                marks[key] = ((key_mark.line, key_mark.column), (value_mark.line, value_mark.column))
            return mapping
        if isinstance(node, self.sequence_node):
            sequence = Sequence(self.build(item, depth + 1) for item in node.value)
            sequence.marks = [(item.start_mark.line, item.start_mark.column) for item in node.value]
            return sequence
        return self.construct(node, deep=True)


def _without_comment(line: str) -> str:
    """The line without a trailing YAML comment (a `#` at the start or after a blank, outside quotes)."""
    if "#" not in line:
        return line
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
