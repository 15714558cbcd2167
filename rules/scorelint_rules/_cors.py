"""Shared facts of the CORS rules (SL4xx): where a script sets CORS headers by hand, and whether it answers OPTIONS."""

from __future__ import annotations

import libcst as cst

from scorelint.facts import EntryScriptFacts


def cors_header_strings(facts: EntryScriptFacts) -> list[cst.SimpleString]:
    """String literals naming a CORS response header (`Access-Control-Allow-Origin`...), in document order."""
    key = ("sl4.cors_strings",)
    cache = facts._cache
    if key not in cache:
        found = []
        for node in facts.source.nodes(cst.SimpleString):
            if "ccess-control-" not in node.value.lower():  # evaluating every literal would cost more than the parse
                continue
            value = node.evaluated_value
            if isinstance(value, str) and value.lower().startswith(("access-control-allow-", "access-control-expose-",
                                                                   "access-control-max-age")):
                found.append(node)
        cache[key] = found
    return cache[key]


def handles_options(facts: EntryScriptFacts) -> bool:
    """Whether the script compares a request's method with "OPTIONS" (in run or a helper)."""
    source = facts.source
    for node in source.nodes(cst.SimpleString):
        if "OPTIONS" not in node.value or node.evaluated_value != "OPTIONS":
            continue
        for ancestor in source.ancestors(node):
            if isinstance(ancestor, (cst.Comparison, cst.MatchCase)):
                if isinstance(ancestor, cst.MatchCase) or "method" in source.code(ancestor):
                    return True
                break
            if isinstance(ancestor, cst.BaseStatement):
                break
    return False


def preferred_report_node(facts: EntryScriptFacts, strings: list[cst.SimpleString]) -> cst.SimpleString:
    """The first CORS header string inside run if there is one, else the first in the file."""
    run_def = facts.run.definition
    for node in strings:
        if facts.inside(node, run_def):
            return node
    return strings[0]
