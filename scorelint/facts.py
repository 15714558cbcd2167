"""Facts about an entry script, computed once per file and shared by every rule.

What the server cares about is decided at module level: which names `init` and `run` are bound to,
what `run` is decorated with, and which decorators are applied anywhere (`@rawhttp` flips a global
switch wherever it is applied). The facts see through the ways real scripts are written: aliased
imports (`from ... import rawhttp as raw`, `import ...aml_request as req` then `@req.rawhttp`), both
azureml import paths, init/run assigned or imported rather than defined, and definitions inside
module-level `if`/`try`/`with` blocks. Everything is computed lazily: a rule that never asks for a
fact costs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Literal

import libcst as cst

from .model import ScriptKind
from .source import ParsedSource

RAWHTTP = frozenset(
    {
        "azureml.contrib.services.aml_request.rawhttp",
        "azureml_inference_server_http.api.aml_request.rawhttp",
    }
)
INPUT_SCHEMA = frozenset({"inference_schema.schema_decorators.input_schema"})
OUTPUT_SCHEMA = frozenset({"inference_schema.schema_decorators.output_schema"})
AML_RESPONSE = frozenset(
    {
        "azureml.contrib.services.aml_response.AMLResponse",
        "azureml_inference_server_http.api.aml_response.AMLResponse",
    }
)
PARAMETER_TYPES = {
    "inference_schema.parameter_types.standard_py_parameter_type.StandardPythonParameterType": "standard",
    "inference_schema.parameter_types.numpy_parameter_type.NumpyParameterType": "numpy",
    "inference_schema.parameter_types.pandas_parameter_type.PandasParameterType": "pandas",
    "inference_schema.parameter_types.spark_parameter_type.SparkParameterType": "spark",
    "inference_schema.parameter_types.abstract_parameter_type.AbstractParameterType": "abstract",
}

# What `from X import *` binds, for the modules entry scripts star-import.
STAR_EXPORTS = {
    "azureml.contrib.services.aml_request": ("rawhttp", "AMLRequest"),
    "azureml_inference_server_http.api.aml_request": ("rawhttp", "AMLRequest"),
    "azureml.contrib.services.aml_response": ("AMLResponse",),
    "azureml_inference_server_http.api.aml_response": ("AMLResponse",),
    "inference_schema.schema_decorators": ("input_schema", "output_schema"),
}

BindingKind = Literal["def", "class", "assign", "import", "other"]

# Batch endpoints and ParallelRunStep call run(mini_batch) or run(mini_batch, mini_batch_context).
_BATCH_PARAM_NAMES = frozenset({"mini_batch", "minibatch", "mini_batch_context"})
_WEAK_BATCH_PARAM = re.compile(r"(?:^|_)(?:mini_?)?batch(?:es)?(?:_|$)")
# The parallel-run runtime's helpers (EntryScript: logger, output folder); `entry_script` is its old name.
_BATCH_HELPER_MODULES = ("azureml_user", "entry_script")
_KIND_DIRECTIVE = re.compile(r"#\s*scorelint:\s*kind\s*=\s*(?P<kind>online|batch)\b")

# Expressions whose value is never a module (for `driver_module = ...`).
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
class Decorator:
    node: cst.Decorator
    qualified: str | None  # the decorator's callee, resolved through imports
    call: cst.Call | None  # when written as @name(args)


@dataclass
class SchemaDecorator:
    decorator: Decorator
    param_name: str | None  # input_schema's first argument, when it is a literal or constant
    name_node: cst.BaseExpression | None
    param_type: cst.BaseExpression | None  # the ParameterType(...) expression or a name for it


@dataclass
class EntryFunction:
    """What a module-level name (`init` or `run`) is bound to."""

    name: str
    binding: Binding | None
    definition: cst.FunctionDef | None  # the def the name ends up at, when it is a local def

    @property
    def exists(self) -> bool:
        return self.binding is not None


@dataclass
class LocalBinding:
    """A name bound in a function's own scope (see `EntryScriptFacts.local_bindings`)."""

    name: str
    node: cst.Name  # the bound name as written
    value: cst.BaseExpression | None  # what is assigned, for plain/annotated assignments and `:=`
    how: Literal["assign", "augassign", "annassign", "walrus", "for", "with", "import", "except", "def"]
    statement: cst.CSTNode  # the Assign, For, With, Import... that binds it


@dataclass
class Param:
    name: str
    node: cst.Param
    kind: Literal["positional_only", "positional_or_keyword", "var_positional", "keyword_only", "var_keyword"]
    has_default: bool


@dataclass
class SignatureWrapper:
    """A decorator on `run` that replaces it with a function of another signature."""

    decorator: Decorator
    wrapper: cst.FunctionDef  # the nested function the decorator returns


@dataclass
class RawhttpUse:
    """`rawhttp` applied to something: as a decorator, or called as rawhttp(func)."""

    node: cst.CSTNode  # the Decorator or the Call
    target_name: str | None  # the decorated function's name
    target: cst.CSTNode | None  # the decorated FunctionDef/ClassDef
    on_module_run: bool  # applied to the function the module's `run` is bound to


@dataclass
class EntryScriptFacts:
    source: ParsedSource
    kind_setting: str = "auto"  # "online" | "batch" | "auto"
    _cache: dict = field(default_factory=dict, repr=False)

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

    # --- init and run -----------------------------------------------------------------------------
    def _entry(self, name: str) -> EntryFunction:
        bindings = self.bindings.get(name)
        if not bindings:
            return EntryFunction(name, None, None)
        binding = bindings[-1]
        return EntryFunction(name, binding, self._function_for(binding))

    def _function_for(self, binding: Binding, depth: int = 5) -> cst.FunctionDef | None:
        if binding.kind == "def":
            return binding.node  # type: ignore[return-value]
        if binding.kind == "assign" and depth:
            value = binding.value
            # run = rawhttp(predict)  /  run = predict
            while isinstance(value, cst.Call) and len(value.args) == 1:
                value = value.args[0].value
            if isinstance(value, cst.Name) and value.value != binding.name:
                target = self.bindings.get(value.value)
                if target:
                    return self._function_for(target[-1], depth - 1)
        return None

    @cached_property
    def init(self) -> EntryFunction:
        return self._entry("init")

    @cached_property
    def run(self) -> EntryFunction:
        return self._entry("run")

    @cached_property
    def has_driver_module(self) -> bool:
        """`driver_module` bound to a module: the server calls that module's run instead (CONTRACT 1).

        The server checks `isinstance(driver_module, ModuleType)`, so an import (or a value computed at
        run time, e.g. `importlib.import_module(...)`) counts, but a function, a class or a literal such as
        `driver_module = None` does not: the server then inspects this module's own `run`."""
        bindings = self.bindings.get("driver_module")
        if not bindings:
            return False
        binding = bindings[-1]
        if binding.kind in ("def", "class"):
            return False
        if binding.kind != "assign":
            return True
        value = self.resolve_value(binding.value)
        if isinstance(value, cst.Name):
            if value.value in ("None", "True", "False"):
                return False
            target = self.bindings.get(value.value)
            return not (target and target[-1].kind in ("def", "class"))
        return not isinstance(value, _NOT_A_MODULE)

    def decorators(self, func: cst.FunctionDef | cst.ClassDef | None) -> list[Decorator]:
        if func is None:
            return []
        key = ("decorators", func)
        if key not in self._cache:
            found = []
            for dec in func.decorators:
                expr = dec.decorator
                call = expr if isinstance(expr, cst.Call) else None
                callee = call.func if call is not None else expr
                found.append(Decorator(dec, self.qualified_name(callee), call))
            self._cache[key] = found
        return self._cache[key]

    @cached_property
    def run_decorators(self) -> list[Decorator]:
        return self.decorators(self.run.definition)

    @cached_property
    def run_signature_wrapper(self) -> SignatureWrapper | None:
        """The decorator whose wrapper the server sees instead of `run`, if any.

        The server reads `inspect.signature(run)`, which follows `__wrapped__` (set by `functools.wraps`,
        and by inference-schema's and most libraries' decorators) down to the original function. A
        decorator defined in this file that returns a nested function without `functools.wraps` stops that:
        the server then sees the nested function's parameters, typically `(*args, **kwargs)`. Decorators
        apply bottom-up, so the outermost one is looked at first; imported decorators are assumed to wrap
        properly."""
        for dec in self.run_decorators:
            wrapper = self._unwrapped_wrapper(dec)
            if wrapper is not None:
                return SignatureWrapper(dec, wrapper)
        return None

    def _unwrapped_wrapper(self, dec: Decorator) -> cst.FunctionDef | None:
        # @timed -> timed(run); @logged("label") -> logged("label")(run), one level of factory.
        callee = dec.call.func if dec.call is not None else dec.node.decorator
        if not isinstance(callee, cst.Name):
            return None  # imported decorators (module.attr) are not followed
        bindings = self.bindings.get(callee.value)
        if not bindings or bindings[-1].kind != "def":
            return None
        factory: cst.FunctionDef = bindings[-1].node  # type: ignore[assignment]
        decorator = self._returned_nested_def(factory) if dec.call is not None else factory
        wrapper = self._returned_nested_def(decorator) if decorator is not None else None
        if wrapper is None:
            return None
        for inner in wrapper.decorators:
            inner_callee = inner.decorator.func if isinstance(inner.decorator, cst.Call) else inner.decorator
            if (self.qualified_name(inner_callee) or "").rsplit(".", 1)[-1] == "wraps":
                return None
        code = self.source.code(factory)
        if "__wrapped__" in code or "update_wrapper" in code or "__signature__" in code:
            return None
        return wrapper

    def _returned_nested_def(self, func: cst.FunctionDef) -> cst.FunctionDef | None:
        """The function defined directly in `func` that `func` returns (its only return)."""
        if not isinstance(func.body, cst.IndentedBlock):
            return None
        nested = {stmt.name.value: stmt for stmt in func.body.body if isinstance(stmt, cst.FunctionDef)}
        returned = [r.value for r in self.returns(func)]
        if len(returned) != 1 or not isinstance(returned[0], cst.Name):
            return None
        return nested.get(returned[0].value)

    @cached_property
    def input_schemas(self) -> list[SchemaDecorator]:
        found = []
        for dec in self.run_decorators:
            if dec.qualified in INPUT_SCHEMA and dec.call is not None:
                name_arg = argument_value(dec.call, 0, "param_name")
                type_arg = argument_value(dec.call, 1, "param_type")
                found.append(SchemaDecorator(dec, self.literal_string(name_arg), name_arg, type_arg))
        return found

    @cached_property
    def output_schema(self) -> SchemaDecorator | None:
        for dec in self.run_decorators:
            if dec.qualified in OUTPUT_SCHEMA and dec.call is not None:
                type_arg = argument_value(dec.call, 0, "output_type")
                return SchemaDecorator(dec, None, None, type_arg)
        return None

    @cached_property
    def is_schema_decorated(self) -> bool:
        """Whether the server calls run with the JSON body's fields by parameter name (ObjectInput).

        inference-schema registers run for `@input_schema` and for `@output_schema` alike, and the server
        asks that registry (`is_schema_decorated`), so `@output_schema` alone is enough."""
        return bool(self.input_schemas) or any(
            d.qualified in INPUT_SCHEMA or d.qualified in OUTPUT_SCHEMA for d in self.run_decorators)

    @cached_property
    def rawhttp_uses(self) -> list[RawhttpUse]:
        """Every application of rawhttp in the file, anywhere (it flips a server-wide switch)."""
        run_def = self.run.definition
        uses: list[RawhttpUse] = []
        for node in self.source.nodes(cst.Decorator):
            expr = node.decorator
            callee = expr.func if isinstance(expr, cst.Call) else expr
            if self.qualified_name_in(callee, RAWHTTP):
                target = self.source.parent.get(node)
                target_name = target.name.value if isinstance(target, (cst.FunctionDef, cst.ClassDef)) else None
                uses.append(RawhttpUse(node, target_name, target, target is not None and target is run_def))
        for call in self.source.nodes(cst.Call):
            if call.args and self.qualified_name_in(call.func, RAWHTTP):
                arg = call.args[0].value
                target_name = arg.value if isinstance(arg, cst.Name) else None
                target = None
                on_run = False
                if target_name:
                    bindings = self.bindings.get(target_name)
                    target = self._function_for(bindings[-1]) if bindings else None
                    on_run = target is not None and target is run_def
                    if not on_run:
                        # run = rawhttp(run) or run = rawhttp(predict): the result becomes run.
                        assign = self.source.enclosing(call, cst.Assign)
                        on_run = assign is not None and any(
                            isinstance(t.target, cst.Name) and t.target.value == "run" for t in assign.targets
                        )
                uses.append(RawhttpUse(call, target_name, target, on_run))
        return uses

    @cached_property
    def is_rawhttp(self) -> bool:
        return bool(self.rawhttp_uses)

    # --- parameters -------------------------------------------------------------------------------
    def params(self, func: cst.FunctionDef | None) -> list[Param]:
        if func is None:
            return []
        p = func.params
        out: list[Param] = []
        for param in p.posonly_params:
            out.append(Param(param.name.value, param, "positional_only", param.default is not None))
        for param in p.params:
            out.append(Param(param.name.value, param, "positional_or_keyword", param.default is not None))
        if isinstance(p.star_arg, cst.Param):
            out.append(Param(p.star_arg.name.value, p.star_arg, "var_positional", False))
        for param in p.kwonly_params:
            out.append(Param(param.name.value, param, "keyword_only", param.default is not None))
        if p.star_kwarg is not None:
            out.append(Param(p.star_kwarg.name.value, p.star_kwarg, "var_keyword", False))
        return out

    @cached_property
    def run_params(self) -> list[Param]:
        return self.params(self.run.definition)

    # --- kind: online or batch --------------------------------------------------------------------
    @cached_property
    def kind(self) -> ScriptKind:
        if self.kind_setting in ("online", "batch"):
            return ScriptKind(self.kind_setting)
        return ScriptKind.BATCH if self.batch_evidence is not None else ScriptKind.ONLINE

    @cached_property
    def kind_directive(self) -> str | None:
        """`# scorelint: kind=batch` (or `online`) written in the file itself, for `kind = "auto"`."""
        if "scorelint: kind" not in self.source.text:
            return None
        for comment in self.source.nodes(cst.Comment):
            match = _KIND_DIRECTIVE.search(comment.value)
            if match:
                return match["kind"]
        return None

    @cached_property
    def batch_evidence(self) -> str | None:
        """Why the script is taken for a batch script (batch endpoint / ParallelRunStep), or None.

        Decisive: a `mini_batch`/`mini_batch_context` parameter of run, or the parallel-run helpers
        (`azureml_user.parallel_run`, `entry_script`) imported anywhere. Strong unless the script also
        shows online traits (schema decorators, @rawhttp, `request_headers`, AMLResponse): command-line
        parsing in init (or in a helper init calls), since only the batch runtime passes arguments. Weak,
        likewise: run's first parameter named like a batch (`batch`, `batch_input`, `file_batch`).
        """
        directive = self.kind_directive
        if directive is not None:
            return "the file says `# scorelint: kind=batch`" if directive == "batch" else None
        params = self.run_params
        for param in params:
            if param.name in _BATCH_PARAM_NAMES:
                return f"run takes `{param.name}`"
        helper = self._parallel_run_import()
        if helper is not None:
            return f"it imports `{helper}`"
        if self._has_online_traits():
            return None
        parsing = self._argument_parsing_in_init()
        if parsing is not None:
            return parsing
        first = next((p for p in params if p.name != "request_headers"), None)
        if first is not None and _WEAK_BATCH_PARAM.search(first.name):
            return f"run's input is named `{first.name}`"
        return None

    def _parallel_run_import(self) -> str | None:
        for node in self.source.nodes(cst.ImportFrom):
            if node.relative or node.module is None:
                continue
            module = dotted_name(node.module)
            if _is_batch_helper(module):
                return module
        for node in self.source.nodes(cst.ImportAlias):
            if isinstance(self.source.parent.get(node), cst.Import):
                module = dotted_name(node.name)
                if _is_batch_helper(module):
                    return module
        return None

    def _has_online_traits(self) -> bool:
        if self.is_schema_decorated or self.output_schema is not None or self.is_rawhttp:
            return True
        if any(p.name == "request_headers" for p in self.run_params):
            return True
        return any(q in AML_RESPONSE for q in self.imports.values())

    def _argument_parsing_in_init(self) -> str | None:
        init_def = self.init.definition
        if init_def is None:
            return None
        functions = [init_def]
        # One level of helpers: `def init(): args = parse_args()` with parse_args defined in the module.
        for call in self.source.walk(init_def, cst.Call):
            if isinstance(call.func, cst.Name) and call.func.value != "init":
                bindings = self.bindings.get(call.func.value)
                if bindings and bindings[-1].kind == "def" and bindings[-1].node not in functions:
                    functions.append(bindings[-1].node)  # type: ignore[arg-type]
        for func in functions:
            for call in self.source.walk(func, cst.Call):
                name = self.qualified_name(call.func) or ""
                if name.startswith("argparse.") or name.endswith((".parse_known_args", ".parse_args")):
                    where = "init" if func is init_def else f"`{func.name.value}` (called by init)"
                    return f"{where} parses command-line arguments"
        # Parsing at import time (outside `if __name__ == "__main__":`) is batch-only too: under the
        # online server, sys.argv holds the server's own arguments.
        for call in self.source.nodes(cst.Call):
            func = call.func
            if type(func) is not cst.Attribute or func.attr.value not in ("parse_args", "parse_known_args"):
                continue
            outer = [a for a in self.source.ancestors(call) if type(a) in (cst.FunctionDef, cst.ClassDef,
                                                                            cst.Lambda, cst.If)]
            if not any(type(a) is not cst.If or "__name__" in self.source.code(a.test) for a in outer):
                return "the module parses command-line arguments when it is imported"
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


def _is_batch_helper(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in _BATCH_HELPER_MODULES)


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
