"""Does the environment provide an import? Answered from installed metadata, as deptry and FawltyDeps do.

Sources, in order:
1. Installed metadata (`installed.py`) of the deployment's interpreter when one is given (`--python`),
   else of scorelint's own: which distribution provides an import name, and what each distribution
   requires, so a module that a listed package brings along (joblib with scikit-learn) is provided.
2. The distribution's own name (deptry's fallback): `azure-storage-blob` provides `azure.storage.blob`,
   `python-dateutil` provides `dateutil`, `opencv-python` does not say `cv2`, which is why (1) comes first.

A verdict says how sure it is. `missing` is certain only when every package the environment lists,
and everything they require, is known from metadata: then none of them provides the module (else it
would be importable here). When some listed package is not installed here, its dependencies are
unknown and the verdict is `maybe-missing` (advice naming them). A module no metadata knows and no
name matches (it is not installed here) is `missing` when everything the environment installs is known
(none of it provides the module), else `unknown`: nothing is reported, since a listed package that is not
installed here may provide it under another name (pillow provides PIL).
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import PurePath

from .environment import Environment, canonical

# Packages whose dependencies are published facts scorelint relies on without their metadata installed:
# azureml-inference-server-http 1.5.1 requires inference-schema~=1.8.0 (its METADATA), and
# azureml-defaults (1.62.0) requires azureml-inference-server-http~=1.4.
KNOWN_REQUIRES = {
    "azureml-inference-server-http": ("inference-schema", "flask", "flask-cors", "gunicorn", "pydantic",
                                      "werkzeug", "opentelemetry-api", "opentelemetry-sdk"),
    "azureml-defaults": ("azureml-inference-server-http", "azureml-core"),
    "inference-schema": ("python-dateutil", "pytz", "wrapt"),
}
SERVER_PROVIDERS = ("azureml-inference-server-http", "azureml-defaults")


class Metadata:
    """Import names and requirements of the distributions installed in one interpreter."""

    def __init__(self, table: dict[str, dict], requires_known: bool, source: str, dists: dict | None = None) -> None:
        self.table = table
        self._dists = dists  # in-process: Distribution objects, for reading namespace packages lazily
        self._deepened: set[str] = set()
        self.source = source  # "this interpreter" or the --python path, for messages
        self._requires_known = requires_known
        self._requires: dict[str, tuple[str, ...]] = {}
        self.providers: dict[str, set[str]] = {}
        for dist, entry in table.items():
            for module in entry["modules"]:
                self.providers.setdefault(module, set()).add(dist)

    def installed(self, dist: str) -> bool:
        return dist in self.table

    def providers_of(self, module: str) -> set[str]:
        """The distributions that install `module` (the most specific dotted prefix known)."""
        parts = module.split(".")
        top = parts[0]
        if self._dists is not None and top not in self._deepened and len(self.providers.get(top, ())) > 1:
            # A namespace package (azure, google): which distribution has which submodule, read now.
            from .installed import deeper

            self._deepened.add(top)
            for dist in self.providers[top]:
                for sub in deeper(self._dists[dist], top):
                    self.providers.setdefault(sub, set()).add(dist)
        for depth in range(min(len(parts), 3), 0, -1):
            found = self.providers.get(".".join(parts[:depth]))
            if found:
                return found
        return set()

    def requires(self, dist: str) -> tuple[str, ...] | None:
        """What `dist` installs along with it; None when it is not installed here (unknown)."""
        if dist not in self.table:
            known = KNOWN_REQUIRES.get(dist)
            return tuple(known) if known is not None else None
        if dist not in self._requires:
            if self._requires_known:
                self._requires[dist] = tuple(self.table[dist].get("requires", ()))
            else:
                from importlib import metadata

                from .installed import requirements

                try:
                    found = self._dists[dist] if self._dists is not None else metadata.distribution(dist)
                except (KeyError, metadata.PackageNotFoundError):
                    self._requires[dist] = ()
                else:
                    # The Requires-Dist lines, without the email parser `Distribution.requires` goes through
                    # (a few ms per distribution).
                    lines = [line[len("Requires-Dist:"):].strip() for line in _metadata_headers(found).splitlines()
                             if line.startswith("Requires-Dist:")]
                    self._requires[dist] = tuple(requirements(lines))
        return self._requires[dist]


def _metadata_headers(dist) -> str:
    """The header part of a distribution's METADATA (up to the first blank line), without reading the long
    description after it (most of the file: 60 KB for some)."""
    folder = getattr(dist, "_path", None)  # an installed dist-info folder (importlib's PathDistribution)
    if not isinstance(folder, PurePath):  # (a zipped one, or another finder's: its own reader)
        return (dist.read_text("METADATA") or dist.read_text("PKG-INFO") or "").split("\n\n", 1)[0]
    for name in ("METADATA", "PKG-INFO"):
        try:
            with open(folder / name, encoding="utf-8") as handle:
                text = ""
                while True:
                    chunk = handle.read(8192)
                    text += chunk
                    if not chunk or "\n\n" in text[-len(chunk) - 1:]:
                        return text.split("\n\n", 1)[0]
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
            continue
    return ""


@lru_cache(maxsize=8)
def metadata_for(python: str | None) -> Metadata:
    """Metadata of `python` (a path), or of this interpreter; read once per run."""
    if python is None:
        from .installed import scan

        dists: dict = {}
        return Metadata(scan(dists=dists), requires_known=False, source="this interpreter", dists=dists)
    from pathlib import Path

    script = Path(__file__).with_name("installed.py")
    try:
        out = subprocess.run([python, "-I", str(script)], capture_output=True, text=True, timeout=60, check=True)
        return Metadata(json.loads(out.stdout), requires_known=True, source=python)
    except (OSError, subprocess.SubprocessError, ValueError):
        return metadata_for(None)


@dataclass
class Closure:
    """Everything an environment installs, as far as metadata tells."""

    listed: set[str]
    provided: set[str] = field(default_factory=set)  # listed + what they require, transitively
    unknown: set[str] = field(default_factory=set)  # provided, but not installed here: requirements unknown
    via: dict[str, str] = field(default_factory=dict)  # dist -> the listed package that brings it


def closure(env: Environment, meta: Metadata, extra: tuple[str, ...] = ()) -> Closure:
    """Deployments often share an environment file: computed once per package list."""
    key = (id(meta), tuple(sorted((p.name, p.extras) for p in env.packages)), extra)
    found = _CLOSURES.get(key)
    if found is None:
        if len(_CLOSURES) > 256:
            _CLOSURES.clear()
        found = _CLOSURES[key] = _closure(env, meta, extra)
    return found


_CLOSURES: dict[tuple, Closure] = {}


def _closure(env: Environment, meta: Metadata, extra: tuple[str, ...]) -> Closure:
    listed = {p.name for p in env.packages if p.name not in ("python", "pip")} | set(extra)
    result = Closure(listed)
    todo = [(name, name) for name in sorted(listed)]
    for package in env.packages:  # extras a requirement asks for: inference-schema[numpy-support] -> numpy
        for extra_name in package.extras:
            for dep in _extra_requires(package.name, extra_name):
                todo.append((dep, package.name))
    while todo:
        dist, root = todo.pop()
        if dist in result.provided:
            continue
        result.provided.add(dist)
        result.via.setdefault(dist, root)
        requires = meta.requires(dist)
        if requires is None:
            result.unknown.add(dist)
            continue
        todo.extend((r, root) for r in requires)
    return result


# The extras of inference-schema (its METADATA): numpy-support -> numpy, pandas-support -> pandas,
# pyspark-support -> pyspark. Other packages' extras are read from metadata when installed here.
_SCHEMA_EXTRAS = {"numpy-support": ("numpy",), "pandas-support": ("pandas",), "pyspark-support": ("pyspark",)}


def _extra_requires(dist: str, extra: str) -> tuple[str, ...]:
    if dist == "inference-schema":
        return _SCHEMA_EXTRAS.get(extra, ())
    from importlib import metadata

    try:
        lines = metadata.distribution(dist).requires or ()
    except metadata.PackageNotFoundError:
        return ()
    names = []
    for line in lines:
        if ";" in line and extra in line.split(";", 1)[1].replace("_", "-"):
            names.append(canonical(line.split(";")[0].split("[")[0].split("(")[0].strip().split(" ")[0]
                                   .rstrip("<>=!~")))
    return tuple(n for n in names if n)


@dataclass(frozen=True)
class Verdict:
    status: str  # "provided", "missing", "maybe-missing", "unknown"
    providers: tuple[str, ...] = ()  # the distributions that would provide the module
    unknown: tuple[str, ...] = ()  # listed packages whose requirements are unknown here
    transitive_via: str | None = None  # provided only through this listed package


def name_matches(dist: str, module: str) -> bool:
    """Whether a distribution's name says it provides `module` (deptry's guess, plus namespace packages)."""
    forms, dotted = _name_forms(dist)
    if module.partition(".")[0].lower() in forms:
        return True
    module = module.lower()
    return module == dotted or module.startswith(dotted + ".") or dotted.startswith(module + ".")


@lru_cache(maxsize=4096)
def _name_forms(dist: str) -> tuple[frozenset[str], str]:
    """The import names a distribution's name suggests (`python-dateutil`: dateutil), and its dotted form
    (`azure-storage-blob`: azure.storage.blob). Asked for every import of every deployment: worked out once."""
    forms = {dist.replace("-", "_")}
    for prefix in ("python-", "py"):
        if dist.startswith(prefix):
            forms.add(dist[len(prefix):].replace("-", "_"))
    for suffix in ("-python", "-py"):
        if dist.endswith(suffix):
            forms.add(dist[: -len(suffix)].replace("-", "_"))
    return frozenset(forms), dist.replace("-", ".")


def judge(module: str, env: Environment, meta: Metadata, provided: Closure) -> Verdict:
    providers = meta.providers_of(module)
    if providers & provided.provided:
        hit = sorted(providers & provided.provided)[0]
        via = provided.via.get(hit)
        return Verdict("provided", tuple(sorted(providers)), transitive_via=None if hit in provided.listed else via)
    if any(name_matches(dist, module) for dist in provided.provided):
        return Verdict("provided", tuple(sorted(providers)))
    # Not provided by anything known. Sure only if every installed package is known and the image adds none.
    unsure = sorted(provided.unknown)
    if not env.complete or env.image_kind in ("inference", "other"):
        unsure = unsure or ["(the image)"]
    if not providers and unsure:
        return Verdict("unknown")  # not installed here, and a listed package might provide it (pillow: PIL)
    # A module no installed metadata knows (not installed here) when everything the environment installs is
    # known: none of it provides the module, so it is missing whatever its distribution is called.
    # `providers` stays empty then: scorelint cannot name the package to add.
    roots = sorted({provided.via.get(d, d) for d in unsure})
    return Verdict("maybe-missing" if unsure else "missing", tuple(sorted(providers)), tuple(roots))
