"""The rules' definitions: identity, documentation, registration, generated docs."""

import importlib
import pkgutil
import subprocess
import sys

import scorelint_rules
from scorelint.rule import Rule

from .conftest import ROOT


def test_every_rule_is_well_defined(registry):
    for rule in registry.rules:
        assert rule.validate_definition() == [], rule


def test_codes_and_names_are_unique(registry):
    codes = [r.code for r in registry.rules]
    names = [r.name for r in registry.rules]
    assert len(codes) == len(set(codes))
    assert len(names) == len(set(names))


def test_every_rule_module_is_registered(registry):
    """A rule file that is not listed in ALL_RULES would silently never run."""
    registered = set(registry.rules)
    for info in pkgutil.iter_modules(scorelint_rules.__path__):
        module = importlib.import_module(f"scorelint_rules.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value.__module__ == module.__name__:
                assert value in registered, f"{value.__name__} in {info.name} is not in ALL_RULES"
                assert info.name.startswith(value.code.lower()), f"{info.name} should be named after {value.code}"


def test_generated_docs_are_up_to_date():
    result = subprocess.run([sys.executable, "-m", "scorelint.docs"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_fixable_is_derived_from_examples(registry):
    for rule in registry.rules:
        assert rule.fixable == any(case.fixed is not None for case in rule.INVALID)
