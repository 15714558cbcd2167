"""Names and scopes: what the module binds and imports, how an expression resolves through them, and
what a function's body binds, reads and returns. The rest of the facts are built on these."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Literal

import libcst as cst

from ..source import ParsedSource
from .flow import LocalFlow

STAR_EXPORTS = {
    "azureml.contrib.services.aml_request": ("rawhttp", "AMLRequest"),
    "azureml_inference_server_http.api.aml_request": ("rawhttp", "AMLRequest"),
    "azureml.contrib.services.aml_response": ("AMLResponse",),
    "azureml_inference_server_http.api.aml_response": ("AMLResponse",),
    "inference_schema.schema_decorators": ("input_schema", "output_schema"),
}

BindingKind = Literal["def", "class", "assign", "import", "other"]

# Batch endpoints and ParallelRunStep call run(mini_batch) or run(mini_batch, mini_batch_context).
_NOT_A_MODULE = (cst.BaseString, cst.Integer, cst.Float, cst.Imaginary, cst.List, cst.Tuple, cst.Dict, cst.Set,
                 cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.Lambda, cst.BinaryOperation,
                 cst.UnaryOperation, cst.Comparison, cst.BooleanOperation)

# The node types `local_bindings` looks at.
_BINDING_NODES = frozenset({
    cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.Assign, cst.AnnAssign, cst.AugAssign, cst.NamedExpr, cst.For,
    cst.WithItem, cst.ExceptHandler, cst.ExceptStarHandler, cst.Import, cst.ImportFrom,
})

_COMPOUND_BLOCKS = (cst.If, cst.Else, cst.Try, cst.TryStar, cst.ExceptHandler, cst.ExceptStarHandler,
                    cst.Finally, cst.With, cst.For, cst.While)

@dataclass
class Binding:
    """One module-level statement that binds a name."""

    name: str
    kind: BindingKind
    node: cst.CSTNode  # FunctionDef, ClassDef, the assignment's target Name, or the ImportAlias
    value: cst.BaseExpression | None = None  # for assignments
    qualified: str | None = None  # for imports: what the name refers to
    conditional: bool = False  # inside a module-level if/try/with/for


@dataclass
class LocalBinding:
    """A name bound in a function's own scope (see `EntryScriptFacts.local_bindings`)."""

    name: str
    node: cst.Name  # the bound name as written
    value: cst.BaseExpression | None  # what is assigned, for plain/annotated assignments and `:=`
    how: Literal["assign", "augassign", "annassign", "walrus", "for", "with", "import", "except", "def"]
    statement: cst.CSTNode  # the Assign, For, With, Import... that binds it


class NameFacts:
    """Module-level bindings and name resolution; function bodies and their local names."""

    source: ParsedSource
    _cache: dict

    # --- module-level bindings and name resolution --------------------------------------------------
    @cached_property
    def bindings(self) -> dict[str, list[Binding]]:
        found: dict[str, list[Binding]] = {}
        for stmt, conditional in _module_level_statements(self.source.module):
            for binding in _bindings_of(stmt, conditional):
                found.setdefault(binding.name, []).append(binding)
        return found

    @cached_property
    def imports(self) -> dict[str, str]:
        """Local name -> qualified name, for every module-level import (the last one wins)."""
        return {
            name: bindings[-1].qualified
            for name, bindings in self.bindings.items()
            if bindings[-1].kind == "import" and bindings[-1].qualified
        }

    @cached_property
    def has_unknown_star_import(self) -> bool:
        """`from somewhere import *` of a module we cannot see into: any name may come from it."""
        for stmt, _ in _module_level_statements(self.source.module):
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar):
                        module = ("." * len(small.relative)) + (dotted_name(small.module) if small.module else "")
                        if module not in STAR_EXPORTS:
                            return True
        return False

    def qualified_name(self, expr: cst.BaseExpression | None) -> str | None:
        """The dotted name an expression refers to, through imports: `req.rawhttp` ->
        `azureml.contrib.services.aml_request.rawhttp`. Local names resolve to themselves; anything but a
        name or an attribute chain (a call, a subscript, None) has no qualified name."""
        # Rules ask this of nearly every call in the file: exact type tests, because isinstance on libcst's
        # ABC-based node classes costs several times more (Name and Attribute have no subclasses).
        kind = type(expr)
        if kind is cst.Name:
            return self.imports.get(expr.value, expr.value)  # type: ignore[union-attr]
        if kind is cst.Attribute:
            base = self.qualified_name(expr.value)  # type: ignore[union-attr]
            return f"{base}.{expr.attr.value}" if base else None  # type: ignore[union-attr]
        return None

    def qualified_name_in(self, expr: cst.BaseExpression | None, names: frozenset[str]) -> str | None:
        """`qualified_name(expr)` if it is one of `names`, else None. For a check asked of every call in a
        file: an attribute chain's qualified name ends with its own attribute, so `np.array(...)` or
        `logger.info(...)` is ruled out by that last name alone, without resolving it."""
        if type(expr) is cst.Attribute and expr.attr.value not in _last_parts(names):  # type: ignore[union-attr]
            return None
        name = self.qualified_name(expr)
        return name if name in names else None

    def module_value(self, name: str) -> cst.BaseExpression | None:
        """The value a module-level name was last assigned (None if not a plain assignment)."""
        bindings = self.bindings.get(name)
        if bindings and bindings[-1].kind == "assign":
            return bindings[-1].value
        return None

    def resolve_value(self, expr: cst.BaseExpression | None, depth: int = 5) -> cst.BaseExpression | None:
        """Follow names to the module-level value they were assigned, a few steps deep."""
        while depth and isinstance(expr, cst.Name):
            value = self.module_value(expr.value)
            if value is None:
                return expr
            expr, depth = value, depth - 1
        return expr

    def literal_string(self, expr: cst.BaseExpression | None) -> str | None:
        """The value of a string literal, or of a module-level constant holding one."""
        return string_value(self.resolve_value(expr))

    def local_name_of(self, qualified: frozenset[str]) -> str | None:
        """The first local name a module-level import binds to one of `qualified` (`np` for numpy)."""
        for local, name in self.imports.items():
            if name in qualified:
                return local
        return None

    # --- function bodies ---------------------------------------------------------------------------
    def own_nodes(self, func: cst.FunctionDef, node_type: type) -> list:
        """Nodes of a type inside a function, not counting nested functions, classes or lambdas."""
        key = ("own", func, node_type)
        if key not in self._cache:
            inner = self._nested_scope_nodes(func)
            nodes = self.source.walk(func.body, node_type)
            if inner:
                nodes = [n for n in nodes if n not in inner]
            self._cache[key] = nodes
        return self._cache[key]

    def _nested_scope_nodes(self, func: cst.FunctionDef) -> set:
        """The nodes of the functions, classes and lambdas nested in `func` (computed once per function;
        exact type tests, because isinstance on libcst's ABC-based node classes is slow)."""
        key = ("nested", func)
        if key not in self._cache:
            scopes = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
            inner: set = set()
            for n in self.source.walk(func.body):
                if type(n) in scopes and n not in inner:
                    inner.update(self.source.walk(n))
            self._cache[key] = inner
        return self._cache[key]

    def returns(self, func: cst.FunctionDef) -> list[cst.Return]:
        return self.own_nodes(func, cst.Return)

    def global_names(self, func: cst.FunctionDef) -> set[str]:
        return {item.name.value for g in self.own_nodes(func, cst.Global) for item in g.names}

    def handler_of(self, node: cst.CSTNode, func: cst.FunctionDef,
                   kinds: type | tuple[type, ...] = (cst.ExceptHandler, cst.ExceptStarHandler)) -> cst.CSTNode | None:
        """The innermost `except` block (of `kinds`) holding `node`, looking no further out than `func`."""
        for ancestor in self.source.ancestors(node):
            if ancestor is func:
                return None
            if isinstance(ancestor, kinds):
                return ancestor
        return None

    def inside(self, node: cst.CSTNode, func: cst.FunctionDef | None) -> bool:
        if func is None:
            return False
        return any(a is func for a in self.source.ancestors(node))

    def flow(self, func: cst.FunctionDef) -> LocalFlow:
        """The local data flow of `func` (scorelint/facts/flow.py), built once per function."""
        key = ("flow", func)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = LocalFlow(self, func)
        return found

    def local_bindings(self, func: cst.FunctionDef) -> dict[str, list[LocalBinding]]:
        """Names a function binds in its own scope, in document order: assignment targets (also in
        tuples, `+=`, annotated, `:=`), for/with targets, imports and `except ... as`. Nested functions,
        classes, lambdas and comprehensions are their own scopes and are skipped (their names are bound
        here; a `:=` inside a comprehension also binds here). `global` declarations are not applied: see `global_names`."""
        key = ("locals", func)
        if key in self._cache:
            return self._cache[key]
        found: dict[str, list[LocalBinding]] = {}

        def bind(target: cst.BaseExpression | None, value, how, statement) -> None:
            if target is None:
                return
            for name in _target_names(target):
                found.setdefault(name.value, []).append(LocalBinding(name.value, name, value, how, statement))

        # Exact type tests (libcst node classes are ABCs: isinstance is slow) over the function's nodes.
        nodes = self.source.walk(func.body)
        index = 0
        while index < len(nodes):
            node = nodes[index]
            index += 1
            kind = type(node)
            if kind not in _BINDING_NODES:
                continue
            if kind is cst.FunctionDef or kind is cst.ClassDef or kind is cst.Lambda:
                index += len(self.source.walk(node)) - 1  # skip the nested scope
                if kind is not cst.Lambda:
                    bind(node.name, None, "def", node)
            elif kind is cst.Assign:
                for target in node.targets:
                    plain = type(target.target) is cst.Name
                    bind(target.target, node.value if plain else None, "assign", node)
            elif kind is cst.AnnAssign:
                bind(node.target, node.value, "annassign", node)
            elif kind is cst.AugAssign:
                bind(node.target, None, "augassign", node)
            elif kind is cst.NamedExpr:
                bind(node.target, node.value, "walrus", node)
            elif kind is cst.For:
                bind(node.target, None, "for", node)
            elif kind is cst.WithItem:
                if node.asname is not None:
                    bind(node.asname.name, None, "with", node)
            elif kind is cst.ExceptHandler or kind is cst.ExceptStarHandler:
                if node.name is not None:
                    bind(node.name.name, None, "except", node)
            elif not isinstance(node.names, cst.ImportStar):  # Import, ImportFrom
                for alias in node.names:
                    if alias.asname is not None:
                        bind(alias.asname.name, None, "import", node)
                    elif type(alias.name) is cst.Attribute and kind is cst.Import:
                        top = alias.name
                        while type(top) is cst.Attribute:
                            top = top.value
                        bind(top, None, "import", node)
                    else:
                        bind(alias.name, None, "import", node)
        self._cache[key] = found
        return found

    def names_read(self, node: cst.CSTNode) -> list[cst.Name]:
        """The names a piece of code reads, in document order: its Name nodes except attribute names
        (`x.attr`) and keyword names (`f(key=...)`)."""
        parent = self.source.parent
        found = []
        for name in self.source.walk(node, cst.Name):
            up = parent.get(name)
            if isinstance(up, cst.Attribute) and up.attr is name:
                continue
            if isinstance(up, cst.Arg) and up.keyword is name:
                continue
            found.append(name)
        return found

    def derived_names(self, func: cst.FunctionDef, seeds: set[str], *, through_with: bool = True) -> set[str]:
        """`seeds` plus the names `func` binds from them, up to three assignments away: `rows =
        json.loads(data)`, `for row in rows:`, and with `through_with` also `with open(path) as f:`."""
        names = set(seeds)
        bindings = self.local_bindings(func)
        for _ in range(3):
            before = len(names)
            for name, items in bindings.items():
                if name in names:
                    continue
                for item in items:
                    source = item.value
                    if item.how == "for" and isinstance(item.statement, cst.For):
                        source = item.statement.iter
                    elif through_with and item.how == "with" and isinstance(item.statement, cst.WithItem):
                        source = item.statement.item
                    if source is not None and any(n.value in names for n in self.names_read(source)):
                        names.add(name)
                        break
            if len(names) == before:
                break
        return names


@lru_cache(maxsize=64)
def _last_parts(names: frozenset[str]) -> frozenset[str]:
    return frozenset(name.rsplit(".", 1)[-1] for name in names)

def string_value(expr: cst.BaseExpression | None) -> str | None:
    """The value of a (non-bytes) string literal, as written here; None for anything else."""
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


def argument(call: cst.Call, position: int | None, keyword: str) -> cst.Arg | None:
    """The argument a call passes as `keyword`, or else at `position` among the plain positional ones
    (None: keyword only)."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg
    if position is None:
        return None
    positional = [a for a in call.args if a.keyword is None and not a.star]
    return positional[position] if position < len(positional) else None


def argument_value(call: cst.Call, position: int | None, keyword: str) -> cst.BaseExpression | None:
    """The expression of `argument(...)`, or None."""
    arg = argument(call, position, keyword)
    return arg.value if arg is not None else None


def _module_level_statements(module: cst.Module) -> Iterator[tuple[cst.BaseStatement, bool]]:
    """Statements that run at import time, descending into if/try/with/for/while but not functions."""
    stack: list[tuple[cst.CSTNode, bool]] = [(stmt, False) for stmt in reversed(module.body)]
    while stack:
        node, conditional = stack.pop()
        if isinstance(node, (cst.SimpleStatementLine, cst.FunctionDef, cst.ClassDef)):
            yield node, conditional  # type: ignore[misc]
            continue
        if isinstance(node, _COMPOUND_BLOCKS):
            inner: list[cst.CSTNode] = []
            body = getattr(node, "body", None)
            if isinstance(body, cst.IndentedBlock):
                inner.extend(body.body)
            elif isinstance(body, cst.SimpleStatementSuite):
                inner.append(cst.SimpleStatementLine(body=body.body))
            inner.extend(getattr(node, "handlers", ()))
            for attr in ("orelse", "finalbody"):
                extra = getattr(node, attr, None)
                if extra is not None:
                    inner.append(extra)
            for child in reversed(inner):
                stack.append((child, True))


def _bindings_of(stmt: cst.CSTNode, conditional: bool) -> Iterator[Binding]:
    if isinstance(stmt, cst.FunctionDef):
        yield Binding(stmt.name.value, "def", stmt, conditional=conditional)
        return
    if isinstance(stmt, cst.ClassDef):
        yield Binding(stmt.name.value, "class", stmt, conditional=conditional)
        return
    if not isinstance(stmt, cst.SimpleStatementLine):
        return
    for small in stmt.body:
        if isinstance(small, cst.Assign):
            for target in small.targets:
                if isinstance(target.target, cst.Name):
                    yield Binding(target.target.value, "assign", target.target, small.value, conditional=conditional)
                else:
                    for name in _target_names(target.target):
                        yield Binding(name.value, "other", name, conditional=conditional)
        elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
            kind: BindingKind = "assign" if small.value is not None else "other"
            yield Binding(small.target.value, kind, small.target, small.value, conditional=conditional)
        elif isinstance(small, cst.Import):
            for alias in small.names:
                dotted = dotted_name(alias.name)
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    yield Binding(alias.asname.name.value, "import", alias, qualified=dotted, conditional=conditional)
                else:
                    top = dotted.split(".", 1)[0]
                    yield Binding(top, "import", alias, qualified=top, conditional=conditional)
        elif isinstance(small, cst.ImportFrom):
            module = ("." * len(small.relative)) + (dotted_name(small.module) if small.module else "")
            if isinstance(small.names, cst.ImportStar):
                for name in STAR_EXPORTS.get(module, ()):
                    yield Binding(name, "import", small, qualified=f"{module}.{name}", conditional=conditional)
                continue
            for alias in small.names:
                imported = dotted_name(alias.name)
                local = imported
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    local = alias.asname.name.value
                sep = "" if module.endswith(".") else "."
                yield Binding(local, "import", alias, qualified=f"{module}{sep}{imported}", conditional=conditional)


def _target_names(expr: cst.BaseExpression) -> Iterator[cst.Name]:
    if isinstance(expr, cst.Name):
        yield expr
    elif isinstance(expr, (cst.Tuple, cst.List)):
        for element in expr.elements:
            yield from _target_names(element.value)
    elif isinstance(expr, cst.StarredElement):
        yield from _target_names(expr.value)


def dotted_name(expr: cst.BaseExpression) -> str:
    """The text of a dotted name as written (`a.b.c`), without resolving imports; "" for other expressions."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        return f"{dotted_name(expr.value)}.{expr.attr.value}"
    return ""
