"""Running the deployment rules on one deployment file, and turning their reports into per-file results.

Findings land in the file they are about (the deployment YAML, its conda file, a requirements file, the
scoring script or a local module), with the same codes, suppressions and selection as every other
finding: `# scorelint: ignore[name]` or `# noqa: SL7xx` at the end of the line, or alone on the line
above, and `# scorelint: ignore-file[...]` anywhere, in YAML, requirements and Python files alike.
"""

from __future__ import annotations

import io
import tokenize
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import Diagnostic, LintResult
from .definition import Deployment, read_deployment
from .rule import DeploymentContext, DeploymentRule
from .yamlfile import YamlError, _without_comment

if TYPE_CHECKING:
    from ..api import Linter


def deployment_rules(rules) -> list[type[DeploymentRule]]:
    return [r for r in rules if getattr(r, "target", "script") == "deployment"]


def load(path: Path) -> tuple[Deployment | None, str | None]:
    """The deployment in `path` (None when the YAML is not a deployment), or a one-line error."""
    try:
        return read_deployment(path), None
    except YamlError as exc:
        return None, str(exc)


def check_deployment(deployment: Deployment, linter: Linter, python: str | None = None,
                     comments: Comments | None = None) -> dict[Path, LintResult]:
    """Run the deployment rules `linter` selects for the YAML (its code folders are the project's: a script's
    imports are read once for every deployment and rule); results by file (the YAML's is always there).
    `comments`: the suppression comments already read in this run (deployments share scripts and conda files)."""
    selection = linter.selection
    ctx = DeploymentContext(deployment, python, linter.code_folders)
    yaml_result = LintResult(str(deployment.path))
    results: dict[Path, LintResult] = {deployment.path: yaml_result}
    rules = deployment_rules(selection.rules_for(deployment.path))
    comments = comments if comments is not None else Comments()
    for rule_class in rules:
        rule = rule_class(ctx, selection.options.get(rule_class.code))
        try:
            rule.check()
        except Exception as exc:  # a rule bug must not hide the other rules' findings
            yaml_result.internal_errors.append(f"{rule.code} {rule.name} crashed: {type(exc).__name__}: {exc}")
            continue
        for report in rule.found:
            if report.path != deployment.path and rule_class not in selection.rules_for(report.path):
                continue  # per-file-ignores of the file the finding is in
            if comments.suppressed(report.path, report.range.start.line, rule.code, rule.name):
                continue
            diagnostic = Diagnostic(
                code=rule.code, name=rule.name, severity=report.severity or rule.severity, message=report.message,
                range=report.range, noqa_line=report.range.start.line, url=rule.url(), help=report.help,
            )
            results.setdefault(report.path, LintResult(str(report.path))).diagnostics.append(diagnostic)
    for result in results.values():
        result.diagnostics.sort(key=Diagnostic.sort_key)
    return results


class Comments:
    """Suppression comments by file and line, read once per file (and run)."""

    def __init__(self) -> None:
        self._files: dict[Path, tuple[dict[int, tuple[bool, frozenset[str] | None]], set[int]]] = {}

    def suppressed(self, path: Path, line: int, code: str, name: str) -> bool:
        if path not in self._files:
            self._files[path] = _read_comments(path)
        comments, comment_only = self._files[path]
        for number, (file_level, codes) in comments.items():
            applies = file_level or number == line or (number == line - 1 and number in comment_only)
            if applies and (codes is None or code in codes or name in codes):
                return True
        return False


def _read_comments(path: Path) -> tuple[dict[int, tuple[bool, frozenset[str] | None]], set[int]]:
    from ..suppress import parse_comment

    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError:
        return {}, set()
    if "noqa" not in text.lower() and "scorelint:" not in text:
        return {}, set()
    found: dict[int, tuple[bool, frozenset[str] | None]] = {}
    comment_only: set[int] = set()
    if path.suffix == ".py":
        try:
            for token in tokenize.generate_tokens(io.StringIO(text).readline):
                if token.type == tokenize.COMMENT:
                    parsed = parse_comment(token.string)
                    if parsed is not None:
                        found[token.start[0]] = parsed
                        if not token.line[: token.start[1]].strip():
                            comment_only.add(token.start[0])
        except (tokenize.TokenError, SyntaxError):
            pass
        return found, comment_only
    for number, line in enumerate(text.splitlines(), start=1):
        code = _without_comment(line)
        if len(code) == len(line):
            continue
        parsed = parse_comment(line[len(code):])
        if parsed is not None:
            found[number] = parsed
            if not code.strip():
                comment_only.add(number)
    return found, comment_only
