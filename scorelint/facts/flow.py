"""Local data flow inside one function: the one approximation every rule shares.

Built on `NameFacts.local_bindings` (what a function binds in its own scope), it answers three questions:

- which values may reach a use of a local name (`values`: a straight-line approximation of reaching
  definitions: the bindings before the use, latest first, stopping at the first whose block encloses the
  use; loops, `global`/`nonlocal` and bindings it does not follow answer "unknown" rather than a guess);
- what a name is assigned, when plain assignments are all that bind it (`assigned_values`);
- which names a scope keeps for itself (`own_names`, `scope_names`), so a read elsewhere is a global
  read (`reads_as_global`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import libcst as cst

# `facts` below is the file's EntryScriptFacts (typed loosely: names.py builds a LocalFlow, so this module
# does not import it back).
Facts = Any

_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)
_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef, *_COMPREHENSIONS)
# Scopes whose names shadow a module-level name for the code inside them (a class body does not: the
# functions in it read the module's names).
_SHADOWING_SCOPES = (cst.FunctionDef, cst.Lambda, *_COMPREHENSIONS)


@dataclass
class _Reach:
    """Where a binding takes effect: after `offset` (`x = f(x)` reads the old x), on every path through
    `block` that gets there."""

    offset: int
    block: cst.CSTNode | None
    value: cst.BaseExpression | None  # None: bound in a way not followed


class LocalFlow:
    """The local data flow of one function (`facts.flow(func)`, computed once per function and file)."""

    def __init__(self, facts: Facts, func: cst.FunctionDef) -> None:
        self.facts = facts
        self.source = facts.source
        self.func = func
        self.params = {p.name for p in facts.params(func)}
        self.globals = {item.name.value for kind in (cst.Global, cst.Nonlocal)
                        for node in facts.own_nodes(func, kind) for item in node.names}
        self._reach: dict[str, list[_Reach]] = {}

    def bindings(self, name: str) -> list:
        return self.facts.local_bindings(self.func).get(name, [])

    def own_names(self) -> set[str]:
        """The names that are local to the function: its parameters and what it binds, less what it
        declares global or nonlocal."""
        return (set(self.facts.local_bindings(self.func)) | self.params) - self.globals

    def assigned_values(self, name: str) -> list[cst.BaseExpression] | None:
        """The values assigned to a local `name` (plain, annotated and `:=` assignments). None when the
        name is also bound some other way (augmented assignment, for target, with, tuple unpacking...):
        then its value cannot be read from the assignments alone."""
        values: list[cst.BaseExpression] = []
        for binding in self.bindings(name):
            if binding.how not in ("assign", "annassign", "walrus") or binding.value is None:
                return None
            values.append(binding.value)
        return values

    def values(self, name: str, at: cst.CSTNode) -> list[cst.BaseExpression | None] | None:
        """The values that may reach `name` at node `at`: a list where None means "bound in a way not
        followed" (unknown), or None when the name is not bound in the function at all."""
        if name in self.globals:
            return [None]
        reaches = self._reaches(name)
        if not reaches:
            return [None] if name in self.params else None
        use = self.source.offsets(at)[0]
        ancestors = set(self.source.ancestors(at))
        found: list[cst.BaseExpression | None] = []
        for reach in reversed(reaches):
            if reach.offset > use:
                continue
            found.append(reach.value)
            if reach.block in ancestors:
                return found
        if name in self.params or not found:
            found.append(None)
        # Bindings after the use can reach it through a loop.
        if any(r.offset > use for r in reaches) and self.source.enclosing(at, (cst.For, cst.While)) is not None:
            found.append(None)
        return found

    def _reaches(self, name: str) -> list[_Reach]:
        found = self._reach.get(name)
        if found is None:
            found = self._reach[name] = sorted((self._reach_of(b) for b in self.bindings(name)
                                                if self._in_this_scope(b)), key=lambda r: r.offset)
        return found

    def _in_this_scope(self, binding: Any) -> bool:
        # A `:=` inside a comprehension binds in the function, but only once the comprehension runs:
        # not followed (as before the flow was shared).
        return binding.how != "walrus" or self.source.enclosing(binding.statement, _SCOPES) is self.func

    def _reach_of(self, binding: Any) -> _Reach:
        source = self.source
        statement = binding.statement
        if binding.how == "for":
            return _Reach(source.offsets(binding.node)[1], source.parent.get(statement), None)
        if binding.how in ("with", "import", "except"):
            ends: cst.CSTNode = binding.node
        else:
            ends = statement
        block = source.parent.get(source.enclosing_statement(statement))
        return _Reach(source.offsets(ends)[1], block, binding.value)


def scope_names(facts: Facts, scope: cst.CSTNode) -> set[str]:
    """The names a function, lambda or comprehension keeps for itself (its parameters and locals)."""
    if isinstance(scope, cst.FunctionDef):
        return facts.flow(scope).own_names()
    if isinstance(scope, cst.Lambda):
        params = scope.params
        every = [*params.posonly_params, *params.params, *params.kwonly_params]
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                every.append(star)
        return {p.name.value for p in every}
    names: set[str] = set()
    comp = getattr(scope, "for_in", None)
    while comp is not None:
        names.update(n.value for n in facts.source.walk(comp.target, cst.Name))
        comp = comp.inner_for_in
    return names


def reads_as_global(facts: Facts, node: cst.Name, func: cst.FunctionDef) -> bool:
    """Whether the Name `node` inside `func` reads a module-level name: it is a read (not an attribute or
    keyword name, not a parameter, declaration or definition), and no scope between it and `func` binds
    the name itself. Whether `func` itself binds it is the caller's question (`own_names`)."""
    parent = facts.source.parent.get(node)
    if isinstance(parent, cst.Attribute) and parent.attr is node:
        return False
    if isinstance(parent, cst.Arg) and parent.keyword is node:
        return False
    if isinstance(parent, (cst.Param, cst.NameItem, cst.ImportAlias, cst.AsName, cst.FunctionDef, cst.ClassDef)):
        return False
    for ancestor in facts.source.ancestors(node):
        if ancestor is func:
            break
        if isinstance(ancestor, _SHADOWING_SCOPES) and node.value in scope_names(facts, ancestor):
            return False
    return True
