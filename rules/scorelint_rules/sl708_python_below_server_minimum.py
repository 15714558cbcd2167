from __future__ import annotations

import re

from scorelint.deployment.rule import DeploymentInvalid, DeploymentRule, DeploymentValid
from scorelint.model import Severity

from ._deployment_examples import conda, online_yaml, script

# azureml-inference-server-http 1.4.0 and later require Python >= 3.9 (1.5.1's Requires-Python). Below it,
# pip resolves the newest release that still installs: 1.3.4 on Python 3.8, 0.8.4.2 on 3.7.
SERVER_MINIMUM_PYTHON = (3, 9)
FALLBACK = {(3, 8): "1.3.4", (3, 7): "0.8.4.2"}


class PythonBelowServerMinimum(DeploymentRule):
    """The conda file pins Python below 3.9, which azureml-inference-server-http 1.4 and later require.

    ## What it does
    Reads the `python` pin of the environment's conda file (`python=3.8`, `python==3.8.10`,
    `python<3.9`) when the environment installs `azureml-inference-server-http`. If the server's own
    requirement allows no release for that Python (`azureml-inference-server-http>=1.4`, `==1.5.1`), it
    is an error; unpinned, it is a warning: pip then installs 1.3.4 (Python 3.8) or 0.8.4.2 (Python 3.7).

    ## Why is this bad?
    Server 1.4.0 dropped Python 3.8 (it requires >= 3.9) and with it its Flask 1 compatibility layer. With a
    pinned server the image build fails (pip finds no matching release); unpinned, the deployment runs a
    server years old, whose behaviour differs from the documentation and from the server you test with
    locally (under `@rawhttp`, `request.headers.has_keys()` and a lenient `request.json`). The azure-ai-ml
    loader (the differential test's oracle) does not read the conda file: this is one of scorelint's extra
    findings.

    ## Example
    ```yaml
    dependencies:
      - python=3.8
      - pip:
        - azureml-inference-server-http==1.5.1
    ```

    ## Use instead
    ```yaml
    dependencies:
      - python=3.11
      - pip:
        - azureml-inference-server-http==1.5.1
    ```
    """

    code = "SL708"
    name = "python-below-server-minimum"
    severity = Severity.ERROR
    contract = "6. The deployment: server 1.4.0 dropped Python 3.8 (requires >= 3.9)"

    VALID = [
        DeploymentValid(online_yaml(), files={"env/conda.yaml": conda("azureml-inference-server-http==1.5.1",
                                                                      conda_packages=("python=3.9",)),
                                              "src/score.py": script()}),
        DeploymentValid(online_yaml(), files={"env/conda.yaml": conda("numpy", conda_packages=("python=3.8",)),
                                              "src/score.py": script()}),
    ]
    INVALID = [
        DeploymentInvalid(online_yaml(), files={"env/conda.yaml": conda("azureml-inference-server-http==1.5.1",
                                                                        conda_packages=("python=3.8",)),
                                                "src/score.py": script()},
                          in_file="env/conda.yaml", line=5, message_contains="cannot install"),
        DeploymentInvalid(online_yaml(), files={"env/conda.yaml": conda("azureml-inference-server-http",
                                                                        conda_packages=("python==3.8.10",)),
                                                "src/score.py": script()},
                          in_file="env/conda.yaml", line=5, severity=Severity.WARNING, message_contains="1.3.4"),
    ]

    def check(self) -> None:
        env = self.deployment.environment
        if env is None or env.kind != "inline":
            return
        python, server = env.python, env.package("azureml-inference-server-http")
        if python is None or server is None:
            return
        version = _highest_minor(python.spec)
        if version is None or version >= SERVER_MINIMUM_PYTHON:
            return
        fallback = FALLBACK.get(version)
        written = f"python{python.spec}"
        if fallback is None or not _allows(server.spec, fallback):
            self.report_at(python.where, f"`{written}` is below Python 3.9, which "
                           f"`azureml-inference-server-http{server.spec}` requires",
                           help=f"Pip cannot install `azureml-inference-server-http{server.spec}` on it (1.4.0 and "
                                "later require Python >= 3.9): the image build fails. Pin Python 3.9 or later.")
            return
        self.report_at(python.where, f"`{written}` is below Python 3.9, so pip installs an old inference server",
                       help=f"Pip installs azureml-inference-server-http {fallback}, not a current release (1.4.0 and "
                            "later require Python >= 3.9): the deployment runs an old server whose behaviour differs "
                            "from the documentation. Pin Python 3.9 or later.",
                       severity=Severity.WARNING)


def _highest_minor(spec: str) -> tuple[int, int] | None:
    """The highest (major, minor) a conda python spec allows, when it caps the version at all."""
    spec = spec.strip().replace(" ", "")
    match = re.fullmatch(r"(?:==?)?(\d+)\.(\d+)(?:\.[\d*]+)*(?:\.\*)?(?:=[\w.*]+)?", spec)
    if match and spec[:1] in "=0123456789":
        return int(match[1]), int(match[2])
    match = re.fullmatch(r"<(=?)(\d+)\.(\d+)(?:\.\d+)?", spec)
    if match:
        major, minor = int(match[2]), int(match[3])
        return (major, minor) if match[1] else (major, minor - 1)
    return None


def _allows(spec: str, version: str) -> bool:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(spec).contains(version, prereleases=True)
    except InvalidSpecifier:
        return True
