"""The one document pipeline every front end uses (command line, pre-commit, language server).

For a path, this module decides in one place:

- its settings: the nearest `[tool.scorelint]` under the front end's overrides (command-line flags or
  editor settings), cached per configuration file and its modification time; a broken configuration is
  one `ConfigError`, with one message, wherever it shows;
- whether it is an entry script worth checking (include/exclude globs, folders no walk enters, `init`
  and `run` bound at module level);
- the lint itself (`Linter.lint_text` / `fix_text`), and for every finding, static or from the sandbox,
  the same suppression comments and the same rule options.

The project context is here too: one `CodeFolders` per pipeline (`scorelint.codefolder`), which every
Linter the pipeline builds shares, so the rules that follow sibling modules and the deployment checks
(`scorelint.deployment.run`, which takes the same Pipeline for the files it finds) read each code folder
once, and see edits.

`runner.py` (many files, worker processes, writes) and the language server (the protocol) only adapt
it. Nothing here imports libcst or a rule until a file really has to be linted: a cache hit stays cheap.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from .config import ConfigError, Settings, find_pyproject, is_excluded_dir, load_settings, path_matches, relative_posix

if TYPE_CHECKING:
    from .api import FixOutcome, Linter
    from .codefolder import CodeFolders
    from .model import Diagnostic, LintResult


# --- settings ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Overrides:
    """What a front end says over the project's configuration: built-in defaults < pyproject.toml <
    these (the command line's flags, the editor's settings)."""

    settings: dict[str, Any] = field(default_factory=dict)  # Settings fields, replaced
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)  # merged over [tool.scorelint.rules.*]
    sandbox: dict[str, Any] = field(default_factory=dict)  # over [tool.scorelint.sandbox] (Settings.sandbox_user)
    config_file: Path | None = None  # use this file instead of searching (--config, the editor's configFile)
    default_root: Path | None = None  # what relative globs mean when no configuration file says (the workspace)
    force_include: tuple[str, ...] = ()  # globs of files checked even when they do not look like entry scripts

    def apply(self, base: Settings) -> Settings:
        values = dict(self.settings)
        if self.rule_options:
            merged = {name: dict(options) for name, options in base.rule_options.items()}
            for name, options in self.rule_options.items():
                merged.setdefault(name, {}).update(options)
            values["rule_options"] = merged
        if self.sandbox:  # the user's word, not the project's: see scorelint/sandbox/settings.py
            values["sandbox_user"] = {**base.sandbox_user, **self.sandbox}
        if base.root is None and self.default_root is not None:
            values["root"] = self.default_root
        return base.with_overrides(**values)


class Configuration:
    """One configuration file (or none) as the engine sees it: settings, and the Linter built from them
    on first use (importing every rule and libcst only when a file really has to be linted)."""

    def __init__(self, settings: Settings, code_folders: CodeFolders | None = None) -> None:
        self.settings = settings
        self.code_folders = code_folders
        self._linter: Linter | ConfigError | None = None

    @property
    def linter(self) -> Linter:
        if self._linter is None:
            from .api import Linter

            try:
                self._linter = Linter(self.settings, code_folders=self.code_folders)
            except ConfigError as exc:  # an unknown rule selector or option: remembered like a broken file
                self._linter = exc
            settle_memory_once()
        if isinstance(self._linter, ConfigError):
            raise self._linter
        return self._linter


@dataclass(frozen=True)
class _Broken:
    """A folder whose nearest pyproject.toml cannot be read: the error, and the file's modification time
    when it was read (a later save is noticed)."""

    error: ConfigError
    stamp: int | None


class Pipeline:
    """Settings, entry-script decisions and linting for any number of paths under one set of overrides.

    Cached per folder (which configuration file applies) and per configuration file and modification
    time (its settings and Linter): a keystroke in the editor costs a few dictionary lookups and one
    stat. Not thread-safe: each front end calls it from one thread (the server's lint thread, or one per
    worker process)."""

    def __init__(self, overrides: Overrides | None = None) -> None:
        self.overrides = overrides or Overrides()
        self._code_folders: CodeFolders | None = None
        self._config_for_dir: dict[Path, Path | _Broken | None] = {}
        self._configurations: dict[tuple[Path | None, int], Configuration | ConfigError] = {}

    @property
    def code_folders(self) -> CodeFolders:
        """The project context: the code folders every configuration's Linter and the deployment checks read."""
        if self._code_folders is None:
            from .codefolder import CodeFolders

            self._code_folders = CodeFolders()
        return self._code_folders

    def clear(self) -> None:
        """Forget what was read (a configuration file was created, changed or deleted)."""
        self._config_for_dir.clear()
        self._configurations.clear()

    def config_file_for(self, path: PurePath) -> Path | None:
        """The configuration file that applies to `path`. Raises ConfigError when the nearest one is broken."""
        if self.overrides.config_file is not None:
            return self.overrides.config_file
        folder = Path(path).parent.absolute()
        found = self._config_for_dir.get(folder, _MISSING)
        if isinstance(found, _Broken) and _stamp(found.error.path) != found.stamp:
            found = _MISSING  # the broken file changed: search again
        if found is _MISSING:
            try:
                found = find_pyproject(folder)
            except ConfigError as exc:
                found = _Broken(exc, _stamp(exc.path))
            self._config_for_dir[folder] = found
        if isinstance(found, _Broken):
            raise found.error
        return found  # type: ignore[return-value]

    def configuration_for(self, path: PurePath) -> Configuration:
        """Raises ConfigError for a broken configuration (the project's or the front end's)."""
        config = self.config_file_for(path)
        key = (config, _stamp(config) if config is not None else 0)
        found = self._configurations.get(key)
        if found is None:
            try:
                base = load_settings(Path(path).parent, config) if config is not None else Settings()
                found = Configuration(self.overrides.apply(base), self.code_folders)
            except ConfigError as exc:
                found = exc
            if len(self._configurations) > 64:  # an editor session that saved its pyproject many times
                self._configurations.clear()
            self._configurations[key] = found
        if isinstance(found, ConfigError):
            raise found
        return found

    def settings_for(self, path: PurePath) -> Settings:
        return self.configuration_for(path).settings

    def linter_for(self, path: PurePath) -> Linter:
        return self.configuration_for(path).linter

    # --- which files -------------------------------------------------------------------------------
    def is_entry_script(self, path: PurePath, text: str | None = None, *, seen_as_entry: bool = False) -> bool:
        """Whether a document opened in an editor is checked. See `is_entry_script`."""
        return is_entry_script(path, self.settings_for(path), text, force_include=self.overrides.force_include,
                               seen_as_entry=seen_as_entry)

    # --- linting -----------------------------------------------------------------------------------
    def lint(self, path: PurePath, text: str) -> LintResult:
        return self.linter_for(path).lint_text(text, path)

    def fix(self, path: PurePath, text: str, *, unsafe: bool = False) -> FixOutcome:
        return self.linter_for(path).fix_text(text, path, unsafe=unsafe)

    def sandbox_findings(self, path: Path, text: str, static_codes: set[str], **kwargs: Any) -> list[Diagnostic]:
        """See `sandbox_findings`."""
        return sandbox_findings(self.linter_for(path), path, text, static_codes, **kwargs)


_MISSING: Any = object()


def _stamp(path: Path | None) -> int | None:
    if path is None:
        return None
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


# --- the entry-script decision -----------------------------------------------------------------------
def is_entry_script(path: PurePath, settings: Settings, text: str | bytes | None = None, *,
                    force_include: tuple[str, ...] = (), walked: bool = False, seen_as_entry: bool = False) -> bool:
    """Whether a file found in a folder (or open in an editor) is an entry script to check. In order:
    a `force_include` glob matches (yes); an `exclude` glob matches, or it lies below the project's root
    in a folder no walk enters (`.venv`, `build`, hidden folders...; `walked`: a folder walk found it, so
    it is in none) (no); its name matches an `include` glob (yes); it binds both `init` and `run` at
    module level (judged from `text` when given, else from the file), or the editor recognised it as one
    earlier in the session (`seen_as_entry`: deleting `def init` must still be reported). A file named on
    the command line is always checked without asking."""
    if force_include and any(path_matches(relative_posix(path, settings.root), glob) for glob in force_include):
        return True
    if is_excluded(path, settings):
        return False
    if not walked and _in_skipped_folder(path, settings.root):
        return False
    if seen_as_entry or any(path_matches(PurePath(path).name, glob) for glob in settings.include):
        return True
    if text is None:
        return isinstance(path, Path) and file_binds_init_and_run(path)
    return binds_init_and_run(text, saved=path if isinstance(path, Path) else None)


TEST_MODULES = ("test_*.py", "*_test.py", "conftest.py")  # pytest's default file names


def is_excluded(path: PurePath, settings: Settings) -> bool:
    """An `exclude` glob matches, or it is a test module: `tests/test_score.py` tests an entry script and
    matches `*score*.py`, but it is not one. Also what `--force-exclude` applies to files named on the
    command line (pre-commit names every file)."""
    if any(path_matches(path.name, glob) for glob in TEST_MODULES):
        return True
    return bool(settings.exclude) and any(path_matches(relative_posix(path, settings.root), glob)
                                          for glob in settings.exclude)


def _in_skipped_folder(path: PurePath, base: Path | None) -> bool:
    if base is None:
        return False
    rel = PurePath(relative_posix(path, base))
    return not rel.is_absolute() and any(is_excluded_dir(part) for part in rel.parts[:-1])


# Beyond this, a file could not be linted anyway (scorelint.api.MAX_SOURCE_CHARS), and parsing it only to
# decide costs seconds and gigabytes (CPython's ast: 12 s and 1.6 GB for 10 MB of code).
MAX_ENTRY_SCRIPT_BYTES = 1_000_000
_DEFS = tuple(re.compile(rb"^(?:async[ \t]+)?def[ \t]+" + name + rb"\b", re.M) for name in (b"init", b"run"))
_WORDS = {bytes: (re.compile(rb"\binit\b"), re.compile(rb"\brun\b")),
          str: (re.compile(r"\binit\b"), re.compile(r"\brun\b"))}


def may_bind_init_and_run(source: str | bytes) -> bool:
    """A cheap first test: both names appear as words (`__init__` and `runner` do not count), and the
    file is small enough to be an entry script at all."""
    if len(source) > MAX_ENTRY_SCRIPT_BYTES:
        return False
    init, run = _WORDS[type(source)]
    return init.search(source) is not None and run.search(source) is not None


def binds_init_and_run(source: str | bytes, *, saved: Path | None = None) -> bool:
    """Whether the module binds both `init` and `run` at module level (def, assignment or import; also
    inside if/try). Python's own parser decides, after the cheap word test. An editor's buffer that does
    not parse (mid-edit) gets the verdict of the `saved` file."""
    if not may_bind_init_and_run(source):
        return False
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        if saved is not None:
            return file_binds_init_and_run(saved)
        # A file Python cannot parse is an entry script if it defines both at the start of a line: it is
        # then reported (syntax-error), not silently skipped.
        return isinstance(source, bytes) and all(pattern.search(source) for pattern in _DEFS)
    return {"init", "run"} <= module_level_names(tree.body)


def file_binds_init_and_run(path: Path) -> bool:
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return binds_init_and_run(data)


def module_level_names(body: list[ast.stmt]) -> set[str]:
    names: set[str] = set()
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(stmt.name)
        elif isinstance(stmt, ast.Assign):
            names.update(t.id for t in stmt.targets if isinstance(t, ast.Name))
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            names.add(stmt.target.id)
        elif isinstance(stmt, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in stmt.names)
        elif isinstance(stmt, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            for block in ("body", "orelse", "finalbody"):
                names |= module_level_names(getattr(stmt, block, []))
            for handler in getattr(stmt, "handlers", []):
                names |= module_level_names(handler.body)
    return names


# --- every finding treated alike -------------------------------------------------------------------
def sandbox_findings(linter: Linter, path: Path, text: str, static_codes: set[str], *,
                     worker_for: Callable[[Any], Any] | None = None, notes: list[str] | None = None,
                     **sandbox_overrides: Any) -> list[Diagnostic]:
    """The sandbox rules' findings for a saved script, treated as the static ones are: only the rules the
    file's settings enable, with their options (SL903 also honours sensitive-sample-data's allow list:
    one list for both rules), and without those a suppression comment covers. `worker_for(options)`: a
    warm sandbox worker to use, or None. Raises ImportError when this installation has no sandbox, and
    SandboxError when it cannot run. `notes` receives what the run says about itself (reduced isolation,
    project settings ignored), for the front end to show."""
    enabled = {rule.code for rule in linter.selection.rules_for(path) if rule.requires_sandbox}
    if not enabled:
        return []
    from .sandbox import options_from_settings, sandbox_diagnostics

    options = options_from_settings(linter.settings, **sandbox_overrides)
    worker = worker_for(options) if worker_for is not None else None
    found = sandbox_diagnostics(path, text, options, enabled, worker=worker, static_codes=static_codes,
                                kind=linter.settings.kind, sensitive_options=sensitive_swagger_options(linter),
                                notes=notes)
    return unsuppressed(found, text)


@dataclass(frozen=True)
class SensitiveSwaggerOptions:
    allow: tuple[str, ...] = ()
    names: bool = True


def sensitive_swagger_options(linter: Linter) -> SensitiveSwaggerOptions:
    """sensitive-swagger-example's options, with sensitive-sample-data's `allow` list added: a value the
    project allows in its samples is allowed in the published document too."""
    from .sandbox.findings import SENSITIVE

    own = linter.selection.options.get(SENSITIVE)
    static_rule = linter.registry.lookup("sensitive-sample-data")
    static = linter.selection.options.get(static_rule.code) if static_rule is not None else None
    allow = (*(getattr(own, "allow", ()) or ()), *(getattr(static, "allow", ()) or ()))
    return SensitiveSwaggerOptions(tuple(allow), getattr(own, "names", True))


def unsuppressed(found: list[Diagnostic], text: str) -> list[Diagnostic]:
    """The findings no `# noqa` / `# scorelint: ignore[...]` comment of `text` covers (for findings made
    outside the static pass, which applies the same index itself)."""
    if not found or ("scorelint:" not in text and "noqa" not in text.lower()):  # `# NOQA` counts too
        return found
    try:
        from .source import ParsedSource
        from .suppress import SuppressionIndex

        index = SuppressionIndex(ParsedSource.parse(text))
    except Exception:  # noqa: BLE001 - a file libcst cannot parse: nothing can be suppressed in it
        return found
    return [d for d in found if index.suppressed_by(d.code, d.name, d.line, None) is None]


# --- a long-lived process ------------------------------------------------------------------------------
_settled = False


def settle_memory_once() -> None:
    """The engine, every rule and libcst are loaded now and live as long as the process: move them out
    of the cyclic garbage collector's reach (gc.freeze). Every lint allocates thousands of libcst nodes,
    which triggers collections; without the freeze each full collection also scans every module object
    (bench/lsp_bench.py: p95 at 300 lines 60 ms -> 34 ms). Once per process is enough."""
    global _settled
    if _settled:
        return
    _settled = True
    import gc

    gc.collect()
    gc.freeze()


def exit_with(pid: int, *, name: str = "scorelint-parent-watch", on_exit: Callable[[], None] | None = None) -> None:
    """End this process when process `pid` (our parent, or the editor that started us) is gone: it may
    die without closing our pipes (SIGKILL, OOM), and a worker must not go on fixing files, nor a server
    wait forever. For our own parent, Linux's PR_SET_PDEATHSIG does it; otherwise a thread polls."""
    import os
    import threading

    parent = os.getppid() == pid
    if parent:
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(1, signal.SIGKILL) == 0:  # PR_SET_PDEATHSIG (Linux)
                if os.getppid() != pid:  # it died before the call
                    os._exit(1)
                return
        except (OSError, AttributeError, ImportError):
            pass
    else:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return  # not visible from here (another PID namespace): nothing to watch
        except OSError:
            pass

    def gone() -> bool:
        if parent:
            return os.getppid() != pid
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except OSError:
            pass
        return False

    def watch() -> None:
        import time

        while not gone():
            time.sleep(0.5 if parent else 5)
        if on_exit is not None:
            on_exit()
        os._exit(1)

    threading.Thread(target=watch, name=name, daemon=True).start()
