"""Which distribution provides which import name, from installed metadata (the source deptry and
FawltyDeps trust too): each distribution's `top_level.txt`, or the top folders of its RECORD, and its
`Requires-Dist` for what it brings along. Read from scorelint's own interpreter, or from the deployment's
interpreter (`--python`), where this module runs as a script and prints the same data as JSON.

This reads the dist-info folders directly through `importlib.metadata` and takes each name from the
folder's name (as the wheel spec writes it), because `packages_distributions()` parses every METADATA
file with the email parser: 250 ms on a 100-package environment, against about 15 ms here.

Stdlib only: it must run under any interpreter the user names.
"""

from __future__ import annotations

import json
import re
import sys


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def scan(with_requires: bool = False) -> dict[str, dict]:
    """{distribution: {"modules": [import names], "requires": [...]}}. The import names are the top-level
    ones, plus two more levels for namespace packages (azure.storage.blob) where several distributions
    share a top-level name. `requires` only with `with_requires` (reading it parses the METADATA file)."""
    from importlib import metadata

    found: dict[str, dict] = {}
    dists = {}
    for dist in metadata.distributions():
        # PathDistribution knows its normalised name from its folder; others (rare) from their metadata.
        name = getattr(dist, "_normalized_name", None) or dist.metadata["Name"]
        if not name or _canonical(name) in found:  # the first one on sys.path wins, as for imports
            continue
        name = _canonical(name)
        dists[name] = dist
        top = dist.read_text("top_level.txt")
        if top:
            modules = {line.strip().replace("/", ".") for line in top.splitlines() if line.strip()}
        else:
            modules = _record_modules(dist.read_text("RECORD"), depth=1)
        found[name] = {"modules": sorted(modules)}
        if with_requires:
            found[name]["requires"] = requirements(dist.requires)
    # Namespace packages: one top-level name, several distributions: look one level deeper in their RECORDs.
    owners: dict[str, list[str]] = {}
    for name, entry in found.items():
        for module in entry["modules"]:
            owners.setdefault(module, []).append(name)
    for module, names in owners.items():
        if len(names) > 1:
            for name in names:
                deeper = _record_modules(dists[name].read_text("RECORD"), depth=3)
                found[name]["modules"] = sorted(set(found[name]["modules"]) | {
                    m for m in deeper if m.split(".")[0] == module})
    return found


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


_SKIPPED_MARKER = re.compile(r"extra\s*==|platform_system\s*==\s*['\"]Windows|sys_platform\s*==\s*['\"]win32")


def requirements(lines) -> list[str]:
    """The distributions a Requires-Dist list installs without extras, in a Linux container."""
    try:
        from packaging.requirements import InvalidRequirement, Requirement
    except ImportError:  # an interpreter named with --python may lack packaging: judge the markers roughly
        Requirement = None
    names = set()
    for line in lines or ():
        if Requirement is not None:
            try:
                requirement = Requirement(line)
            except InvalidRequirement:
                continue
            if requirement.marker is not None and not requirement.marker.evaluate(
                    {"extra": "", "platform_system": "Linux", "sys_platform": "linux", "os_name": "posix"}):
                continue
            names.add(_canonical(requirement.name))
            continue
        marker = line.split(";", 1)[1] if ";" in line else ""
        if _SKIPPED_MARKER.search(marker):
            continue
        match = re.match(r"\s*([A-Za-z0-9_.\-]+)", line)
        if match:
            names.add(_canonical(match[1]))
    return sorted(names)

if __name__ == "__main__":
    json.dump(scan(with_requires=True), sys.stdout)
