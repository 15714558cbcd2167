"""A cache of lint results keyed by everything that can change them (ruff's idea).

The key of one file's entry hashes: the file's bytes, its path (diagnostics carry it and per-file ignores
depend on it), scorelint's version, the settings' fingerprint, and a fingerprint of the code of the engine
and of every rule (module file sizes and modification times), so an edited rule or an upgrade can never
serve a stale result. Entries are written to a temporary file and renamed into place, so concurrent runs
(pre-commit in two terminals, `-j` workers) never see half an entry. The cache lives in the user cache
folder (`$XDG_CACHE_HOME/scorelint`, else `~/.cache/scorelint`; `SCORELINT_CACHE_DIR` overrides it) and
`--no-cache` skips it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import stat
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

from . import __version__
from .model import Applicability, Diagnostic, Edit, Fix, LintResult, Range, Severity
from .untrusted import read_untrusted_whole

FORMAT = 2  # bump when the entry layout changes
MAX_ENTRY_BYTES = 64 << 20  # far above any real entry (a 1 MB script full of findings); past it: a miss


def default_cache_dir() -> Path:
    override = os.environ.get("SCORELINT_CACHE_DIR")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "scorelint"


@lru_cache(maxsize=None)
def code_fingerprint(memo_dir: Path) -> str:
    """Size and mtime of every source file of the engine and of every rule pack: changes whenever any
    of them does. Found without importing the rules, so a warm run never loads them (or libcst)."""
    digest = hashlib.sha256(f"{__version__}|{FORMAT}|{sys.version_info[:2]}".encode())
    folders = [Path(__file__).parent]
    for top_level in rule_packages(memo_dir):
        spec = importlib.util.find_spec(top_level)  # finds a top-level package without running it
        if spec is None:
            continue
        if spec.submodule_search_locations:
            folders.extend(Path(p) for p in spec.submodule_search_locations)
        elif spec.origin:
            digest.update(_stat_line(Path(spec.origin)))
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            digest.update(_stat_line(path))
    return digest.hexdigest()


def _stat_line(path: Path) -> bytes:
    try:
        st = path.stat()
    except OSError:
        return b""
    return f"{path}|{st.st_size}|{st.st_mtime_ns}\n".encode()


def _siblings_stamp(folder: str) -> bytes:
    """Size and mtime of the Python modules beside a script and in its packages (folders with an
    `__init__.py`, at any depth), up to 256 files: the rules read sibling modules (scorelint/codefolder.py),
    so editing one must miss the cache. Remembered per ResultCache (one run), not per process: `--watch`
    runs again in the same process after a sibling changed."""
    lines: list[bytes] = []
    pending = [folder]
    while pending and len(lines) < 256:
        current = pending.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    if entry.name.endswith(".py") and entry.is_file():
                        lines.append(_stat_line(Path(entry.path)))
                    elif entry.is_dir() and os.path.isfile(os.path.join(entry.path, "__init__.py")):
                        pending.append(entry.path)
        except OSError:
            continue
    return b"".join(sorted(lines[:256]))


def rule_packages(memo_dir: Path) -> list[str]:
    """Top-level packages of the `scorelint.rules` entry points. Scanning every installed
    distribution's metadata is slow in large environments, so the answer is kept beside the cache,
    keyed by the modification times of the folders on sys.path (installing or removing a distribution
    changes its folder's)."""
    from .registry import GROUP

    stamp = hashlib.sha256()
    for entry in sys.path:
        try:
            stamp.update(f"{entry}|{os.stat(entry or '.').st_mtime_ns}".encode())
        except OSError:
            stamp.update(entry.encode())
    memo = memo_dir / f"rule-packages-{stamp.hexdigest()[:24]}.json"
    data = read_untrusted_whole(memo, MAX_ENTRY_BYTES)
    try:
        if data is not None:
            packages = json.loads(data)
            if isinstance(packages, list) and all(isinstance(p, str) for p in packages):
                return packages
    except (ValueError, RecursionError):
        pass
    from importlib.metadata import entry_points

    packages = sorted({ep.value.split(":")[0].split(".")[0] for ep in entry_points(group=GROUP)})
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=memo.parent, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(packages, handle)
        os.replace(tmp, memo)
    except OSError:
        pass
    return packages


class ResultCache:
    def __init__(self, directory: Path, settings_fingerprint: str) -> None:
        self.directory = directory
        self.salt = f"{code_fingerprint(directory)}|{settings_fingerprint}"
        self._stamps: dict[str, bytes] = {}  # folder -> its modules' stamp, for this run

    def key(self, path: Path, data: bytes) -> str:
        digest = hashlib.sha256(self.salt.encode())
        digest.update(str(path).encode("utf-8", "surrogateescape"))
        digest.update(b"\0")
        digest.update(data)
        folder = os.path.dirname(os.path.abspath(path))
        stamp = self._stamps.get(folder)
        if stamp is None:
            stamp = self._stamps[folder] = _siblings_stamp(folder)
        digest.update(stamp)
        return digest.hexdigest()

    def _entry(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> LintResult | None:
        # The cache folder may hold anything (a shared or planted --cache-dir): an entry that is a FIFO, a
        # link to /dev/zero or to a secret, or a bomb of nested brackets is a miss, never a hang or a read.
        data = read_untrusted_whole(self._entry(key), MAX_ENTRY_BYTES)
        if data is None:
            return None
        try:
            return _result_from_json(json.loads(data))
        except (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError):
            return None  # damaged: recompute

    def put(self, key: str, result: LintResult) -> None:
        if result.error or result.internal_errors:
            return  # never cache a failure: the next run should try again
        entry = self._entry(key)
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            if not stat.S_ISDIR(os.lstat(entry.parent).st_mode):
                return  # a link planted in place of a shard folder: write nothing through it
            fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(_result_to_json(result), handle)
            os.replace(tmp, entry)
        except OSError:
            pass  # a read-only or full cache folder must never fail a lint


def _range(r: Range) -> list[int]:
    return [r.start.line, r.start.column, r.end.line, r.end.column]


def _unrange(v: list[int]) -> Range:
    return Range.of(*v)


def _result_to_json(result: LintResult) -> dict:
    return {
        "path": result.path,
        "diagnostics": [
            {
                "code": d.code, "name": d.name, "severity": d.severity.value, "message": d.message,
                "help": d.help, "range": _range(d.range), "noqa_line": d.noqa_line, "url": d.url,
                "fix": None if d.fix is None else {
                    "message": d.fix.message, "applicability": d.fix.applicability.value,
                    "edits": [[_range(e.range), e.content] for e in d.fix.edits],
                },
            }
            for d in result.diagnostics
        ],
    }


def _result_from_json(raw: dict) -> LintResult:
    diagnostics = []
    for d in raw["diagnostics"]:
        fix = None
        if d["fix"] is not None:
            fix = Fix(message=d["fix"]["message"], applicability=Applicability(d["fix"]["applicability"]),
                      edits=tuple(Edit(_unrange(r), content) for r, content in d["fix"]["edits"]))
        diagnostics.append(Diagnostic(
            code=d["code"], name=d["name"], severity=Severity(d["severity"]), message=d["message"],
            range=_unrange(d["range"]), fix=fix, noqa_line=d["noqa_line"], url=d["url"], help=d.get("help"),
        ))
    return LintResult(raw["path"], diagnostics=diagnostics)
