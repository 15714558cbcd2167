from __future__ import annotations

from scorelint.deployment.rule import DeploymentInvalid, DeploymentRule, DeploymentValid
from scorelint.deployment.yamlfile import Located
from scorelint.model import Severity

from ._deployment_examples import REGISTERED_ENV_YAML, conda, online_yaml, script

# Modules the dedicated rules speak about with a more precise message.
_OWNED_ELSEWHERE = frozenset({"inference_schema", "azureml_inference_server_http"})


class PackageNotInEnvironment(DeploymentRule):
    """The script imports a third-party module that no package of the deployment's environment provides.

    ## What it does
    Follows the scoring script and the local modules it imports (the code folder's own modules, which the
    server puts on `sys.path`), collects their third-party imports, and asks whether the inline
    environment (the conda file and the pip requirements it names) installs a package that provides
    each one. Which distribution provides which import name (`sklearn` is scikit-learn, `cv2` is
    opencv-python, `yaml` is PyYAML, `PIL` is Pillow) comes from installed metadata, as deptry and
    FawltyDeps do it: the metadata of the deployment's interpreter with `--python`, else of scorelint's
    own; a module a listed package brings along (joblib with scikit-learn) counts as provided.

    Not reported: the standard library, the code folder's own modules, imports under
    `try: ... except ImportError`, under `if __name__ == "__main__":` or `if TYPE_CHECKING:`, and registered
    environments (`azureml:name:version`), whose packages the repository does not show. The finding is an
    error only when scorelint knows everything the environment installs. When a listed package is not
    installed where scorelint runs (so what it brings along is unknown: mlflow brings pandas), or the image
    is not one of Azure ML's base images, scorelint cannot tell, and the finding is advice (info) naming
    them; `--python` with the deployment's interpreter makes it exact. A module that is not installed where
    scorelint runs (so no metadata names its distribution) is an error when everything the environment
    installs is known (then none of it provides the module), else not reported (a listed package that is
    not installed here may provide it under another name, as pillow provides PIL).

    ## Why is this bad?
    Azure ML's troubleshooting guide lists it as the first cause of a deployment stuck in
    ResourceNotReady: the server imports the script at start-up, the import raises ModuleNotFoundError, and
    the container restarts until the deployment fails, 10 to 20 minutes later. It works on the laptop
    because the package happens to be installed there. The azure-ai-ml loader (the differential test's
    oracle) does not look at imports: this is one of scorelint's extra findings.

    ## Example
    ```python
    import pandas as pd   # conda.yaml lists numpy and scikit-learn only
    ```

    ## Use instead
    ```yaml
    dependencies:
      - python=3.11
      - pip:
        - azureml-inference-server-http
        - scikit-learn
        - pandas
    ```
    """

    code = "SL702"
    name = "package-not-in-environment"
    severity = Severity.ERROR
    contract = "1. Loading: imports of packages that are not installed are the most common cause of a failed deployment"

    # The examples run where scorelint's tests run: numpy, pandas, PyYAML and the server are installed there.
    _ENV = conda("azureml-inference-server-http", "numpy")
    VALID = [
        DeploymentValid(online_yaml(), files={
            "env/conda.yaml": conda("azureml-inference-server-http", "numpy", "pandas", "pyyaml"),
            "src/score.py": script("import os", "import json", "import numpy as np", "import pandas as pd",
                                   "import yaml", "import flask", "import dateutil.parser")}),
        DeploymentValid(online_yaml(), files={"env/conda.yaml": _ENV, "src/helpers.py": "import numpy\n",
                                              "src/score.py": script("import helpers", "from helpers import numpy")}),
        DeploymentValid(online_yaml(), files={"env/conda.yaml": _ENV, "src/score.py": script(
            "try:", "    import pandas", "except ImportError:", "    pandas = None")}),
        DeploymentValid(online_yaml(), files={"env/conda.yaml": _ENV, "src/score.py": script(
            body="\nif __name__ == '__main__':\n    import pandas\n")}),
        DeploymentValid(REGISTERED_ENV_YAML, files={"src/score.py": script("import pandas")}),
        # not installed here, and a listed package that is not installed here either may provide it
        DeploymentValid(online_yaml(), files={
            "env/conda.yaml": conda("azureml-inference-server-http", "pillow-not-installed-here"),
            "src/score.py": script("import scorelint_test_pil_stand_in")}),
    ]
    INVALID = [
        DeploymentInvalid(online_yaml(), files={"env/conda.yaml": _ENV, "src/score.py": script("import pandas as pd")},
                          in_file="src/score.py", line=1, message_contains="`pandas`"),
        DeploymentInvalid(online_yaml(), files={"env/conda.yaml": _ENV, "src/score.py": script(
            "import os", "from yaml import safe_load")}, in_file="src/score.py", line=2, message_contains="pyyaml"),
        DeploymentInvalid(online_yaml(), files={"env/conda.yaml": _ENV, "src/util/__init__.py": "import pandas\n",
                                                "src/score.py": script("from util import helper")},
                          in_file="src/util/__init__.py", line=1),
        DeploymentInvalid(online_yaml(), files={
            "env/conda.yaml": conda("azureml-inference-server-http", "numpy", "some-package-not-installed-here"),
            "src/score.py": script("import pandas")},
            in_file="src/score.py", severity=Severity.INFO, message_contains="some-package-not-installed-here"),
        # not installed here either (torch on a CI runner): everything the environment installs is known
        DeploymentInvalid(online_yaml(), files={"env/conda.yaml": _ENV, "src/score.py": script(
            "import numpy", "import scorelint_test_module_installed_nowhere as net")},
            in_file="src/score.py", line=2, message_contains="provided by no package"),
    ]

    def check(self) -> None:
        if not self.ctx.has_inline_environment:  # first: then there is no need to read the code folder
            return
        code = self.ctx.code
        if code is None:
            return
        env = self.deployment.environment
        where = env.conda_file.name if env.conda_file is not None else "the environment"
        reported: set[tuple[str, str]] = set()
        for site in code.imports:
            if site.guarded or site.top in _OWNED_ELSEWHERE or (str(site.path), site.top) in reported:
                continue
            verdict = self.ctx.verdict(site.module)
            if verdict is None or verdict.status in ("provided", "unknown"):
                continue
            reported.add((str(site.path), site.top))
            if verdict.providers:
                package = " or ".join(f"`{p}`" for p in verdict.providers)
                add = package.split(" or ")[0]
                missing = f"comes from {package}, which {where} does not install"
                maybe = f"comes from {package}, which {where} does not list"
            else:  # not installed here either: no metadata names its distribution
                add = f"the package that provides `{site.top}`"
                missing = f"is provided by no package of {where}"
                maybe = f"is provided by no package {where} lists"
            message = f"`{site.module}` {missing}"
            help_text = ("The server cannot import the script (ModuleNotFoundError) and the deployment fails at "
                         f"start-up; add {add} to the pip section of {where}.")
            severity = None
            if verdict.status == "maybe-missing":
                severity = Severity.INFO
                unknown = ", ".join(f"`{u}`" for u in verdict.unknown)
                message = f"`{site.module}` {maybe}"
                help_text = (f"Unless {unknown} (not installed where scorelint runs, so what it brings along is "
                             "unknown) installs it, the server cannot import the script and the deployment fails; "
                             f"list {add} in {where}.")
            self.report_at(Located(site.module, site.path, site.range), message, help=help_text, severity=severity)

