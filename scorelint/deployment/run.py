"""Deployments in a command-line run: read the deployment files found, add the scripts they name to the
files to lint (whatever their names), then merge the deployment findings into the per-file results
(the script's own result when the finding is about the script; a new result for a YAML, conda or
requirements file)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import Diagnostic, LintResult
from .check import Comments, check_deployment, load

if TYPE_CHECKING:
    from ..project import Pipeline
    from ..runner import FileOutcome
    from .definition import Deployment


class DeploymentRun:
    """`paths`: deployment YAML found in folders or named, and named files that may belong to a deployment
    (a conda file, a requirements file, a scoring script: pre-commit names only the changed files), whose
    deployments are found with `related.deployments_using`."""

    def __init__(self, paths: list[Path], *, explicit: set[Path] | None = None, related: list[Path] = ()) -> None:
        self.deployments: list[Deployment] = []
        self.errors: list[LintResult] = []
        self._seen: set[str] = set()
        for path in paths:
            if path.suffix.lower() == ".txt":
                self._add_related(path)
                continue
            if path.suffix == ".py":  # SDK v2/v1 definitions in Python (found by discovery's text test)
                self._add_sdk(path)
                continue
            deployment, error = load(path)
            if error is not None:
                # A YAML named on the command line that cannot be read is an error; one found in a folder too
                # (it looked like a deployment to get here), unless it is a template a script fills in
                # before deploying ({{ACR_NAME}} makes YAML invalid until then).
                if (explicit and path in explicit) or not _is_template(path):
                    self.errors.append(LintResult(str(path), error=error))
            elif deployment is not None:
                self._add(deployment)
            elif explicit and path in explicit:
                self._add_related(path)  # a conda file: the deployments that use it; other YAML: nothing
        for path in related:
            self._add_related(path)
            self._add_sdk(path)

    def _add(self, deployment: Deployment) -> None:
        key = _key(deployment.path)
        if key not in self._seen:
            self._seen.add(key)
            self.deployments.append(deployment)

    def _add_sdk(self, path: Path) -> None:
        from .sdk import may_define_deployment, read_sdk_deployments

        try:
            data = path.read_bytes()
        except OSError:
            return
        if may_define_deployment(data):
            for deployment in read_sdk_deployments(path):
                self.deployments.append(deployment)  # several in one file: no de-duplication by path

    def _add_related(self, path: Path) -> None:
        from .related import deployments_using

        for deployment in deployments_using(path):
            self._add(deployment)

    def scripts(self, already: list[Path]) -> list[Path]:
        """The scoring scripts the deployments name that are not among `already` (and exist)."""
        seen = {_key(p) for p in already}
        found = []
        for deployment in self.deployments:
            script = deployment.script_path
            if script is not None and script.is_file() and _key(script) not in seen:
                seen.add(_key(script))
                found.append(_display(script))
        return found

    def merge(self, outcomes: list[FileOutcome], pipeline: Pipeline, python: str | None = None
              ) -> list[FileOutcome]:
        from ..config import ConfigError
        from ..runner import FileOutcome

        by_key = {_key(o.path): o for o in outcomes}
        merged = list(outcomes)
        for error in self.errors:
            merged.append(FileOutcome(Path(error.path), error))
        comments = Comments()
        for deployment in self.deployments:
            try:
                linter = pipeline.linter_for(deployment.path)
            except ConfigError as exc:
                merged.append(FileOutcome(deployment.path, LintResult(str(deployment.path)), config_error=str(exc)))
                continue
            for path, result in check_deployment(deployment, linter, python, comments).items():
                key = _key(path)
                outcome = by_key.get(key)
                if outcome is None:
                    display = _display(path)
                    result.path = str(display)
                    outcome = FileOutcome(display, result)
                    by_key[key] = outcome
                    merged.append(outcome)
                    continue
                if outcome.result is result:
                    continue
                outcome.result.diagnostics.extend(d for d in result.diagnostics
                                                  if d not in outcome.result.diagnostics)
                outcome.result.diagnostics.sort(key=Diagnostic.sort_key)
                outcome.result.internal_errors.extend(result.internal_errors)
        return merged


def _is_template(path: Path) -> bool:
    from .definition import is_template

    try:
        return is_template(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return False


def _key(path: Path) -> str:
    try:
        return os.path.realpath(path)
    except OSError:
        return os.path.abspath(path)


def _display(path: Path) -> Path:
    """A path as short as it can be said: relative to the current folder when under it, normalised."""
    normal = Path(os.path.normpath(path))
    if normal.is_absolute():
        try:
            return normal.relative_to(Path.cwd())
        except ValueError:
            return normal
    return normal
