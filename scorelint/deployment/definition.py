"""Azure ML CLI v2 deployment YAML: managed and Kubernetes online deployments, batch deployments.

A file is a deployment when its `$schema` names one (managedOnlineDeployment, kubernetesOnlineDeployment,
batchDeployment, modelBatchDeployment) or, without `$schema`, when its keys are a deployment's:
`endpoint_name` with `code_configuration`, `model` or `environment`. Paths are relative to the YAML's
own folder, as the CLI resolves them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .environment import Environment, read_conda_file
from .yamlfile import Located, YamlDocument, YamlError

_SCHEMA_KINDS = (  # the first whose name the `$schema` URL holds, in any case
    ("managedonlinedeployment", "online"),
    ("kubernetesonlinedeployment", "kubernetes-online"),
    ("pipelinecomponentbatchdeployment", "pipeline-batch"),
    ("batchdeployment", "batch"),  # and modelBatchDeployment
    ("onlinedeployment", "online"),
)
_DEPLOYMENT_KEYS = ("code_configuration", "model", "environment")
PROBES = ("liveness_probe", "readiness_probe")


@dataclass
class Deployment:
    path: Path
    kind: str  # "online", "kubernetes-online", "batch", "pipeline-batch"
    doc: YamlDocument
    anchor: Located  # the whole file: its first line
    code: Located | None = None
    scoring_script: Located | None = None
    environment: Environment | None = None
    model: Located | None = None
    model_path: Located | None = None  # a local model.path
    environment_variables: dict[str, Located] = field(default_factory=dict)
    environment_variables_key: Located | None = None
    request_settings: dict[str, Located] = field(default_factory=dict)
    request_settings_key: Located | None = None
    probes: dict[str, dict[str, Located]] = field(default_factory=dict)
    source: str = "yaml"  # "yaml", "sdk" (SDK v2 Python) or "sdk-v1": where the definition was read from
    code_unknown: bool = False  # the code folder is given, but not as a literal (SDK definitions)

    @cached_property
    def is_template(self) -> bool:
        """(Asked by several rules, for every key of the file: the text is searched once.)"""
        return self.source == "yaml" and is_template(self.doc.text)

    @property
    def is_online(self) -> bool:
        return self.kind in ("online", "kubernetes-online")

    @property
    def code_dir(self) -> Path | None:
        if self.code is None or not isinstance(self.code.value, str) or _is_remote(self.code.value):
            return None
        return self.path.parent / self.code.value

    @property
    def script_path(self) -> Path | None:
        if self.scoring_script is None or not isinstance(self.scoring_script.value, str) \
                or is_placeholder(self.scoring_script.value) or self.code_unknown:
            return None
        code_dir = self.code_dir
        if code_dir is None:
            return None if self.code is not None else self.path.parent / self.scoring_script.value
        return code_dir / self.scoring_script.value


def _is_remote(value: str) -> bool:
    return value.startswith(("azureml:", "azureml://", "https://", "http://", "wasbs://", "abfss://")) \
        or is_placeholder(value)


_PLACEHOLDER = re.compile(r"^<[^<>]+>$|\{\{|\$\{|^\$[A-Za-z_]\w*$|\$[A-Z_]{2,}")
# A value a pipeline substitutes before deploying: `endpoint_name: $endpointName`, `<CODE_DIR>`, `{{ACR}}`.
_TEMPLATE_VALUE = re.compile(r":\s*(?:\$\{?[A-Za-z_]\w*|<[A-Za-z_]+>|.*\{\{)", re.M)


def is_placeholder(value: str) -> bool:
    """A value a script fills in before deploying (`<CODE_DIR>`, `{{ACR_NAME}}`, `${MODEL}`): the file is a
    template, and what the value will be is not in the repository."""
    return bool(_PLACEHOLDER.search(value))


def is_template(text: str) -> bool:
    """Whether a deployment YAML is a template a pipeline fills in (and often overrides with
    `az ml online-deployment create --set code_configuration.code=...`): then its paths are not judged."""
    return _TEMPLATE_VALUE.search(text) is not None


def deployment_kind(data: object) -> str | None:
    """The kind of deployment a YAML document describes, or None when it is not one."""
    if not isinstance(data, dict):
        return None
    schema = data.get("$schema")
    if isinstance(schema, str):
        lowered = schema.lower()
        for name, kind in _SCHEMA_KINDS:
            if name in lowered:
                return kind
        if re.search(r"(Endpoint|Environment|Job|Component|Model|Data|Compute|Workspace)\.schema", schema, re.I):
            return None  # an endpoint, environment, job... YAML
    if "endpoint_name" not in data or not any(k in data for k in _DEPLOYMENT_KEYS):
        return None
    batch_keys = ("compute", "mini_batch_size", "output_action", "settings", "retry_settings")
    return "batch" if any(k in data for k in batch_keys) else "online"


def looks_like_deployment_text(text: str) -> bool:
    """A cheap test before parsing: the words a deployment YAML cannot do without."""
    return "endpoint_name" in text or "Deployment.schema" in text or "Deployment.json" in text


def read_deployment(path: Path, doc: YamlDocument | None = None, overlay: dict[Path, str] | None = None
                    ) -> Deployment | None:
    """The deployment in `path`, or None when the file is YAML of another kind. Raises YamlError.
    `overlay`: texts newer than the disk's, by path (an editor's unsaved buffers)."""
    doc = doc or YamlDocument.read(path, overlay)
    kind = deployment_kind(doc.data)
    if kind is None:
        return None
    return fill_deployment(Deployment(path, kind, doc, doc.at_start()), doc, doc.data, path.parent, overlay)


def fill_deployment(deployment: Deployment, doc: YamlDocument, data: dict, folder: Path,
                    overlay: dict[Path, str] | None = None) -> Deployment:
    """Read the keys rules look at from `data` (a YAML document, or an SDK call turned into the same shape)."""
    code_configuration = data.get("code_configuration")
    if isinstance(code_configuration, dict):
        deployment.code = doc.value(code_configuration, "code")
        deployment.scoring_script = doc.value(code_configuration, "scoring_script")
        # An SDK call whose code folder is computed (`code=PROJECT_ROOT`): where the script is, is unknown.
        deployment.code_unknown = "code" in getattr(code_configuration, "unknown", ())
    deployment.model = doc.key(data, "model")
    model = data.get("model")
    if isinstance(model, dict) and isinstance(model.get("path"), str) and not _is_remote(model["path"]):
        deployment.model_path = doc.value(model, "path")
    deployment.environment = _environment(doc, data, folder, overlay)
    variables = data.get("environment_variables")
    deployment.environment_variables_key = doc.key(data, "environment_variables")
    if isinstance(variables, dict):
        deployment.environment_variables = {str(k): doc.key(variables, k) for k in variables}
    settings = data.get("request_settings")
    deployment.request_settings_key = doc.key(data, "request_settings")
    if isinstance(settings, dict):
        deployment.request_settings = {str(k): doc.value(settings, k) for k in settings}
    for probe in PROBES:
        values = data.get(probe)
        if isinstance(values, dict):
            deployment.probes[probe] = {str(k): doc.value(values, k) for k in values}
    return deployment


def _environment(doc: YamlDocument, data: dict, folder: Path, overlay: dict[Path, str] | None
                 ) -> Environment | None:
    where = doc.key(data, "environment")
    if where is None:
        return None
    value = where.value
    if isinstance(value, str):
        # azureml:name:version, azureml:name@latest, or a curated environment: nothing to read here.
        return Environment("registered", where)
    if not isinstance(value, dict):
        return Environment("registered", where)
    env = Environment("inline", where, image=doc.value(value, "image"))
    if "build" in value:
        env.kind = "build"  # a Docker build context: what it installs is in its Dockerfile
        return env
    conda = doc.value(value, "conda_file")
    if conda is not None and isinstance(conda.value, str):
        if _is_remote(conda.value):
            env.complete = False
        else:
            read_conda_file(env, folder / conda.value, conda, overlay)
    elif conda is not None and isinstance(conda.value, dict):
        env.complete = False  # an inline conda specification: read as written would need its own positions
    return env


def find_deployments(paths: list[Path]) -> list[Path]:
    """The YAML files among `paths` that are deployments (a cheap text test, then a parse)."""
    found = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8-sig", errors="replace")
        except OSError:
            continue
        if not looks_like_deployment_text(text):
            continue
        try:
            if deployment_kind(YamlDocument(path, text).data) is not None:
                found.append(path)
        except YamlError:
            continue
    return found
