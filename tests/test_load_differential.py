"""Differential test: scorelint's load-time rules against the real inference server.

For every entry script in tests/fixtures/load, the real azureml-inference-server-http loads it as it does
at start-up (tests/server_verdict.py: `UserScript(...).load_script(app_root)` in a fresh process, then a
check that `init()` could be called with no arguments). The server must reject a script, for a reason other
than a missing package, exactly when scorelint reports one of its load-time errors, and scorelint must name
the reason the server gives. When the server loads the script, scorelint's facts must agree with the way
the server decided to call `run` (raw request, inference-schema parameters, or a JSON string).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scorelint.api import Linter
from scorelint.config import Settings
from scorelint.facts import EntryScriptFacts
from scorelint.source import ParsedSource

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures" / "load"
SHIMS = TESTS / "fixtures" / "shims"
SCRIPTS = sorted(p.name for p in FIXTURES.glob("score_*.py"))

# The rules whose findings mean "the server refuses this script at start-up".
STARTUP_ERRORS = {"SL001", "SL002", "SL003", "SL004", "SL005", "SL006", "SL007", "SL010"}
LOAD_TIME_RULES = STARTUP_ERRORS | {"SL008"}

# What the server says -> the rule that must be among scorelint's findings.
SERVER_REASONS = [
    ("does not have a init() function defined", "SL002"),
    ("does not have a run() function defined", "SL003"),
    ("run() cannot accept positional-only arguments, *args, or **kwargs", "SL005"),
    ("run() needs to accept an argument", "SL006"),
    ("run() cannot be decorated with both @rawhttp and @input_schema", "SL007"),
]


def expected_codes(name: str) -> str:
    first = (FIXTURES / name).read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{name}: the first line must be '# expect: ...'"
    return first[len("# expect: "):].strip()


def server_reason_code(verdict: dict) -> str | None:
    """The rule the server's refusal corresponds to (None: it would start)."""
    if verdict["verdict"] == "rejected":
        if verdict["reason"] == "syntax":
            return "SL001"
        if verdict["reason"] == "import":
            # The only import-time failures in the fixtures that are not missing packages are the
            # `import azureml.contrib.services.aml_request as req` form (see SL010).
            assert "cannot import name 'contrib' from 'azureml'" in verdict["detail"], verdict
            return "SL010"
        for text, code in SERVER_REASONS:
            if text in verdict["detail"]:
                return code
        raise AssertionError(f"an unexpected load error: {verdict['detail']}")
    if verdict["verdict"] == "loaded" and verdict["init"]["status"] != "ok":
        return "SL004"
    return None


@pytest.fixture(scope="module")
def verdicts() -> dict[str, dict]:
    env = dict(os.environ, PYTHONPATH=str(SHIMS), PYTHONDONTWRITEBYTECODE="1")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(TESTS / "server_verdict.py"), str(FIXTURES), *SCRIPTS],
                          capture_output=True, text=True, env=env, timeout=300, cwd=FIXTURES)
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    answers = json.loads(done.stdout)
    print(f"server verdicts for {len(answers)} scripts in {elapsed:.2f}s")
    return answers


def scorelint_codes(name: str) -> tuple[set[str], list]:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    result = Linter(Settings()).lint_text(text, FIXTURES / name)
    assert result.error is None and not result.internal_errors, (result.error, result.internal_errors)
    return {d.code for d in result.diagnostics if d.code in LOAD_TIME_RULES}, result.diagnostics


@pytest.mark.parametrize("name", SCRIPTS)
def test_server_and_scorelint_agree(name: str, verdicts: dict[str, dict]) -> None:
    verdict = verdicts[name]
    assert verdict["verdict"] != "error", verdict
    codes, diagnostics = scorelint_codes(name)
    listing = "\n".join(f"  {d.line}:{d.column + 1} {d.code} {d.message}" for d in diagnostics) or "  (none)"
    about = f"{name}: server said {verdict}\nscorelint said:\n{listing}"

    expected = expected_codes(name)
    if verdict["verdict"] == "missing-package":
        assert expected == "missing-package", about
        # The server stopped at the import; scorelint must not claim a start-up error it cannot see.
        assert not codes & STARTUP_ERRORS, about
        return

    server_code = server_reason_code(verdict)
    starts = server_code is None
    assert starts == (not codes & STARTUP_ERRORS), about
    if not starts:
        assert server_code in codes, about
    # A script the server refuses for `run` must still be judged on `init` as the server would next.
    if verdict.get("init", {}).get("status") == "not-callable-without-arguments":
        assert "SL004" in codes, about
    elif verdict.get("init", {}).get("status") == "ok":
        assert "SL004" not in codes, about

    if verdict["verdict"] == "loaded":
        facts = EntryScriptFacts(ParsedSource.parse((FIXTURES / name).read_text(encoding="utf-8")))
        assert (verdict["mode"] == "RawRequestInput") == facts.is_rawhttp, about
        if verdict["mode"] == "ObjectInput":
            assert facts.is_schema_decorated, about
        if "SL008" in codes:
            assert verdict["mode"] == "RawRequestInput", about

    # The fixture's own header says what it is about; it must match what scorelint found.
    assert expected == (" ".join(sorted(codes)) or "clean"), about


def test_fixtures_cover_every_load_time_rule(verdicts: dict[str, dict]) -> None:
    found: dict[str, int] = {}
    for name in SCRIPTS:
        for code in scorelint_codes(name)[0]:
            found[code] = found.get(code, 0) + 1
    for code in sorted(LOAD_TIME_RULES):
        assert found.get(code, 0) >= 2 if code != "SL010" else found.get(code, 0) >= 1, (code, found)
    kinds = [v["verdict"] for v in verdicts.values()]
    assert kinds.count("loaded") >= 15 and kinds.count("rejected") >= 15 and "missing-package" in kinds
    modes = {v.get("mode") for v in verdicts.values()}
    assert {"JsonStringInput", "ObjectInput", "RawRequestInput"} <= modes
