"""Every rule's `contract` field names a section of docs/contract.md (the contract in the project's own
words) and says which point of it the rule enforces: "<section heading>: <the point>"."""

from __future__ import annotations

import re
from pathlib import Path

from scorelint.registry import default_registry

CONTRACT = Path(__file__).resolve().parent.parent / "docs" / "contract.md"


def sections() -> list[str]:
    return re.findall(r"^## (\d+\. .+?)\s*$", CONTRACT.read_text(encoding="utf-8"), re.MULTILINE)


def test_contract_page_has_numbered_sections():
    found = sections()
    assert [int(s.split(".")[0]) for s in found] == list(range(1, len(found) + 1))


def test_every_rule_names_a_section_of_the_contract():
    known = set(sections())
    for rule in default_registry().rules:
        section, colon, point = rule.contract.partition(": ")
        assert colon and point.strip(), f"{rule.code}: contract {rule.contract!r} is not '<section>: <point>'"
        assert section in known, f"{rule.code}: {section!r} is not a section of docs/contract.md: {sorted(known)}"
