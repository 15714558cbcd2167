"""Shared pieces of the deployment rules' examples: a managed online deployment YAML with an inline
environment, and small scripts. Modelled on the shapes of Azure/azureml-examples cli/endpoints/online."""

ONLINE_YAML = """
    $schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
    name: blue
    endpoint_name: my-endpoint
    model:
      path: model
    code_configuration:
      code: src
      scoring_script: score.py
    environment:
      image: {image}
      conda_file: env/conda.yaml
    instance_type: Standard_DS3_v2
    instance_count: 1
    """
REGISTERED_ENV_YAML = """
    $schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
    name: blue
    endpoint_name: my-endpoint
    model: azureml:my-model:1
    code_configuration:
      code: src
      scoring_script: score.py
    environment: azureml:sklearn-env@latest
    instance_type: Standard_DS3_v2
    instance_count: 1
    """
BASE_IMAGE = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest"
INFERENCE_IMAGE = "mcr.microsoft.com/azureml/minimal-py311-inference:latest"


def online_yaml(image: str = BASE_IMAGE) -> str:
    return ONLINE_YAML.format(image=image)


def conda(*pip: str, conda_packages: tuple[str, ...] = ("python=3.11", "pip")) -> str:
    lines = ["name: model-env", "channels:", "  - conda-forge", "dependencies:"]
    lines += [f"  - {p}" for p in conda_packages]
    if pip:
        lines += ["  - pip:"] + [f"    - {p}" for p in pip]
    return "\n".join(lines) + "\n"


def script(*imports: str, body: str = "") -> str:
    head = "".join(f"{line}\n" for line in imports)
    return f"{head}\n\ndef init():\n    pass\n\n\ndef run(data):\n    return data\n{body}"


def settings_yaml(extra: str) -> str:
    """A deployment with a registered environment and the given extra top-level keys (YAML text)."""
    import textwrap

    return textwrap.dedent(REGISTERED_ENV_YAML).lstrip("\n") + "".join(f"{line}\n" for line in extra.strip("\n").splitlines())
