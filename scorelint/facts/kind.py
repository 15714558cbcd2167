"""Script kind: online (an HTTP service) or batch (mini-batches), from a directive, the setting, or the
script's own evidence."""

from __future__ import annotations

import re
from functools import cached_property

import libcst as cst

from ..model import ScriptKind
from .contract import AML_RESPONSE, ContractFacts
from .names import dotted_name

_BATCH_PARAM_NAMES = frozenset({"mini_batch", "minibatch", "mini_batch_context"})
_WEAK_BATCH_PARAM = re.compile(r"(?:^|_)(?:mini_?)?batch(?:es)?(?:_|$)")
# The parallel-run runtime's helpers (EntryScript: logger, output folder); `entry_script` is its old name.
_BATCH_HELPER_MODULES = ("azureml_user", "entry_script")
_KIND_DIRECTIVE = re.compile(r"#\s*scorelint:\s*kind\s*=\s*(?P<kind>online|batch)\b")

# Expressions whose value is never a module (for `driver_module = ...`).
class KindFacts(ContractFacts):
    """Whether the script is an online or a batch script, and why."""

    kind_setting: str

    # --- kind: online or batch --------------------------------------------------------------------
    @cached_property
    def kind(self) -> ScriptKind:
        if self.kind_setting in ("online", "batch"):
            return ScriptKind(self.kind_setting)
        return ScriptKind.BATCH if self.batch_evidence is not None else ScriptKind.ONLINE

    @cached_property
    def kind_directive(self) -> str | None:
        """`# scorelint: kind=batch` (or `online`) written in the file itself, for `kind = "auto"`."""
        if "scorelint: kind" not in self.source.text:
            return None
        for comment in self.source.nodes(cst.Comment):
            match = _KIND_DIRECTIVE.search(comment.value)
            if match:
                return match["kind"]
        return None

    @cached_property
    def batch_evidence(self) -> str | None:
        """Why the script is taken for a batch script (batch endpoint / ParallelRunStep), or None.

        Decisive: a `mini_batch`/`mini_batch_context` parameter of run, or the parallel-run helpers
        (`azureml_user.parallel_run`, `entry_script`) imported anywhere. Strong unless the script also
        shows online traits (schema decorators, @rawhttp, `request_headers`, AMLResponse): command-line
        parsing in init (or in a helper init calls), since only the batch runtime passes arguments. Weak,
        likewise: run's first parameter named like a batch (`batch`, `batch_input`, `file_batch`).
        """
        directive = self.kind_directive
        if directive is not None:
            return "the file says `# scorelint: kind=batch`" if directive == "batch" else None
        params = self.run_params
        for param in params:
            if param.name in _BATCH_PARAM_NAMES:
                return f"run takes `{param.name}`"
        helper = self._parallel_run_import()
        if helper is not None:
            return f"it imports `{helper}`"
        if self._has_online_traits():
            return None
        parsing = self._argument_parsing_in_init()
        if parsing is not None:
            return parsing
        first = next((p for p in params if p.name != "request_headers"), None)
        if first is not None and _WEAK_BATCH_PARAM.search(first.name):
            return f"run's input is named `{first.name}`"
        return None

    def _parallel_run_import(self) -> str | None:
        for node in self.source.nodes(cst.ImportFrom):
            if node.relative or node.module is None:
                continue
            module = dotted_name(node.module)
            if _is_batch_helper(module):
                return module
        for node in self.source.nodes(cst.ImportAlias):
            if isinstance(self.source.parent.get(node), cst.Import):
                module = dotted_name(node.name)
                if _is_batch_helper(module):
                    return module
        return None

    def _has_online_traits(self) -> bool:
        if self.is_schema_decorated or self.output_schema is not None or self.is_rawhttp:
            return True
        if any(p.name == "request_headers" for p in self.run_params):
            return True
        return any(q in AML_RESPONSE for q in self.imports.values())

    def _argument_parsing_in_init(self) -> str | None:
        init_def = self.init.definition
        if init_def is None:
            return None
        functions = [init_def]
        # One level of helpers: `def init(): args = parse_args()` with parse_args defined in the module.
        for call in self.source.walk(init_def, cst.Call):
            if isinstance(call.func, cst.Name) and call.func.value != "init":
                bindings = self.bindings.get(call.func.value)
                if bindings and bindings[-1].kind == "def" and bindings[-1].node not in functions:
                    functions.append(bindings[-1].node)  # type: ignore[arg-type]
        for func in functions:
            for call in self.source.walk(func, cst.Call):
                name = self.qualified_name(call.func) or ""
                if name.startswith("argparse.") or name.endswith((".parse_known_args", ".parse_args")):
                    where = "init" if func is init_def else f"`{func.name.value}` (called by init)"
                    return f"{where} parses command-line arguments"
        # Parsing at import time (outside `if __name__ == "__main__":`) is batch-only too: under the
        # online server, sys.argv holds the server's own arguments.
        for call in self.source.nodes(cst.Call):
            func = call.func
            if type(func) is not cst.Attribute or func.attr.value not in ("parse_args", "parse_known_args"):
                continue
            outer = [a for a in self.source.ancestors(call) if type(a) in (cst.FunctionDef, cst.ClassDef,
                                                                            cst.Lambda, cst.If)]
            if not any(type(a) is not cst.If or "__name__" in self.source.code(a.test) for a in outer):
                return "the module parses command-line arguments when it is imported"
        return None


def _is_batch_helper(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in _BATCH_HELPER_MODULES)
