"""An inline environment: the base image, the conda file, and the pip requirements they name.

A conda file is read as Azure ML builds it: its `dependencies` are conda packages (`numpy=1.26`,
`conda-forge::scikit-learn`), and its `pip:` list holds pip requirements, `-r other.txt` references
(relative to the conda file) and options. Names are kept as PEP 503 canonical distribution names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..model import Range
from .yamlfile import Located, YamlDocument, YamlError, read_overlay

# Images of Azure ML's registry. The inference images already run azureml-inference-server-http (their
# names contain "inference"); the others (openmpi..., the base training images) carry conda and Python only.
AZUREML_IMAGE = re.compile(r"^mcr\.microsoft\.com/azureml/", re.IGNORECASE)


def canonical(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Package:
    name: str  # canonical distribution name
    spec: str  # the version part as written ("", "==1.5.1", "=3.9")
    source: str  # "conda" or "pip"
    where: Located
    extras: frozenset[str] = frozenset()


@dataclass
class Environment:
    """What a deployment's environment installs, as far as the repository tells."""

    kind: str  # "inline", "registered" (azureml:...), "build" (a Docker context), "missing"
    where: Located
    image: Located | None = None
    conda_file: Path | None = None
    packages: list[Package] = field(default_factory=list)
    # Files read to learn the packages (conda file, requirements files): findings may point into them.
    files: list[Path] = field(default_factory=list)
    # Problems met while reading (unreadable or missing files, unparsable lines): (where, message).
    problems: list[tuple[Located, str]] = field(default_factory=list)
    # False when part of the package list could not be read (a missing -r file, a URL requirement
    # without a name): then nothing is reported at error level about a package being absent.
    complete: bool = True
    overlay: dict[Path, str] | None = None  # unsaved editor buffers, read instead of the disk

    @property
    def image_name(self) -> str | None:
        return self.image.value if self.image is not None and isinstance(self.image.value, str) else None

    @property
    def image_kind(self) -> str:
        """"none", "inference" (Azure ML's inference images: the server is there), "plain" (Azure ML's base
        images: no server, no Python packages beyond conda's) or "other" (anyone's image: unknown)."""
        name = self.image_name
        if not name:
            return "none"
        if AZUREML_IMAGE.match(name):
            return "inference" if "inference" in name.lower() else "plain"
        return "other"

    def package(self, name: str) -> Package | None:
        name = canonical(name)
        return next((p for p in self.packages if p.name == name), None)

    @property
    def python(self) -> Package | None:
        return next((p for p in self.packages if p.name == "python" and p.source == "conda"), None)


_CONDA_SPEC = re.compile(r"^\s*(?:[\w.\-/]+::)?(?P<name>[A-Za-z0-9_][A-Za-z0-9_.\-]*)\s*(?P<spec>.*)$")


def read_conda_file(env: Environment, path: Path, reference: Located, overlay: dict[Path, str] | None = None) -> None:
    """Add the packages of the conda file at `path` (named at `reference`) to `env`."""
    env.overlay = overlay
    if read_overlay(path, overlay) is None and not path.is_file():
        env.problems.append((reference, f"the conda file `{reference.value}` does not exist"))
        env.complete = False
        return
    try:
        doc = YamlDocument.read(path, overlay)
    except YamlError as exc:
        env.problems.append((reference, f"cannot read the conda file `{reference.value}`: {exc}"))
        env.complete = False
        return
    env.conda_file = path
    env.files.append(path)
    data = doc.data
    deps = doc.value(data, "dependencies") if isinstance(data, dict) else None
    if deps is None or not isinstance(deps.value, list):
        if not isinstance(data, dict):
            env.problems.append((reference, "the conda file holds no `dependencies` list"))
            env.complete = False
        return
    for item in doc.items(deps.value):
        if isinstance(item.value, str):
            match = _CONDA_SPEC.match(item.value)
            if match:
                env.packages.append(Package(_conda_name(match["name"]), match["spec"].strip(), "conda", item))
        elif isinstance(item.value, dict) and "pip" in item.value:
            pip = doc.value(item.value, "pip")
            for line in doc.items(pip.value if pip else None):
                if isinstance(line.value, str):
                    _pip_line(env, line.value, line, path.parent)


def _conda_name(name: str) -> str:
    # conda-forge names Python bindings "py-<name>" (py-xgboost) and ships torch as "pytorch": their
    # import names are those of the PyPI distributions.
    name = canonical(name)
    if name.startswith("py-"):
        return name[3:]
    return "torch" if name == "pytorch" else name


def read_requirements(env: Environment, path: Path, reference: Located, depth: int = 0) -> None:
    try:
        text = read_overlay(path, env.overlay)
        if text is None:
            text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = "it does not exist" if isinstance(exc, FileNotFoundError) else getattr(exc, "strerror", None) or exc
        env.problems.append((reference, f"cannot read the requirements file `{path.name}`: {reason}"))
        env.complete = False
        return
    env.files.append(path)
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if not line:
            continue
        where = Located(line, path, Range.of(number, len(raw) - len(raw.lstrip()), number, len(raw.rstrip())))
        _pip_line(env, line, where, path.parent, depth)


def _pip_line(env: Environment, line: str, where: Located, folder: Path, depth: int = 0) -> None:
    line = line.strip()
    reference = re.match(r"^(?:-r|--requirement)\s*=?\s*(\S+)$", line)
    if reference:
        if depth < 5:
            read_requirements(env, folder / reference[1], where, depth + 1)
        return
    if line.startswith("-"):
        if line.startswith(("-e", "--editable")):
            env.complete = False  # an editable path or URL: its name is not written here
        return  # --extra-index-url, --find-links, -c ...: options, not packages
    egg = re.search(r"#egg=([A-Za-z0-9_.\-]+)", line)
    if egg:
        env.packages.append(Package(canonical(egg[1]), "", "pip", where))
        return
    requirement = _REQUIREMENT.match(line)
    if requirement is None or "://" in line.split(";")[0] or line.startswith((".", "/")):
        env.complete = False  # a URL or a local path: some package is installed, its name unknown here
        return
    extras = frozenset(canonical(e) for e in re.split(r"[\s,]+", requirement["extras"] or "") if e)
    spec = (requirement["spec"] or "").split(";")[0].strip().strip("()").replace(" ", "")
    env.packages.append(Package(canonical(requirement["name"]), spec, "pip", where, extras))


# PEP 508's name, optional [extras] and the version part (kept as written; SL708 reads it with packaging).
_REQUIREMENT = re.compile(r"^\s*(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*"
                          r"(?:\[(?P<extras>[^\]]*)\])?\s*(?P<spec>[^@]*)$")
