"""What an entry script gets from the sibling modules of its code folder.

The server imports the script with the code folder on `sys.path` (azureml-inference-server-http 1.5.1,
`server/aml_blueprint.py` appends `AML_APP_ROOT`), so `import helpers` in `score.py` is `helpers.py` (or the
package `helpers/`) beside it. Rules ask this module two questions: which function of a sibling module a name
refers to (`helpers.predict`, `from helpers import predict`, through re-exports such as a package's
`from .core import predict`), and what that module binds. The answers are scorelint's own parse of the
sibling (`ParsedSource` and `EntryScriptFacts`), so a rule classifies a sibling's code with the very code it
uses on the script.

Why not astroid (measured on this machine, `bench/crossmodule_bench.py`): resolving `helpers.predict` through
astroid needs the code folder on the process-wide `sys.path` and astroid's process-wide module cache cleared
for every folder (two folders each with a `helpers.py` otherwise share one entry), which costs 0.23-0.42 s per
folder on top of 0.08-0.17 s to import astroid; its inference of `model.predict(...)` on a model loaded with
joblib is `Uninferable`, so the rules would still have to match the code's shape, on a second syntax tree.
This module resolves the same imports in about a millisecond per sibling, without global state.

Costs are bounded: nothing happens until a rule meets a call on an imported name; a sibling is looked up
with one `stat` of `<name>.py` / `<name>/__init__.py`, so a folder whose scripts import no sibling module
parses nothing; per folder at most `MAX_MODULES` modules of at most `MAX_FILE_BYTES` each are parsed, for at
most `TIME_BUDGET` seconds, and a name is followed through at most `MAX_HOPS` modules. Parsed modules are
cached per folder, keyed by each file's size and modification time, so the language server sees edits.
"""

from __future__ import annotations

import os
import sys
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path, PurePath

import libcst as cst

from .context import FileContext
from .encoding import SourceDecodeError, decode_source
from .source import ParsedSource

MAX_HOPS = 3
MAX_MODULES = 32
MAX_FILE_BYTES = 1_000_000
TIME_BUDGET = 0.5  # seconds of parsing per folder
_FOLDERS_KEPT = 16


@dataclass(frozen=True)
class SiblingFunction:
    """A function defined in a sibling module."""

    module: str  # dotted name, as imported
    ctx: FileContext  # the sibling, parsed by scorelint's own engine
    definition: cst.FunctionDef

    @property
    def label(self) -> str:
        return f"{self.module}.{self.definition.name.value}"

    @property
    def file_name(self) -> str:
        return self.ctx.path.name


class CodeFolder:
    """The sibling modules of the scripts in one folder, parsed on demand and kept while unchanged."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._modules: dict[str, tuple[tuple[int, int], FileContext | None]] = {}
        self._listing: tuple[int, frozenset[str]] = (-1, frozenset())
        self._spent = 0.0
        self.parsed = 0  # how many files were parsed (tests and the bench read it)

    # --- modules ------------------------------------------------------------------------------------
    def _top_level_names(self) -> frozenset[str]:
        """The names in the folder, re-read only when the folder changes (one stat per question)."""
        try:
            stamp = self.root.stat().st_mtime_ns
            if stamp != self._listing[0]:
                self._listing = (stamp, frozenset(os.listdir(self.root)))
        except OSError:
            self._listing = (-1, frozenset())
        return self._listing[1]

    def module_path(self, dotted: str) -> Path | None:
        """`a.b` -> root/a/b.py or root/a/b/__init__.py, when it exists. Standard-library names are never
        siblings: the server appends the code folder to sys.path, after the standard library."""
        parts = dotted.split(".")
        if parts[0] in sys.stdlib_module_names or not all(p.isidentifier() for p in parts):
            return None
        names = self._top_level_names()
        if f"{parts[0]}.py" not in names and parts[0] not in names:
            return None
        base = self.root.joinpath(*parts)
        for candidate in (base.with_name(parts[-1] + ".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
        return None

    def module(self, dotted: str) -> FileContext | None:
        path = self.module_path(dotted)
        if path is None:
            return None
        try:
            st = path.stat()
        except OSError:
            return None
        stamp = (st.st_size, st.st_mtime_ns)
        cached = self._modules.get(dotted)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        ctx = None
        if st.st_size <= MAX_FILE_BYTES and len(self._modules) < MAX_MODULES and self._spent < TIME_BUDGET:
            started = time.perf_counter()
            ctx = _parse(path)
            self._spent += time.perf_counter() - started
            self.parsed += 1
        self._modules[dotted] = (stamp, ctx)
        return ctx

    # --- names --------------------------------------------------------------------------------------
    def function(self, qualified: str) -> SiblingFunction | None:
        """The sibling function a qualified name (`helpers.predict`, `pkg.core.predict`) refers to."""
        module, _, name = qualified.rpartition(".")
        if not module or not self.is_sibling(module):
            return None
        return self._function_in(module, name, MAX_HOPS)

    def is_sibling(self, dotted: str) -> bool:
        """Whether an imported module is part of the code folder (cheap: stats only, no parse)."""
        return self.module_path(dotted) is not None

    def _function_in(self, module: str, name: str, hops: int) -> SiblingFunction | None:
        if hops <= 0:
            return None
        ctx = self.module(module)
        if ctx is None:
            return None
        bindings = ctx.facts.bindings.get(name)
        if not bindings or any(b.conditional for b in bindings):
            return None
        last = bindings[-1]
        if last.kind == "def" and isinstance(last.node, cst.FunctionDef):
            return SiblingFunction(module, ctx, last.node)
        if last.kind == "import" and last.qualified:
            target = _absolute(last.qualified, module, ctx.path.name == "__init__.py")
            target_module, _, target_name = target.rpartition(".")
            if target_module and self.module_path(target_module) is not None:
                return self._function_in(target_module, target_name, hops - 1)
        return None


def _absolute(qualified: str, importer: str, importer_is_package: bool) -> str:
    """`.core.predict` imported in `helpers` (a package) -> `helpers.core.predict`."""
    if not qualified.startswith("."):
        return qualified
    dots = len(qualified) - len(qualified.lstrip("."))
    package = importer.split(".") if importer_is_package else importer.split(".")[:-1]
    if dots > 1:
        package = package[: len(package) - (dots - 1)]
    rest = qualified[dots:]
    return ".".join([*package, rest]) if package else rest


def _parse(path: Path) -> FileContext | None:
    try:
        text = decode_source(path.read_bytes())
        return FileContext(path, ParsedSource.parse(text))
    except (OSError, SourceDecodeError, cst.ParserSyntaxError, RecursionError, ValueError):
        return None  # a sibling that cannot be read or parsed: no cross-module answer


_FOLDERS: OrderedDict[Path, CodeFolder] = OrderedDict()


def folder_of(script: PurePath) -> CodeFolder | None:
    """The code folder of a script that exists on disk (None for stdin, unsaved buffers, test strings)."""
    path = Path(script)
    if not path.is_file():
        return None
    root = Path(os.path.abspath(path.parent))
    folder = _FOLDERS.get(root)
    if folder is None:
        folder = _FOLDERS[root] = CodeFolder(root)
        while len(_FOLDERS) > _FOLDERS_KEPT:
            _FOLDERS.popitem(last=False)
    else:
        _FOLDERS.move_to_end(root)
    return folder
