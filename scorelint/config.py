"""Configuration: `[tool.scorelint]` in the nearest pyproject.toml, then command-line overrides.

    [tool.scorelint]
    include = ["*score*.py"]           # file-name globs that mark entry scripts in folders
    exclude = ["tests/fixtures/**"]    # paths never checked when found in a folder
    select = ["SL"]                    # codes, prefixes or names; default: every rule
    extend-select = []
    ignore = ["status-500"]
    kind = "auto"                      # "online" | "batch" | "auto"
    target-version = "1.5"             # azureml-inference-server-http deployed (default: the newest)
    [tool.scorelint.per-file-ignores]
    "legacy/*.py" = ["SL5"]
    [tool.scorelint.rules.sensitive-sample-data]   # a rule's own options, checked against its Options
    allow = ["Contoso"]

The language server and the command line both build their `Settings` here, so they resolve the same
way: built-in defaults < pyproject.toml < explicit overrides (command-line flags or editor settings).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the engine (and libcst) load only when a file must really be linted
    from .registry import Registry
    from .rule import Rule, RuleOptions

DEFAULT_INCLUDE = ("*score*.py",)
DEFAULT_EXCLUDE_DIRS = frozenset(
    {".git", ".hg", ".svn", ".venv", "venv", ".tox", ".nox", "__pycache__", "node_modules", "site-packages",
     ".mypy_cache", ".pytest_cache", ".ruff_cache", "build", "dist", ".eggs"}
)
KINDS = ("auto", "online", "batch")
_KNOWN_KEYS = {"include", "exclude", "select", "extend-select", "ignore", "per-file-ignores", "kind", "rules",
               "sandbox", "output-format", "cache", "target-version"}
# azureml-inference-server-http versions a project can target ("1.3", "1.4.0"): rules that depend on the
# server's version (Rule.min_server_version) run only for the versions they concern. Unset: the newest.
SERVER_VERSION = re.compile(r"\d+\.\d+(?:\.\d+)?")


def server_version(text: str | None) -> tuple[int, ...] | None:
    return None if text is None else tuple(int(part) for part in text.split("."))


class ConfigError(Exception):
    """A configuration problem the user must fix (exit code 2). `path`: the file that is broken, when one
    is (a resolver watches its modification time to notice the fix)."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


@dataclass
class Settings:
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    select: tuple[str, ...] | None = None  # None: every rule
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = field(default_factory=dict)
    kind: str = "auto"
    target_version: str | None = None  # the azureml-inference-server-http version deployed (None: the newest)
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    sandbox: dict[str, Any] = field(default_factory=dict)  # the project's [tool.scorelint.sandbox]
    # What the user gave for the sandbox (command line, editor settings): kept apart from the project's
    # table because the project's files may not choose the interpreter nor weaken isolation.
    sandbox_user: dict[str, Any] = field(default_factory=dict)
    root: Path | None = None  # the folder of the pyproject.toml the settings came from
    config_file: Path | None = None

    def with_overrides(self, **overrides: Any) -> Settings:
        values = {k: v for k, v in overrides.items() if v is not None}
        return dataclasses.replace(self, **values)

    def fingerprint(self) -> str:
        """A stable text of everything that changes lint results (part of cache keys)."""
        data = dataclasses.asdict(self)
        data.pop("root", None)
        data.pop("config_file", None)
        return repr(sorted((k, repr(v)) for k, v in data.items()))


def find_pyproject(start: Path) -> Path | None:
    """The nearest pyproject.toml with a [tool.scorelint] table, looking upward from `start`."""
    try:
        start = start.resolve()
    except (OSError, RuntimeError):  # a symbolic link loop: reported by discovery, searched from here
        start = start.absolute()
    folder = start if start.is_dir() else start.parent
    for candidate_dir in (folder, *folder.parents):
        candidate = candidate_dir / "pyproject.toml"
        if candidate.is_file() and "scorelint" in _read_toml(candidate).get("tool", {}):
            return candidate
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}", path) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
                          f"{exc.start})", path) from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}", path) from None


def load_settings(start: Path, config_file: Path | None = None) -> Settings:
    path = config_file or find_pyproject(start)
    if path is None:
        return Settings()
    data = _read_toml(path)
    table = data.get("tool", {}).get("scorelint", {})
    if config_file is not None and "tool" not in data:
        table = data  # a scorelint.toml given with --config holds the table at top level
    return settings_from_table(table, path)


def _strings(table: dict[str, Any], key: str, source: Path | None) -> tuple[str, ...] | None:
    if key not in table:
        return None
    value = table[key]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{source}: [tool.scorelint] {key} must be a list of strings")
    return tuple(value)


def settings_from_table(table: dict[str, Any], source: Path | None) -> Settings:
    unknown = set(table) - _KNOWN_KEYS
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) in [tool.scorelint]: {', '.join(sorted(unknown))}")
    settings = Settings(root=source.parent if source else None, config_file=source)
    values: dict[str, Any] = {}
    for key, attr in (("include", "include"), ("exclude", "exclude"), ("select", "select"),
                      ("extend-select", "extend_select"), ("ignore", "ignore")):
        got = _strings(table, key, source)
        if got is not None:
            values[attr] = got
    pfi = table.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise ConfigError(f"{source}: per-file-ignores must be a table of glob = [codes]")
    values["per_file_ignores"] = {
        glob: _strings({"v": codes}, "v", source) or () for glob, codes in pfi.items()
    }
    kind = table.get("kind", "auto")
    if kind not in KINDS:
        raise ConfigError(f"{source}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    values["kind"] = kind
    target = table.get("target-version")
    if target is not None:
        if not isinstance(target, str) or not SERVER_VERSION.fullmatch(target):
            raise ConfigError(f"{source}: [tool.scorelint] target-version must be an azureml-inference-server-http "
                              f"version such as \"1.3\" or \"1.4.0\", not {target!r}")
        values["target_version"] = target
    rules = table.get("rules", {})
    if not isinstance(rules, dict) or not all(isinstance(v, dict) for v in rules.values()):
        raise ConfigError(f"{source}: [tool.scorelint.rules.<name>] tables hold each rule's options")
    values["rule_options"] = rules
    sandbox = table.get("sandbox", {})
    if not isinstance(sandbox, dict):
        raise ConfigError(f"{source}: [tool.scorelint.sandbox] must be a table")
    if sandbox:  # types and ranges; who may set what is decided when the sandbox runs (sandbox/settings.py)
        from .sandbox.settings import SandboxConfigError, validate_table

        try:
            validate_table(sandbox, f"{source}: [tool.scorelint.sandbox]")
        except SandboxConfigError as exc:
            raise ConfigError(str(exc)) from None
    values["sandbox"] = sandbox
    return dataclasses.replace(settings, **values)


@dataclass
class RuleSelection:
    """The decision, made once per settings, of which rules run (flake8's DecisionEngine idea)."""

    registry: Registry
    settings: Settings

    def __post_init__(self) -> None:
        for selector in (*(self.settings.select or ()), *self.settings.extend_select, *self.settings.ignore,
                         *(c for codes in self.settings.per_file_ignores.values() for c in codes)):
            if self.registry.matching(selector)[1] < 0:
                # The command line's selectors are checked before any file (scorelint.cli), so this one
                # comes from the configuration file: name it.
                where = f"{self.settings.config_file}: [tool.scorelint] " if self.settings.config_file else ""
                raise ConfigError(f"{where}{unknown_selector(self.registry, selector)}")
        self.enabled = self._decide(self.settings.select, self.settings.extend_select, self.settings.ignore)
        self.options = self._options()
        self._per_file_cache: dict[str, tuple[type[Rule], ...]] = {}

    def _decide(self, select, extend_select, ignore) -> tuple[type[Rule], ...]:
        # For each rule, the most specific selector that names it decides; at equal length, ignore wins.
        chosen = []
        base = select if select is not None else ("ALL",)
        for rule in self.registry.rules:
            best_select = max((self.registry.matching(s)[1] for s in (*base, *extend_select)
                               if rule in self.registry.matching(s)[0]), default=-1)
            best_ignore = max((self.registry.matching(s)[1] for s in ignore
                               if rule in self.registry.matching(s)[0]), default=-1)
            if best_select >= 0 and best_select > best_ignore:
                chosen.append(rule)
        return tuple(chosen)

    def _options(self) -> dict[str, RuleOptions]:
        options: dict[str, RuleOptions] = {}
        for key, values in self.settings.rule_options.items():
            rule = self.registry.lookup(key)
            if rule is None:
                raise ConfigError(f"{self._where()}[tool.scorelint.rules.{key}]: no rule has that name or code "
                                  f"({self.registry.did_you_mean(key)}`scorelint rule --all` lists them)")
            field_names = {f.name.replace("_", "-"): f.name for f in dataclasses.fields(rule.Options)}
            unknown = set(values) - set(field_names)
            if unknown:
                allowed = ", ".join(sorted(field_names)) or "none"
                raise ConfigError(f"{self._where()}[tool.scorelint.rules.{key}]: unknown option(s) "
                                  f"{', '.join(sorted(unknown))} "
                                  f"(options of {rule.name}: {allowed})")
            try:
                options[rule.code] = rule.Options(**{field_names[k]: v for k, v in values.items()})
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"{self._where()}[tool.scorelint.rules.{key}]: {exc}") from None
        return options

    def _where(self) -> str:
        return f"{self.settings.config_file}: " if self.settings.config_file else ""

    def rules_for(self, path: Path | str) -> tuple[type[Rule], ...]:
        """The enabled rules minus the per-file ignores matching `path`."""
        if not self.settings.per_file_ignores:
            return self.enabled
        rel = relative_posix(path, self.settings.root)
        cached = self._per_file_cache.get(rel)
        if cached is not None:
            return cached
        ignores = [code for glob, codes in self.settings.per_file_ignores.items()
                   if path_matches(rel, glob) for code in codes]
        rules = self.enabled if not ignores else tuple(
            r for r in self.enabled if not any(r in self.registry.matching(c)[0] for c in ignores)
        )
        self._per_file_cache[rel] = rules
        return rules


def unknown_selector(registry: Registry, selector: str, where: str = "") -> str:
    return (f"unknown rule selector {selector!r}{where} ({registry.did_you_mean(selector)}use a code like SL101, "
            "a prefix like SL1, a rule name, or ALL; `scorelint rule --all` lists them)")


def relative_posix(path: Path | str, root: Path | None) -> str:
    p = Path(path)
    if root is not None:
        try:
            p = p.resolve().relative_to(root.resolve())
        except (ValueError, OSError, RuntimeError):  # not under root, or a symbolic link loop
            pass
    return p.as_posix()


def path_matches(rel_posix: str, glob: str) -> bool:
    """Match a glob against a path: a glob without '/' matches the file name anywhere. Case-insensitive:
    `Score.py` is an entry script as much as `score.py` (and the same on every operating system)."""
    rel_posix, glob = rel_posix.casefold(), glob.casefold()
    if "/" not in glob:
        return fnmatch.fnmatchcase(rel_posix.rsplit("/", 1)[-1], glob)
    return fnmatch.fnmatchcase(rel_posix, glob) or fnmatch.fnmatchcase(rel_posix, glob.rstrip("/") + "/*")


def is_excluded_dir(name: str) -> bool:
    return name in DEFAULT_EXCLUDE_DIRS or (name.startswith(".") and name not in (".", ".."))
