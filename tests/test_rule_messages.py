"""Every finding is a short message (what is wrong, one line) and a help (what happens at run time and what to
write instead), as ruff's: checked on every built-in rule's INVALID examples, and through the real CLI's
`full`, `concise`, JSON, SARIF, GitHub and Azure outputs."""

import json
import os
import re
import subprocess
import sys

import pytest

from scorelint.registry import default_registry
from scorelint.rule import Invalid
from scorelint.testing import example_cases, example_findings

from .conftest import ROOT

MAX_MESSAGE = 100  # characters of a short message (ruff's are about 80; code spans and names make some longer)

INVALID_CASES = [case for case in example_cases(default_registry().rules) if isinstance(case.example, Invalid)]


@pytest.mark.parametrize("case", INVALID_CASES, ids=lambda case: case.id)
def test_every_finding_has_a_short_message_and_a_help(case):
    found = example_findings(case)
    assert found, f"{case.id}: the example produced no finding"
    for d in found:
        assert "\n" not in d.message, f"{case.id}: the message is not one line: {d.message!r}"
        assert len(d.message) <= MAX_MESSAGE, f"{case.id}: {len(d.message)} characters: {d.message}"
        assert d.message.strip() and not d.message.endswith((":", ";", ",")), f"{case.id}: {d.message!r}"
        assert d.help and d.help.strip(), f"{case.id}: no help for {d.message!r}"
        assert "\n" not in d.help, f"{case.id}: the help is one paragraph: {d.help!r}"
        # The help goes on from the message: it does not repeat it.
        assert d.message not in d.help, f"{case.id}: the help repeats the message"


def test_messages_are_short_on_the_median():
    """Issue 17: the median message was 229 characters on the rule examples (302 on real scripts)."""
    lengths = sorted(len(d.message) for case in INVALID_CASES for d in example_findings(case))
    assert lengths[len(lengths) // 2] <= 80, lengths


@pytest.fixture(scope="module")
def script(tmp_path_factory):
    """A script with one finding whose message and help are known (status-500 after a method check)."""
    path = tmp_path_factory.mktemp("messages") / "score.py"
    path.write_text(
        "from azureml.contrib.services.aml_request import rawhttp\n"
        "from azureml.contrib.services.aml_response import AMLResponse\n\n"
        "def init():\n    pass\n\n"
        "@rawhttp\ndef run(request):\n"
        "    if request.method != 'POST':\n        return AMLResponse('bad request', 500)\n"
        "    return AMLResponse('ok', 200)\n", encoding="utf-8")
    return path


def _cli(*args):
    result = subprocess.run([sys.executable, "-m", "scorelint", "check", "--select", "SL201", "--no-cache", *args],
                            cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    assert result.returncode == 1, result.stdout + result.stderr
    return result.stdout


def _finding(script):
    found = [d for d in json.loads(_cli("--output-format", "json", str(script))) if d["code"] == "SL201"]
    assert len(found) == 1, found
    return found[0]


def test_json_has_the_message_and_the_help(script):
    finding = _finding(script)
    assert finding["message"] == ("This response has status 500, which Azure ML rewrites to 502; "
                                  "answer 405 Method Not Allowed")
    assert finding["help"].startswith("The Azure ML front end rewrites it to 502 Bad Gateway")
    assert "this branch rejects an HTTP method" in finding["help"]


def test_concise_shows_only_the_short_message(script):
    finding = _finding(script)
    lines = [line for line in _cli("--output-format", "concise", str(script)).splitlines() if "SL201" in line]
    assert len(lines) == 1 and lines[0].endswith(f"[status-500] {finding['message']}"), lines


def test_full_shows_the_help_under_the_finding(script):
    finding = _finding(script)
    out = _cli("--output-format", "full", str(script))
    headline = next(line for line in out.splitlines() if "SL201" in line and "[status-500]" in line)
    assert headline.split("[status-500] ", 1)[1].startswith(finding["message"])
    notes = re.findall(r"^ += note: (.*)$|^ {6,}(\S.*)$", out, re.MULTILINE)
    shown = " ".join(first or rest for first, rest in notes)
    assert " ".join(finding["help"].split()) in shown, out
    # wrapped: no line of the note is wider than the help width plus its label
    assert all(len(line) <= 110 for line in out.splitlines() if "= note:" in line)


def test_sarif_message_text_is_short_and_the_help_follows_in_markdown(script):
    finding = _finding(script)
    log = json.loads(_cli("--output-format", "sarif", str(script)))
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "SL201")
    assert result["message"]["text"] == finding["message"]
    assert result["message"]["markdown"] == f"{finding['message']}\n\n{finding['help']}"


def test_github_annotation_puts_the_help_under_the_short_message(script):
    finding = _finding(script)
    line = next(line for line in _cli("--output-format", "github", str(script)).splitlines() if "SL201" in line)
    text = line.split("::", 2)[2]
    assert text == f"SL201 {finding['message']}%0A{finding['help']}"


def test_azure_issue_is_one_line_with_the_short_message(script):
    finding = _finding(script)
    line = next(line for line in _cli("--output-format", "azure", str(script)).splitlines() if "SL201" in line)
    assert line.endswith(f"]status-500: {finding['message']}")
