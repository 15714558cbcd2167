"""Rules about a deployment (its YAML, its environment, its code folder) rather than about one script.

A deployment rule is a `Rule` like the others (code, name, severity, contract, documentation, VALID and
INVALID examples, one file under rules/scorelint_rules/), with three differences:

- it subclasses `DeploymentRule` (`target = "deployment"`), so the per-script pass never runs it;
- its `check()` reads `self.deployment` (the parsed YAML: `scorelint.deployment.definition.Deployment`),
  `self.ctx.code` (the imports of the scoring script and its local modules) and `self.ctx.verdict(module)` (does the environment
  provide a module), and reports with `self.report_at(located, message)`: `located` carries the file
  (the YAML, the conda file, a requirements file or a Python module) and the range;
- its examples are `DeploymentValid` / `DeploymentInvalid`: the deployment YAML as `code`, the other files
  of the project in `files` ({"src/score.py": "..."}), and `in_file`, the file the first finding is in.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from ..model import Range, Severity
from ..rule import ANY_SCRIPT, Invalid, Rule, RuleOptions, Valid, _dedent
from .yamlfile import Located

if TYPE_CHECKING:
    from ..codefolder import CodeFolders, ScriptImports
    from .definition import Deployment
    from .packages import Closure, Metadata, Verdict


def _files(value) -> tuple[tuple[str, str], ...]:
    items = value.items() if isinstance(value, dict) else value
    return tuple((name, _dedent(text)) for name, text in items)


@dataclass(frozen=True)
class DeploymentValid(Valid):
    """A deployment the rule must not flag: `code` is the deployment YAML (named `filename`), `files` the
    project's other files, by path relative to the YAML's folder."""

    filename: str = "deployment.yml"
    files: tuple[tuple[str, str], ...] | dict = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "files", _files(self.files))


@dataclass(frozen=True)
class DeploymentInvalid(Invalid):
    """A deployment the rule must flag; `in_file` is the file of the first finding (default: the YAML)."""

    filename: str = "deployment.yml"
    files: tuple[tuple[str, str], ...] | dict = ()
    in_file: str | None = None
    severity: Severity | None = None  # the first finding's severity, when it is not the rule's

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "files", _files(self.files))


@dataclass
class DeploymentReport:
    path: Path
    range: Range
    message: str
    severity: Severity | None = None
    help: str | None = None


class DeploymentContext:
    """What deployment rules share, each part computed once and only when a rule asks for it."""

    def __init__(self, deployment: Deployment, python: str | None = None, code_folders: CodeFolders | None = None
                 ) -> None:
        self.deployment = deployment
        self.python = python
        self.code_folders = code_folders

    @cached_property
    def code(self) -> ScriptImports | None:
        """The imports of the scoring script and of the local modules it imports, from the project's code
        folders (`scorelint.codefolder`); None without a script."""
        from ..codefolder import CodeFolders

        script = self.deployment.script_path
        if script is None or not script.is_file():
            return None
        folders = self.code_folders if self.code_folders is not None else CodeFolders()
        return folders.folder(self.deployment.code_dir or script.parent).imports(script)

    @cached_property
    def metadata(self) -> Metadata:
        from .packages import metadata_for

        return metadata_for(self.python)

    @property
    def has_inline_environment(self) -> bool:
        """An inline environment whose packages were read (a conda file, or an SDK's package list)."""
        env = self.deployment.environment
        return env is not None and env.kind == "inline" and env.conda_file is not None

    @cached_property
    def closure(self) -> Closure | None:
        """What the inline environment installs, as far as metadata tells (None: not an inline conda env)."""
        from .packages import closure

        env = self.deployment.environment
        if not self.has_inline_environment:
            return None
        extra = ("azureml-inference-server-http",) if env.image_kind == "inference" else ()
        return closure(env, self.metadata, extra)

    def verdict(self, module: str) -> Verdict | None:
        from .packages import Verdict, judge, name_matches

        if not self.has_inline_environment:
            return None
        # A package listed under the module's own name answers without reading installed metadata.
        if any(name_matches(p.name, module) for p in self.deployment.environment.packages):
            return Verdict("provided")
        return judge(module, self.deployment.environment, self.metadata, self.closure)


class DeploymentRule(Rule):
    target: ClassVar[str] = "deployment"
    kinds = ANY_SCRIPT
    VALID: ClassVar[list[DeploymentValid]] = []
    INVALID: ClassVar[list[DeploymentInvalid]] = []

    def __init__(self, ctx: DeploymentContext, options: RuleOptions | None = None) -> None:  # type: ignore[override]
        super().__init__(ctx, options)  # type: ignore[arg-type]
        self.found: list[DeploymentReport] = []

    @property
    def deployment(self) -> Deployment:
        return self.ctx.deployment

    def report_at(self, where: Located, message: str, *, help: str | None = None,  # noqa: A002
                  severity: Severity | None = None) -> None:
        """`message`: what is wrong, one short line; `help`: what it does at deployment and what to write."""
        self.found.append(DeploymentReport(where.path, where.range, message, severity, help))
