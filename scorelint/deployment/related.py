"""The deployments a file belongs to: when a conda file, a requirements file or a scoring script changes
(pre-commit passes only the changed files; an editor opens one file), the deployment YAML that uses it is
what has to be checked.

The search starts at the project's root (the nearest folder up holding .git or pyproject.toml, at most
`MAX_LEVELS` folders up) and walks it as folder discovery does (skipping .git, virtual environments,
node_modules...), at most `MAX_DEPTH` folders deep and `MAX_FILES` files: Azure ML's example layouts put the
deployment YAML in a sibling folder of the code, environment and model folders it names
(`code: ../../model-1/onlinescoring`). Only YAML that passes the cheap text test is parsed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

MAX_LEVELS = 4
MAX_DEPTH = 6
MAX_FILES = 5000
FRESH_SECONDS = 5.0  # how long a project's list of YAML files is trusted (the language server runs for hours)
_YAML = (".yml", ".yaml")


def project_root(path: Path) -> Path:
    """The nearest folder up holding .git or pyproject.toml (at most MAX_LEVELS up); without one, the parent
    of the file's folder (where sibling deploy/, env/ and src/ folders meet), never a wide folder such as
    /tmp or a home folder by guess."""
    start = folder = path.absolute().parent
    for _ in range(MAX_LEVELS):
        if (folder / ".git").exists() or (folder / "pyproject.toml").is_file() or folder.parent == folder:
            return folder
        folder = folder.parent
    return start.parent if len(start.parts) > 2 else start


def candidate_yaml(path: Path) -> list[Path]:
    """Deployment-looking YAML files of `path`'s project."""
    return [p for p in _project_yaml(project_root(path)) if p != path.absolute()]


_LISTED: dict[Path, tuple[float, tuple[Path, ...]]] = {}


def _project_yaml(root: Path) -> tuple[Path, ...]:
    """Walked at most once every FRESH_SECONDS per project: pre-commit passes many files of one project at
    once, and an editor session must still see a deployment YAML created after it started."""
    now = time.monotonic()
    listed = _LISTED.get(root)
    if listed is not None and now - listed[0] < FRESH_SECONDS:
        return listed[1]
    if len(_LISTED) > 32:
        _LISTED.clear()
    found = _walk_project(root)
    _LISTED[root] = (now, found)
    return found


def _walk_project(root: Path) -> tuple[Path, ...]:
    from ..config import is_excluded_dir
    from ..discovery import may_be_deployment

    found: list[Path] = []
    seen = 0
    base_depth = len(root.parts)
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not is_excluded_dir(d))
        if len(Path(dirpath).parts) - base_depth >= MAX_DEPTH:
            dirnames[:] = []
        for name in sorted(filenames):
            seen += 1
            candidate = Path(dirpath, name)
            if name.lower().endswith(_YAML) and may_be_deployment(candidate):
                found.append(candidate)
        if seen > MAX_FILES:
            break
    return tuple(found)


def may_belong_to_a_deployment(path: Path) -> bool:
    """Whether a named file could belong to a deployment at all: its project has deployment-looking YAML, or
    it holds SDK deployment calls itself. Cheap (a folder walk and text tests): the deployment machinery
    and YAML are imported only when this says yes."""
    from ..discovery import SDK_DEPLOYMENT_CALL, head_matches

    return bool(candidate_yaml(path)) or (path.suffix == ".py" and head_matches(path, SDK_DEPLOYMENT_CALL))


def uses(deployment, path: Path) -> bool:
    """Whether `deployment` reads `path`: its scoring script or a module of its code folder, its conda file or
    a requirements file."""
    target = os.path.realpath(path)
    env = deployment.environment
    files = [*(env.files if env is not None else ())]
    if deployment.script_path is not None:
        files.append(deployment.script_path)
    if any(os.path.realpath(f) == target for f in files):
        return True
    code_dir = deployment.code_dir
    if code_dir is not None and path.suffix == ".py":
        root = os.path.realpath(code_dir)
        return target.startswith(root + os.sep)
    return False


def deployments_using(path: Path, overlay: dict[Path, str] | None = None) -> list:
    """The deployments (parsed) among `candidate_yaml(path)` that read `path`."""
    from .definition import read_deployment
    from .yamlfile import YamlError

    found = []
    for candidate in candidate_yaml(path):
        try:
            deployment = read_deployment(candidate, overlay=overlay)
        except YamlError:
            continue
        if deployment is not None and uses(deployment, path):
            found.append(deployment)
    return found
