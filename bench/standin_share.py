"""How many real entry scripts `scorelint swagger` gives a document for, without and with stand-ins.

    python bench/standin_share.py FOLDER... [--jobs 2] [--timeout 20] [--list]

Finds the entry scripts under each FOLDER: Python files that define (or import) `init` and `run` at module
level, plus the `%%writefile` cells of notebooks, written to a temporary copy of their folder so that
the modules they write beside each other resolve. Identical scripts (forks, copies) count once. Each
script is run through the sandbox twice, in the interpreter running this file and with nothing else
installed: `--no-stand-ins` (strict: "before") and the default (stand-ins: "after"). Prints, for all entry
scripts and for those that use `@input_schema`, the share that gives a document, and what stops the
others (`--list` names them). Nothing fetched is kept: point it at a folder outside the repository.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import re
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scorelint.sandbox import SandboxOptions, WarmWorker, swagger  # noqa: E402

WRITEFILE = re.compile(r"\s*%%writefile\s+(-a\s+)?(\S+)\s*\n")


def notebook_scripts(folder: Path, out: Path) -> None:
    """Write every `%%writefile NAME.py` cell of the notebooks under `folder` to the same place under `out`."""
    for notebook in folder.rglob("*.ipynb"):
        try:
            cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        for cell in cells:
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            match = WRITEFILE.match(source) if cell.get("cell_type") == "code" else None
            if not match or not match.group(2).endswith(".py"):
                continue
            target = (out / notebook.parent.relative_to(folder) / match.group(2)).resolve()
            if not str(target).startswith(str(out.resolve())):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "a" if match.group(1) else "w", encoding="utf-8") as handle:
                handle.write(source[match.end():] + "\n")


def entry_kind(path: Path) -> str | None:
    """None (not an entry script), "schema" (uses input_schema) or "plain"."""
    try:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.ImportFrom):
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    if not {"init", "run"} <= names:
        return None
    return "schema" if "input_schema" in text else "plain"


def outcome(result) -> str:
    if result.failure is None:
        return "document" if result.documents else "no document: " + "; ".join(
            list(result.stood_in_documents.values())[:1] or list(result.unavailable.values())[:1])[:90]
    failure = result.failure
    if failure.exception == "ModuleNotFoundError" and failure.module:
        return f"missing module {failure.module.split('.')[0]}"
    if failure.stand_in:
        return f"{failure.kind}: fails on a stand-in ({failure.exception})"
    return f"{failure.kind}: {failure.exception or failure.message[:60]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--list", action="store_true", help="name every script that gives no document")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="standin-share-"))
    roots = list(args.folders)
    for index, folder in enumerate(args.folders):
        notebook_scripts(folder, scratch / str(index))
        roots.append(scratch / str(index))
    scripts, seen = [], set()
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            kind = entry_kind(path)
            digest = hashlib.sha256(path.read_bytes()).hexdigest() if kind else None
            if kind and digest not in seen:
                seen.add(digest)
                scripts.append((path, kind))

    workers = [WarmWorker().start() for _ in range(args.jobs)]
    started = time.perf_counter()

    def measure(item):
        index, (path, kind) = item
        worker = workers[index % len(workers)]
        before = swagger(path, SandboxOptions(stand_ins=False, timeout=args.timeout), worker=worker)
        after = swagger(path, SandboxOptions(timeout=args.timeout), worker=worker)
        return path, kind, outcome(before), outcome(after), after.stood_in

    try:
        with ThreadPoolExecutor(len(workers)) as pool:
            rows = list(pool.map(measure, enumerate(scripts)))
    finally:
        for worker in workers:
            worker.close()

    print(f"{len(rows)} entry scripts ({sum(k == 'schema' for _, k, *_ in rows)} with @input_schema), "
          f"measured in {time.perf_counter() - started:.0f} s")
    for label, chosen in (("all entry scripts", rows), ("@input_schema scripts", [r for r in rows if r[1] == "schema"])):
        if not chosen:
            continue
        before = sum(r[2] == "document" for r in chosen)
        after = sum(r[3] == "document" for r in chosen)
        print(f"{label}: document before {before}/{len(chosen)} ({before / len(chosen):.0%}), "
              f"with stand-ins {after}/{len(chosen)} ({after / len(chosen):.0%})")
    print("what stops the rest, with stand-ins:")
    for reason, count in Counter(r[3] for r in rows if r[3] != "document").most_common():
        print(f"  {count:4d}  {reason}")
    print("most stood-in packages:", ", ".join(f"{m} {c}" for m, c in Counter(
        m for r in rows for m in r[4]).most_common(15)))
    if args.list:
        for path, kind, before, after, _ in rows:
            if after != "document":
                print(f"{kind:6s} {after:50s} {path}")


if __name__ == "__main__":
    main()
