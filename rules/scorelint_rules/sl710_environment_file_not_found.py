from __future__ import annotations

from scorelint.deployment.rule import DeploymentInvalid, DeploymentRule, DeploymentValid
from scorelint.model import Severity

from ._deployment_examples import conda, online_yaml, script


class EnvironmentFileNotFound(DeploymentRule):
    """The environment's conda file, or a requirements file it names, cannot be read.

    ## What it does
    Reports an inline environment's `conda_file` (relative to the YAML's folder) that does not exist or is
    not valid YAML, and a `-r requirements.txt` in its pip section (relative to the conda file) that does
    not exist.

    ## Why is this bad?
    azure-ai-ml reads the conda file when it loads the YAML, so `az ml online-deployment create` stops
    with an error (the differential test's oracle rejects such a YAML too). A missing requirements file
    named by `-r` is only found when the image is built on the service, minutes later.

    ## Example
    ```yaml
    environment:
      image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest
      conda_file: environment/conda.yml   # the file is conda.yaml
    ```

    ## Use instead
    ```yaml
    environment:
      image: mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest
      conda_file: environment/conda.yaml
    ```
    """

    code = "SL710"
    name = "environment-file-not-found"
    severity = Severity.ERROR
    contract = "6. The deployment: conda_file is relative to the YAML's folder"

    VALID = [
        DeploymentValid(online_yaml(), files={"env/conda.yaml": conda("azureml-inference-server-http", "-r req.txt"),
                                              "env/req.txt": "numpy\n", "src/score.py": script()}),
    ]
    INVALID = [
        DeploymentInvalid(online_yaml(), files={"env/conda.yml": conda("azureml-inference-server-http"),
                                                "src/score.py": script()}, line=11, message_contains="conda.yaml"),
        DeploymentInvalid(online_yaml(), files={"env/conda.yaml": conda("azureml-inference-server-http", "-r req.txt"),
                                                "src/score.py": script()}, in_file="env/conda.yaml", line=9,
                          message_contains="req.txt"),
        DeploymentInvalid(online_yaml(), files={"env/conda.yaml": "dependencies: [python=3.11\n",
                                                "src/score.py": script()}, line=11, message_contains="YAML"),
    ]

    def check(self) -> None:
        env = self.deployment.environment
        if env is None:
            return
        if self.deployment.is_template:
            return  # a pipeline fills in (and may override) its values before deploying
        for where, problem in env.problems:
            # A problem reads "what is wrong: the reader's reason" (cannot read ...: not valid YAML ...).
            what, _, reason = problem.partition(": ")
            reason = f"{reason[:1].upper()}{reason[1:]}. " if reason else ""
            self.report_at(where, f"{what[0].upper()}{what[1:]}",
                           help=f"{reason}The environment cannot be built, so the deployment fails. Fix the path "
                                "(relative to the file that names it).")
