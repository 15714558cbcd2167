"""Batch scripts are not online scripts: detection, the online rules' silence, the batch rules.

The scripts in tests/fixtures/batch/ are written in the styles real batch scripts use; their first line
lists the findings the model and batch rules must produce. Every rule runs on them, so a new online-only
rule cannot slip through the detection unnoticed.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from scorelint.api import Linter
from scorelint.config import Settings
from scorelint.context import FileContext
from scorelint.rule import ScriptKind
from scorelint.source import ParsedSource

from .conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "batch"
BATCH_SCRIPTS = sorted(FIXTURES.glob("*.py"))
MINE = re.compile(r"^SL(5\d\d|6\d\d|009)$")


def _kind(text: str, setting: str = "auto") -> ScriptKind:
    return FileContext(Path("score.py"), ParsedSource.parse(text), setting).facts.kind


def _expected(path: Path) -> Counter:
    first = path.read_text().splitlines()[0]
    match = re.match(r"# expect: (.*)$", first)
    assert match, f"{path.name}: the first line must be '# expect: CODES' or '# expect: none'"
    codes = match.group(1).split()
    return Counter() if codes == ["none"] else Counter(codes)


def test_there_are_batch_scripts():
    assert len(BATCH_SCRIPTS) >= 10


@pytest.mark.parametrize("path", BATCH_SCRIPTS, ids=[p.stem for p in BATCH_SCRIPTS])
def test_detected_as_batch(path):
    assert _kind(path.read_text()) is ScriptKind.BATCH


@pytest.mark.parametrize("path", BATCH_SCRIPTS, ids=[p.stem for p in BATCH_SCRIPTS])
def test_no_online_only_rule_reports_on_a_batch_script(path, registry):
    result = Linter(Settings(), registry).lint_text(path.read_text(), path.name)
    assert not result.internal_errors and result.error is None, (result.internal_errors, result.error)
    for diagnostic in result.diagnostics:
        rule = registry.by_code[diagnostic.code]
        assert ScriptKind.BATCH in rule.kinds, f"{path.name}:{diagnostic.line} online rule {rule.code} {rule.name}"
    found = Counter(d.code for d in result.diagnostics if MINE.match(d.code))
    assert found == _expected(path), "\n".join(f"{d.line}: {d.code} {d.message}" for d in result.diagnostics)


def test_the_detection_is_what_keeps_online_rules_away(registry):
    """The same scripts forced to `kind = "online"` do get online-only findings (so the test above can fail)."""
    online_only = set()
    for path in BATCH_SCRIPTS:
        result = Linter(Settings(kind="online"), registry).lint_text(path.read_text(), path.name)
        online_only.update(d.code for d in result.diagnostics if ScriptKind.BATCH not in registry.by_code[d.code].kinds)
    assert online_only, "no online-only rule fires on the batch scripts forced online"


def test_batch_rules_stay_silent_on_online_scripts(registry):
    """The batch rules only run on batch scripts: an online run returning a dict from a loop is fine."""
    text = (
        "import json\n\ndef init():\n    pass\n\ndef run(raw_data):\n"
        "    for row in json.loads(raw_data)['data']:\n        return {'first': row}\n"
    )
    assert _kind(text) is ScriptKind.ONLINE
    result = Linter(Settings(), registry).lint_text(text)
    assert not [d for d in result.diagnostics if d.code.startswith("SL6")]
    forced = Linter(Settings(kind="batch"), registry).lint_text(text)
    assert {"SL601", "SL602"} <= {d.code for d in forced.diagnostics}


# --- detection details ------------------------------------------------------------------------------
ONLINE = {
    "input_data_json": "import json\n\ndef init():\n    pass\n\ndef run(input_data):\n"
                       "    return json.loads(input_data)['data']\n",
    "schema_named_batch": (
        "import numpy as np\n"
        "from inference_schema.schema_decorators import input_schema\n"
        "from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType\n\n"
        "def init():\n    pass\n\n"
        "@input_schema('batch', NumpyParameterType(np.array([[1.0, 2.0]])))\n"
        "def run(batch):\n    return batch.tolist()\n"
    ),
    "argparse_only_under_main": (
        "import argparse\n\ndef init():\n    pass\n\ndef run(data):\n    return data\n\n"
        "if __name__ == '__main__':\n    parser = argparse.ArgumentParser()\n    parser.parse_args()\n"
    ),
    "argparse_with_request_headers": (
        "import argparse\n\ndef init():\n    argparse.ArgumentParser().parse_known_args()\n\n"
        "def run(data, request_headers):\n    return data\n"
    ),
    "rawhttp_batch_name": (
        "from azureml.contrib.services.aml_request import rawhttp\n\ndef init():\n    pass\n\n"
        "@rawhttp\ndef run(batch_request):\n    return batch_request.get_data()\n"
    ),
    "directive_online": "# scorelint: kind=online\ndef init():\n    pass\n\ndef run(mini_batch):\n    return mini_batch\n",
}
BATCH = {
    "mini_batch": "def init():\n    pass\n\ndef run(mini_batch):\n    return mini_batch\n",
    "minibatch_context_only": "def init():\n    pass\n\ndef run(rows, mini_batch_context):\n    return rows\n",
    "helper_imported_in_init": (
        "def init():\n    global log\n    from azureml_user.parallel_run import EntryScript\n"
        "    log = EntryScript().logger\n\ndef run(data):\n    return data\n"
    ),
    "old_entry_script_module": "import entry_script\n\ndef init():\n    pass\n\ndef run(data):\n    return data\n",
    "argparse_from_import": (
        "from argparse import ArgumentParser\n\ndef init():\n    global args\n"
        "    args = ArgumentParser().parse_args([])\n\ndef run(data):\n    return data\n"
    ),
    "plain_batch_name": "def init():\n    pass\n\ndef run(batch):\n    return list(batch)\n",
    "argparse_at_import_time": (
        "import argparse\n\nparser = argparse.ArgumentParser()\nparser.add_argument('--column')\n"
        "options, _ = parser.parse_known_args()\n\ndef init():\n    pass\n\n"
        "def run(files):\n    return [options.column for _ in files]\n"
    ),
    "directive_batch": "# scorelint: kind=batch\ndef init():\n    pass\n\ndef run(data):\n    return data\n",
}


@pytest.mark.parametrize("name", sorted(ONLINE))
def test_online_scripts_stay_online(name):
    assert _kind(ONLINE[name]) is ScriptKind.ONLINE


@pytest.mark.parametrize("name", sorted(BATCH))
def test_batch_signals(name):
    assert _kind(BATCH[name]) is ScriptKind.BATCH


def test_the_setting_wins_over_detection():
    assert _kind(BATCH["mini_batch"], "online") is ScriptKind.ONLINE
    assert _kind(ONLINE["input_data_json"], "batch") is ScriptKind.BATCH


def test_batch_evidence_says_why():
    facts = FileContext(Path("score.py"), ParsedSource.parse(BATCH["argparse_from_import"]), "auto").facts
    assert facts.batch_evidence == "init parses command-line arguments"
    facts = FileContext(Path("score.py"), ParsedSource.parse(ONLINE["input_data_json"]), "auto").facts
    assert facts.batch_evidence is None
