from __future__ import annotations

from scorelint.deployment.rule import DeploymentInvalid, DeploymentRule, DeploymentValid
from scorelint.model import Severity

from ._deployment_examples import INFERENCE_IMAGE, conda, online_yaml, script


class InferenceServerNotInEnvironment(DeploymentRule):
    """The online deployment's environment is built on a plain base image and does not install the server.

    ## What it does
    For an online deployment whose inline environment uses one of Azure ML's plain base images (the
    `mcr.microsoft.com/azureml/openmpi...` images, any Azure ML image whose name does not say `inference`),
    checks that its conda file installs `azureml-inference-server-http`, directly or through
    `azureml-defaults` (whose 1.62.0 metadata requires `azureml-inference-server-http~=1.4`). Azure ML's
    inference images already contain the server; registered environments, other images and Docker
    build contexts are not judged.

    ## Why is this bad?
    The container of an online deployment runs the inference server, which imports the scoring script.
    The base images carry conda and Python only, so without the package the container has nothing to
    start: the deployment fails after the image is built. The azure-ai-ml loader (the differential test's
    oracle) does not read the conda file: this is one of scorelint's extra findings.

    ## Example
    ```yaml
    dependencies:
      - python=3.11
      - pip:
        - scikit-learn
    ```

    ## Use instead
    ```yaml
    dependencies:
      - python=3.11
      - pip:
        - azureml-inference-server-http
        - scikit-learn
    ```
    """

    code = "SL703"
    name = "inference-server-not-in-environment"
    severity = Severity.ERROR
    contract = "6. The deployment: the plain base images do not contain azureml-inference-server-http"

    VALID = [
        DeploymentValid(online_yaml(), files={"env/conda.yaml": conda("azureml-inference-server-http", "numpy"),
                                              "src/score.py": script()}),
        DeploymentValid(online_yaml(), files={"env/conda.yaml": conda("azureml-defaults==1.62.0", "numpy"),
                                              "src/score.py": script()}),
        DeploymentValid(online_yaml(INFERENCE_IMAGE), files={"env/conda.yaml": conda("numpy"),
                                                             "src/score.py": script()}),
    ]
    INVALID = [
        DeploymentInvalid(online_yaml(), files={"env/conda.yaml": conda("numpy", "joblib"), "src/score.py": script()},
                          line=11, message_contains="azureml-inference-server-http"),
        DeploymentInvalid(online_yaml(), files={"env/conda.yaml": conda(conda_packages=("python=3.11", "numpy")),
                                                "src/score.py": script()}, line=11),
    ]

    def check(self) -> None:
        from scorelint.deployment.packages import SERVER_PROVIDERS  # loaded with a deployment, not with the rules

        deployment = self.deployment
        env = deployment.environment
        if not deployment.is_online or env is None or env.kind != "inline" or env.image_kind != "plain":
            return
        if env.conda_file is None:
            if env.image is not None and "conda_file" not in (env.where.value or {}):
                self.report_at(env.image, "This base image has no inference server and the environment installs "
                               "nothing",
                               help="The container cannot serve the deployment. Add a `conda_file` that installs "
                                    "`azureml-inference-server-http`, or use an Azure ML inference image.")
            return
        if not env.complete or any(env.package(p) for p in SERVER_PROVIDERS):
            return  # listed: no need for installed metadata
        closure = self.ctx.closure
        if closure is None or any(p in closure.provided for p in SERVER_PROVIDERS):
            return
        conda_reference = next((loc for loc in [_conda_key(deployment)] if loc is not None), env.where)
        self.report_at(conda_reference, f"{env.conda_file.name} does not install `azureml-inference-server-http`",
                       help=f"The base image `{env.image_name}` has no server: the container has nothing to serve "
                            "the scoring script with and the deployment fails. Add `azureml-inference-server-http` to "
                            "its pip section, or use an Azure ML inference image.")


def _conda_key(deployment):
    environment = deployment.doc.data.get("environment")
    return deployment.doc.value(environment, "conda_file") if isinstance(environment, dict) else None
