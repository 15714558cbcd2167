"""Tests generated from the rules' own examples (Fixit's idea): every VALID example must produce no
finding of its rule, every INVALID example exactly the findings it declares, and its fix exactly the
text it declares, which must parse. `pytest` collects them through tests/test_rule_examples.py; an
outside rule pack can use the same helpers on its own rules.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .api import Linter, parses
from .config import Settings
from .model import Diagnostic
from .registry import Registry
from .rule import Invalid, Rule, Valid


@dataclass
class ExampleCase:
    rule: type[Rule]
    example: Valid | Invalid
    index: int

    @property
    def id(self) -> str:
        kind = "valid" if isinstance(self.example, Valid) else "invalid"
        return f"{self.rule.code}-{self.rule.name}-{kind}-{self.index}"


def example_cases(rules: list[type[Rule]]) -> Iterator[ExampleCase]:
    for rule in rules:
        for i, example in enumerate(rule.VALID):
            yield ExampleCase(rule, example, i)
        for i, example in enumerate(rule.INVALID):
            yield ExampleCase(rule, example, i)


def full_message(d: Diagnostic) -> str:
    """The short message and the help together: what an example's `message_contains` is looked up in."""
    return f"{d.message} {d.help}" if d.help else d.message


def example_findings(case: ExampleCase, registry: Registry | None = None) -> list[Diagnostic]:
    """The findings of the example's own rule on the example (deployment rules: in every file of it)."""
    rule, example = case.rule, case.example
    linter = Linter(Settings(select=(rule.code, *example.also_select), target_version=example.target_version),
                    registry)
    with tempfile.TemporaryDirectory(prefix="scorelint-example-") as folder:
        root = Path(folder)
        files = getattr(example, "files", ()) if rule.target == "deployment" else example.siblings
        for name, text in ((example.filename, example.code), *files):
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        if rule.target == "deployment":
            from .deployment.check import check_deployment, load

            deployment, _ = load(root / example.filename)
            if deployment is None:
                return []
            results = check_deployment(deployment, linter).values()
        else:
            kind = example.kind.value if example.kind is not None else None
            results = [linter.lint_text(example.code, str(root / example.filename), kind=kind)]
        return sorted((d for result in results for d in result.diagnostics if d.code == rule.code),
                      key=Diagnostic.sort_key)


def check_example(case: ExampleCase, registry: Registry | None = None) -> None:
    """Raise AssertionError with a readable explanation when the example does not hold."""
    if not case.example.siblings:
        _check_example(case, case.example.filename, registry)
        return
    # A cross-module example: the script and its sibling modules, written to a code folder of their own.
    with tempfile.TemporaryDirectory(prefix="scorelint-example-") as folder:
        for name, text in ((case.example.filename, case.example.code), *case.example.siblings):
            target = Path(folder, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        _check_example(case, str(Path(folder, case.example.filename)), registry)


def _check_example(case: ExampleCase, filename: str, registry: Registry | None) -> None:
    rule, example = case.rule, case.example
    if getattr(rule, "target", "script") == "deployment":
        return check_deployment_example(case, registry)
    linter = Linter(Settings(select=(rule.code, *example.also_select), target_version=example.target_version),
                    registry)
    kind = example.kind.value if example.kind is not None else None
    result = linter.lint_text(example.code, filename, kind=kind)
    assert not result.internal_errors, result.internal_errors
    assert result.error is None, result.error
    found = [d for d in result.diagnostics if d.code == rule.code]
    listing = "\n".join(f"  {d.line}:{d.column + 1} {d.message}" for d in found) or "  (none)"
    if isinstance(example, Valid):
        assert not found, f"{case.id}: expected no finding, got:\n{listing}\n--- code ---\n{example.code}"
        return
    assert len(found) == example.expected, (
        f"{case.id}: expected {example.expected} finding(s), got {len(found)}:\n{listing}\n--- code ---\n{example.code}"
    )
    first = found[0]
    if example.line is not None:
        assert first.line == example.line, f"{case.id}: expected line {example.line}, got:\n{listing}"
    if example.message_contains is not None:
        assert example.message_contains in full_message(first), (
            f"{case.id}: message and help lack {example.message_contains!r}:\n{listing}"
        )
    lines = example.code.splitlines() or [""]
    for d in found:
        assert 1 <= d.range.start.line <= d.range.end.line <= max(len(lines), 1) + 1, f"{case.id}: range {d.range}"
    fixable = [d for d in found if d.fix is not None]
    if example.fixed is None:
        assert not fixable, f"{case.id}: a fix is offered but the example declares none: {fixable[0].fix}"
        return
    assert fixable, f"{case.id}: the example declares a fix but none is offered"
    outcome = linter.fix_text(example.code, filename, unsafe=True)
    assert parses(outcome.text), f"{case.id}: the fixed text does not parse:\n{outcome.text}"
    assert outcome.text == example.fixed, (
        f"{case.id}: fixed text differs.\n--- expected ---\n{example.fixed}\n--- got ---\n{outcome.text}"
    )
    again = linter.fix_text(outcome.text, filename, unsafe=True)
    assert again.text == outcome.text, f"{case.id}: applying the fix twice changes the text again"


def check_deployment_example(case: ExampleCase, registry: Registry | None = None) -> None:
    """A deployment rule's example: its files are written to a temporary folder and the deployment checked."""
    import tempfile
    from pathlib import Path

    from .deployment.check import check_deployment, load

    rule, example = case.rule, case.example
    linter = Linter(Settings(select=(rule.code, *example.also_select)), registry)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, text in ((example.filename, example.code), *example.files):
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        deployment, error = load(root / example.filename)
        assert error is None and deployment is not None, f"{case.id}: not a deployment: {error}"
        results = check_deployment(deployment, linter)
        found = sorted(((path, d) for path, result in results.items() for d in result.diagnostics
                        if d.code == rule.code), key=lambda item: (item[0] != deployment.path, item[1].sort_key()))
        for result in results.values():
            assert not result.internal_errors, result.internal_errors
        listing = "\n".join(f"  {p.relative_to(root)}:{d.line}:{d.column + 1} {d.severity.value}: {d.message}"
                             for p, d in found) or "  (none)"
        if isinstance(example, Valid):
            assert not found, f"{case.id}: expected no finding, got:\n{listing}\n--- yaml ---\n{example.code}"
            return
        assert len(found) == example.expected, (
            f"{case.id}: expected {example.expected} finding(s), got {len(found)}:\n{listing}\n--- yaml ---\n{example.code}")
        path, first = found[0]
        in_file = getattr(example, "in_file", None) or example.filename
        assert path == root / in_file, f"{case.id}: expected the first finding in {in_file}:\n{listing}"
        if example.line is not None:
            assert first.line == example.line, f"{case.id}: expected line {example.line}, got:\n{listing}"
        if example.message_contains is not None:
            assert example.message_contains in full_message(first), (
                f"{case.id}: message lacks {example.message_contains!r}:\n{listing}")
        expected_severity = getattr(example, "severity", None) or rule.severity
        assert first.severity == expected_severity, f"{case.id}: expected {expected_severity.value}:\n{listing}"
