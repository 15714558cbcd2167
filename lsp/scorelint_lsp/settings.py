"""Editor settings: what the editor sends, read into the document pipeline's `Overrides`.

The editor sends settings in `initializationOptions` and `workspace/didChangeConfiguration` (or the server
asks for the `scorelint` section with `workspace/configuration`). They are the editor's equivalent of the
command line's flags: they override what the project's `[tool.scorelint]` says, which overrides the
built-in defaults. The project's configuration is resolved by `scorelint.project.Pipeline`, exactly as for
the command line; this module only maps editor keys onto `Overrides`.

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
from pathlib import Path
from typing import Any

from scorelint.config import KINDS
from scorelint.project import Overrides

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

    def pipeline_overrides(self, workspace_root: Path | None) -> Overrides:
        """The editor's settings as the document pipeline's overrides (the command line's flags are the
        same thing): relative paths and globs mean the workspace, as the command line's mean its folder."""
        config_file = self.config_file
        if config_file is not None and not config_file.is_absolute() and workspace_root is not None:
            config_file = workspace_root / config_file
        return Overrides(settings=dict(self.overrides), rule_options=self.rule_options, sandbox=self.sandbox,
                         config_file=config_file, default_root=workspace_root, force_include=self.force_include)


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
