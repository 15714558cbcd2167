"""Shared helpers of the response and HTTP rules (SL2xx; the CORS rules have theirs in _cors.py).

What the reference server (azureml-inference-server-http 1.5.1, `server/routes.py`) does with run's
return value decides what these rules report:

- an object that is a `flask.Response` (AMLResponse is one) is sent as it is, with its own status;
- anything else goes through `AMLResponse(value, 200, json_str=True)`, i.e. `json.dumps(value)` with
  status 200: `None` becomes `{}`, a tuple becomes a JSON array (its "status" is never read), a string
  becomes a JSON string, and what json cannot serialise raises, which the server answers with a
  generic 500;
- `AMLResponse(text, status)` without `json_str=True` is a plain Flask response: `text/html`.

The helpers here stay cheap: they read the node index, the shared facts and the shared local data flow
(`facts.flow(func)`: an approximation of reaching definitions that follows straight-line code and gives
up, i.e. answers "unknown", as soon as a name is bound in a way it does not model).
"""

from __future__ import annotations

import re

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


def resolved_values(facts: EntryScriptFacts, expr: cst.BaseExpression, func: cst.FunctionDef | None,
                    depth: int = 4) -> list[cst.BaseExpression | None]:
    """Follow a name through local assignments (then module constants) to the expressions it may hold.

    Returns [expr] for anything that is not a name; None entries mean "unknown"."""
    if not isinstance(expr, cst.Name) or depth <= 0:
        return [expr]
    if func is not None:
        flow = facts.flow(func)
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
