"""The code folder: what the server puts on `sys.path` beside an entry script, read once per project and
shared by every check that looks past the script itself.

The server imports the script with its app root (the uploaded code folder) and `AML_APP_ROOT` /
`AML_SOURCE_DIR` on `sys.path` (azureml-inference-server-http 1.5.1, `server/aml_blueprint.py`, after the
standard library), so `import helpers` in `score.py` is `helpers.py` (or the package `helpers/`) in that
folder. Two kinds of checks ask about it, through one `CodeFolder` per folder:

- rules that follow a call into a sibling module (SL203, SL506) ask `function("helpers.predict")`: the
  sibling is parsed by scorelint's own engine (`FileContext`), so a rule classifies a sibling's code with
  the very code it runs on the script, following re-exports (`from .core import predict`);
- deployment rules (SL702, SL704, SL709) ask `imports(script)`: every import of the scoring script and of
  the local modules it imports, transitively, each marked `guarded` when it cannot fail the deployment
  (under `try: ... except ImportError`, `if __name__ == "__main__":` or `if TYPE_CHECKING:`).

`imports()` reads with Python's `ast`, not libcst, on purpose: the deployment checks need the imports of
every scoring script even when its lint came from the result cache or ran in another worker process (no
libcst tree is at hand then), and `ast` parses a script 20 to 40 times faster.

Who owns the folders: a `CodeFolders` registry, one per document pipeline (`scorelint.project.Pipeline`;
a `Linter` used alone has its own), so the command line, the hook and the language server share one
set of rules about what the folder holds, and a long-lived server sees edits: every answer is keyed by the
modification time (and size) of the files it read.

Why not astroid (measured, `bench/crossmodule_bench.py`): resolving `helpers.predict` through astroid needs
the folder on the process-wide `sys.path` and astroid's process-wide module cache cleared for every folder
(two folders each with a `helpers.py` otherwise share one entry): 0.23-0.42 s per folder plus 0.08-0.17 s to
import astroid, and its inference of `model.predict(...)` on a joblib model is `Uninferable` anyway.

Costs are bounded: nothing is listed until a rule asks; a sibling is found with one listing of the folder
(re-read when the folder changes) and one `stat`; per folder at most `MAX_MODULES` siblings of at most
`MAX_FILE_BYTES` are parsed with libcst, for at most `TIME_BUDGET` seconds, and a name is followed through
at most `MAX_HOPS` modules; `imports()` reads at most `MAX_LOCAL_MODULES` files per script.
"""

from __future__ import annotations

import ast
import os
import sys
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any

from .model import Range

if TYPE_CHECKING:
    import libcst as cst

# A sibling's FileContext (scorelint.context) is typed `Any` here: context.py names this module, and the
# engine's modules import one another without cycles (tests/test_architecture.py).
FileContext = Any

MAX_HOPS = 3
MAX_MODULES = 32
MAX_FILE_BYTES = 1_000_000
TIME_BUDGET = 0.5  # seconds of libcst parsing per folder
MAX_LOCAL_MODULES = 200  # files `imports()` reads for one script
_FOLDERS_KEPT = 16
_GUARD_EXCEPTIONS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


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


@dataclass(frozen=True)
class ImportSite:
    module: str  # the dotted module as written: "sklearn.linear_model", ".utils"
    names: tuple[str, ...]  # for `from m import a, b`: ("a", "b")
    path: Path  # the file that holds the import
    range: Range
    guarded: bool

    @property
    def top(self) -> str:
        return self.module.split(".")[0]


@dataclass
class ScriptImports:
    """What a scoring script brings in: its third-party imports and those of the local modules it imports."""

    script: Path
    imports: list[ImportSite] = field(default_factory=list)  # third-party candidates, script and siblings
    local_files: list[Path] = field(default_factory=list)  # the script and the local modules read
    stamps: tuple[int, ...] = ()  # modification times of local_files when read
    script_tree: ast.Module | None = None  # the scoring script, parsed (for rules that read its code)
    script_source: str = ""


class CodeFolder:
    """One folder on the server's `sys.path`, read on demand and kept while unchanged."""

    def __init__(self, root: Path, folders: CodeFolders | None = None) -> None:
        self.root = root
        self.folders = folders  # the registry it belongs to: a sibling's own siblings are found through it
        self._parsed: dict[Path, tuple[tuple[int, int], FileContext | None]] = {}
        self._imports: dict[Path, ScriptImports] = {}
        self._spent = 0.0
        self.parsed = 0  # how many files libcst parsed (tests and the bench read it)

    # --- where a module is --------------------------------------------------------------------------
    def module_path(self, dotted: str, importer: Path | None = None, also: tuple[Path, ...] = ()) -> Path | None:
        """The file `import dotted` finds in this folder (`a.b` -> a/b.py or a/b/__init__.py), searched in the
        importer's folder, then `also`, then the root; a relative name (`.core`) from the importer. Standard-
        library names are never local: the server appends the folder to sys.path after the standard library."""
        if dotted.startswith("."):
            return _relative_file(importer, dotted) if importer is not None else None
        parts = dotted.split(".")
        if parts[0] in sys.stdlib_module_names or not all(p.isidentifier() for p in parts):
            return None
        folders = dict.fromkeys([*([importer.parent] if importer is not None else []), *also, self.root])
        for folder in folders:
            if parts[0] not in module_names(folder):
                continue
            base = folder.joinpath(*parts)
            for candidate in (base.with_name(parts[-1] + ".py"), base / "__init__.py"):
                if candidate.is_file():
                    return candidate
        return None

    # --- sibling functions, on scorelint's own parse ------------------------------------------------
    def module(self, path: Path) -> FileContext | None:
        try:
            st = path.stat()
        except OSError:
            return None
        stamp = (st.st_size, st.st_mtime_ns)
        cached = self._parsed.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        ctx = None
        # The budget bounds the modules a folder makes scorelint read, not the edits of one of them: a
        # sibling edited all day in the editor is parsed again each time.
        known = cached is not None
        if st.st_size <= MAX_FILE_BYTES and (known or (len(self._parsed) < MAX_MODULES and self._spent < TIME_BUDGET)):
            started = time.perf_counter()
            ctx = _parse(path, self)
            if not known:
                self._spent += time.perf_counter() - started
            self.parsed += 1
        self._parsed[path] = (stamp, ctx)
        return ctx

    def function(self, qualified: str) -> SiblingFunction | None:
        """The sibling function a qualified name (`helpers.predict`, `pkg.core.predict`) refers to."""
        module, _, name = qualified.rpartition(".")
        return self._function_in(module, name, MAX_HOPS) if module else None

    def _function_in(self, module: str, name: str, hops: int) -> SiblingFunction | None:
        import libcst as cst

        path = self.module_path(module) if hops > 0 else None
        ctx = self.module(path) if path is not None else None
        if ctx is None:
            return None
        bindings = ctx.facts.bindings.get(name)
        if not bindings or any(b.conditional for b in bindings):
            return None
        last = bindings[-1]
        if last.kind == "def" and isinstance(last.node, cst.FunctionDef):
            return SiblingFunction(module, ctx, last.node)
        if last.kind == "import" and last.qualified:
            target = _absolute(last.qualified, module, path.name == "__init__.py")
            target_module, _, target_name = target.rpartition(".")
            if target_module:
                return self._function_in(target_module, target_name, hops - 1)
        return None

    # --- every import a script brings in, with Python's ast ---------------------------------------------
    def imports(self, script: Path) -> ScriptImports:
        """Read again only when one of the files read has changed (deployments often share a script: blue
        and green; the language server runs for hours)."""
        cached = self._imports.get(script)
        if cached is not None and cached.stamps == _stamps(cached.local_files):
            return cached
        found = self._read_imports(script)
        found.stamps = _stamps(found.local_files)
        if len(self._imports) > 64:
            self._imports.clear()
        self._imports[script] = found
        return found

    def local_names(self, importer: Path, script: Path) -> frozenset[str]:
        """The top-level names an import in `importer` finds in the code folder: beside the importer, beside
        the script, at the root."""
        names = module_names(self.root)
        for folder in (script.parent, importer.parent):
            if folder != self.root:
                names = names | module_names(folder)
        return names

    def _read_imports(self, script: Path) -> ScriptImports:
        found = ScriptImports(script)
        todo = [script]
        seen: set[Path] = set()
        while todo and len(seen) < MAX_LOCAL_MODULES:
            path = todo.pop()
            key = path.resolve()
            if key in seen:
                continue
            seen.add(key)
            found.local_files.append(path)
            try:
                source = path.read_bytes()
                tree = ast.parse(source)
            except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
                continue  # unreadable or not Python: the script's own lint reports it
            text = source.decode("utf-8", "replace")
            lines = text.splitlines()
            if path == script:
                found.script_tree, found.script_source = tree, text
            local_names = None
            for site in _import_sites(tree, path, lines):
                if site.module in sys.stdlib_module_names or site.top in sys.stdlib_module_names:
                    continue
                if local_names is None:
                    local_names = self.local_names(path, script)
                if site.module.startswith(".") or site.top in local_names:
                    joint = "" if site.module.endswith(".") else "."  # `from . import utils`: ".utils"
                    for name in (site.module, *(f"{site.module}{joint}{n}" for n in site.names)):
                        local = self.module_path(name, importer=path, also=(script.parent,))
                        if local is not None:
                            todo.append(local)
                    continue
                found.imports.append(site)
        return found


class CodeFolders:
    """The code folders of one project context, by root, the most recently used kept."""

    def __init__(self) -> None:
        self._folders: OrderedDict[Path, CodeFolder] = OrderedDict()

    def folder(self, root: Path) -> CodeFolder:
        root = Path(os.path.abspath(root))
        found = self._folders.get(root)
        if found is None:
            found = self._folders[root] = CodeFolder(root, self)
            while len(self._folders) > _FOLDERS_KEPT:
                self._folders.popitem(last=False)
        else:
            self._folders.move_to_end(root)
        return found

    def of_script(self, script: PurePath) -> CodeFolder | None:
        """The folder of a script that exists on disk (None for stdin, unsaved buffers, test strings)."""
        path = Path(script)
        return self.folder(path.parent) if path.is_file() else None

    def __iter__(self):
        return iter(self._folders.values())


# --- helpers ------------------------------------------------------------------------------------------
def module_names(folder: Path) -> frozenset[str]:
    """What `import name` finds in `folder`: modules, packages (any folder: namespace packages) and
    extensions; the listing is read again only when the folder changes."""
    try:
        stamp = os.stat(folder).st_mtime_ns
    except OSError:
        return frozenset()
    cached = _LISTINGS.get(folder)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return frozenset()
    names = set()
    for entry in entries:
        if entry.is_dir():
            names.add(entry.name)
        elif entry.name.endswith((".py", ".so", ".pyd")):
            names.add(entry.name.split(".")[0])
    if len(_LISTINGS) > 256:
        _LISTINGS.clear()
    _LISTINGS[folder] = (stamp, frozenset(names))
    return _LISTINGS[folder][1]


_LISTINGS: dict[Path, tuple[int, frozenset[str]]] = {}  # a listing is a fact of the disk, not of a project


def _stamps(paths: list[Path]) -> tuple[int, ...]:
    stamps = []
    for path in paths:
        try:
            stamps.append(os.stat(path).st_mtime_ns)
        except OSError:
            stamps.append(-1)
    return tuple(stamps)


def _relative_file(importer: Path, module: str) -> Path | None:
    """`.core` / `..utils.io` imported in `importer`: the file it names, when it exists."""
    level = len(module) - len(module.lstrip("."))
    base = importer.parent
    for _ in range(level - 1):
        base = base.parent
    rest = [p for p in module.lstrip(".").split(".") if p]
    target = base.joinpath(*rest) if rest else base
    for candidate in (target.with_suffix(".py") if rest else None, target / "__init__.py"):
        if candidate is not None and candidate.is_file():
            return candidate
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


def _parse(path: Path, folder: CodeFolder) -> FileContext | None:
    import libcst as cst

    from .context import FileContext
    from .encoding import SourceDecodeError, decode_source
    from .source import ParsedSource

    try:
        text = decode_source(path.read_bytes())
        return FileContext(path, ParsedSource.parse(text), folders=folder.folders)
    except (OSError, SourceDecodeError, cst.ParserSyntaxError, RecursionError, ValueError):
        return None  # a sibling that cannot be read or parsed: no cross-module answer


def _import_sites(tree: ast.Module, path: Path, lines: list[str]) -> list[ImportSite]:
    found: list[ImportSite] = []

    def where(node: ast.stmt) -> Range:
        line = lines[node.lineno - 1] if 0 < node.lineno <= len(lines) else ""
        # ast columns count UTF-8 bytes; findings count code points.
        start = len(line.encode()[: node.col_offset].decode("utf-8", "replace"))
        end_line = node.end_lineno or node.lineno
        end_text = lines[end_line - 1] if 0 < end_line <= len(lines) else ""
        end = len(end_text.encode()[: node.end_col_offset or 0].decode("utf-8", "replace"))
        return Range.of(node.lineno, start, end_line, end)

    def visit(body: list[ast.stmt], guarded: bool) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    found.append(ImportSite(alias.name, (), path, where(node), guarded))
            elif isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                names = tuple(a.name for a in node.names if a.name != "*")
                found.append(ImportSite(module, names, path, where(node), guarded))
            elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
                catches = any(_catches_import_error(h) for h in node.handlers)
                visit(node.body, guarded or catches)
                for handler in node.handlers:
                    visit(handler.body, guarded)
                visit(node.orelse, guarded or catches)
                visit(node.finalbody, guarded)
            elif isinstance(node, ast.If):
                visit(node.body, guarded or _is_main_or_type_checking(node.test))
                visit(node.orelse, guarded)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.With,
                                   ast.AsyncWith, ast.For, ast.AsyncFor, ast.While)):
                visit(node.body, guarded)
                visit(getattr(node, "orelse", []), guarded)
            elif isinstance(node, ast.Match):
                for case in node.cases:
                    visit(case.body, guarded)

    visit(tree.body, False)
    return found


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id in _GUARD_EXCEPTIONS for t in types)


def _is_main_or_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__":
        return any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    if isinstance(test, ast.Name) and test.id == "TYPE_CHECKING":
        return True
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def dotted_name(node: ast.expr) -> str:
    """`os.path.join` for an ast Name/Attribute chain; "" for any other expression."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{dotted_name(node.value)}.{node.attr}"
    return ""
