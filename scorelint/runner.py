"""Checking many files: the command line's and pre-commit's adapter of the document pipeline
(`scorelint.project`): worker processes, the result cache, fixing and writing back safely. Results come
back in the order the files were given."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from typing import TYPE_CHECKING

from .config import ConfigError
from .encoding import SourceDecodeError, SourceFile
from .model import LintResult
from .parallel import map_in_processes, worth_processes
from .project import Overrides, Pipeline
from .writes import ALREADY_FIXED, write_atomically

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
    show_fixes: bool = False  # count the fixed findings by code (one more lint of each fixed file)


@dataclass
class FileOutcome:
    path: Path
    result: LintResult
    fixed: int = 0
    diff: str = ""
    write_error: str | None = None
    config_error: str | None = None  # the file was not checked: its configuration is broken
    cached: bool = False  # answered by the result cache
    fixed_codes: dict[str, int] = field(default_factory=dict)  # with show_fixes: findings fixed, by code


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
                return FileOutcome(path, cached, cached=True)
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


def _init_worker(options: CheckOptions) -> None:
    global _worker_run
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
            outcomes[index] = FileOutcome(path, cached, cached=True)
        else:
            todo.append((index, path, read))
    if on_done is not None and len(todo) < len(paths):
        on_done(len(paths) - len(todo))

    if not worth_processes(len(todo), jobs):
        for index, path, data in todo:
            outcomes[index] = check_file(path, run, data)
            if on_done is not None:
                on_done(1)
        return outcomes  # type: ignore[return-value]
    items = [(path, data) for _, path, data in todo]
    results = map_in_processes(_check_in_worker, items, jobs=jobs, initializer=_init_worker, initargs=(options,))
    for (index, _, _), outcome in zip(todo, results):
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
    if options.show_fixes:  # what was fixed: the findings before, less those left
        from collections import Counter

        before = Counter(d.code for d in linter.lint_text(source.text, path).diagnostics)
        file_outcome.fixed_codes = dict(before - Counter(d.code for d in result.diagnostics))
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
        if file_outcome.write_error == ALREADY_FIXED:
            file_outcome.write_error, file_outcome.fixed, file_outcome.fixed_codes = None, 0, {}  # not by us
        elif file_outcome.write_error:
            # Nothing was written: report the file as it is on disk, not as it would have been.
            return FileOutcome(path, linter.lint_text(source.text, path), write_error=file_outcome.write_error)
    result.text = outcome.text
    return file_outcome
