"""What a rule is: one class, in one file, that carries its identity, its documentation and its examples.

A rule subclasses `Rule`, sets `code`, `name`, `severity`, `contract` and its examples, and looks at the
file in one or both of two ways:

- `visit_<NodeType>(self, node)` methods (e.g. `visit_Call`) are called for every node of that libcst
  type in the file, in document order. There is no tree walk per rule: the engine looks the nodes up in
  the index it built once.
- `check(self)` is called once per file after the visits, for rules that reason over `self.facts`
  (init, run, decorators, imports...), which are computed once and shared by every rule.

Either way the rule calls `self.report(node, message, help, fix=...)`: `message` says what is wrong in one
short line (about 80 characters, as ruff's), `help` what happens at run time and what to write instead.
Fixes are text edits built with the helpers below; the engine turns nodes into positions only for what is reported.
"""

from __future__ import annotations

import enum
import inspect
import re
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import libcst as cst

from .model import Applicability, Diagnostic, ScriptKind, Severity

if TYPE_CHECKING:
    from .context import FileContext


class EngineHook(str, enum.Enum):
    """Findings a rule makes from what the engine hands it rather than from the tree: a rule lists the
    hooks it implements in `hooks`, and the engine calls only those (with the rule selected for the file).

    SYNTAX_ERROR         `from_syntax_error(text, error)`: the file does not parse; `error` is CPython's
                         SyntaxError. Returns one Diagnostic.
    UNUSED_SUPPRESSIONS  `from_unused_suppressions(suppressions, ran_codes, registry, source)`: after every
                         rule ran, the file's suppression comments with the codes each one suppressed.
                         Returns Diagnostics.
    A hooked rule's findings are about the file's text itself: no "disable for this line" is offered.
    """

    SYNTAX_ERROR = "syntax-error"
    UNUSED_SUPPRESSIONS = "unused-suppressions"


_HOOK_METHODS = {EngineHook.SYNTAX_ERROR: "from_syntax_error",
                 EngineHook.UNUSED_SUPPRESSIONS: "from_unused_suppressions"}


ONLINE_ONLY = frozenset({ScriptKind.ONLINE})
ANY_SCRIPT = frozenset({ScriptKind.ONLINE, ScriptKind.BATCH})
BATCH_ONLY = frozenset({ScriptKind.BATCH})

DOC_HEADINGS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead")
DOCS_URL = "https://github.com/scorelint/scorelint/blob/main/docs/rules.md#{code}-{name}"

_CODE_RE = re.compile(r"^SL\d{3}$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Valid:
    """A script the rule must not flag."""

    code: str
    filename: str = "score.py"
    kind: ScriptKind | None = None  # force a script kind (else detected)
    also_select: tuple[str, ...] = ()  # other rules enabled with this one (for rules about other rules)
    target_version: str | None = None  # the server version the example is checked for (settings' target-version)
    # other files of the code folder, (relative path, text): the example is linted as a file in that folder
    siblings: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", _dedent(self.code))
        object.__setattr__(self, "siblings", tuple((name, _dedent(text)) for name, text in self.siblings))


@dataclass(frozen=True)
class Invalid:
    """A script the rule must flag.

    `expected`: how many findings of this rule (default 1). `line`: the line of the first finding.
    `message_contains`: a piece of its message. `fixed`: the script after applying this rule's fixes
    (safe and unsafe); None means the finding has no fix.
    """

    code: str
    expected: int = 1
    line: int | None = None
    message_contains: str | None = None
    fixed: str | None = None
    filename: str = "score.py"
    kind: ScriptKind | None = None
    also_select: tuple[str, ...] = ()  # other rules enabled with this one; `fixed` then includes their fixes
    target_version: str | None = None  # see Valid
    siblings: tuple[tuple[str, str], ...] = ()  # other files of the code folder (see Valid)

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", _dedent(self.code))
        object.__setattr__(self, "siblings", tuple((name, _dedent(text)) for name, text in self.siblings))
        if self.fixed is not None:
            object.__setattr__(self, "fixed", _dedent(self.fixed))


def _dedent(code: str) -> str:
    code = textwrap.dedent(code)
    return code[1:] if code.startswith("\n") else code


@dataclass
class PendingEdit:
    """An edit still expressed against nodes; the engine turns it into an `Edit` with positions."""

    kind: str  # "replace" | "insert_before" | "insert_after" | "replace_span"
    node: cst.CSTNode | None
    content: str
    whitespace: bool = False  # replace the node including the whitespace it owns
    span: tuple[int, int] | None = None  # character offsets, for "replace_span"


@dataclass
class PendingFix:
    message: str
    edits: list[PendingEdit]
    applicability: Applicability = Applicability.SAFE


@dataclass
class Report:
    node: cst.CSTNode | None
    message: str
    fix: PendingFix | None = None
    span: tuple[int, int] | None = None  # character offsets, when not reporting on a node
    help: str | None = None


@dataclass
class RuleOptions:
    """Base class for a rule's typed options ([tool.scorelint.rules.<name>] in pyproject.toml)."""


class Rule:
    # --- identity and metadata (class attributes every rule sets) ---
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    # The section of docs/contract.md the rule enforces, then the point: "1. Loading: init() is called once,
    # with no arguments" (tests/test_contract_doc.py checks the section exists).
    contract: ClassVar[str]
    summary: ClassVar[str] = ""  # one line; defaults to the docstring's first paragraph
    kinds: ClassVar[frozenset[ScriptKind]] = ONLINE_ONLY
    # Sandbox rules are reported from the sandbox's results, not from the static pass.
    requires_sandbox: ClassVar[bool] = False
    # What the rule checks: "script" (one Python file, in the static pass) or "deployment" (a deployment
    # YAML with its environment and code folder: scorelint.deployment.rule.DeploymentRule).
    target: ClassVar[str] = "script"
    # The azureml-inference-server-http version from which the rule's problem exists ((1, 4) for a behaviour
    # 1.4.0 introduced): with `target-version` below it, the rule does not run. None: every version.
    min_server_version: ClassVar[tuple[int, ...] | None] = None
    Options: ClassVar[type[RuleOptions]] = RuleOptions
    hooks: ClassVar[frozenset[EngineHook]] = frozenset()  # see EngineHook

    VALID: ClassVar[list[Valid]] = []
    INVALID: ClassVar[list[Invalid]] = []

    # derived in __init_subclass__
    fixable: ClassVar[bool] = False
    documentation: ClassVar[str] = ""
    visitors: ClassVar[dict[type, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if inspect.isabstract(cls) or not hasattr(cls, "code"):
            return
        cls.documentation = inspect.cleandoc(cls.__doc__ or "")
        if not cls.summary:
            cls.summary = cls.documentation.split("\n\n", 1)[0].replace("\n", " ")
        cls.fixable = any(case.fixed is not None for case in cls.INVALID)
        visitors: dict[type, str] = {}
        for attr in dir(cls):
            if attr.startswith("visit_"):
                node_type = getattr(cst, attr[len("visit_") :], None)
                if not (isinstance(node_type, type) and issubclass(node_type, cst.CSTNode)):
                    raise TypeError(f"{cls.__name__}.{attr}: libcst has no node type {attr[6:]!r}")
                visitors[node_type] = attr
        cls.visitors = visitors

    def __init__(self, ctx: FileContext, options: RuleOptions | None = None) -> None:
        self.ctx = ctx
        self.options = options if options is not None else self.Options()
        self.reports: list[Report] = []

    # --- what rules use ---
    @property
    def facts(self):  # noqa: ANN201 - EntryScriptFacts, imported lazily
        return self.ctx.facts

    @property
    def source(self):  # noqa: ANN201
        return self.ctx.source

    @classmethod
    def concerns_server(cls, target: tuple[int, ...] | None) -> bool:
        """Whether the rule runs for the targeted server version (None: the newest, so every rule)."""
        return target is None or cls.min_server_version is None or target >= cls.min_server_version

    def check(self) -> None:
        """Called once per file after the visits. Override in fact-based rules."""

    def report(
        self,
        node: cst.CSTNode | None,
        message: str,
        help: str | None = None,  # noqa: A002 - the word ruff and SARIF use
        *,
        fix: PendingFix | None = None,
        span: tuple[int, int] | None = None,
    ) -> None:
        """`message`: what is wrong, one short line. `help`: why it matters at run time and what to write
        instead (optional for third-party rules, given by every built-in one)."""
        self.reports.append(Report(node=node, message=message, fix=fix, span=span, help=help))

    # --- fix helpers: each returns one edit; combine them in `self.fix(...)` ---
    @staticmethod
    def replace(node: cst.CSTNode, new: cst.CSTNode | str, *, whitespace: bool = False) -> PendingEdit:
        content = new if isinstance(new, str) else cst.Module(body=[]).code_for_node(new)
        return PendingEdit("replace", node, content, whitespace=whitespace)

    @staticmethod
    def insert_before(node: cst.CSTNode, text: str) -> PendingEdit:
        return PendingEdit("insert_before", node, text)

    @staticmethod
    def insert_after(node: cst.CSTNode, text: str) -> PendingEdit:
        return PendingEdit("insert_after", node, text)

    @staticmethod
    def replace_span(start: int, end: int, text: str) -> PendingEdit:
        return PendingEdit("replace_span", None, text, span=(start, end))

    @staticmethod
    def fix(message: str, *edits: PendingEdit, unsafe: bool = False) -> PendingFix:
        applicability = Applicability.UNSAFE if unsafe else Applicability.SAFE
        return PendingFix(message=message, edits=list(edits), applicability=applicability)

    # --- engine hooks (called only when declared in `hooks`) ---
    @classmethod
    def from_syntax_error(cls, text: str, error: SyntaxError) -> Diagnostic:
        raise NotImplementedError(f"{cls.__name__} does not declare EngineHook.SYNTAX_ERROR")

    @classmethod
    def from_unused_suppressions(cls, suppressions: Any, ran_codes: set[str], registry: Any,
                                 source: Any) -> list[Diagnostic]:
        raise NotImplementedError(f"{cls.__name__} does not declare EngineHook.UNUSED_SUPPRESSIONS")

    # --- class-level helpers ---
    @classmethod
    def url(cls) -> str:
        return DOCS_URL.format(code=cls.code.lower(), name=cls.name)

    @classmethod
    def validate_definition(cls) -> list[str]:
        """Problems with the rule's own definition (used by the registry and the meta tests)."""
        problems = []
        if not _CODE_RE.match(getattr(cls, "code", "")):
            problems.append(f"code {getattr(cls, 'code', None)!r} is not of the form SL000")
        if not _NAME_RE.match(getattr(cls, "name", "")):
            problems.append(f"name {getattr(cls, 'name', None)!r} is not kebab-case")
        if not isinstance(getattr(cls, "severity", None), Severity):
            problems.append("severity must be a Severity")
        if not getattr(cls, "contract", ""):
            problems.append("contract must say which point of the contract the rule enforces")
        for heading in DOC_HEADINGS:
            if heading not in cls.documentation:
                problems.append(f"documentation lacks the heading {heading!r}")
        for hook in cls.hooks:
            method = _HOOK_METHODS[hook]
            if getattr(cls, method).__func__ is getattr(Rule, method).__func__:
                problems.append(f"declares the {hook.value} hook but does not define {method}")
        if not cls.requires_sandbox and (not cls.VALID or not cls.INVALID):
            problems.append("needs at least one VALID and one INVALID example")
        return problems

