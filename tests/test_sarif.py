"""SARIF output, validated by Microsoft's SARIF Multitool (`validate`) and against the SARIF 2.1.0 JSON
schema that the Multitool's npm package ships. Both are installed by scripts/install.sh (npm
@microsoft/sarif-multitool), in a cache outside the repository; nothing is fetched at test time.

Each validator is also shown a log that breaks the standard, so a validator that checks nothing fails here.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

TOOLS = Path(os.environ.get("SCORELINT_TOOLS_CACHE")
             or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "scorelint-tools")
PACKAGE = TOOLS / "sarif-multitool-5.7.0" / "node_modules" / "@microsoft" / "sarif-multitool-linux"
MULTITOOL = PACKAGE / "Sarif.Multitool"
SCHEMA = PACKAGE / "sarif-2.1.0.json"

SCRIPT = """\
import azureml.contrib.services.aml_request as req


def init(model_path):
    pass


@req.rawhttp
def run(request):
    try:
        return request.get_data()
    except Exception as e:
        return str(e)
"""


def require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"{path} is missing: run `bash scripts/install.sh` (it installs @microsoft/sarif-multitool)")
    return path


@pytest.fixture(scope="module")
def sarif_log(tmp_path_factory) -> dict:
    """scorelint's SARIF for files that exercise every part of the format: findings with and without
    fixes, safe and unsafe, every severity, a path that needs escaping, an absolute path, and a file that
    cannot be decoded (a tool execution notification)."""
    root = tmp_path_factory.mktemp("sarif")
    (root / "my models").mkdir()
    (root / "my models" / "scöre #1.py").write_text(SCRIPT, encoding="utf-8")
    (root / "score.py").write_text(SCRIPT.replace("def init(model_path)", "def init()"), encoding="utf-8")
    (root / "latin_score.py").write_bytes(b"x = '\xe9'\n")
    absolute = root / "abs_score.py"
    absolute.write_text(SCRIPT, encoding="utf-8")
    env = dict(os.environ, SCORELINT_CACHE_DIR=str(root / ".cache"))
    done = subprocess.run([sys.executable, "-m", "scorelint", "--output-format", "sarif", "my models/scöre #1.py",
                           "score.py", "latin_score.py", str(absolute)], cwd=root, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2, done.stderr  # the undecodable file
    log = json.loads(done.stdout)
    (run,) = log["runs"]
    levels = {result["level"] for result in run["results"]}
    assert {"error", "warning"} <= levels, levels
    assert any("fixes" in r for r in run["results"]) and any("fixes" not in r for r in run["results"])
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"my%20models/sc%C3%B6re%20%231.py", "score.py", absolute.as_uri()}, uris
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "latin_score.py"}
    return log


def broken(log: dict, *, level: str | None = None) -> dict:
    """The same log with a region whose end comes before its start (and, if given, another level)."""
    bad = copy.deepcopy(log)
    result = bad["runs"][0]["results"][0]
    region = result["locations"][0]["physicalLocation"]["region"]
    region.update(endLine=region["startLine"], startColumn=20, endColumn=3)
    if level is not None:
        result["level"] = level
    return bad


def schema_errors(log: dict) -> list[str]:
    from jsonschema import validators

    schema = json.loads(require(SCHEMA).read_text(encoding="utf-8"))
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    assert "uri-reference" in validator.format_checker.checkers  # rfc3986-validator is installed
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(log)]


def test_sarif_output_matches_the_sarif_2_1_0_schema(sarif_log):
    assert schema_errors(sarif_log) == []
    errors = schema_errors(broken(sarif_log, level="fatal"))
    assert any("'fatal' is not one of" in e for e in errors), errors
    escaped = copy.deepcopy(sarif_log)
    escaped["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "a b#1.py"
    assert any("is not a 'uri-reference'" in e for e in schema_errors(escaped))


def multitool(logs: dict[str, dict], folder: Path) -> dict[str, list[tuple[str, str, list]]]:
    """(rule, level, arguments) of every error and warning the Multitool reports, for each log (one run of
    the tool for all of them: it starts slowly)."""
    output = folder / "validation.sarif"
    output.unlink(missing_ok=True)
    for name, log in logs.items():
        (folder / f"{name}.sarif").write_text(json.dumps(log), encoding="utf-8")
    # SARIF2006 fetches every URI in the log to see that it answers: no network at test time, and a note only.
    config = folder / "multitool-config.xml"
    config.write_text('<?xml version="1.0" encoding="utf-8"?>\n<Properties>\n'
                      '  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">\n'
                      '    <Property Key="RuleEnabled" Value="Disabled" Type="Driver.RuleEnabledState" />\n'
                      '  </Properties>\n</Properties>\n', encoding="utf-8")
    done = subprocess.run([str(require(MULTITOOL)), "validate", *(str(folder / f"{n}.sarif") for n in logs),
                           "--output", str(output), "--json-schema", str(SCHEMA), "--level", "Error;Warning",
                           "--config", str(config)],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, DOTNET_CLI_TELEMETRY_OPTOUT="1"))
    assert done.returncode == 0 and output.exists(), done.stdout + done.stderr
    report = json.loads(output.read_text(encoding="utf-8"))
    found: dict[str, list] = {name: [] for name in logs}
    for result in report["runs"][0]["results"]:
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        name = Path(uri.split("/")[-1]).stem
        found[name].append((result["ruleId"], result["level"], result["message"].get("arguments", [])))
    return found


def test_sarif_output_passes_the_sarif_multitool(sarif_log, tmp_path):
    unescaped = copy.deepcopy(sarif_log)
    unescaped["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "a b#1.py"
    found = multitool({"ours": sarif_log, "reversed": broken(sarif_log), "unescaped": unescaped}, tmp_path)
    assert found["ours"] == []
    assert any(rule == "SARIF1007" and level == "error" for rule, level, _ in found["reversed"]), found
    assert any(rule == "SARIF1002" for rule, _, _ in found["unescaped"]), found  # URIs per RFC 3986
