"""The sandbox's settings: their types and ranges, and who may set what (the trust boundary).

Three sources, weakest first: the checked project's `[tool.scorelint.sandbox]` (pyproject.toml), the
user's own file `$XDG_CONFIG_HOME/scorelint/config.toml` (`[sandbox]` table, default
~/.config/scorelint/config.toml), then the command line or the editor's settings. The project's files
are someone else's when scorelint checks a pull request or a cloned repository, so the project table
cannot choose the interpreter (`python`) nor weaken isolation (`namespaces = false`,
`require-isolation = false`, an `app-root` or `model-dir` outside the project, which the sandbox would
show the script): such values are ignored with a note, unless the user trusts the project
(`trusted-projects` in the user file, or an editor's trusted workspace). See docs/security.md.

Kept free of heavy imports: config.py validates the table with `validate_table` when it loads a
pyproject.toml.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any


class SandboxConfigError(ValueError):
    """A sandbox setting of the wrong type or out of range: one line naming the file and the key."""


# name -> (kind, minimum, maximum); kinds: "seconds" (int or float), "int", "bool", "path", "text"
FIELDS: dict[str, tuple[str, float | None, float | None]] = {
    "python": ("path", None, None),
    "timeout": ("seconds", 0.1, 3600.0),
    "memory_mb": ("int", 16, 1 << 20),
    "cpu_seconds": ("seconds", 0.1, 3600.0),
    "file_mb": ("int", 1, 1 << 20),
    "processes": ("int", 1, 4096),
    "output_limit": ("int", 1024, 1 << 30),
    "flood_limit": ("int", 1024, 1 << 34),
    "namespaces": ("bool", None, None),
    "require_isolation": ("bool", None, None),
    "app_root": ("path", None, None),
    "model_dir": ("path", None, None),
    "service_name": ("text", None, None),
    "service_version": ("text", None, None),
    "path_prefix": ("text", None, None),
    "stand_ins": ("bool", None, None),
    "call_init": ("bool", None, None),
}
# What the checked project's own files may not set (unless trusted), and the value that would weaken.
PROJECT_MAY_NOT = {"python": (None, "choose the interpreter that runs"),
                   "namespaces": (False, "turn the OS isolation off"),
                   "require_isolation": (False, "allow reduced isolation")}
USER_ONLY_KEYS = {"trusted_projects", "trust_project"}  # trust-project: an editor's trusted workspace
# Folders the sandbox shows the script (read-only): the project's files may name only folders of their own,
# or a pull request's model-dir = "~/.ssh" would put that folder in the sandbox's view.
PROJECT_OWN_FOLDERS = {"app_root", "model_dir"}


def _describe(value: Any) -> str:
    return repr(value) if not isinstance(value, (dict, list)) else type(value).__name__


def check_value(name: str, value: Any, where: str) -> Any:
    """`value` as the field's type, or SandboxConfigError naming `where` (file and table) and the key."""
    kind, low, high = FIELDS[name]
    key = f"{where} {name.replace('_', '-')}"
    if kind == "bool":
        if not isinstance(value, bool):
            raise SandboxConfigError(f"{key} must be true or false, not {_describe(value)}")
        return value
    if kind in ("path", "text"):
        if not isinstance(value, str) or (kind == "path" and (not value or "\0" in value)):
            what = "a path" if kind == "path" else "a string"
            raise SandboxConfigError(f"{key} must be {what}, not {_describe(value)}")
        return value
    number_ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "int":
        if not (isinstance(value, int) and not isinstance(value, bool)) or not low <= value <= high:
            raise SandboxConfigError(f"{key} must be a whole number from {low} to {high}, not {_describe(value)}")
        return value
    if not number_ok or not math.isfinite(value) or not low <= value <= high:
        raise SandboxConfigError(f"{key} must be a number from {low:g} to {high:g} seconds, not {_describe(value)}")
    return float(value) if kind == "seconds" else value


def validate_table(table: Any, where: str, allow_user_keys: bool = False) -> dict[str, Any]:
    """The table with keys in snake_case and values checked; SandboxConfigError on the first problem."""
    if not isinstance(table, dict):
        raise SandboxConfigError(f"{where} must be a table")
    checked: dict[str, Any] = {}
    for key, value in table.items():
        name = str(key).replace("-", "_")
        if allow_user_keys and name == "trust_project":
            if not isinstance(value, bool):
                raise SandboxConfigError(f"{where} {key} must be true or false, not {_describe(value)}")
            checked[name] = value
            continue
        if allow_user_keys and name in USER_ONLY_KEYS:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise SandboxConfigError(f"{where} {key} must be a list of folder paths")
            checked[name] = value
            continue
        if name not in FIELDS:
            known = ", ".join(sorted(n.replace("_", "-") for n in FIELDS))
            raise SandboxConfigError(f"{where}: unknown key {key!r} (known: {known})")
        checked[name] = check_value(name, value, where)
    return checked


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base, "scorelint", "config.toml")


def user_table() -> tuple[dict[str, Any], Path]:
    """The user's own `[sandbox]` settings (checked), and the file they came from."""
    path = user_config_path()
    try:
        with open(path, "rb") as handle:
            import tomllib

            data = tomllib.load(handle)
    except FileNotFoundError:
        return {}, path
    except (OSError, ValueError) as exc:
        raise SandboxConfigError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    return validate_table(data.get("sandbox", {}), f"{path}: [sandbox]", allow_user_keys=True), path


def _trusted(root: Path | None, user: dict[str, Any], user_path: Path) -> bool:
    if root is None:
        return False
    try:
        here = Path(root).resolve()
        for entry in user.get("trusted_projects", ()):
            folder = Path(os.path.expanduser(entry))
            folder = (user_path.parent / folder if not folder.is_absolute() else folder).resolve()
            if here == folder or folder in here.parents:
                return True
    except (OSError, RuntimeError):
        return False
    return False


def resolve(project: dict[str, Any], root: Path | None, config_file: Path | None, overrides: dict[str, Any],
            trust_project: bool = False) -> tuple[dict[str, Any], list[str]]:
    """The option values (defaults left out) from the three sources, and notes on project values ignored.

    Relative paths are relative to the file that set them (the project's folder for its table)."""
    user, user_path = user_table()
    where = f"{config_file or 'pyproject.toml'}: [tool.scorelint.sandbox]"
    checked = validate_table(project or {}, where)
    trusted = trust_project or _trusted(root, user, user_path)
    values: dict[str, Any] = {}
    for name, value in user.items():
        if name not in USER_ONLY_KEYS:
            values[name] = _path(name, value, user_path.parent)
    notes = []
    for name, value in checked.items():
        if name in PROJECT_MAY_NOT and not trusted:
            weak, what = PROJECT_MAY_NOT[name]
            if weak is None or value == weak:
                notes.append(f"{where} {name.replace('_', '-')} = {value!r} is ignored: the checked project's "
                             f"files may not {what} (say so on the command line, or list the project under "
                             f"trusted-projects in {user_path})")
                continue
        if name in PROJECT_OWN_FOLDERS and not trusted and root is not None and \
                not _inside(_path(name, value, root), root):
            notes.append(f"{where} {name.replace('_', '-')} = {value!r} is ignored: the checked project's files "
                         f"may only show the sandbox folders of the project (say so on the command line, or "
                         f"list the project under trusted-projects in {user_path})")
            continue
        values[name] = _path(name, value, root)
    for name, value in overrides.items():
        if value is not None:
            values[name] = value
    return values, notes


def _inside(path: str, root: Path) -> bool:
    """Whether `path`, links resolved, is `root` or lies in it."""
    try:
        real, folder = Path(path).resolve(), Path(root).resolve()
    except (OSError, RuntimeError):
        return False
    return real == folder or folder in real.parents


def _path(name: str, value: Any, base: Path | None) -> Any:
    if FIELDS.get(name, ("",))[0] != "path" or base is None or os.path.isabs(value):
        return value
    if name == "python" and "/" not in value and "\\" not in value:
        return value  # a command name, looked up on PATH
    return str(Path(base, value))
