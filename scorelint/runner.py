"""Checking many files: settings per folder, linting, fixing and writing back safely.

The command line and the pre-commit hook come through here; the language server calls `Linter`
directly on its buffers. Results come back in the order the files were given.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .api import Linter, LintResult, parses
from .config import ConfigError, Settings, find_pyproject, load_settings
from .source import SourceDecodeError, SourceFile


@dataclass
class CheckOptions:
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False  # show what --fix would change, write nothing
    overrides: dict = field(default_factory=dict)  # Settings fields from the command line
    config_file: Path | None = None
    cache_dir: Path | None = None  # None: no cache


@dataclass
class FileOutcome:
    path: Path
    result: LintResult
    fixed: int = 0
    diff: str = ""
    write_error: str | None = None


class SettingsResolver:
    """Finds the settings for each file (nearest pyproject.toml), one Linter per configuration file."""

    def __init__(self, options: CheckOptions) -> None:
        self.options = options
        self._by_config: dict[Path | None, Linter] = {}
        self._by_dir: dict[Path, Path | None] = {}
        self._caches: dict[int, object] = {}

    def linter_for(self, path: Path) -> Linter:
        if self.options.config_file is not None:
            config = self.options.config_file
        else:
            folder = path.parent.absolute()
            if folder not in self._by_dir:
                self._by_dir[folder] = find_pyproject(folder)
            config = self._by_dir[folder]
        linter = self._by_config.get(config)
        if linter is None:
            settings = load_settings(path.parent, config) if config else Settings()
            linter = Linter(settings.with_overrides(**self.options.overrides))
            self._by_config[config] = linter
        return linter

    def settings_for(self, path: Path) -> Settings:
        return self.linter_for(path).settings

    def cache_for(self, linter: Linter):  # -> ResultCache | None
        if self.options.cache_dir is None or self.options.fix or self.options.diff:
            return None
        cache = self._caches.get(id(linter))
        if cache is None:
            from .cache import ResultCache

            modules = tuple(sorted({rule.__module__ for rule in linter.registry.rules}))
            cache = ResultCache(self.options.cache_dir, linter.settings.fingerprint(), modules)
            self._caches[id(linter)] = cache
        return cache


def check_file(path: Path, resolver: SettingsResolver, options: CheckOptions) -> FileOutcome:
    try:
        linter = resolver.linter_for(path)
    except ConfigError as exc:
        return FileOutcome(path, LintResult(str(path), error=str(exc)))
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        return FileOutcome(path, LintResult(str(path), error="is a directory, not a Python file"))
    except OSError as exc:
        return FileOutcome(path, LintResult(str(path), error=f"cannot read file: {exc.strerror or exc}"))
    cache = resolver.cache_for(linter)
    key = cache.key(path, data) if cache is not None else None
    if key is not None:
        cached = cache.get(key)
        if cached is not None:
            return FileOutcome(path, cached)
    try:
        source = SourceFile.from_bytes(data)
    except SourceDecodeError as exc:
        return FileOutcome(path, LintResult(str(path), error=f"cannot decode file: {exc}"))
    outcome = check_text(source, path, linter, options)
    if key is not None:
        cache.put(key, outcome.result)
    return outcome


# --- many files, on many cores -------------------------------------------------------------------------
_worker_resolver: SettingsResolver | None = None


def _init_worker(options: CheckOptions) -> None:
    global _worker_resolver
    _worker_resolver = SettingsResolver(options)


def _check_in_worker(path: Path) -> FileOutcome:
    assert _worker_resolver is not None
    return check_file(path, _worker_resolver, _worker_resolver.options)


def check_files(paths: list[Path], resolver: SettingsResolver, options: CheckOptions, *, jobs: int = 1,
                on_done=None) -> list[FileOutcome]:
    """Check `paths`, in parallel processes when `jobs` > 1 and there are enough files to pay for them.
    Outcomes come back in the order of `paths`, whatever order the workers finish in."""
    # Starting a worker costs about as much as checking a few dozen files, so small runs stay in-process.
    if jobs <= 1 or len(paths) < 2 * MIN_FILES_PER_WORKER:
        outcomes = []
        for path in paths:
            outcomes.append(check_file(path, resolver, options))
            if on_done is not None:
                on_done(1)
        return outcomes
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = min(jobs, max(1, len(paths) // MIN_FILES_PER_WORKER))
    chunk = max(1, min(32, len(paths) // (workers * 4)))
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    outcomes: list[FileOutcome] = []
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(options,)) as pool:
        for outcome in pool.map(_check_in_worker, paths, chunksize=chunk):
            outcomes.append(outcome)
            if on_done is not None:
                on_done(1)
    return outcomes


MIN_FILES_PER_WORKER = 8


def check_text(source: SourceFile, path: Path, linter: Linter, options: CheckOptions,
               *, write: bool = True) -> FileOutcome:
    if not (options.fix or options.diff):
        return FileOutcome(path, linter.lint_text(source.text, path))
    outcome = linter.fix_text(source.text, path, unsafe=options.unsafe_fixes)
    result = outcome.result
    result.internal_errors.extend(f"fix refused: {r}" for r in outcome.refused)
    file_outcome = FileOutcome(path, result, fixed=outcome.applied)
    if outcome.text == source.text:
        return file_outcome
    if options.diff:
        file_outcome.diff = "".join(difflib.unified_diff(
            source.text.splitlines(keepends=True), outcome.text.splitlines(keepends=True),
            fromfile=f"a/{path.as_posix()}", tofile=f"b/{path.as_posix()}",
        ))
        return file_outcome
    if not parses(outcome.text):  # fix_text already refuses such fixes; never write one regardless
        file_outcome.write_error = "refused to write: the fixed file would not parse"
        return file_outcome
    if write:
        file_outcome.write_error = write_atomically(path, source.to_bytes(outcome.text))
    result.text = outcome.text
    return file_outcome


def write_atomically(path: Path, data: bytes) -> str | None:
    """Write through a temporary file in the same folder and rename it over the original, keeping the
    file's mode: a crash or Ctrl-C leaves either the old file or the new one, never half of one."""
    try:
        mode = os.stat(path).st_mode & 0o7777
        target = Path(os.path.realpath(path))  # write through a symlink, not over it
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".scorelint-tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, mode)
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    except OSError as exc:
        return f"cannot write fixed file: {exc.strerror or exc}"
    return None
