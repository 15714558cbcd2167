"""Which files to check.

A file named on the command line is always checked. In a folder, scorelint checks entry scripts only:
files whose name matches an include glob (default `*score*.py`), and any other Python file that binds
both `init` and `run` at module level (def, assignment or import; also inside if/try). That second
test reads the file, so it first looks for both words in the text and only then asks Python's own
(fast) parser.
"""

from __future__ import annotations

import ast
import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from .config import Settings, is_excluded_dir, path_matches, relative_posix


@dataclass(frozen=True)
class Target:
    path: Path
    explicit: bool


@dataclass(frozen=True)
class PathError:
    path: Path
    message: str


def discover(paths: list[Path], settings: Settings) -> tuple[list[Target], list[PathError]]:
    targets: list[Target] = []
    errors: list[PathError] = []
    seen: set[Path] = set()

    def add(path: Path, explicit: bool) -> None:
        key = path.absolute()
        if key not in seen:
            seen.add(key)
            targets.append(Target(path, explicit))

    for path in paths:
        if path.is_dir():
            if path.suffix == ".py" and _is_empty_dir(path):
                # `docker run -v ./score.py:...` with a missing file makes an empty folder of that name.
                errors.append(PathError(path, "is an empty directory, not a Python file"))
                continue
            for found in _walk(path, settings, errors):
                add(found, False)
        elif path.exists():
            problem = _not_a_file(path)
            if problem is not None:
                errors.append(PathError(path, problem))
            else:
                add(path, True)
        elif path.is_symlink():
            errors.append(PathError(path, _broken_link(path)))
        else:
            errors.append(PathError(path, "no such file or directory"))
    return targets, errors


def _is_empty_dir(path: Path) -> bool:
    try:
        with os.scandir(path) as entries:
            return next(entries, None) is None
    except OSError:
        return False  # unreadable: the walk reports it


def _not_a_file(path: Path) -> str | None:
    """Why an existing path named on the command line cannot be read as a script (None: it can)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot read file: {exc.strerror}"
    if stat.S_ISREG(mode):
        return None
    # Reading a FIFO blocks until someone writes to it; a device may never end.
    kind = "a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
    return f"is {kind}, not a regular file (pipe its content to `scorelint -` instead)"


def _broken_link(path: Path) -> str:
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop (too many levels of symbolic links)"
    return "broken symbolic link (its target does not exist)"


def _walk(root: Path, settings: Settings, errors: list[PathError]) -> list[Path]:
    found: list[Path] = []
    visited: set[tuple[int, int]] = set()

    def onerror(exc: OSError) -> None:
        errors.append(PathError(Path(exc.filename or root), f"cannot read folder: {exc.strerror}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror, followlinks=True):
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        key = (st.st_dev, st.st_ino)
        if key in visited:  # a symlink loop or a second way into the same folder
            dirnames[:] = []
            continue
        visited.add(key)
        dirnames[:] = sorted(d for d in dirnames if not is_excluded_dir(d)
                             and not _excluded(Path(dirpath, d), settings))
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            path = Path(dirpath, name)
            if _excluded(path, settings):
                continue
            if not path.is_file():  # a FIFO, socket or device named *.py: reading it could block forever
                continue
            if any(path_matches(name, glob) for glob in settings.include) or looks_like_entry_script(path):
                found.append(path)
    return found


def _excluded(path: Path, settings: Settings) -> bool:
    if not settings.exclude:
        return False
    rel = relative_posix(path, settings.root)
    return any(path_matches(rel, glob) for glob in settings.exclude)


# Beyond this, a file could not be linted anyway (scorelint.api.MAX_SOURCE_CHARS), and parsing it only to
# decide costs seconds and gigabytes (CPython's ast: 12 s and 1.6 GB for 10 MB of code).
MAX_DISCOVERY_BYTES = 1_000_000
_WORDS = {bytes: (re.compile(rb"\binit\b"), re.compile(rb"\brun\b")),
          str: (re.compile(r"\binit\b"), re.compile(r"\brun\b"))}


def may_bind_init_and_run(source: str | bytes) -> bool:
    """A cheap first test: both names appear as words (`__init__` and `runner` do not count), and the
    file is small enough to be an entry script at all."""
    if len(source) > MAX_DISCOVERY_BYTES:
        return False
    init, run = _WORDS[type(source)]
    return init.search(source) is not None and run.search(source) is not None


def looks_like_entry_script(path: Path) -> bool:
    try:
        data = path.read_bytes()
    except OSError:
        return False
    if not may_bind_init_and_run(data):
        return False
    try:
        tree = ast.parse(data)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return {"init", "run"} <= module_level_names(tree.body)


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
