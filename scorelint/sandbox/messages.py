"""What the parent accepts on the sandbox's result channel: everything there is untrusted data.

The script runs in the process that writes the channel and can reach the channel's descriptor and nonce
(through frames), so a message may be forged, malformed, huge or nested deep enough to break a
recursive reader. Each line is therefore bounded in size (`MESSAGE_LIMIT`), parsed with recursion
errors caught, bounded in depth (`MAX_DEPTH`), and checked against `MESSAGE_SCHEMA` (a JSON Schema)
before any field is used. A message that fails is a protocol error: the run's result is not trusted.
A forged message that passes is no worse than what the script could produce by itself (its own
documents); the verdict "clean" further needs the process to have ended normally (results.py).

The check is a strict subset of JSON Schema (type, properties, required, additionalProperties, items,
enum, maxItems, maxLength), implemented here because importing jsonschema costs about 110 ms per
`scorelint swagger`; tests/test_sandbox_channel.py checks with jsonschema that the schema is valid and
that both agree on real and hostile messages.
"""

from __future__ import annotations

import json
from typing import Any

MESSAGE_LIMIT = 64 * 1024 * 1024  # bytes of one message (the result: documents, run()'s body)
MAX_DEPTH = 256  # nesting of arrays and objects in one message
_TEXT = {"type": "string", "maxLength": 100_000}
_TEXTS = {"type": "array", "items": _TEXT, "maxItems": 1000}
_ERROR = {"type": "object", "properties": {
    "kind": {"enum": ["load", "import", "sandbox"]}, "check": _TEXT, "message": _TEXT, "line_of": {
        "type": ["string", "null"]}, "line": {"type": ["integer", "null"]}, "traceback": _TEXT, "type": _TEXT,
    "module": _TEXT, "stand_in": {"type": ["string", "null"], "maxLength": 100_000}}, "required": ["kind"]}
_CALL_ERROR = {"type": "object", "properties": {"type": _TEXT, "message": _TEXT, "line": {"type": ["integer", "null"]},
                                                "traceback": _TEXT, "module": _TEXT,
                                                "stand_in": {"type": ["string", "null"], "maxLength": 100_000}}}
_STOOD_IN = {"type": "array", "maxItems": 1000, "items": {"type": "object", "required": ["module"], "properties": {
    "module": _TEXT, "line": {"type": ["integer", "null"]}}}}
_RESULT = {"type": "object", "properties": {
    "python": _TEXT, "python_version": _TEXT, "audit_hooks": {"type": "boolean"}, "mode": {"type": ["string", "null"]},
    "driver_module": _TEXT, "stand_ins": _TEXTS, "stood_in": _STOOD_IN, "error": _ERROR,
    "swagger": {"type": "object", "properties": {
        "documents": {"type": "object", "additionalProperties": {"type": "object"}},
        "unavailable": {"type": "object", "additionalProperties": _TEXT},
        "sources": {"type": "object", "additionalProperties": _TEXT},
        "service": {"type": "object"}, "schema_versions": _TEXTS,
        "stand_in_sample": {"type": ["string", "null"], "maxLength": 100_000}, "init_error": _CALL_ERROR}},
    "try": {"type": "object", "properties": {
        "mode": {"type": ["string", "null"]}, "status": {"type": "integer"}, "body": {"type": ["string", "null"]},
        "content_type": {"type": ["string", "null"]}, "headers": {"type": "object", "additionalProperties": _TEXT},
        "init_ms": {"type": "number"}, "run_ms": {"type": "number"}, "payload_source": _TEXT,
        "request_body": _TEXT, "output_schema": {"type": ["object", "null"]}, "init_error": _CALL_ERROR,
        "run_error": _CALL_ERROR, "serialize_error": _TEXT, "response_object": {"type": "boolean"},
        "stood_in_refused": {"type": "boolean"}}},
}}
MESSAGE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["t", "n"],
    "properties": {
        "t": {"enum": ["phase", "layers", "layer", "note", "refused", "result", "exit", "crash", "too_large",
                       "unisolated"]},
        "n": {"type": "string", "maxLength": 64},
        "phase": {"enum": ["import", "load", "swagger", "init", "run"]},
        "layers": _TEXTS, "notes": _TEXTS, "layer": _TEXT, "note": _TEXT, "what": _TEXT, "error": _TEXT,
        "reason": _TEXT, "encode_error": _TEXT, "status": {"type": "integer", "minimum": 0, "maximum": 65535},
        "of": _TEXT, "bytes": {"type": "integer", "minimum": 0},
        "result": _RESULT,
    },
    "additionalProperties": False,
}


class BadMessage(ValueError):
    """A line on the channel that is not a message the child sends."""


_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _is(value: Any, name: str) -> bool:
    if name in ("integer", "number"):
        if isinstance(value, bool):
            return False
        return isinstance(value, int) if name == "integer" else isinstance(value, (int, float))
    return isinstance(value, _TYPES[name])


def check(value: Any, schema: dict, where: str = "message") -> None:
    """Raise BadMessage unless `value` matches `schema` (the subset of JSON Schema described above)."""
    if "enum" in schema and value not in schema["enum"]:
        raise BadMessage(f"{where}: unexpected value")
    kinds = schema.get("type")
    if kinds is not None and not any(_is(value, k) for k in ([kinds] if isinstance(kinds, str) else kinds)):
        raise BadMessage(f"{where}: expected {kinds}, got {type(value).__name__}")
    if isinstance(value, str) and len(value) > schema.get("maxLength", len(value)):
        raise BadMessage(f"{where}: too long")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < schema.get("minimum", value) or value > schema.get("maximum", value):
            raise BadMessage(f"{where}: out of range")
    if isinstance(value, list):
        if len(value) > schema.get("maxItems", len(value)):
            raise BadMessage(f"{where}: too many items")
        if "items" in schema:
            for index, item in enumerate(value):
                check(item, schema["items"], f"{where}[{index}]")
    if isinstance(value, dict):
        for key in schema.get("required", ()):
            if key not in value:
                raise BadMessage(f"{where}: {key} missing")
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                check(item, properties[key], f"{where}.{key}")
            elif extra is False:
                raise BadMessage(f"{where}: unexpected key {str(key)[:40]!r}")
            elif isinstance(extra, dict):
                check(item, extra, f"{where}.{str(key)[:40]}")


def depth_within(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether arrays and objects nest at most `limit` deep (iteratively: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return False
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return True


def parse(line: bytes, nonce: str) -> dict | None:
    """The message on `line`; None when it is not addressed to this run (not ours: ignored); BadMessage
    when it is malformed."""
    try:
        message = json.loads(line)
    except RecursionError:
        raise BadMessage("a message nested too deep to read") from None
    except ValueError:
        return None  # not a message at all (something else wrote to the descriptor)
    if not isinstance(message, dict) or message.get("n") != nonce:
        return None
    if not depth_within(message):
        raise BadMessage(f"a message nested deeper than {MAX_DEPTH} levels")
    check(message, MESSAGE_SCHEMA)
    return message
