"""The contract's entry points: what `init` and `run` are bound to, their decorators (inference-schema's,
`@rawhttp`, wrappers that change run's signature) and their parameters."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import libcst as cst

from .names import _NOT_A_MODULE, Binding, NameFacts, argument_value

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

class ContractFacts(NameFacts):
    """init and run, their decorators, schemas and parameters."""

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
