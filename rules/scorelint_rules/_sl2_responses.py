"""Shared helpers of the response and HTTP rules (SL2xx; the CORS rules have theirs in _sl4_cors.py).

What the reference server (azureml-inference-server-http 1.5.1, `server/routes.py`) does with run's
return value decides what these rules report:

- an object that is a `flask.Response` (AMLResponse is one) is sent as it is, with its own status;
- anything else goes through `AMLResponse(value, 200, json_str=True)`, i.e. `json.dumps(value)` with
  status 200: `None` becomes `{}`, a tuple becomes a JSON array (its "status" is never read), a string
  becomes a JSON string, and what json cannot serialise raises, which the server answers with a
  generic 500;
- `AMLResponse(text, status)` without `json_str=True` is a plain Flask response: `text/html`.

The helpers here stay cheap: they read the node index, the shared facts and a small per-function
table of local assignments (an approximation of reaching definitions that follows straight-line code
and gives up, i.e. answers "unknown", as soon as a name is bound in a way it does not model).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from scorelint.facts import AML_RESPONSE, EntryScriptFacts, argument, string_value

FLASK_RESPONSE = frozenset(
    {
        "flask.Response",
        "flask.wrappers.Response",
        "werkzeug.Response",
        "werkzeug.wrappers.Response",
        "werkzeug.wrappers.response.Response",
        "werkzeug.sansio.response.Response",
    }
)
MAKE_RESPONSE = frozenset({"flask.make_response", "flask.helpers.make_response"})
JSONIFY = frozenset({"flask.jsonify", "flask.json.jsonify"})
JSON_DUMPS = frozenset({"json.dumps", "simplejson.dumps", "ujson.dumps", "rapidjson.dumps"})
_RESPONSE_CALLS = AML_RESPONSE | FLASK_RESPONSE | MAKE_RESPONSE | JSONIFY

LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})

_INTERNAL_ERROR_NAMES = frozenset(
    {
        "http.HTTPStatus.INTERNAL_SERVER_ERROR",
        "http.client.INTERNAL_SERVER_ERROR",
        "HTTPStatus.INTERNAL_SERVER_ERROR",
    }
)


# --- small utilities ------------------------------------------------------------------------------
def response_kind(facts: EntryScriptFacts, call: cst.Call) -> str | None:
    """'aml' for AMLResponse(...), 'flask' for flask/werkzeug Response(...), 'make' for
    make_response(...), 'jsonify' for jsonify(...), else None."""
    name = facts.qualified_name_in(call.func, _RESPONSE_CALLS)  # asked of every call: ruled out cheaply
    if name is None:
        return None
    if name in AML_RESPONSE:
        return "aml"
    if name in FLASK_RESPONSE:
        return "flask"
    if name in MAKE_RESPONSE:
        return "make"
    if name in JSONIFY:
        return "jsonify"
    return None


def status_argument(facts: EntryScriptFacts, call: cst.Call) -> cst.BaseExpression | None:
    """The expression a response constructor receives as its status, if any."""
    kind = response_kind(facts, call)
    if kind == "aml":
        arg = argument(call, 1, "status_code")
    elif kind in ("flask", "make"):
        arg = argument(call, 1, "status")
    else:
        return None
    return arg.value if arg is not None else None


# --- local data flow --------------------------------------------------------------------------------


@dataclass
class _Binding:
    offset: int
    block: cst.CSTNode | None
    value: cst.BaseExpression | None  # None: bound in a way we do not follow


class LocalFlow:
    """Which values may reach a use of a local name inside one function (straight-line approximation).

    The candidates are the bindings of the name that come before the use in the text, latest first;
    the walk stops at the first binding whose block encloses the use (it reaches the use on every
    path that got there). Loops, `global`/`nonlocal` and bindings it does not follow make the answer
    "unknown" rather than a guess.

    Bindings are looked up lazily, one name at a time, among the function's `Name` nodes (a slice of
    the index filtered by exact type), so a rule that resolves two names does not pay for a full
    binding table of a long `run`.
    """

    def __init__(self, facts: EntryScriptFacts, func: cst.FunctionDef) -> None:
        self.facts = facts
        self.source = facts.source
        self.func = func
        self.params = {p.name for p in facts.params(func)}
        self._names = self.source.walk(func.body, cst.Name)
        self._table: dict[str, list[_Binding]] = {}
        self._globals: set[str] | None = None

    @property
    def globals(self) -> set[str]:
        if self._globals is None:
            found = set()
            for kind in (cst.Global, cst.Nonlocal):
                for node in self.source.walk(self.func.body, kind):
                    if self._scope_of(node) is self.func:
                        found.update(item.name.value for item in node.names)
            self._globals = found
        return self._globals

    def _scope_of(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.source.enclosing(node, (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.ListComp, cst.SetComp,
                                            cst.DictComp, cst.GeneratorExp))

    def bindings(self, name: str) -> list[_Binding]:
        table = self._table.get(name)
        if table is None:
            table = self._table[name] = []
            for node in self._names:
                if node.value == name:
                    binding = self._binding(node)
                    if binding is not None:
                        table.append(binding)
            table.sort(key=lambda b: b.offset)
        return table

    def _binding(self, name: cst.Name) -> _Binding | None:
        source = self.source
        parent = source.parent.get(name)
        child: cst.CSTNode = name
        direct = True
        while isinstance(parent, (cst.Element, cst.StarredElement, cst.Tuple, cst.List)):
            direct = False
            child, parent = parent, source.parent.get(parent)
        value: cst.BaseExpression | None = None
        if isinstance(parent, cst.AssignTarget) and parent.target is child:
            statement: cst.CSTNode = source.parent[parent]
            value = statement.value if direct else None  # type: ignore[attr-defined]
            ends, block_of = statement, statement
        elif isinstance(parent, (cst.AnnAssign, cst.AugAssign)) and parent.target is child:
            value = parent.value if isinstance(parent, cst.AnnAssign) and direct else None
            ends, block_of = parent, parent
        elif isinstance(parent, cst.NamedExpr) and parent.target is child:
            value = parent.value
            ends, block_of = parent, parent
        elif isinstance(parent, cst.For) and parent.target is child:
            ends, block_of = name, source.parent.get(parent)
            return self._make(ends, None, block_of, loop=True)
        elif isinstance(parent, cst.AsName) or (isinstance(parent, cst.ImportAlias) and parent.name is child):
            ends, block_of = name, parent
        elif isinstance(parent, (cst.FunctionDef, cst.ClassDef)) and parent.name is child:
            if parent is self.func:
                return None
            ends, block_of = parent, parent
            if self._scope_of(parent) is not self.func:
                return None
            return self._make(ends, None, block_of)
        else:
            return None  # a use, not a binding
        if self._scope_of(name) is not self.func:
            return None  # bound in a nested function, class or comprehension
        return self._make(ends, value, block_of)

    def _make(self, ends: cst.CSTNode, value: cst.BaseExpression | None, block_of: cst.CSTNode | None,
              loop: bool = False) -> _Binding:
        source = self.source
        if loop:
            block = block_of
        else:
            block = source.parent.get(source.enclosing_statement(block_of)) if block_of is not None else None
        # A name is bound once its statement has run (`x = f(x)` reads the old x).
        return _Binding(source.offsets(ends)[1], block, value)

    def values(self, name: str, at: cst.CSTNode) -> list[cst.BaseExpression | None] | None:
        """The values that may reach `name` at node `at`: a list where None means "bound in a way
        not followed" (unknown), or None when the name is not bound in the function at all."""
        if name in self.globals:
            return [None]
        bindings = self.bindings(name)
        if not bindings:
            return [None] if name in self.params else None
        use = self.source.offsets(at)[0]
        ancestors = set(self.source.ancestors(at))
        found: list[cst.BaseExpression | None] = []
        for binding in reversed(bindings):
            if binding.offset > use:
                continue
            found.append(binding.value)
            if binding.block in ancestors:
                return found
        if name in self.params or not found:
            found.append(None)
        # Bindings after the use can reach it through a loop.
        if any(b.offset > use for b in bindings) and self.source.enclosing(at, (cst.For, cst.While)) is not None:
            found.append(None)
        return found


def flow_for(facts: EntryScriptFacts, func: cst.FunctionDef) -> LocalFlow:
    """One LocalFlow per function, shared by every rule of this file's check."""
    key = ("sl2.flow", func)
    cache = facts._cache
    flow = cache.get(key)
    if flow is None:
        flow = cache[key] = LocalFlow(facts, func)
    return flow


def resolved_values(facts: EntryScriptFacts, expr: cst.BaseExpression, func: cst.FunctionDef | None,
                    depth: int = 4) -> list[cst.BaseExpression | None]:
    """Follow a name through local assignments (then module constants) to the expressions it may hold.

    Returns [expr] for anything that is not a name; None entries mean "unknown"."""
    if not isinstance(expr, cst.Name) or depth <= 0:
        return [expr]
    if func is not None:
        flow = flow_for(facts, func)
        values = flow.values(expr.value, expr)
        if values is not None:
            out: list[cst.BaseExpression | None] = []
            for value in values:
                if value is None:
                    out.append(None)
                else:
                    out.extend(resolved_values(facts, value, func, depth - 1))
            return out
    value = facts.module_value(expr.value)
    if value is None:
        return [expr]
    return resolved_values(facts, value, None, depth - 1)


# --- status codes ----------------------------------------------------------------------------------
def status_codes(facts: EntryScriptFacts, expr: cst.BaseExpression | None,
                 func: cst.FunctionDef | None) -> set[int | None]:
    """The HTTP statuses an expression may hold (None in the set: a value not known statically)."""
    if expr is None:
        return {None}
    return {_literal_status(facts, value) for value in resolved_values(facts, expr, func)}


def status_code(facts: EntryScriptFacts, expr: cst.BaseExpression | None, func: cst.FunctionDef | None) -> int | None:
    """The HTTP status an expression certainly holds, or None."""
    codes = status_codes(facts, expr, func)
    return next(iter(codes)) if len(codes) == 1 else None


def _literal_status(facts: EntryScriptFacts, expr: cst.BaseExpression | None) -> int | None:
    if isinstance(expr, cst.Integer):
        try:
            return int(expr.evaluated_value)
        except (TypeError, ValueError):
            return None
    text = string_value(expr)
    if text is not None:
        match = re.match(r"\s*(\d{3})\b", text)
        return int(match.group(1)) if match else None
    if isinstance(expr, cst.Attribute):
        if expr.attr.value == "value":
            return _literal_status(facts, expr.value)
        name = facts.qualified_name(expr) or ""
        if name in _INTERNAL_ERROR_NAMES or name.endswith("HTTPStatus.INTERNAL_SERVER_ERROR"):
            return 500
        member = _HTTP_STATUS_MEMBERS.get(expr.attr.value)
        if member is not None and name.rsplit(".", 2)[-2:-1] == ["HTTPStatus"]:
            return member
    return None


_HTTP_STATUS_MEMBERS = {
    "OK": 200, "BAD_REQUEST": 400, "UNAUTHORIZED": 401, "FORBIDDEN": 403, "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405, "UNSUPPORTED_MEDIA_TYPE": 415, "UNPROCESSABLE_ENTITY": 422,
    "INTERNAL_SERVER_ERROR": 500, "SERVICE_UNAVAILABLE": 503,
}


# --- structure of run --------------------------------------------------------------------------------
def exception_name(handler: cst.ExceptHandler) -> str | None:
    if handler.name is not None and isinstance(handler.name.name, cst.Name):
        return handler.name.name.value
    return None


def handled_exception_names(facts: EntryScriptFacts, handler: cst.ExceptHandler) -> list[str]:
    """The exception classes an except block catches, by their last dotted part ([] for bare except)."""
    expr = handler.type
    if expr is None:
        return []
    items = [e.value for e in expr.elements] if isinstance(expr, cst.Tuple) else [expr]
    out = []
    for item in items:
        name = facts.qualified_name(item) or ""
        out.append(name.rsplit(".", 1)[-1])
    return out


def first_param_name(facts: EntryScriptFacts) -> str | None:
    for param in facts.run_params:
        if param.name != "request_headers" and param.kind in ("positional_or_keyword", "keyword_only"):
            return param.name
    return None


def is_logger_call(facts: EntryScriptFacts, call: cst.Call) -> str | None:
    """'print' for print(...), 'log' for logging calls (logging.info, logger.error, self.log.debug...)."""
    func = call.func
    if isinstance(func, cst.Name):
        if func.value == "print" and "print" not in facts.bindings:
            return "print"
        return None
    if isinstance(func, cst.Attribute) and func.attr.value in LOG_METHODS:
        receiver = func.value
        qualified = facts.qualified_name(receiver) or ""
        if qualified == "logging":
            return "log"
        text = facts.source.code(receiver).lower()
        tail = text.rsplit(".", 1)[-1]
        if tail.endswith("logger") or tail in ("log", "_log", "logging"):
            return "log"
        if isinstance(receiver, cst.Name):
            value = facts.module_value(receiver.value)
            if isinstance(value, cst.Call) and (facts.qualified_name(value.func) or "").startswith("logging."):
                return "log"
    return None
