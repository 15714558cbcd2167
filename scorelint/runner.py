"""Checking many files: the command line's and pre-commit's adapter of the document pipeline
(`scorelint.project`): worker processes, the result cache, fixing and writing back safely. Results come
back in the order the files were given."""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from typing import TYPE_CHECKING

from .config import ConfigError
from .encoding import SourceDecodeError, SourceFile
from .model import LintResult
from .project import Overrides, Pipeline, exit_with

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


class CheckRun:
    """One run over many files: the options, the document pipeline (settings per path) and a result cache
    per configuration."""

    def __init__(self, options: CheckOptions) -> None:
        self.options = options
        self.pipeline = Pipeline(Overrides(settings=options.overrides, config_file=options.config_file))
        self._caches: dict[int, ResultCache | None] = {}

    def cache_for(self, path: Path) -> ResultCache | None:
        """Raises ConfigError for a broken configuration."""
        if self.options.cache_dir is None or self.options.fix or self.options.diff:
            return None
        configuration = self.pipeline.configuration_for(path)
        key = id(configuration)
        if key not in self._caches:
            from .cache import ResultCache

            self._caches[key] = ResultCache(self.options.cache_dir, configuration.settings.fingerprint())
        return self._caches[key]


def _read(path: Path) -> bytes | FileOutcome:
    try:
        return path.read_bytes()
    except IsADirectoryError:
        return FileOutcome(path, LintResult(str(path), error="is a directory, not a Python file"))
    except OSError as exc:
        return FileOutcome(path, LintResult(str(path), error=f"cannot read file: {exc.strerror or exc}"))


def check_file(path: Path, run: CheckRun, data: bytes | None = None) -> FileOutcome:
    """Check one file: from the cache when it holds this exact content and configuration."""
    key = None
    try:
        if data is None:
            read = _read(path)
            if isinstance(read, FileOutcome):
                return read
            data = read
        cache = run.cache_for(path)
        if cache is not None:
            key = cache.key(path, data)
            cached = cache.get(key)
            if cached is not None:
                return FileOutcome(path, cached)
        linter = run.pipeline.linter_for(path)
    except ConfigError as exc:
        return FileOutcome(path, LintResult(str(path)), config_error=str(exc))
    try:
        source = SourceFile.from_bytes(data)
    except SourceDecodeError as exc:
        return FileOutcome(path, LintResult(str(path), error=f"cannot decode file: {exc}"))
    outcome = check_text(source, path, linter, run.options)
    if key is not None:
        cache.put(key, outcome.result)
    return outcome


# --- many files, on many cores -------------------------------------------------------------------------
_worker_run: CheckRun | None = None
MIN_FILES_PER_WORKER = 8


def _init_worker(options: CheckOptions) -> None:
    global _worker_run
    exit_with(os.getppid())  # a worker whose parent was killed must not go on fixing files
    _worker_run = CheckRun(options)


def _check_in_worker(item: tuple[Path, bytes | None]) -> FileOutcome:
    assert _worker_run is not None
    path, data = item
    return check_file(path, _worker_run, data)


def check_files(paths: list[Path], run: CheckRun, *, jobs: int = 1, on_done=None) -> list[FileOutcome]:
    """Check `paths`, in parallel processes when `jobs` > 1 and there are enough files to pay for them.
    Outcomes come back in the order of `paths`, whatever order the workers finish in. Cache hits are
    answered here first, so a warm run starts no worker and loads no rule."""
    options = run.options
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
            cache = run.cache_for(path)
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
            outcomes[index] = check_file(path, run, data)
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
