"""Checking many files: settings per folder, linting, fixing and writing back safely.

The command line and the pre-commit hook come through here; the language server calls `Linter`
directly on its buffers. Results come back in the order the files were given.
"""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from typing import TYPE_CHECKING

from .config import ConfigError, Settings, find_pyproject, load_settings
from .model import LintResult
from .encoding import SourceDecodeError, SourceFile

if TYPE_CHECKING:
    from .api import Linter
    from .cache import ResultCache


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
    config_error: str | None = None  # the file was not checked: its configuration is broken


class SettingsResolver:
    """Finds the settings for each file (nearest pyproject.toml); one Linter and one cache per
    configuration file. The Linter (and with it every rule and libcst) is built only when a file
    really has to be linted, so a run answered from the cache never imports them."""

    def __init__(self, options: CheckOptions) -> None:
        self.options = options
        self._by_dir: dict[Path, Path | _BrokenConfig | None] = {}
        self._settings: dict[Path | None, Settings | ConfigError] = {}
        self._linters: dict[Path | None, Linter | ConfigError] = {}
        self._caches: dict[Path | None, ResultCache | None] = {}

    def config_for(self, path: Path) -> Path | _BrokenConfig | None:
        if self.options.config_file is not None:
            return self.options.config_file
        folder = path.parent.absolute()
        if folder not in self._by_dir:
            try:
                self._by_dir[folder] = find_pyproject(folder)
            except ConfigError as exc:
                self._by_dir[folder] = _BrokenConfig(str(exc))
        return self._by_dir[folder]

    def settings_for(self, path: Path) -> Settings:
        config = self.config_for(path)
        if config not in self._settings:
            try:
                if isinstance(config, _BrokenConfig):
                    raise ConfigError(config.message)
                settings = load_settings(path.parent, config) if config else Settings()
                self._settings[config] = settings.with_overrides(**self.options.overrides)
            except ConfigError as exc:
                self._settings[config] = exc
        found = self._settings[config]
        if isinstance(found, ConfigError):
            raise found
        return found

    def linter_for(self, path: Path) -> Linter:
        config = self.config_for(path)
        if config not in self._linters:
            from .api import Linter

            try:
                self._linters[config] = Linter(self.settings_for(path))
            except ConfigError as exc:
                self._linters[config] = exc
            _settle_memory()
        found = self._linters[config]
        if isinstance(found, ConfigError):
            raise found
        return found

    def cache_for(self, path: Path) -> ResultCache | None:
        if self.options.cache_dir is None or self.options.fix or self.options.diff:
            return None
        config = self.config_for(path)
        if config not in self._caches:
            from .cache import ResultCache

            self._caches[config] = ResultCache(self.options.cache_dir, self.settings_for(path).fingerprint())
        return self._caches[config]


@dataclass(frozen=True)
class _BrokenConfig:
    """Stands for a folder whose pyproject.toml cannot be read, remembered with the reason."""

    message: str


def _settle_memory() -> None:
    """The engine, every rule and libcst are loaded now and live as long as the process: keep them out of
    the cyclic garbage collector's scans (linting allocates enough nodes to trigger many collections)."""
    import gc

    gc.collect()
    gc.freeze()


def _read(path: Path) -> bytes | FileOutcome:
    try:
        return path.read_bytes()
    except IsADirectoryError:
        return FileOutcome(path, LintResult(str(path), error="is a directory, not a Python file"))
    except OSError as exc:
        return FileOutcome(path, LintResult(str(path), error=f"cannot read file: {exc.strerror or exc}"))


def check_file(path: Path, resolver: SettingsResolver, options: CheckOptions,
               data: bytes | None = None) -> FileOutcome:
    """Check one file: from the cache when it holds this exact content and configuration."""
    key = None
    try:
        if data is None:
            read = _read(path)
            if isinstance(read, FileOutcome):
                return read
            data = read
        cache = resolver.cache_for(path)
        if cache is not None:
            key = cache.key(path, data)
            cached = cache.get(key)
            if cached is not None:
                return FileOutcome(path, cached)
        linter = resolver.linter_for(path)
    except ConfigError as exc:
        return FileOutcome(path, LintResult(str(path)), config_error=str(exc))
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
MIN_FILES_PER_WORKER = 8


def _init_worker(options: CheckOptions) -> None:
    global _worker_resolver
    _follow_parent()
    _worker_resolver = SettingsResolver(options)


def _follow_parent() -> None:
    """A worker whose parent was killed (SIGKILL or OOM: no chance to shut its pool down) must not go on
    fixing files, nor wait forever for more work: it dies with its parent."""
    parent = os.getppid()
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(1, signal.SIGKILL) == 0:  # PR_SET_PDEATHSIG (Linux)
            if os.getppid() != parent:  # the parent died before the call
                os._exit(1)
            return
    except (OSError, AttributeError, ImportError):
        pass
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="scorelint-parent-watch", daemon=True).start()


def _check_in_worker(item: tuple[Path, bytes | None]) -> FileOutcome:
    assert _worker_resolver is not None
    path, data = item
    return check_file(path, _worker_resolver, _worker_resolver.options, data)


def check_files(paths: list[Path], resolver: SettingsResolver, options: CheckOptions, *, jobs: int = 1,
                on_done=None) -> list[FileOutcome]:
    """Check `paths`, in parallel processes when `jobs` > 1 and there are enough files to pay for them.
    Outcomes come back in the order of `paths`, whatever order the workers finish in. Cache hits are
    answered here first, so a warm run starts no worker and loads no rule."""
    outcomes: list[FileOutcome | None] = [None] * len(paths)
    todo: list[tuple[int, Path, bytes | None]] = []
    use_cache = options.cache_dir is not None and not (options.fix or options.diff)
    for index, path in enumerate(paths):
        if not use_cache:
            todo.append((index, path, None))
            continue
        read = _read(path)
        if isinstance(read, FileOutcome):
            outcomes[index] = read
            continue
        try:
            cache = resolver.cache_for(path)
            cached = cache.get(cache.key(path, read)) if cache is not None else None
        except ConfigError as exc:
            outcomes[index] = FileOutcome(path, LintResult(str(path)), config_error=str(exc))
            continue
        if cached is not None:
            outcomes[index] = FileOutcome(path, cached)
        else:
            todo.append((index, path, read))
    if on_done is not None and len(todo) < len(paths):
        on_done(len(paths) - len(todo))

    # Starting a worker costs about as much as checking a few dozen files, so small runs stay in-process.
    if jobs <= 1 or len(todo) < 2 * MIN_FILES_PER_WORKER:
        for index, path, data in todo:
            outcomes[index] = check_file(path, resolver, options, data)
            if on_done is not None:
                on_done(1)
        return outcomes  # type: ignore[return-value]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = min(jobs, max(1, len(todo) // MIN_FILES_PER_WORKER))
    chunk = max(1, min(32, len(todo) // (workers * 4)))
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    items = [(path, data) for _, path, data in todo]
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(options,)) as pool:
        for (index, _, _), outcome in zip(todo, pool.map(_check_in_worker, items, chunksize=chunk)):
            outcomes[index] = outcome
            if on_done is not None:
                on_done(1)
    return outcomes  # type: ignore[return-value]


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
        # git's a/ and b/ prefixes (for `patch -p1`) suit relative names only; an absolute one is shown as
        # it is, as ruff does (`a//tmp/score.py` named no file).
        name = path.as_posix()
        old_name, new_name = (name, name) if path.is_absolute() else (f"a/{name}", f"b/{name}")
        file_outcome.diff = "".join(difflib.unified_diff(
            source.text.splitlines(keepends=True), outcome.text.splitlines(keepends=True),
            fromfile=old_name, tofile=new_name,
        ))
        return file_outcome
    from .api import parses

    if not parses(outcome.text):  # fix_text already refuses such fixes; never write one regardless
        file_outcome.write_error = "refused to write: the fixed file would not parse"
        return file_outcome
    if write:
        file_outcome.write_error = write_atomically(path, source.to_bytes(outcome.text), expected=source.raw)
        if file_outcome.write_error:
            # Nothing was written: report the file as it is on disk, not as it would have been.
            return FileOutcome(path, linter.lint_text(source.text, path), write_error=file_outcome.write_error)
    result.text = outcome.text
    return file_outcome


def write_atomically(path: Path, data: bytes, *, expected: bytes | None = None) -> str | None:
    """Write through a temporary file in the same folder and rename it over the original, keeping the
    file's mode (and owner, when allowed): a crash or Ctrl-C leaves either the old file or the new one,
    never half of one. With `expected` (the bytes the fix was computed from), a file that changed in the
    meantime (an editor saved it) is left alone rather than overwritten with a fix of its old content."""
    try:
        st = os.stat(path)
        target = Path(os.path.realpath(path))  # write through a symlink, not over it
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".scorelint-tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if (st.st_uid, st.st_gid) != (os.geteuid(), os.getegid()):
                try:  # before chmod: chown clears the set-user-ID bit
                    os.chown(tmp, st.st_uid, st.st_gid)
                except OSError:
                    pass  # not ours to give away: the file becomes the user's own, as after any editor's save
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
            if expected is not None and target.read_bytes() != expected:
                os.unlink(tmp)
                return "not written: the file changed while scorelint was fixing it (run scorelint again)"
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
