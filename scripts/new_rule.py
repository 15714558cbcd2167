"""Start a new rule: `python scripts/new_rule.py CODE NAME [--severity warning]`.

Writes rules/scorelint_rules/sl<code>_<name>.py (the class with its docstring headings, the contract
section its code range belongs to, a VALID and an INVALID example stub, an empty `check`) and registers
it in ALL_RULES, in code order. The INVALID stub fails as a generated test until the rule reports it:
that is the first thing to make pass. docs/writing-rules.md walks through the rest.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES_DIR = ROOT / "rules" / "scorelint_rules"
CONTRACT = ROOT / "docs" / "contract.md"

# The contract section each code range usually enforces (rules/scorelint_rules/__init__.py lists the ranges).
SECTION_OF_RANGE = {
    0: "1. Loading",
    1: "3. Schema generation and Swagger",
    2: "2. How run is called",
    3: "3. Schema generation and Swagger",
    4: "2. How run is called",
    5: "4. Models",
    6: "5. Batch scripts",
    7: "6. The deployment",
    9: "1. Loading",
}
SEVERITIES = ("error", "warning", "info")

TEMPLATE = '''from __future__ import annotations

from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid


class {cls}(Rule):
    """TODO one line: what is wrong, and what the server then does.

    ## What it does
    TODO what the rule reports, and where.

    ## Why is this bad?
    TODO what happens at deployment or on each request (docs/contract.md, "{section}").

    ## Example
    ```python
    TODO a script with the problem
    ```

    ## Use instead
    ```python
    TODO the same script, corrected
    ```
    """

    code = "{code}"
    name = "{name}"
    severity = Severity.{severity}
    contract = "{section}: TODO the point of that section this rule enforces"

    VALID = [
        Valid("""
            def init():
                pass


            def run(data):
                return data
            """),
    ]
    INVALID = [
        Invalid("""
            def init():
                pass


            def run(data):
                return data  # TODO make this a script the rule must flag
            """, line=6, message_contains="TODO"),
    ]

    def check(self) -> None:
        """Called once per file after the visits: read `self.facts` and call `self.report(node, message)`.
        Or define `visit_<NodeType>(self, node)` methods (see docs/writing-rules.md)."""
'''


class UsageError(Exception):
    pass


def class_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))


def module_name(code: str, name: str) -> str:
    return f"{code.lower()}_{name.replace('-', '_')}"


def new_rule(code: str, name: str, severity: str, rules_dir: Path) -> Path:
    """Write the rule's file and register it. Raises UsageError (nothing written) when it cannot."""
    code = code.upper()
    if not re.fullmatch(r"SL\d{3}", code):
        raise UsageError(f"{code!r} is not a rule code (SL followed by three digits, e.g. SL213)")
    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name):
        raise UsageError(f"{name!r} is not a kebab-case rule name (e.g. response-not-serializable)")
    if severity not in SEVERITIES:
        raise UsageError(f"severity must be one of {', '.join(SEVERITIES)}")
    init = rules_dir / "__init__.py"
    if not init.is_file():
        raise UsageError(f"{rules_dir} is not a rule package (no __init__.py)")
    for existing in rules_dir.glob("sl*.py"):
        text = existing.read_text(encoding="utf-8")
        if existing.name.startswith(code.lower() + "_") or f'code = "{code}"' in text:
            raise UsageError(f"{code} is taken by {existing.name} (codes are never reused)")
        if f'name = "{name}"' in text:
            raise UsageError(f"the name {name!r} is taken by {existing.name}")
    section = SECTION_OF_RANGE.get(int(code[2]), "1. Loading")
    target = rules_dir / f"{module_name(code, name)}.py"
    registered = register(init.read_text(encoding="utf-8"), code, module_name(code, name), class_name(name))
    target.write_text(TEMPLATE.format(cls=class_name(name), code=code, name=name, severity=severity.upper(),
                                      section=section), encoding="utf-8")
    init.write_text(registered, encoding="utf-8")
    return target


def register(init_text: str, code: str, module: str, cls: str) -> str:
    """__init__.py with the rule imported and listed in ALL_RULES, both in code order."""
    lines = init_text.splitlines(keepends=True)
    imports = [(i, m) for i, line in enumerate(lines) if (m := re.match(r"from \.(sl\d{3})\w* import (\w+)", line))]
    if not imports:
        raise UsageError("cannot find the rule imports in __init__.py")
    code_of_class = {m.group(2): m.group(1).upper() for _, m in imports}
    after = [i for i, m in imports if m.group(1).upper() < code]
    at = (after[-1] + 1) if after else imports[0][0]
    lines.insert(at, f"from .{module} import {cls}\n")
    start = next((i for i, line in enumerate(lines) if line.startswith("ALL_RULES = (")), None)
    if start is None:
        raise UsageError("cannot find ALL_RULES in __init__.py")
    end = next(i for i in range(start, len(lines)) if lines[i].startswith(")"))
    entries = [(i, lines[i].strip().rstrip(",")) for i in range(start + 1, end)]
    later = [i for i, entry in entries if code_of_class.get(entry, "SL999") > code]
    lines.insert(later[0] if later else end, f"    {cls},\n")
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/new_rule.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("code", help="the new rule's code, e.g. SL213 (never one used before)")
    parser.add_argument("name", help="its kebab-case name, e.g. response-not-serializable")
    parser.add_argument("--severity", default="warning", help="error | warning | info (default: warning)")
    parser.add_argument("--rules-dir", type=Path, default=RULES_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        path = new_rule(args.code, args.name, args.severity, args.rules_dir)
    except UsageError as exc:
        print(f"new_rule: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {path} and registered it in {args.rules_dir / '__init__.py'}")
    print(f"next: fill in the TODOs, then .venv/bin/python -m pytest tests/test_rule_examples.py -k {args.code.upper()}"
          " and .venv/bin/python -m scorelint.docs --write")
    return 0


if __name__ == "__main__":
    sys.exit(main())
