"""Module-level slots that a loader is meant to fill (`model = None`, `model: object`), shared by
init-missing-global (SL502) and model-never-loaded (SL506, which asks it of a sibling module's facts)."""

from __future__ import annotations

import libcst as cst

from scorelint.facts import Binding, EntryScriptFacts


def annotation_only(facts: EntryScriptFacts, binding: Binding) -> bool:
    """`model: object` at module level declares the name but binds nothing."""
    parent = facts.source.parent.get(binding.node)
    return isinstance(parent, cst.AnnAssign) and parent.value is None


def real_bindings(facts: EntryScriptFacts, name: str) -> list[Binding]:
    return [b for b in facts.bindings.get(name, ()) if not annotation_only(facts, b)]


def placeholder(facts: EntryScriptFacts, name: str) -> str | None:
    """`name = None` (or an empty literal, `dict()`, `list()`) as the only module-level value, as written."""
    bindings = real_bindings(facts, name)
    if not bindings or any(b.kind != "assign" for b in bindings):
        return None
    value = bindings[-1].value
    if isinstance(value, cst.Name) and value.value == "None":
        return f"{name} = None"
    if isinstance(value, (cst.List, cst.Dict, cst.Tuple, cst.Set)) and not value.elements:
        return f"{name} = {facts.source.code(value)}"
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value in (
            "dict", "list") and not value.args:
        return f"{name} = {facts.source.code(value)}"
    return None


def bare_annotation(facts: EntryScriptFacts, name: str) -> str | None:
    """`model: object` as written, when the module has no other binding of the name."""
    if real_bindings(facts, name):
        return None
    for binding in facts.bindings.get(name, ()):
        if annotation_only(facts, binding):
            return facts.source.code(facts.source.parent[binding.node]).strip()
    return None
