"""The engine's layout, checked: its modules import one another without cycles (type-only imports
included: they are how a reader follows the code), the engine never names the built-in rule pack (it
comes through the `scorelint.rules` entry point like any other pack), and the language server adapts the
document pipeline rather than reaching into the folder walk."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "scorelint"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, *, module_level_only: bool) -> set[str]:
    """The modules `path` imports (relative imports resolved). Module level: the top-level statements,
    including `if TYPE_CHECKING:` and try blocks, not imports inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    nodes = []
    if module_level_only:
        pending = list(tree.body)
        while pending:
            node = pending.pop()
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                nodes.append(node)
            elif isinstance(node, (ast.If, ast.Try)):
                pending.extend([*node.body, *node.orelse, *getattr(node, "finalbody", []),
                                *(s for h in getattr(node, "handlers", []) for s in h.body)])
    else:
        nodes = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
            continue
        base = package[:len(package) - node.level + 1] if node.level else []
        target = ".".join([*base, *(node.module.split(".") if node.module else [])])
        names.add(target)
        names.update(f"{target}.{alias.name}" for alias in node.names)  # `from . import x` imports a module
    return names


def engine_modules() -> dict[str, Path]:
    return {module_name(p): p for p in ENGINE.rglob("*.py") if "child" not in p.relative_to(ENGINE).parts[:2]}


def test_engine_modules_import_each_other_without_cycles():
    modules = engine_modules()
    graph = {name: sorted(m for m in imported(path, module_level_only=True) if m in modules and m != name)
             for name, path in modules.items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(name: str, stack: list[str]) -> None:
        state[name] = 1
        for dep in graph[name]:
            if state.get(dep) == 1:
                cycles.append(" -> ".join([*stack[stack.index(dep):], dep]))
            elif dep not in state:
                visit(dep, [*stack, dep])
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_engine_does_not_import_the_builtin_rule_pack():
    for name, path in engine_modules().items():
        assert not any(m.split(".")[0] == "scorelint_rules" for m in imported(path, module_level_only=False)), name


def test_language_server_adapts_the_pipeline_not_the_folder_walk():
    for path in (ROOT / "lsp" / "scorelint_lsp").glob("*.py"):
        found = imported(path, module_level_only=False)
        assert "scorelint.discovery" not in found and "scorelint.runner" not in found, path.name
    assert "scorelint.project" in imported(ROOT / "lsp" / "scorelint_lsp" / "server.py", module_level_only=True)
