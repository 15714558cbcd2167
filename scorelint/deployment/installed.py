"""Which distribution provides which import name, from installed metadata (the source deptry and
FawltyDeps trust too): each distribution's `top_level.txt`, or the top folders of its RECORD, and its
`Requires-Dist` for what it brings along. Read from scorelint's own interpreter, or from the deployment's
interpreter (`--python`), where this module runs as a script and prints the same data as JSON.

This reads the dist-info folders directly through `importlib.metadata` and takes each name from the
folder's name (as the wheel spec writes it), because `packages_distributions()` parses every METADATA
file with the email parser: 250 ms on a 100-package environment, against about 5 ms here.

Stdlib only: it must run under any interpreter the user names.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import PurePath


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def scan(with_requires: bool = False, deep: bool = False, dists: dict | None = None) -> dict[str, dict]:
    """{distribution: {"modules": [import names], "requires": [...]}}. The import names are the top-level
    ones; with `deep`, two more levels for namespace packages (azure.storage.blob) where several
    distributions share a top-level name (in-process, `deeper()` reads them only when a lookup needs them).
    `requires` only with `with_requires` (reading it parses the METADATA file). `dists`, when given, is filled
    with the Distribution objects by name."""
    from importlib import metadata

    found: dict[str, dict] = {}
    dists = {} if dists is None else dists
    for dist in metadata.distributions():
        name = _folder_name(dist) or dist.metadata["Name"]
        if not name or _canonical(name) in found:  # the first one on sys.path wins, as for imports
            continue
        name = _canonical(name)
        dists[name] = dist
        top = _read_bytes(dist, "top_level.txt")
        if top:
            modules = {line.strip().replace("/", ".") for line in top.decode("utf-8", "replace").splitlines()
                       if line.strip()}
        else:
            modules = _record_tops(_read_bytes(dist, "RECORD") or b"") - {"__pycache__"}
        found[name] = {"modules": sorted(modules)}
        if with_requires:
            found[name]["requires"] = requirements(dist.requires)
    if deep:
        owners: dict[str, list[str]] = {}
        for name, entry in found.items():
            for module in entry["modules"]:
                owners.setdefault(module, []).append(name)
        for module, names in owners.items():
            if len(names) > 1:
                for name in names:
                    found[name]["modules"] = sorted(set(found[name]["modules"]) | deeper(dists[name], module))
    return found


def _folder_name(dist) -> str | None:
    """The distribution's name as its dist-info folder spells it (`scikit_learn-1.5.2.dist-info`, as the
    wheel spec writes it), None for another kind of distribution (its metadata says)."""
    folder = getattr(dist, "_path", None)  # an installed dist-info folder (importlib's PathDistribution)
    if isinstance(folder, PurePath) and folder.suffix in (".dist-info", ".egg-info"):
        return folder.stem.partition("-")[0]
    return None


def _read_bytes(dist, name: str) -> bytes | None:
    """A file of the distribution's metadata as bytes: decoding the RECORDs (700 KB for 130 distributions)
    costs more than reading them."""
    folder = getattr(dist, "_path", None)  # an installed dist-info folder (importlib's PathDistribution)
    if isinstance(folder, PurePath):
        try:
            with open(folder / name, "rb") as handle:
                return handle.read()
        except OSError:  # as read_text: not there (or not readable) is None
            return None
    text = dist.read_text(name)  # a zipped distribution, or another finder's
    return None if text is None else text.encode("utf-8")


def deeper(dist, top: str) -> set[str]:
    """The modules up to three levels deep under `top` that `dist` installs (from its RECORD)."""
    return {m for m in _record_modules(dist.read_text("RECORD"), depth=3) if m.split(".")[0] == top}


# A RECORD line's top-level module: a package folder, a module file or an extension (not *.dist-info/).
_TOP_IN_RECORD = re.compile(r"^([A-Za-z_]\w*)(?:/|\.py,|\.[\w.-]*\.(?:so|pyd),)", re.M)
_TOP_AT = re.compile(rb"([A-Za-z_]\w*)(/|\.py,|\.[\w.-]*\.(?:so|pyd),)")  # the same on one ASCII line's start
_LONE_CR = re.compile(rb"\r(?!\n)")


def _record_modules(record: str | None, depth: int) -> set[str]:
    modules: set[str] = set()
    for line in (record or "").splitlines():
        path = line.split(",", 1)[0]
        if path.startswith(("..", "/")) or ".dist-info/" in path or ".data/" in path or "__pycache__" in path:
            continue
        parts = path.split("/")
        if len(parts) == 1 and not path.endswith((".py", ".so", ".pyd")):
            continue  # a data file at the top, not a module
        stems = [p[:-3] if p.endswith(".py") else p.split(".")[0] for p in parts]
        for level in range(1, min(depth, len(parts)) + 1):
            if level < len(parts) or path.endswith((".py", ".so", ".pyd")):
                modules.add(".".join(stems[:level]))
    return modules


def _record_tops(record: bytes) -> set[str]:
    """The names `_TOP_IN_RECORD` finds in a RECORD's text, five times faster on big packages (pandas'
    RECORD holds 3,000 lines, numpy's 1,500): a package's lines come one after the other, so after a
    package's first line the lines up to its last one are skipped, once C-level counts show they all start
    with `package/`. Where they do not (another name in between), every line from there is matched."""
    if b"\r" in record and _LONE_CR.search(record):  # (csv writes \r\n, which needs nothing)
        record = record.replace(b"\r\n", b"\n").replace(b"\r", b"\n")  # the line ends text mode reads
    if not record.isascii():  # names may hold non-ASCII letters: matched as text, as Python reads names
        return set(_TOP_IN_RECORD.findall(record.decode("utf-8", "replace")))
    tops: set[str] = set()
    pos, size = 0, len(record)
    while pos < size:
        end = record.find(b"\n", pos)
        if end < 0:
            end = size
        match = _TOP_AT.match(record, pos)
        if match is not None:
            tops.add(match[1].decode("ascii"))
            if match[2] == b"/":
                marker = b"\n" + match[1] + b"/"
                last = record.rfind(marker, end)  # the newline before the package's last line
                if last >= 0:
                    if record.count(b"\n", end, last + 1) != record.count(marker, end, last + len(marker)):
                        tops.update(_TOP_IN_RECORD.findall(record.decode("ascii"), pos))  # not one block
                        return tops
                    end = record.find(b"\n", last + 1)
                    if end < 0:
                        end = size
        pos = end + 1
    return tops


_SKIPPED_MARKER = re.compile(r"extra\s*==|platform_system\s*==\s*['\"](Windows|Darwin)|sys_platform\s*==\s*['\"](win32|darwin)"
                             r"|os_name\s*==\s*['\"]nt")


_PYTHON_VERSION = re.compile(r"python(?:_full)?_version\s*(<=|<|==|!=|>=|>|~=)\s*['\"]([\d.*]+)['\"]")


def _old_python_only(marker: str) -> bool:
    """A marker made only of `python_version` clauses joined by `and`, one of which rules out Python 3.9+
    (`python_version < "3"`: backports for Python 2)."""
    if not marker.strip() or " or " in marker:
        return False
    clauses = [c.strip() for c in marker.split(" and ")]
    for clause in clauses:
        match = _PYTHON_VERSION.fullmatch(clause.strip("() "))
        if match is None:
            return False
    for clause in clauses:
        op, version = _PYTHON_VERSION.fullmatch(clause.strip("() ")).groups()
        wanted = tuple(int(p) for p in version.replace("*", "0").split(".")[:2])
        if (op in ("<", "<=") and wanted <= (3, 8)) or (op == "==" and wanted < (3, 9)):
            return True
    return False


def requirements(lines) -> list[str]:
    """The distributions a Requires-Dist list installs, without extras, in a Linux container. Markers are
    judged roughly (packaging's evaluator costs 40 ms of imports): a requirement kept by mistake only makes
    more modules count as provided, never one as missing."""
    names = set()
    for line in lines or ():
        marker = line.split(";", 1)[1] if ";" in line else ""
        if _SKIPPED_MARKER.search(marker) or _old_python_only(marker):
            continue
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._\-]*)", line)
        if match:
            names.add(_canonical(match[1]))
    return sorted(names)

if __name__ == "__main__":
    json.dump(scan(with_requires=True, deep=True), sys.stdout)
