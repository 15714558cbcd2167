"""The result channel's schema (scorelint/sandbox/messages.py): a valid JSON Schema, and the parent's
cheap checker agrees with jsonschema on every message real runs send and on hostile ones."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from scorelint.sandbox import SandboxOptions, _process, swagger, try_script
from scorelint.sandbox.messages import MAX_DEPTH, MESSAGE_SCHEMA, BadMessage, check, depth_within, parse

FIXTURES = Path(__file__).parent / "sandbox_fixtures"
VALIDATOR = jsonschema.Draft202012Validator(MESSAGE_SCHEMA)


def test_the_schema_is_a_valid_json_schema():
    jsonschema.Draft202012Validator.check_schema(MESSAGE_SCHEMA)


@pytest.fixture
def recorded(monkeypatch):
    seen = []

    def record(line, nonce):
        message = parse(line, nonce)
        if message is not None:
            seen.append(message)
        return message

    monkeypatch.setattr(_process, "parse_message", record)
    return seen


def test_real_messages_pass_both(recorded):
    for fixture in sorted(p for p in FIXTURES.iterdir() if (p / "score.py").is_file()):
        swagger(fixture / "score.py", SandboxOptions(timeout=20))
        try_script(fixture / "score.py", SandboxOptions(timeout=20))
    kinds = {message["t"] for message in recorded}
    assert {"phase", "layers", "result"} <= kinds, kinds
    for message in recorded:
        assert not list(VALIDATOR.iter_errors(message)), message


HOSTILE = [
    {"t": "result", "n": "x", "result": {"swagger": {"documents": "x"}}},
    {"t": "result", "n": "x", "result": {"try": {"status": "200"}}},
    {"t": "result", "n": "x", "result": {"error": {"kind": "import", "line": "3"}}},
    {"t": "exit", "n": "x", "status": -1},
    {"t": "exit", "n": "x", "status": True},
    {"t": "layers", "n": "x", "layers": [1]},
    {"t": "phase", "n": "x", "phase": "done"},
    {"t": "nonsense", "n": "x"},
    {"t": "note", "n": "x", "note": "a", "extra": 1},
    {"t": "note", "n": "x", "note": "a" * 200_000},
]


@pytest.mark.parametrize("message", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_messages_fail_both(message):
    assert list(VALIDATOR.iter_errors(message))
    with pytest.raises(BadMessage):
        check(message, MESSAGE_SCHEMA)


def test_depth_and_recursion_are_bounded():
    deep = {"t": "result", "n": "x", "result": {"swagger": {"documents": {"2": {}}}}}
    inner = deep["result"]["swagger"]["documents"]["2"]
    for _ in range(MAX_DEPTH):
        inner["a"] = {}
        inner = inner["a"]
    assert not depth_within(deep)
    with pytest.raises(BadMessage, match="deeper"):
        parse(json.dumps(deep).encode(), "x")
    with pytest.raises(BadMessage, match="too deep"):
        parse(b'{"t": "result", "n": "x", "result": ' + b"[" * 100_000, "x")
    assert parse(b'{"t": "note", "n": "other", "note": "a"}', "x") is None  # not this run's: ignored
    assert parse(b"not json", "x") is None
