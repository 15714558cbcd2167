"""The code folder a deployment uploads: the scoring script, the sibling modules it imports, and the
third-party modules they import.

The server appends its app root (the uploaded code folder) and `AML_APP_ROOT/AML_SOURCE_DIR` to
`sys.path` (azureml_inference_server_http/server/aml_blueprint.py), so a module or package at the top of
the code folder, or beside the script, imports on the service: those are local, never "missing".
Imports that cannot fail the deployment are marked `guarded`: under `try: ... except ImportError`
(or ModuleNotFoundError, Exception, a bare except), under `if __name__ == "__main__":`, or under
`if TYPE_CHECKING:`.
"""

from __future__ import annotations

import ast
import os
import sys
from functools import lru_cache
from dataclasses import dataclass, field
from pathlib import Path

from ..model import Range

_GUARD_EXCEPTIONS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
MAX_LOCAL_MODULES = 200  # a code folder is small; this bounds a pathological one


@dataclass(frozen=True)
class ImportSite:
    module: str  # the dotted module as written: "sklearn.linear_model"
    names: tuple[str, ...]  # for `from m import a, b`: ("a", "b")
    path: Path  # the file that holds the import
    range: Range
    guarded: bool

    @property
    def top(self) -> str:
        return self.module.split(".")[0]


@dataclass
class CodeFolder:
    root: Path
    script: Path
    imports: list[ImportSite] = field(default_factory=list)  # third-party candidates, script and siblings
    local_files: list[Path] = field(default_factory=list)  # the script and the local modules read
    unparsable: list[Path] = field(default_factory=list)
    stamps: tuple[int, ...] = ()  # modification times of local_files when read
    script_tree: ast.Module | None = None  # the scoring script, parsed (for rules that read its code)
    script_source: str = ""

    def is_local(self, module: str, importer: Path) -> bool:
        top = module.split(".")[0]
        return any(top in _module_names(folder) for folder in {self.root, self.script.parent, importer.parent})

    def local_module_file(self, module: str, importer: Path) -> Path | None:
        parts = module.split(".")
        for folder in (importer.parent, self.script.parent, self.root):
            base = folder.joinpath(*parts)
            for candidate in (base.with_suffix(".py"), base / "__init__.py"):
                if candidate.is_file():
                    return candidate
        return None


def _module_names(folder: Path) -> frozenset[str]:
    try:
        stamp = os.stat(folder).st_mtime_ns
    except OSError:
        return frozenset()
    return _module_names_at(folder, stamp)


@lru_cache(maxsize=256)
def _module_names_at(folder: Path, stamp: int) -> frozenset[str]:
    """What `import name` finds in `folder`: modules, packages (any folder: namespace packages) and extensions."""
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
    return frozenset(names)


_CACHE: dict[tuple[Path, Path], CodeFolder] = {}


def read_code_folder(root: Path, script: Path) -> CodeFolder:
    """Deployments often share a code folder (blue and green): it is read again only when one of the files
    read has changed (the language server runs for hours)."""
    key = (root.absolute(), script.absolute())
    cached = _CACHE.get(key)
    if cached is not None and cached.stamps == _stamps(cached.local_files):
        return cached
    folder = _read_code_folder(root, script)
    folder.stamps = _stamps(folder.local_files)
    if len(_CACHE) > 64:
        _CACHE.clear()
    _CACHE[key] = folder
    return folder


def _stamps(paths: list[Path]) -> tuple[int, ...]:
    stamps = []
    for path in paths:
        try:
            stamps.append(os.stat(path).st_mtime_ns)
        except OSError:
            stamps.append(-1)
    return tuple(stamps)


def _read_code_folder(root: Path, script: Path) -> CodeFolder:
    folder = CodeFolder(root, script)
    todo = [script]
    seen: set[Path] = set()
    while todo and len(seen) < MAX_LOCAL_MODULES:
        path = todo.pop()
        key = path.resolve()
        if key in seen:
            continue
        seen.add(key)
        folder.local_files.append(path)
        try:
            source = path.read_bytes()
            tree = ast.parse(source)
        except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
            folder.unparsable.append(path)
            continue
        text = source.decode("utf-8", "replace")
        lines = text.splitlines()
        if path == script:
            folder.script_tree, folder.script_source = tree, text
        for site in _imports(tree, path, lines):
            if site.module in sys.stdlib_module_names or site.top in sys.stdlib_module_names:
                continue
            if site.module.startswith(".") or folder.is_local(site.module, path):
                for name in (site.module, *(f"{site.module}.{n}" for n in site.names)):
                    local = _relative_file(path, name) if name.startswith(".") else folder.local_module_file(name, path)
                    if local is not None:
                        todo.append(local)
                continue
            folder.imports.append(site)
    return folder


def _relative_file(importer: Path, module: str) -> Path | None:
    level = len(module) - len(module.lstrip("."))
    base = importer.parent
    for _ in range(level - 1):
        base = base.parent
    rest = [p for p in module.lstrip(".").split(".") if p]
    target = base.joinpath(*rest) if rest else base
    for candidate in (target.with_suffix(".py"), target / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(tree: ast.Module, path: Path, lines: list[str]) -> list[ImportSite]:
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
