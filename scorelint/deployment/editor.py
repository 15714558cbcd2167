"""Deployment findings for one open file, from its editor buffer: a deployment YAML (its own findings), a
conda file some nearby deployment uses (the findings that land in it), or an entry script a deployment
names (the findings at its imports and model paths). The language server calls `lint_deployment_file`
(the buffer's text is read instead of the disk's everywhere it matters) and `script_findings`."""

from __future__ import annotations

import os

from pathlib import Path
from typing import TYPE_CHECKING

from ..model import Diagnostic, LintResult
from .check import check_deployment
from .definition import looks_like_deployment_text, read_deployment
from .related import deployments_using
from .yamlfile import YamlDocument, YamlError

if TYPE_CHECKING:
    from ..api import Linter

YAML_SUFFIXES = (".yml", ".yaml")


def is_deployment_related(path: Path, language_id: str | None = None) -> bool:
    """Files the language server checks with the deployment rules: YAML (deployments and conda files)."""
    return path.suffix.lower() in YAML_SUFFIXES or language_id == "yaml"


def lint_deployment_file(path: Path, text: str, linter: Linter, python: str | None = None
                         ) -> LintResult | None:
    """The findings in `path` (buffer `text`); None when no deployment concerns the file."""
    overlay = {path: text}
    result = LintResult(str(path))
    if looks_like_deployment_text(text):
        try:
            deployment = read_deployment(path, YamlDocument(path, text), overlay)
        except YamlError as exc:
            result.error = str(exc)
            return result
        if deployment is not None:
            found = check_deployment(deployment, linter, python).get(path)
            return found if found is not None else result
    deployments = deployments_using(path, overlay)
    if not deployments:
        return None
    return _findings_in(path, deployments, linter, python, result)


def script_findings(path: Path, text: str, linter: Linter, python: str | None = None) -> list[Diagnostic] | None:
    """The deployment findings that land in an entry script open in the editor (its imports: SL702, SL704;
    the model paths init() joins: SL709), from every deployment that names it or uploads its folder, as the
    command line reports them. None while the buffer differs from the saved file: the code folder is read
    from the disk, so positions would not match the buffer (the caller keeps the last ones meanwhile)."""
    from .related import may_belong_to_a_deployment

    from ..encoding import SourceDecodeError, decode_source

    try:
        saved = decode_source(path.read_bytes())
    except (OSError, SourceDecodeError):
        return None
    if saved.replace("\r\n", "\n") != text.replace("\r\n", "\n"):
        return None
    if not may_belong_to_a_deployment(path):  # a folder walk and text tests: YAML is read only past this
        return []
    result = _findings_in(path, deployments_using(path), linter, python, LintResult(str(path)))
    return result.diagnostics


def _findings_in(path: Path, deployments: list, linter: Linter, python: str | None, result: LintResult) -> LintResult:
    """The findings of `deployments` that land in `path`, each once."""
    seen: set[Diagnostic] = set()
    for deployment in deployments:
        for found_path, found in check_deployment(deployment, linter, python).items():
            if os.path.realpath(found_path) != os.path.realpath(path):
                continue
            for diagnostic in found.diagnostics:
                if diagnostic not in seen:
                    seen.add(diagnostic)
                    result.diagnostics.append(diagnostic)
            result.internal_errors.extend(found.internal_errors)
    result.diagnostics.sort(key=Diagnostic.sort_key)
    return result
