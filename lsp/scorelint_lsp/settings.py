"""Editor settings, and the engine settings each document is linted with.

The editor sends settings in `initializationOptions` and `workspace/didChangeConfiguration` (or the server
asks for the `scorelint` section with `workspace/configuration`). They are the editor's equivalent of the
command line's flags: they override what the project's `[tool.scorelint]` says, which overrides the
built-in defaults. The project's configuration is read by `scorelint.config`, exactly as the command line
reads it; this module only maps editor keys onto `Settings.with_overrides`.

Keys (camelCase as editors write them; kebab-case and snake_case are accepted too):

    enable            false: publish nothing
    select, extendSelect, ignore    rule codes, prefixes or names (like --select / --extend-select / --ignore)
    kind              "auto" | "online" | "batch"
    include, exclude  globs, as in [tool.scorelint]
    perFileIgnores    {glob: [codes]}
    rules             {rule-name: {option: value}}, merged over [tool.scorelint.rules.<name>]
    configFile        a pyproject.toml or scorelint.toml to use instead of searching (like --config)
    forceInclude      globs of files to lint even when they do not look like entry scripts ("*" for all)
    debounceMs        wait this long after the last change before linting (default 100; 0 in tests)
    diagnosticMode    "auto" (pull when the client supports it, else push) | "push" | "pull"
    sandbox           {onSave: bool, ...}: onSave runs the sandbox on save; the other keys are merged over
                      [tool.scorelint.sandbox]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from scorelint.api import Linter
from scorelint.config import (
    KINDS,
    Settings,
    find_pyproject,
    is_excluded_dir,
    load_settings,
    path_matches,
    relative_posix,
)

DEFAULT_DEBOUNCE_MS = 100
DIAGNOSTIC_MODES = ("auto", "push", "pull")

_STRING_LISTS = {"select": "select", "extend_select": "extend_select", "ignore": "ignore",
                 "include": "include", "exclude": "exclude"}
_KNOWN = {*_STRING_LISTS, "enable", "kind", "per_file_ignores", "rules", "config_file", "force_include",
          "debounce_ms", "diagnostic_mode", "sandbox"}


def _snake(key: str) -> str:
    key = key.replace("-", "_")
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key).lower()


def settings_section(raw: Any) -> dict[str, Any] | None:
    """Find scorelint's settings in what an editor sent: `{"scorelint": {...}}`, `{"settings": {...}}` or
    the settings themselves. None when there is nothing that looks like them."""
    if not isinstance(raw, dict):
        return None
    inner = raw.get("scorelint")
    if isinstance(inner, dict):
        return inner
    inner = raw.get("settings")
    if isinstance(inner, dict):
        return settings_section(inner)
    if any(_snake(str(key)) in _KNOWN for key in raw):
        return raw
    return None  # another tool's settings, or nothing


@dataclass(frozen=True)
class EditorSettings:
    enable: bool = True
    overrides: dict[str, Any] = field(default_factory=dict)  # Settings fields
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    sandbox: dict[str, Any] = field(default_factory=dict)  # merged over [tool.scorelint.sandbox]
    sandbox_on_save: bool = False
    config_file: Path | None = None
    force_include: tuple[str, ...] = ()
    debounce_ms: int = DEFAULT_DEBOUNCE_MS
    diagnostic_mode: str = "auto"

    @classmethod
    def parse(cls, raw: Any) -> tuple[EditorSettings, list[str]]:
        """Build settings from the editor's JSON. Returns them with the problems found; a bad value is
        reported and ignored, never fatal."""
        problems: list[str] = []
        section = settings_section(raw)
        if not section:
            return cls(), problems
        values: dict[str, Any] = {}
        overrides: dict[str, Any] = {}
        for key, value in section.items():
            name = _snake(str(key))
            if name not in _KNOWN:
                problems.append(f"unknown setting {key!r}")
                continue
            if value is None:
                continue
            if name in _STRING_LISTS:
                strings = _strings(value)
                if strings is None:
                    problems.append(f"setting {key!r} must be a list of strings")
                else:
                    overrides[_STRING_LISTS[name]] = strings
            elif name == "enable":
                if isinstance(value, bool):
                    values["enable"] = value
                else:
                    problems.append(f"setting {key!r} must be true or false")
            elif name == "kind":
                if value in KINDS:
                    overrides["kind"] = value
                else:
                    problems.append(f"setting {key!r} must be one of {', '.join(KINDS)}")
            elif name == "per_file_ignores":
                table = _glob_table(value)
                if table is None:
                    problems.append(f"setting {key!r} must map globs to lists of codes")
                else:
                    overrides["per_file_ignores"] = table
            elif name == "rules":
                if isinstance(value, dict) and all(isinstance(v, dict) for v in value.values()):
                    values["rule_options"] = {str(k): dict(v) for k, v in value.items()}
                else:
                    problems.append(f"setting {key!r} must map rule names to tables of options")
            elif name == "config_file":
                if isinstance(value, str) and value:
                    values["config_file"] = Path(value).expanduser()
                elif value != "":
                    problems.append(f"setting {key!r} must be a path")
            elif name == "force_include":
                if value is True:
                    values["force_include"] = ("*",)
                elif value is False:
                    values["force_include"] = ()
                else:
                    strings = _strings(value)
                    if strings is None:
                        problems.append(f"setting {key!r} must be a list of globs (or true)")
                    else:
                        values["force_include"] = strings
            elif name == "debounce_ms":
                if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 60_000:
                    values["debounce_ms"] = int(value)
                else:
                    problems.append(f"setting {key!r} must be a number of milliseconds")
            elif name == "diagnostic_mode":
                if value in DIAGNOSTIC_MODES:
                    values["diagnostic_mode"] = value
                else:
                    problems.append(f"setting {key!r} must be one of {', '.join(DIAGNOSTIC_MODES)}")
            elif name == "sandbox":
                if not isinstance(value, dict):
                    problems.append(f"setting {key!r} must be a table")
                    continue
                sandbox = {}
                for skey, svalue in value.items():
                    sname = _snake(str(skey))
                    if sname == "on_save":
                        if isinstance(svalue, bool):
                            values["sandbox_on_save"] = svalue
                        else:
                            problems.append(f"setting 'sandbox.{skey}' must be true or false")
                    elif svalue is not None:
                        sandbox[sname.replace("_", "-")] = svalue
                values["sandbox"] = sandbox
        return cls(overrides=overrides, **values), problems

    def apply(self, base: Settings, workspace_root: Path | None) -> Settings:
        """The document's engine settings: the project's, overridden by the editor's."""
        overrides = dict(self.overrides)
        if self.rule_options:
            merged = {k: dict(v) for k, v in base.rule_options.items()}
            for name, options in self.rule_options.items():
                merged.setdefault(name, {}).update(options)
            overrides["rule_options"] = merged
        if self.sandbox:
            overrides["sandbox"] = {**base.sandbox, **self.sandbox}
        if base.root is None and workspace_root is not None:
            overrides["root"] = workspace_root  # relative globs mean the workspace, as the CLI's mean cwd
        return base.with_overrides(**overrides)


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return tuple(part.strip() for v in value for part in v.split(",") if part.strip())
    return None


def _glob_table(value: Any) -> dict[str, tuple[str, ...]] | None:
    if not isinstance(value, dict):
        return None
    table = {}
    for glob, codes in value.items():
        strings = _strings(codes)
        if strings is None:
            return None
        table[str(glob)] = strings
    return table


class SettingsResolver:
    """Engine settings per document, cached per configuration file (and its modification time), so a
    keystroke costs a dictionary lookup; the same search for the nearest `[tool.scorelint]` as the command
    line. Not thread-safe: the server calls it from its one lint thread."""

    def __init__(self) -> None:
        self._config_for_dir: dict[Path, Path | None] = {}
        self._linters: dict[tuple[Path | None, int], Linter] = {}

    def clear(self) -> None:
        self._config_for_dir.clear()
        self._linters.clear()

    def config_file_for(self, path: PurePath, editor: EditorSettings, workspace_root: Path | None = None) -> Path | None:
        if editor.config_file is not None:
            if not editor.config_file.is_absolute() and workspace_root is not None:
                return workspace_root / editor.config_file  # relative to the workspace, as --config to cwd
            return editor.config_file
        folder = Path(path).parent
        if folder not in self._config_for_dir:
            self._config_for_dir[folder] = find_pyproject(folder) if folder.is_dir() else None
        return self._config_for_dir[folder]

    def linter_for(self, path: PurePath, editor: EditorSettings, workspace_root: Path | None) -> Linter:
        """The linter for a document. Raises scorelint.config.ConfigError for a broken configuration
        (the project's or the editor's)."""
        config = self.config_file_for(path, editor, workspace_root)
        try:
            stamp = config.stat().st_mtime_ns if config is not None else 0
        except OSError:
            stamp = -1
        key = (config, stamp)
        linter = self._linters.get(key)
        if linter is None:
            base = load_settings(Path(path).parent, config) if config is not None else Settings()
            linter = Linter(editor.apply(base, workspace_root))
            if len(self._linters) > 64:
                self._linters.clear()
            self._linters[key] = linter
        return linter


def is_candidate(path: PurePath, settings: Settings, editor: EditorSettings) -> bool | None:
    """Whether a document should be linted, judged from its path alone: True (forced, or its name
    matches an include glob), False (excluded), None (ask the text: does it bind init and run?)."""
    rel = relative_posix(path, settings.root) if settings.root is not None else PurePath(path).name
    if editor.force_include and any(path_matches(rel, glob) for glob in editor.force_include):
        return True
    if settings.exclude and any(path_matches(rel, glob) for glob in settings.exclude):
        return False
    if not PurePath(rel).is_absolute() and any(is_excluded_dir(part) for part in PurePath(rel).parts[:-1]):
        return False
    if any(path_matches(PurePath(path).name, glob) for glob in settings.include):
        return True
    return None
