"""Run scorelint over public entry scripts and count findings per rule (not part of the test suite).

    python bench/realworld_run.py --out DIR MIRROR... [--scorelint CMD] [--json FILE]

Each MIRROR is a git directory (a bare mirror or a work tree's `.git`) or a plain folder. Its Python files
at HEAD, and the `%%writefile NAME.py` cells of its notebooks, are written under DIR with their folders kept
(so sibling modules stay beside the scripts that import them); then `scorelint check` runs over DIR with
folder discovery (entry scripts only) and the per-rule counts are printed. Nothing fetched is kept in this
repository: DIR is yours to delete. Run it with two scorelint commands (`--scorelint`) for before/after.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

_WRITEFILE = re.compile(r"^%%writefile\s+(?:-a\s+)?(\S+\.py)\s*$")


def _git_files(mirror: Path) -> list[tuple[str, bytes]]:
    names = subprocess.run(["git", "-C", str(mirror), "ls-tree", "-r", "--name-only", "HEAD"],
                           capture_output=True, text=True, check=True).stdout.splitlines()
    out = []
    for name in names:
        if name.endswith((".py", ".ipynb")):
            blob = subprocess.run(["git", "-C", str(mirror), "show", f"HEAD:{name}"], capture_output=True)
            if blob.returncode == 0:
                out.append((name, blob.stdout))
    return out


def _folder_files(folder: Path) -> list[tuple[str, bytes]]:
    return [(str(p.relative_to(folder)), p.read_bytes()) for p in folder.rglob("*") if p.suffix in (".py", ".ipynb")]


def _notebook_scripts(data: bytes) -> list[tuple[str, str]]:
    try:
        cells = json.loads(data).get("cells", [])
    except (ValueError, AttributeError):
        return []
    found = []
    for cell in cells:
        source = cell.get("source", "")
        lines = (source if isinstance(source, str) else "".join(source)).splitlines()
        if lines and (match := _WRITEFILE.match(lines[0].strip())):
            found.append((match.group(1), "\n".join(lines[1:]) + "\n"))
    return found


def collect(sources: list[Path], out: Path) -> int:
    written = 0
    for source in sources:
        named = source.parent if source.name == ".git" else source
        label = named.parent.name if named.name == "repo" else named.name  # the fetch tool's owner+name/repo
        files = _git_files(source) if (source / "HEAD").exists() or source.name == ".git" else _folder_files(source)
        for name, data in files:
            target_dir = out / label / Path(name).parent
            if name.endswith(".py"):
                pieces = [(Path(name).name, data)]
            else:
                pieces = [(Path(script).name, text.encode()) for script, text in _notebook_scripts(data)]
                target_dir = target_dir / (Path(name).stem + "_ipynb")
            for file_name, content in pieces:
                target_dir.mkdir(parents=True, exist_ok=True)
                (target_dir / file_name).write_bytes(content)
                written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sources", nargs="*", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--scorelint", default=f"{sys.executable} -m scorelint")
    parser.add_argument("--json", type=Path, help="also write the findings here")
    args = parser.parse_args()
    if args.sources:
        print(f"wrote {collect(args.sources, args.out)} files under {args.out}")
    run = subprocess.run([*shlex.split(args.scorelint), "check", "--no-cache", "--exit-zero",
                          "--output-format", "json", str(args.out)], capture_output=True, text=True)
    findings = json.loads(run.stdout or "[]")
    if args.json:
        args.json.write_text(json.dumps(findings, indent=1))
    counts = collections.Counter(f["code"] for f in findings)
    print(f"{len(findings)} findings in {len({f['path'] for f in findings})} files")
    for code, count in sorted(counts.items()):
        print(f"  {code} {count}")


if __name__ == "__main__":
    main()
