"""scripts/new_rule.py writes a rule file a newcomer can fill in, registers it in ALL_RULES in code order,
and its example stubs become tests at once: the VALID one passes, the INVALID one fails until the rule
reports it. Run on a copy of the rule package, in a separate interpreter that imports that copy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "new_rule.py"


def scaffold(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args, "--rules-dir", str(tmp_path / "scorelint_rules")],
                          capture_output=True, text=True, timeout=60)


def copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "scorelint_rules"
    shutil.copytree(ROOT / "rules" / "scorelint_rules", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


CHECK = textwrap.dedent("""
    import json, sys
    import scorelint_rules
    from scorelint.registry import Registry
    from scorelint.testing import check_example, example_cases
    assert scorelint_rules.__file__.startswith(sys.argv[1]), scorelint_rules.__file__
    registry = Registry(scorelint_rules.ALL_RULES)  # validates every rule's definition
    rule = registry.lookup("SL299")
    outcomes = []
    for case in example_cases([rule]):
        try:
            check_example(case, registry)
            outcomes.append([case.id, "passed"])
        except AssertionError as exc:
            outcomes.append([case.id, str(exc).splitlines()[0]])
    codes = [r.code for r in scorelint_rules.ALL_RULES]
    print(json.dumps({"outcomes": outcomes, "order": codes, "contract": rule.contract,
                      "name": rule.name, "severity": rule.severity.value}))
""")


def test_scaffold_writes_registers_and_its_examples_become_tests(tmp_path):
    rules = copy_rules(tmp_path)
    out = scaffold(tmp_path, "SL299", "made-up-check", "--severity", "error")
    assert out.returncode == 0, out.stderr
    assert (rules / "sl299_made_up_check.py").is_file()
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    run = subprocess.run([sys.executable, "-c", CHECK, str(rules)], capture_output=True, text=True, timeout=120,
                         env=env, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    assert found["name"] == "made-up-check" and found["severity"] == "error"
    assert found["contract"].startswith("2. How run is called: ")  # the SL2xx range's section
    order = found["order"]
    at = order.index("SL299")
    assert order[at + 1] == "SL301" and order[at - 1].startswith("SL2")  # in code order
    assert [o[1] for o in found["outcomes"]] == ["passed", "SL299-made-up-check-invalid-0: expected 1 finding(s), got 0:"]


def test_scaffold_refuses_taken_codes_and_names_and_writes_nothing(tmp_path):
    rules = copy_rules(tmp_path)
    before = {p.name: p.read_bytes() for p in rules.iterdir() if p.is_file()}
    for args, message in ((["SL004", "brand-new"], "SL004 is taken by sl004_init_required_params.py"),
                          (["SL298", "init-required-params"], "the name 'init-required-params' is taken"),
                          (["SL29", "brand-new"], "is not a rule code"),
                          (["SL298", "Brand_New"], "is not a kebab-case rule name")):
        out = scaffold(tmp_path, *args)
        assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert {p.name: p.read_bytes() for p in rules.iterdir() if p.is_file()} == before
