"""Helpers shared by the SL1xx rules (inference-schema decorators and the Power BI names).

What the helpers know comes from the installed references (inference-schema 1.8,
azureml-inference-server-http 1.5.1):

- `input_schema(param_name, param_type, convert_to_provided_type=True, optional=False)`; `optional`
  exists from inference-schema 1.7 on. With conversion on, the decorator converts the value the server
  passes for `param_name` (defaults included: the server passes every parameter of run by keyword, a
  missing one as its default) and raises when run has no parameter of that name. `optional=True` skips
  the conversion of a missing or falsy value; `convert_to_provided_type=False` skips all conversion.
- Any inference-schema decorator on run (output_schema alone too) makes the server pass the JSON body's
  fields by parameter name; an undecorated run gets the body as one string.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from scorelint.facts import PARAMETER_TYPES, SchemaDecorator, argument

POWER_BI_NAMES = ("Inputs", "GlobalParameters", "Results")

# Spellings (lower case, separators removed) that can only mean one of the Power BI names.
_NEAR_MISSES = {
    "inputs": "Inputs",
    "globalparameters": "GlobalParameters",
    "globalparameter": "GlobalParameters",
    "globalparams": "GlobalParameters",
    "globalparam": "GlobalParameters",
    "results": "Results",
}
# Spellings that are near misses only in a script that otherwise uses the Power BI shape.
_LOOSE_NEAR_MISSES = {"input": "Inputs", "result": "Results"}
_SEPARATORS = re.compile(r"[\s_\-]+")


def power_bi_name(name: str, *, loose: bool = False) -> str | None:
    """The Power BI name `name` is a misspelling of (None when it is exact or unrelated)."""
    if name in POWER_BI_NAMES:
        return None
    key = normalized(name)
    found = _NEAR_MISSES.get(key)
    if found is None and loose:
        found = _LOOSE_NEAR_MISSES.get(key)
    return found


def normalized(name: str) -> str:
    """`name` in lower case without separators: how near misses are compared."""
    return _SEPARATORS.sub("", name).lower()


# --- decorator arguments -------------------------------------------------------------------------

def literal_bool(facts, expr: cst.BaseExpression | None) -> bool | None:
    expr = facts.resolve_value(expr)
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return expr.value == "True"
    return None


@dataclass
class InputOptions:
    """How an @input_schema decorator treats its parameter."""

    optional: bool | None  # None: not a literal we can read
    converts: bool | None

    @property
    def converts_missing(self) -> bool:
        """The decorator surely converts whatever the server passes when the client omits the field."""
        return self.converts is True and self.optional is False


def input_options(facts, schema: SchemaDecorator) -> InputOptions:
    call = schema.decorator.call
    optional_arg = argument(call, 3, "optional")
    convert_arg = argument(call, 2, "convert_to_provided_type")
    optional = False if optional_arg is None else literal_bool(facts, optional_arg.value)
    converts = True if convert_arg is None else literal_bool(facts, convert_arg.value)
    return InputOptions(optional, converts)


def add_optional_true(rule, schema: SchemaDecorator):
    """The edit that makes an @input_schema call `optional=True` (None when it cannot be written)."""
    call = schema.decorator.call
    if call is None:
        return None
    existing = argument(call, 3, "optional")
    if existing is not None:
        return rule.replace(existing.value, "True")
    if any(a.star for a in call.args):
        return None
    last = call.args[-1] if call.args else None
    if last is None:
        return None
    return rule.insert_after(last.value, ", optional=True")


# --- samples and returned values -------------------------------------------------------------------

@dataclass
class Sample:
    """A parameter type's sample, as far as the source shows it."""

    type_kind: str  # "standard", "numpy", "pandas", "spark", "abstract"
    call: cst.Call
    value: cst.BaseExpression | None  # the sample expression, variables followed


def resolve_sample(facts, expr: cst.BaseExpression | None, depth: int = 4) -> Sample | None:
    """`StandardPythonParameterType(x)` (through variables and nested wrappers) -> its sample."""
    expr = facts.resolve_value(expr)
    if not isinstance(expr, cst.Call):
        return None
    kind = PARAMETER_TYPES.get(facts.qualified_name(expr.func) or "")
    if kind is None:
        return None
    arg = argument(expr, 0, "sample_input")
    value = facts.resolve_value(arg.value) if arg is not None else None
    if kind == "standard" and depth and isinstance(value, cst.Call):
        inner = resolve_sample(facts, value, depth - 1)
        if inner is not None:
            return inner
    return Sample(kind, expr, value)


def sample_shape(facts, sample: Sample | None) -> str | None:
    """The JSON shape a sample promises: "dict", "list", "str", "number" or None (unknown)."""
    if sample is None:
        return None
    if sample.type_kind == "numpy":
        return "list"
    if sample.type_kind == "pandas":
        orient_arg = argument(sample.call, 5, "orient")
        orient = facts.literal_string(orient_arg.value) if orient_arg is not None else "records"
        if orient in ("records", "values"):
            return "list"
        return "dict" if orient is not None else None
    if sample.type_kind == "standard":
        return literal_shape(sample.value)
    return None


def literal_shape(expr: cst.BaseExpression | None) -> str | None:
    if isinstance(expr, (cst.Dict, cst.DictComp)):
        return "dict"
    if isinstance(expr, (cst.List, cst.ListComp, cst.Tuple)):
        return "list"
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
        return "str"
    if isinstance(expr, (cst.Integer, cst.Float)):
        return "number"
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.expression, (cst.Integer, cst.Float)):
        return "number"
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return "number"
    return None


def literal_python_type(expr: cst.BaseExpression | None) -> type | None:
    """The Python type of a literal (for the decorator's isinstance checks)."""
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, (cst.Minus, cst.Plus)):
        expr = expr.expression
    if isinstance(expr, cst.Integer):
        return int
    if isinstance(expr, cst.Float):
        return float
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        value = expr.evaluated_value
        return type(value) if isinstance(value, (str, bytes)) else None
    if isinstance(expr, cst.FormattedString):
        return str
    if isinstance(expr, (cst.Dict, cst.DictComp)):
        return dict
    if isinstance(expr, (cst.List, cst.ListComp)):
        return list
    if isinstance(expr, cst.Tuple):
        return tuple
    if isinstance(expr, cst.Name) and expr.value in ("True", "False"):
        return bool
    if isinstance(expr, cst.Name) and expr.value == "None":
        return type(None)
    return None


def dict_keys(expr: cst.BaseExpression | None) -> Iterator[tuple[str, cst.SimpleString]]:
    """The literal string keys of a dict display."""
    if not isinstance(expr, cst.Dict):
        return
    for element in expr.elements:
        if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
            value = element.key.evaluated_value
            if isinstance(value, str):
                yield value, element.key


def retext_string(node: cst.SimpleString, new_value: str) -> str:
    """The source of a string literal with the same prefix and quotes holding `new_value`."""
    prefix = node.prefix
    quote = node.quote
    return f"{prefix}{quote}{new_value}{quote}"


def rename_edits(rule, facts, func: cst.FunctionDef, old: str, new: str) -> list | None:
    """Edits renaming the parameter `old` of `func` and its uses in `func` to `new`.

    None when the rename could change meaning: `new` is already a name in the function, or a nested
    function, lambda or class rebinds `old`, or `old` is declared global/nonlocal there.
    """
    own = [p for p in facts.params(func) if p.name == old]
    if len(own) != 1:
        return None
    edits = [rule.replace(own[0].node.name, new)]
    if any(p.name == new for p in facts.params(func)):
        return None
    # Defaults and annotations are evaluated in the module's scope: only the body is renamed.
    for node in facts.names_read(func.body):
        if node.value == new:
            return None
        if node.value != old:
            continue
        parent = facts.source.parent.get(node)
        if isinstance(parent, cst.Param) and parent.name is node:
            return None  # a nested function's or lambda's own parameter: callers may pass it by keyword
        if isinstance(parent, (cst.FunctionDef, cst.ClassDef)) and parent.name is node:
            return None
        if isinstance(parent, (cst.NameItem, cst.ImportAlias, cst.AsName)):
            return None  # global/nonlocal, or an import: the name means something else there
        edits.append(rule.replace(node, new))
    return edits
