"""Which files to check: the folder walk.

A file named on the command line is always checked (with `--force-exclude`, which pre-commit's hooks use,
unless `scorelint.project.is_excluded` says no: an exclude glob or a test module). In a folder, scorelint checks entry scripts only, as
`scorelint.project.is_entry_script` decides (the language server asks the same function). Each folder is
judged with its own settings (its nearest `[tool.scorelint]`), so a project's include/exclude globs apply
to its files whichever paths were given. This module only walks: symbolic-link loops, unreadable folders,
FIFOs and devices named *.py, folders no walk enters.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .config import ConfigError, Settings, is_excluded_dir, path_matches, relative_posix
from .project import is_entry_script, is_excluded


@dataclass(frozen=True)
class Target:
    path: Path
    explicit: bool
    deployment: bool = False  # an Azure ML deployment YAML (checked by scorelint.deployment), not a script


@dataclass(frozen=True)
class PathError:
    path: Path
    message: str


def discover(paths: list[Path], settings: Settings | Callable[[Path], Settings], *,
             force_exclude: bool = False) -> tuple[list[Target], list[PathError]]:
    """The files to check under `paths`. `settings`: one Settings for every folder, or how to find a
    folder's settings from a path in it (`Pipeline.settings_for`)."""
    targets: list[Target] = []
    errors: list[PathError] = []
    seen: set[Path] = set()

    def add(path: Path, explicit: bool, deployment: bool = False) -> None:
        key = path.absolute()
        if key not in seen:
            seen.add(key)
            # A YAML file, a requirements file named on the command line, or a Python file holding SDK
            # deployment definitions (found in a folder): scorelint.deployment reads them.
            suffix = path.suffix.lower()
            deployment = deployment or suffix in YAML_SUFFIXES or (explicit and suffix == ".txt")
            targets.append(Target(path, explicit, deployment=deployment))

    for path in paths:
        if path.is_dir():
            if path.suffix == ".py" and _is_empty_dir(path):
                # `docker run -v ./score.py:...` with a missing file makes an empty folder of that name.
                errors.append(PathError(path, "is an empty directory, not a Python file"))
                continue
            sdk_found: list[Path] = []
            for found in _walk(path, _settings_of_folder(settings), errors, sdk_found):
                add(found, False)
            for found in sdk_found:
                add(found, False, deployment=True)
        elif path.exists():
            problem = _not_a_file(path)
            if problem is not None:
                errors.append(PathError(path, problem))
            elif not (force_exclude and is_excluded(path, _settings_of_folder(settings)(path.parent))):
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


def _settings_of_folder(settings: Settings | Callable[[Path], Settings]) -> Callable[[Path], Settings]:
    if isinstance(settings, Settings):
        return lambda folder: settings

    def of(folder: Path) -> Settings:
        try:
            return settings(folder / "__scorelint__.py")
        except ConfigError:
            return Settings()  # the broken configuration is reported for the files it concerns
    return of


def _walk(root: Path, settings_of: Callable[[Path], Settings], errors: list[PathError],
          sdk_found: list[Path]) -> list[Path]:
    """Entry scripts and deployment YAML under `root`; Python files holding SDK deployment definitions go to
    `sdk_found`."""
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
        settings = settings_of(Path(dirpath))
        dirnames[:] = sorted(d for d in dirnames if not is_excluded_dir(d)
                             and not _excluded(Path(dirpath, d), settings))
        for name in sorted(filenames):
            is_yaml = name.lower().endswith(YAML_SUFFIXES)
            if not name.endswith(".py") and not is_yaml:
                continue
            path = Path(dirpath, name)
            if not path.is_file():  # a FIFO, socket or device named *.py: reading it could block forever
                continue
            if is_yaml:
                if not _excluded(path, settings) and may_be_deployment(path):
                    found.append(path)
                continue
            if is_entry_script(path, settings, walked=True):
                found.append(path)
            elif not _excluded(path, settings) and _defines_sdk_deployment(path):
                sdk_found.append(path)
    return found


def _excluded(path: Path, settings: Settings) -> bool:
    if not settings.exclude:
        return False
    rel = relative_posix(path, settings.root)
    return any(path_matches(rel, glob) for glob in settings.exclude)


YAML_SUFFIXES = (".yml", ".yaml")
_DEPLOYMENT_WORDS = re.compile(rb"endpoint_name|Deployment\.schema\.json|Deployment\.json")
_DEPLOYMENT_MAX_BYTES = 1_000_000
_FIRST_READ = 65_536


def may_be_deployment(path: Path) -> bool:
    """A cheap test before a YAML file is parsed as an Azure ML deployment: the words no deployment does
    without (scorelint.deployment.definition decides for real)."""
    return head_matches(path, _DEPLOYMENT_WORDS)


def head_matches(path: Path, pattern: re.Pattern) -> bool:
    """Whether `pattern` occurs in the first megabyte of the file."""
    try:
        with open(path, "rb") as handle:
            # A small read first: asking for a megabyte at once allocates one, for files of 1-2 KB.
            data = handle.read(_FIRST_READ)
            if len(data) == _FIRST_READ:
                data += handle.read(_DEPLOYMENT_MAX_BYTES - _FIRST_READ)
    except OSError:
        return False
    return pattern.search(data) is not None


def _defines_sdk_deployment(path: Path) -> bool:
    """A Python file that calls ManagedOnlineDeployment(...), BatchDeployment(...) or InferenceConfig(...)
    (a cheap text test; scorelint.deployment.sdk reads it for real)."""
    return head_matches(path, SDK_DEPLOYMENT_CALL)


SDK_DEPLOYMENT_CALL = re.compile(rb"(ManagedOnlineDeployment|KubernetesOnlineDeployment|BatchDeployment|InferenceConfig)\s*\(")
