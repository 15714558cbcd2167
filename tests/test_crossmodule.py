"""Inference across the code folder (scorelint/codefolder.py) and the rules that use it (SL203, SL506).

1. The fixture folders in tests/fixtures/crossmodule/: one per case; the first line of score.py lists the
   findings expected from the rules that follow sibling modules.
2. Differential: two-file deployments served by azureml-inference-server-http itself (the server puts the
   code folder on sys.path): what it answers, and that scorelint's verdict matches.
3. Costs and limits: a folder whose scripts import no sibling module parses nothing; hops, file size; edited siblings are seen (LSP) and miss the cache (CLI).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from scorelint.api import Linter
from scorelint.config import Settings
from scorelint.codefolder import MAX_HOPS, CodeFolder

from .conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "crossmodule"
CASES = sorted(p for p in FIXTURES.iterdir() if (p / "score.py").is_file())
FOLLOWING = ("SL203", "SL506")


def _expected(script: Path) -> Counter:
    match = re.match(r"# expect: (.*)$", script.read_text().splitlines()[0])
    assert match, f"{script}: the first line must be '# expect: CODES' or '# expect: none'"
    codes = match.group(1).split()
    return Counter() if codes == ["none"] else Counter(codes)


def _codes(path: Path) -> Counter:
    result = Linter(Settings(select=FOLLOWING)).lint_file(path)
    assert not result.internal_errors and result.error is None, (result.internal_errors, result.error)
    return Counter(d.code for d in result.diagnostics)


def test_there_is_a_fixture_per_case():
    assert {p.name for p in CASES} >= {"helper_returns_prediction", "helper_returns_list", "package_reexport",
                                        "helper_returns_element", "loader_binds_local", "loader_declares_global",
                                        "no_sibling_import", "helper_returns_tensor"}


@pytest.mark.parametrize("folder", CASES, ids=[p.name for p in CASES])
def test_fixture_findings(folder):
    assert _codes(folder / "score.py") == _expected(folder / "score.py")


@pytest.mark.parametrize("folder", CASES, ids=[p.name for p in CASES])
def test_alone_the_script_gets_no_cross_module_finding(folder):
    """The same text without its folder (stdin, an unsaved buffer) guesses nothing."""
    text = (folder / "score.py").read_text()
    result = Linter(Settings(select=FOLLOWING)).lint_text(text, "-")
    assert not result.diagnostics


# --- 2. the real server ------------------------------------------------------------------------------------
_SCORE = """\
import json
import helpers

def init():
    helpers.load_model()

def run(data):
    return {"predictions": helpers.predict(json.loads(data)["data"])}
"""
_HELPERS = """\
import numpy as np

class Doubler:
    def predict(self, rows):
        return np.asarray(rows) * 2

model = None

def load_model():
    global model
    model = Doubler()

def predict(rows):
    return model.predict(rows)
"""
SERVER_CASES = {
    # name -> (files, the rule that must flag score.py or None, check on the answer)
    "sibling-returns-array-is-500": ({"helpers.py": _HELPERS}, "SL203", lambda a: a["status"] == 500),
    "sibling-returns-list-is-fine": (
        {"helpers.py": _HELPERS.replace("return model.predict(rows)", "return model.predict(rows).tolist()")},
        None, lambda a: a["status"] == 200 and json.loads(a["body"]) == {"predictions": [2, 4]}),
    "sibling-loader-binds-a-local-is-500": (
        {"helpers.py": _HELPERS.replace("    global model\n", "").replace(
            "return model.predict(rows)", "return model.predict(rows).tolist()")},
        "SL506", lambda a: a["status"] == 500),
}


@pytest.fixture(scope="module")
def server_answers(tmp_path_factory):
    root = tmp_path_factory.mktemp("crossmodule")
    cases = []
    for name, (files, _, _) in SERVER_CASES.items():
        folder = root / name
        folder.mkdir()
        (folder / "score.py").write_text(_SCORE)
        for file_name, text in files.items():
            (folder / file_name).write_text(text)
        cases.append({"script": str(folder / "score.py"),
                      "requests": [{"method": "POST", "body": '{"data": [1, 2]}',
                                    "headers": {"Content-Type": "application/json"}}]})
    completed = subprocess.run([sys.executable, str(ROOT / "tests" / "response_driver.py")],
                               input=json.dumps(cases), capture_output=True, text=True, timeout=600)
    assert completed.returncode == 0, completed.stderr[-3000:]
    return root, dict(zip(SERVER_CASES, json.loads(completed.stdout)))


@pytest.mark.slow
@pytest.mark.parametrize("name", list(SERVER_CASES))
def test_rule_matches_the_real_server(name, server_answers):
    root, answers = server_answers
    files, rule, check = SERVER_CASES[name]
    answer = answers[name]
    assert answer["loaded"], answer["detail"]
    assert check(answer["answers"][0]), answer["answers"]
    found = _codes(root / name / "score.py")
    assert found == (Counter({rule: 1}) if rule else Counter()), found


# --- 3. costs and limits ----------------------------------------------------------------------------------
def test_a_folder_without_sibling_imports_pays_nothing():
    """Linting a script that imports no sibling module (its folder holds another module) parses no other
    file, in a fresh interpreter running every rule; the folder is not even listed unless a rule meets a
    call on an imported non-standard-library name."""
    script = FIXTURES / "no_sibling_import" / "score.py"
    probe = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from scorelint.api import Linter
        linter = Linter()
        result = linter.lint_file(Path({str(script)!r}))
        assert result.error is None and not result.internal_errors
        print(sum(f.parsed for f in linter.code_folders))
    """)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0"


def test_only_imported_siblings_are_parsed():
    folder = CodeFolder(FIXTURES / "helper_returns_prediction")
    assert folder.function("json.dumps") is None  # the standard library is never a sibling
    assert folder.function("numpy.asarray") is None and folder.parsed == 0
    assert folder.function("helpers.predict") is not None and folder.parsed == 1
    assert folder.function("helpers.load") is not None and folder.parsed == 1  # cached


def test_hops_are_limited(tmp_path):
    """A name re-exported through more modules than MAX_HOPS is not followed."""
    names = [f"m{i}" for i in range(MAX_HOPS + 1)]
    for current, following in zip(names, names[1:]):
        (tmp_path / f"{current}.py").write_text(f"from {following} import predict\n")
    (tmp_path / f"{names[-1]}.py").write_text("def predict(x):\n    return x\n")
    assert CodeFolder(tmp_path).function(f"{names[-1]}.predict") is not None
    assert CodeFolder(tmp_path).function(f"{names[1]}.predict") is not None
    assert CodeFolder(tmp_path).function(f"{names[0]}.predict") is None


def test_big_or_broken_siblings_are_skipped(tmp_path):
    (tmp_path / "big.py").write_text("def predict(x):\n    return x\n" + "#" * 1_100_000 + "\n")
    (tmp_path / "broken.py").write_text("def predict(x):\n    return (\n")
    (tmp_path / "latin.py").write_bytes(b"def predict(x):\n    return '\xe9'\n")
    folder = CodeFolder(tmp_path)
    assert folder.function("big.predict") is None
    assert folder.function("broken.predict") is None
    assert folder.function("latin.predict") is None  # not UTF-8 and no coding cookie: Python refuses it too


def test_an_edited_sibling_is_seen_in_the_same_process(tmp_path):
    """The language server keeps one process: a sibling edited on disk is parsed again."""
    (tmp_path / "score.py").write_text(_SCORE)
    helpers = tmp_path / "helpers.py"
    helpers.write_text(_HELPERS.replace("return model.predict(rows)", "return model.predict(rows).tolist()"))
    linter = Linter(Settings(select=FOLLOWING))
    assert not linter.lint_file(tmp_path / "score.py").diagnostics
    helpers.write_text(_HELPERS + "\n")  # a different size: seen even within one mtime tick
    assert [d.code for d in linter.lint_file(tmp_path / "score.py").diagnostics] == ["SL203"]
    folders = linter.code_folders
    assert folders.of_script(tmp_path / "score.py") is folders.of_script(tmp_path / "score.py")  # one per folder


def test_a_sibling_edited_all_session_is_still_followed(tmp_path):
    """The time budget bounds how many modules a folder makes scorelint parse, not how often one edited
    sibling is parsed again: after a long editor session the rule still follows it."""
    from scorelint.codefolder import TIME_BUDGET

    helpers = tmp_path / "helpers.py"
    helpers.write_text("def predict(x):\n    return x\n")
    folder = CodeFolder(tmp_path)
    assert folder.function("helpers.predict") is not None
    folder._spent = TIME_BUDGET  # the budget spent by hours of edits
    helpers.write_text("def predict(x):\n    return x.tolist()\n")
    found = folder.function("helpers.predict")
    assert found is not None and "tolist" in found.ctx.source.text
    (tmp_path / "other.py").write_text("def predict(x):\n    return x\n")
    assert folder.function("other.predict") is None  # a new module: the budget holds


def test_an_edited_sibling_misses_the_result_cache(tmp_path):
    folder = tmp_path / "code"
    folder.mkdir()
    (folder / "score.py").write_text(_SCORE)
    helpers = folder / "helpers.py"
    helpers.write_text(_HELPERS.replace("return model.predict(rows)", "return model.predict(rows).tolist()"))
    command = [sys.executable, "-m", "scorelint", "check", "--cache-dir", str(tmp_path / "cache"),
               "--select", "SL203", "--output-format", "json", str(folder / "score.py")]
    first = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stdout + first.stderr
    helpers.write_text(_HELPERS)
    os.utime(helpers, ns=(helpers.stat().st_atime_ns, helpers.stat().st_mtime_ns + 10**9))
    second = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert second.returncode == 1, second.stdout + second.stderr
    assert [d["code"] for d in json.loads(second.stdout)] == ["SL203"]


def test_each_run_reads_the_siblings_again(tmp_path):
    """`--watch` runs again in the same process: a new run (a new ResultCache) sees an edited sibling."""
    from scorelint.cache import ResultCache

    script = tmp_path / "score.py"
    script.write_text(_SCORE)
    helpers = tmp_path / "helpers.py"
    helpers.write_text(_HELPERS)
    first = ResultCache(tmp_path / "cache", "settings").key(script, script.read_bytes())
    helpers.write_text(_HELPERS + "# edited\n")
    assert ResultCache(tmp_path / "cache", "settings").key(script, script.read_bytes()) != first
