"""Facts about an entry script, computed once per file and shared by every rule.

What the server cares about is decided at module level: which names `init` and `run` are bound to,
what `run` is decorated with, and which decorators are applied anywhere (`@rawhttp` flips a global
switch wherever it is applied). The facts see through the ways real scripts are written: aliased
imports (`from ... import rawhttp as raw`, `import ...aml_request as req` then `@req.rawhttp`), both
azureml import paths, init/run assigned or imported rather than defined, and definitions inside
module-level `if`/`try`/`with` blocks. Everything is computed lazily: a rule that never asks for a
fact costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..source import ParsedSource
from .contract import (
    AML_RESPONSE,
    INPUT_SCHEMA,
    OUTPUT_SCHEMA,
    PARAMETER_TYPES,
    RAWHTTP,
    ContractFacts,
    Decorator,
    EntryFunction,
    Param,
    RawhttpUse,
    SchemaDecorator,
    SignatureWrapper,
)
from .kind import KindFacts
from .names import (
    STAR_EXPORTS,
    Binding,
    LocalBinding,
    NameFacts,
    argument,
    argument_value,
    dotted_name,
    string_value,
)

__all__ = [
    "AML_RESPONSE", "INPUT_SCHEMA", "OUTPUT_SCHEMA", "PARAMETER_TYPES", "RAWHTTP", "STAR_EXPORTS", "Binding",
    "ContractFacts", "Decorator", "EntryFunction", "EntryScriptFacts", "KindFacts", "LocalBinding", "NameFacts",
    "Param", "RawhttpUse", "SchemaDecorator", "SignatureWrapper", "argument", "argument_value", "dotted_name",
    "string_value",
]


@dataclass
class EntryScriptFacts(KindFacts):
    """Every fact about one file, in three groups a rule can read on their own: names and scopes
    (`NameFacts`, names.py), the contract's entry functions, decorators and schemas (`ContractFacts`,
    contract.py) and the script kind (`KindFacts`, kind.py). Rules reach it as `self.facts`."""

    source: ParsedSource
    kind_setting: str = "auto"  # "online" | "batch" | "auto"
    _cache: dict = field(default_factory=dict, repr=False)
