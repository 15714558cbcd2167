"""The keys a deployment YAML may have, their types and which are required, by kind of deployment.

Transcribed from the CLI v2 YAML reference (reference-yaml-deployment-managed-online and its Kubernetes and
batch siblings) and kept equal to azure-ai-ml's own marshmallow schemas by a test
(tests/test_deployment_oracle.py compares these tables with ManagedOnlineDeploymentSchema,
KubernetesOnlineDeploymentSchema, BatchDeploymentSchema, ModelBatchDeploymentSchema and their nested
schemas): azure-ai-ml is the loader `az ml` uses, so a key it refuses is refused at deploy time. It is not
imported here: loading it costs seconds.

Types: "str" (a string, not a number), "version" (a string or a number), "int", "bool", "dict", "ref" (a string
or a mapping: compute, component...), "any"; or the name of a nested table below (`model` and `environment`
may also be a string, the `azureml:` reference).
"""

from __future__ import annotations

_COMMON = {
    "$schema": "any", "name": "str", "description": "str", "tags": "dict", "endpoint_name": "str",
    "model": "model", "code_configuration": "code", "environment": "environment", "environment_variables": "dict",
    "properties": "dict", "id": "str", "type": "str",
}
_ONLINE = {
    **_COMMON,
    "model_mount_path": "str", "instance_type": "str", "instance_count": "int", "app_insights_enabled": "bool",
    "scale_settings": "dict", "data_collector": "dict", "request_settings": "request", "liveness_probe": "probe",
    "readiness_probe": "probe", "provisioning_state": "str",
}
FIELDS: dict[str, dict[str, str]] = {
    "online": {**_ONLINE, "egress_public_network_access": "str", "private_network_connection": "any"},
    "kubernetes-online": {**_ONLINE, "resources": "dict"},
    "batch": {
        **_COMMON, "compute": "ref", "component": "ref", "error_threshold": "int", "job_definition": "ref",
        "logging_level": "str", "max_concurrency_per_instance": "int", "mini_batch_size": "int",
        "output_action": "str", "output_file_name": "str", "resources": "job-resources", "retry_settings": "retry",
    },
    "model-batch": {
        **_COMMON, "compute": "ref", "error_threshold": "int", "resources": "job-resources",
        "settings": "model-batch-settings",
    },
}
REQUIRED: dict[str, tuple[str, ...]] = {
    "online": ("name", "endpoint_name", "instance_type"),
    "kubernetes-online": ("name", "endpoint_name"),
    "batch": ("name", "endpoint_name"),
    "model-batch": ("name", "endpoint_name", "compute"),
}
NESTED: dict[str, dict[str, str]] = {
    "model": {
        "name": "str", "version": "version", "path": "str", "type": "str", "description": "str", "tags": "dict",
        "properties": "dict", "stage": "str", "flavors": "dict", "datastore": "str", "system_metadata": "dict",
        "allowed_deployment_templates": "any", "default_deployment_template": "any",
    },
    "environment": {
        "name": "str", "version": "version", "image": "str", "conda_file": "ref", "build": "dict",
        "description": "str", "tags": "dict", "os_type": "str", "inference_config": "dict", "datastore": "str",
        "id": "any", "auto_delete_setting": "any",
    },
    "code": {"code": "str", "scoring_script": "str"},
    "request": {"request_timeout_ms": "int", "max_concurrent_requests_per_instance": "int", "max_queue_wait_ms": "int"},
    "probe": {"initial_delay": "int", "period": "int", "timeout": "int", "success_threshold": "int",
              "failure_threshold": "int"},
    "retry": {"max_retries": "int", "timeout": "int"},
    "job-resources": {"instance_count": "int", "instance_type": "str", "properties": "dict", "shm_size": "str",
                      "docker_args": "any", "locations": "any", "max_instance_count": "int"},
    "model-batch-settings": {
        "environment_variables": "dict", "error_threshold": "int", "instance_count": "int", "logging_level": "str",
        "max_concurrency_per_instance": "int", "mini_batch_size": "int", "output_action": "str",
        "output_file_name": "str", "retry_settings": "retry",
    },
}
# Keys a nested table cannot do without although its schema marks none required: ModelBatchDeploymentSettings
# takes mini_batch_size as a required argument (azure-ai-ml raises TypeError without it).
NESTED_REQUIRED: dict[str, tuple[str, ...]] = {"model-batch-settings": ("mini_batch_size",)}
OUTPUT_ACTIONS = ("append_row", "summary_only")


def schema_kind(kind: str, data: dict) -> str | None:
    """Which table a deployment is checked against (None: not checked, e.g. pipeline component batch)."""
    if kind == "batch":
        return "model-batch" if data.get("type") == "model" else "batch"
    return kind if kind in FIELDS else None


# Nested tables that may also be written as a string (a registered `azureml:` reference).
REFERENCE_OR_MAPPING = ("model", "environment")


def type_problem(value: object, expected: str) -> str | None:
    """Why `value` is not of the `expected` type (None: it is, as the loader would coerce it)."""
    if expected == "any" or value is None:
        return None
    if expected == "str":
        return None if isinstance(value, str) else "a string"
    if expected == "version":
        return None if isinstance(value, (str, int, float)) and not isinstance(value, bool) else "a version"
    if expected == "ref":
        return None if isinstance(value, (str, dict)) else "a string or a mapping"
    if expected == "int":
        if isinstance(value, bool):
            return "an integer"
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return None
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            return None
        return "an integer"
    if expected == "bool":
        return None if isinstance(value, bool) or str(value).lower() in ("true", "false") else "true or false"
    return None if isinstance(value, dict) else "a mapping"
