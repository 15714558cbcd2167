"""The rules' definitions: identity, documentation, registration, generated docs."""

import ast
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


# Example constructors whose script text is written out as one literal; the deployment examples
# (DeploymentValid/DeploymentInvalid) build their files from shared helpers instead (docs/writing-rules.md).
_SCRIPT_EXAMPLES = {"Valid", "Invalid"}
_DEPLOYMENT_EXAMPLES = {"DeploymentValid", "DeploymentInvalid"}


def _literal_script_problem(source: str, node: ast.expr) -> str | None:
    """Why `node` is not one triple-quoted string literal opening on its own line (None when it is)."""
    text = ast.get_source_segment(source, node) or ""
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return f"an expression, not a string literal: {text[:60]!r}"
    quote = text[:3]
    if quote not in ('"""', "'''") or not text.endswith(quote) or text.count(quote) != 2:
        return f"not one triple-quoted literal: {text[:60]!r}"
    if not text.startswith(quote + "\n"):
        return f"the script does not start on the line after the quotes: {text[:60]!r}"
    return None


def test_builtin_examples_are_literal_scripts(registry):
    """Every built-in script example (its code, its `fixed` text, its sibling files) reads as the script it is:
    one triple-quoted literal, dedented by the example class, never glued from templates and escapes."""
    problems, checked = [], 0
    for path in sorted((ROOT / "rules" / "scorelint_rules").glob("sl*.py")):
        source = path.read_text()
        for cls in (n for n in ast.parse(source).body if isinstance(n, ast.ClassDef)):
            for statement in cls.body:
                if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                        and isinstance(statement.targets[0], ast.Name)
                        and statement.targets[0].id in ("VALID", "INVALID")):
                    continue
                where = f"{path.name} {cls.name}.{statement.targets[0].id}"
                if not isinstance(statement.value, ast.List):
                    problems.append(f"{where}: not a list of examples")
                    continue
                for index, call in enumerate(statement.value.elts):
                    callee = call.func.id if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) else None
                    if callee in _DEPLOYMENT_EXAMPLES:
                        continue
                    if callee not in _SCRIPT_EXAMPLES:
                        problems.append(f"{where}[{index}]: not a Valid(...)/Invalid(...) call")
                        continue
                    checked += 1
                    texts = [("code", call.args[0])] if call.args else []
                    for keyword in call.keywords:
                        if keyword.arg == "code" or (keyword.arg == "fixed" and not (
                                isinstance(keyword.value, ast.Constant) and keyword.value.value is None)):
                            texts.append((keyword.arg, keyword.value))
                        elif keyword.arg == "siblings":
                            files = keyword.value.elts if isinstance(keyword.value, ast.Tuple) else [keyword.value]
                            for file in files:
                                if isinstance(file, ast.Tuple) and len(file.elts) == 2:
                                    texts.append((f"siblings {ast.literal_eval(file.elts[0])}", file.elts[1]))
                                else:
                                    problems.append(f"{where}[{index}] siblings: not (name, text) pairs")
                    for field, node in texts:
                        problem = _literal_script_problem(source, node)
                        if problem:
                            problems.append(f"{where}[{index}] {field}: {problem}")
    assert problems == []
    # every built-in script example was seen (an example list built any other way would escape the check)
    builtin = [r for r in registry.rules if r.__module__.startswith("scorelint_rules.") and r.target == "script"]
    assert checked == sum(len(r.VALID) + len(r.INVALID) for r in builtin)
