"""Every rule scorelint knows, loaded from the `scorelint.rules` entry-point group.

Built-in rules are registered through the same group an outside rule pack would use
(`[project.entry-points."scorelint.rules"] mypack = "mypack:RULES"`, a sequence of Rule classes), so
the built-ins get no privilege a plugin could not have. Codes and names must be unique.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .rule import Rule

GROUP = "scorelint.rules"


class RegistryError(Exception):
    pass


class Registry:
    def __init__(self, rules: Iterable[type[Rule]]) -> None:
        self.rules: list[type[Rule]] = sorted(rules, key=lambda r: r.code)
        self.by_code: dict[str, type[Rule]] = {}
        self.by_name: dict[str, type[Rule]] = {}
        for rule in self.rules:
            problems = rule.validate_definition()
            if problems:
                raise RegistryError(f"rule {rule.__name__}: " + "; ".join(problems))
            for table, key in ((self.by_code, rule.code), (self.by_name, rule.name)):
                if key in table and table[key] is not rule:
                    raise RegistryError(f"{key!r} is claimed by both {table[key].__name__} and {rule.__name__}")
                table[key] = rule

    def lookup(self, code_or_name: str) -> type[Rule] | None:
        return self.by_code.get(code_or_name.upper()) or self.by_name.get(code_or_name.lower())

    def did_you_mean(self, word: str) -> str:
        """'did you mean `name`? ' for the rule name closest to a misspelt one, else nothing."""
        import difflib

        close = difflib.get_close_matches(word.strip().lower(), list(self.by_name), n=1, cutoff=0.7)
        return f"did you mean {close[0]!r}? " if close else ""

    def matching(self, selector: str) -> tuple[list[type[Rule]], int]:
        """Rules a selector names, and how specific the selector is (longer wins).

        A selector is ALL, a name, a full code, or a code prefix such as SL or SL1.
        """
        sel = selector.strip()
        if sel.upper() == "ALL":
            return list(self.rules), 0
        rule = self.by_name.get(sel.lower())
        if rule is not None:
            return [rule], 100  # a name is as specific as it gets
        code = sel.upper()
        if re.fullmatch(r"SL\d{0,3}", code):
            rules = [r for r in self.rules if r.code.startswith(code)]
            # A code or prefix that names no rule (SL999, a typo) is an unknown selector, not "nothing".
            return (rules, len(code)) if rules else ([], -1)
        return [], -1


def load_entry_point_rules() -> list[type[Rule]]:
    from importlib.metadata import entry_points

    from .rule import Rule

    rules: list[type[Rule]] = []
    for ep in entry_points(group=GROUP):
        loaded = ep.load()
        items = loaded if isinstance(loaded, (list, tuple)) else [loaded]
        for item in items:
            if not (isinstance(item, type) and issubclass(item, Rule)):
                raise RegistryError(f"entry point {ep.name!r} of {GROUP} yields {item!r}, not a Rule class")
            rules.append(item)
    return rules


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    rules = load_entry_point_rules()
    if not rules:  # the built-in pack registers like any other: no entry point means no installation
        raise RegistryError(f"no rules: nothing is registered in the {GROUP!r} entry-point group (install "
                            "scorelint with pip, e.g. `pip install -e .` in a source tree)")
    # The same class may be reachable through two distributions (editable installs); keep one.
    unique = list({id(r): r for r in rules}.values())
    return Registry(unique)


class LazyRegistry:
    """Stands for the default registry and loads it (importing every rule, and libcst) on first use:
    a run whose every file is answered from the cache never pays for it."""

    def __getattr__(self, name: str):
        return getattr(default_registry(), name)
