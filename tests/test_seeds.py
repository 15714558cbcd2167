"""The documents' own code examples (seeds/, in English, Japanese and French, plus the include on
init()/run()), rewritten by us as complete scripts in tests/fixtures/seeds/<lang>/, linted with every
rule.

tests/fixtures/seeds/expected.json holds, for each script, the full list of findings (code and line),
each reviewed by hand (`why`), the judged non-findings (`not_flagged`), and what is left after applying
every fix (`after_fix`). The documents contain mistakes (CONTRACT.md section 5) and the lists say so:
a bare list returned against {"Results": ...}, errors returned as strings, sklearn.externals,
os.getenv, first names in a sample, a missing `import os`, 500 as a custom status, CORS without OPTIONS.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scorelint.api import Linter, parses
from scorelint.config import Settings
from scorelint.discovery import discover

from .conftest import ROOT

SEEDS = ROOT / "tests" / "fixtures" / "seeds"
EXPECTED = json.loads((SEEDS / "expected.json").read_text(encoding="utf-8"))["files"]
SCRIPTS = sorted(p.relative_to(SEEDS).as_posix() for p in SEEDS.rglob("*.py"))


def _lint(name: str):
    result = Linter(Settings()).lint_text((SEEDS / name).read_text(encoding="utf-8"), Path(name).name)
    assert result.error is None and not result.internal_errors, (result.error, result.internal_errors)
    return result


def _key(finding: tuple[str, int]) -> tuple[int, str]:
    return finding[1], finding[0]


def test_every_script_has_its_expectations():
    assert SCRIPTS == sorted(EXPECTED), "tests/fixtures/seeds/expected.json and the scripts disagree"
    # Every language and the include are there, with the examples that matter most.
    for lang in ("en", "ja", "fr", "include"):
        assert any(name.startswith(lang + "/") for name in SCRIPTS), lang
    for name in ("en/powerbi_endpoint.py", "ja/powerbi_endpoint.py", "fr/powerbi_endpoint.py",
                 "en/cors_preflight.py", "fr/cors_post_only.py", "include/sklearn_numpy.py"):
        assert name in EXPECTED
    for name, entry in EXPECTED.items():
        for finding in entry["findings"]:
            assert finding["why"].strip(), f"{name}: finding {finding['code']} has no review note"


@pytest.mark.parametrize("name", SCRIPTS)
def test_findings_are_exactly_the_reviewed_list(name):
    found = sorted(((d.code, d.line) for d in _lint(name).diagnostics), key=_key)
    expected = sorted(((f["code"], f["line"]) for f in EXPECTED[name]["findings"]), key=_key)
    assert found == expected


@pytest.mark.parametrize("name", SCRIPTS)
def test_fixes_leave_only_what_needs_a_person(name):
    """Every fix applied (unsafe included): the result parses, nothing fixable is left, what is left is
    the reviewed list, and a second pass changes nothing."""
    linter = Linter(Settings())
    text = (SEEDS / name).read_text(encoding="utf-8")
    outcome = linter.fix_text(text, Path(name).name, unsafe=True)
    assert not outcome.refused and parses(outcome.text)
    left = [d for d in outcome.result.diagnostics]
    assert not [d for d in left if d.fix is not None]
    assert [f"{d.code}:{d.line}" for d in left] == EXPECTED[name]["after_fix"]
    again = linter.fix_text(outcome.text, Path(name).name, unsafe=True)
    assert again.applied == 0 and again.text == outcome.text


def test_the_documents_mistakes_are_all_caught():
    """CONTRACT.md section 5, example by example."""
    codes = {name: {f["code"] for f in entry["findings"]} for name, entry in EXPECTED.items()}
    for lang in ("en", "ja", "fr"):
        power_bi = codes[f"{lang}/powerbi_endpoint.py"]
        assert {"SL202", "SL301", "SL501"} <= power_bi  # str(e) returned, first names, os.getenv
    assert {"SL104", "SL103"} <= codes["en/powerbi_endpoint.py"] & codes["ja/powerbi_endpoint.py"]  # bare list vs Results
    assert {"SL102", "SL103"} <= codes["fr/powerbi_endpoint.py"]  # lower-case inputs, global_parameters
    assert "SL011" in codes["ja/powerbi_endpoint.py"] and "SL011" in codes["fr/powerbi_endpoint.py"]  # no `import os`
    for name in ("ja/powerbi_endpoint.py", "fr/powerbi_endpoint.py", "fr/sklearn_swagger.py", "include/sklearn_numpy.py"):
        assert "SL504" in codes[name]  # sklearn.externals
    for name in ("en/binary_image.py", "ja/binary_image.py", "fr/binary_raw.py", "fr/cors_post_only.py"):
        assert "SL201" in codes[name]  # 500 as a custom status
    assert "SL204" in codes["en/binary_image.py"]  # json.dumps body served as text/html
    assert "SL401" in codes["fr/cors_post_only.py"] and "SL401" not in codes["en/cors_preflight.py"]
    assert "SL203" in codes["en/pandas_output_tip.py"]


def test_folder_discovery_checks_only_the_entry_scripts():
    """The client and deployment snippets are not entry scripts: checking the folder skips them (they
    are reported with SL002/SL003 only when named explicitly, as test_findings_... shows)."""
    targets, errors = discover([SEEDS], Settings())
    assert not errors
    found = sorted(t.path.relative_to(SEEDS).as_posix() for t in targets if not t.deployment)
    assert found == sorted(name for name, entry in EXPECTED.items() if entry["entry_script"])
    # The SDK deployment snippets are read as deployments (scorelint.deployment.sdk), not linted as scripts.
    deployments = [t.path.relative_to(SEEDS).as_posix() for t in targets if t.deployment]
    assert deployments and all(not EXPECTED[name]["entry_script"] for name in deployments)
    assert len(found) < len(SCRIPTS)
