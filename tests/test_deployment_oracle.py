"""Differential test: azure-ai-ml's own loaders (`load_online_deployment`, `load_batch_deployment`, and for a
batch YAML with `type: model` `load_model_batch_deployment`, which alone knows its `settings:` block; what
`az ml ... create -f` runs) are the oracle for deployment YAML. Every YAML the oracle rejects, scorelint
reports (an error finding in the YAML, or the file as unreadable); and `invalid-deployment-yaml` (SL700),
scorelint's own copy of the schema, never fires on a YAML the oracle accepts. scorelint's other deployment
findings on accepted YAML are its documented extras (each rule's docs say why the oracle misses them).

The YAML are mutations of the fixture projects: every key deleted, misspelt, and given a value of the wrong
type, at the top level and inside request_settings, the probes, code_configuration and the batch settings.
"""

from __future__ import annotations

import logging
import shutil
import warnings
from pathlib import Path

import pytest
import yaml

from scorelint.api import Linter
from scorelint.config import Settings
from scorelint.deployment.check import check_deployment, load
from scorelint.deployment.schema import FIELDS, NESTED, REQUIRED

from .conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "deployments"
ONLINE = FIXTURES / "clean" / "deployment.yml"
BATCH = FIXTURES / "batch" / "deployment.yml"


@pytest.fixture(scope="module")
def oracle():
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    from azure.ai.ml import load_batch_deployment, load_online_deployment
    from azure.ai.ml.entities._load_functions import load_model_batch_deployment

    def accepts(path: Path, batch: bool) -> bool:
        loader = load_online_deployment
        if batch:
            data = yaml.safe_load(path.read_text())
            model = isinstance(data, dict) and data.get("type") == "model"
            loader = load_model_batch_deployment if model else load_batch_deployment
        try:
            loader(str(path))
        except Exception:  # noqa: BLE001 - any refusal (ValidationError, ValidationException, AttributeError)
            return False
        return True

    yield accepts
    logging.disable(logging.NOTSET)


def _mutations(source: Path) -> list[tuple[str, str]]:
    """(label, YAML text) variants of `source`."""
    text = source.read_text()
    base = yaml.safe_load(text)
    variants: list[tuple[str, str]] = [("unchanged", text)]

    def walk(mapping, path: tuple[str, ...]) -> None:
        for key in list(mapping):
            label = ".".join((*path, str(key)))
            for kind, change in (("deleted", None), ("misspelt", "rename"), ("string", "not-a-number"),
                                 ("list", [1, 2]), ("number", 7), ("bool", True)):
                data = yaml.safe_load(text)
                target = data
                for part in path:
                    target = target[part]
                if change is None:
                    del target[key]
                elif change == "rename":
                    target[f"{key}x"] = target.pop(key)
                else:
                    if target[key] == change:
                        continue
                    target[key] = change
                variants.append((f"{label} {kind}", yaml.safe_dump(data, sort_keys=False)))
            if isinstance(mapping[key], dict) and key != "environment_variables":
                walk(mapping[key], (*path, str(key)))

    walk(base, ())
    return variants


def _project(tmp_path: Path, source: Path, label: str, text: str) -> Path:
    folder = tmp_path / label.replace(" ", "_").replace(".", "-").replace("$", "S")
    shutil.copytree(source.parent, folder)
    if source == BATCH:  # the batch fixture lacks its conda file on purpose; give the mutations one
        (folder / "env").mkdir(exist_ok=True)
        (folder / "env" / "conda.yml").write_text("dependencies:\n  - python=3.11\n  - pandas\n")
        (folder / "model").mkdir(exist_ok=True)
    path = folder / source.name
    path.write_text(text)
    return path


def _scorelint(path: Path) -> tuple[str | None, set[str], set[str]]:
    """(file error, codes of error findings in the YAML, codes of all findings anywhere)."""
    deployment, error = load(path)
    if error is not None:
        return error, set(), set()
    if deployment is None:
        return "not a deployment", set(), set()
    linter = Linter(Settings())
    results = check_deployment(deployment, linter)
    # A missing name or endpoint_name is reported as advice (scripts pass --name / --endpoint-name): it counts.
    yaml_errors = {d.code for d in results[path].diagnostics if d.severity.value == "error"
                   or (d.code == "SL700" and any(f"--{key}" in f"{d.message} {d.help or ''}"
                                                 for key in ("name", "endpoint-name")))}
    everything = {d.code for r in results.values() for d in r.diagnostics}
    return None, yaml_errors, everything


@pytest.mark.slow
@pytest.mark.parametrize("source", [ONLINE, BATCH], ids=["online", "batch"])
def test_every_yaml_the_oracle_rejects_is_reported(tmp_path, oracle, source):
    rejected = accepted = 0
    problems = []
    for label, text in _mutations(source):
        path = _project(tmp_path, source, label, text)
        verdict = oracle(path, batch=source == BATCH)
        error, yaml_errors, everything = _scorelint(path)
        if not verdict:
            rejected += 1
            if error is None and not yaml_errors - {"SL701", "SL709"}:
                problems.append(f"{label}: the oracle rejects it, scorelint reports {sorted(everything) or 'nothing'}")
        else:
            accepted += 1
            if "SL700" in everything or error is not None:
                problems.append(f"{label}: the oracle accepts it, scorelint says {error or 'SL700'}")
    assert not problems, "\n".join(problems)
    assert rejected > 20 and accepted > 5, (rejected, accepted)


def test_schema_tables_match_azure_ai_ml():
    """scorelint's key tables (scorelint/deployment/schema.py) are azure-ai-ml's schemas, field for field."""
    warnings.simplefilter("ignore")
    from azure.ai.ml._schema._deployment.batch.batch_deployment import BatchDeploymentSchema
    from azure.ai.ml._schema._deployment.batch.batch_deployment_settings import BatchRetrySettingsSchema
    from azure.ai.ml._schema._deployment.batch.model_batch_deployment import ModelBatchDeploymentSchema
    from azure.ai.ml._schema._deployment.batch.model_batch_deployment_settings import (
        ModelBatchDeploymentSettingsSchema,
    )
    from azure.ai.ml._schema._deployment.code_configuration_schema import CodeConfigurationSchema
    from azure.ai.ml._schema._deployment.online.liveness_probe import LivenessProbeSchema
    from azure.ai.ml._schema._deployment.online.online_deployment import (
        KubernetesOnlineDeploymentSchema,
        ManagedOnlineDeploymentSchema,
    )
    from azure.ai.ml._schema._deployment.online.request_settings_schema import RequestSettingsSchema
    from azure.ai.ml._schema.assets.environment import AnonymousEnvironmentSchema
    from azure.ai.ml._schema.assets.model import AnonymousModelSchema
    from azure.ai.ml._schema.job_resource_configuration import JobResourceConfigurationSchema

    def fields(schema) -> dict[str, bool]:
        return {k: v.required for k, v in schema(context={"base_path": "."}).fields.items() if not v.dump_only}

    for kind, schema in (("online", ManagedOnlineDeploymentSchema), ("kubernetes-online", KubernetesOnlineDeploymentSchema),
                         ("batch", BatchDeploymentSchema), ("model-batch", ModelBatchDeploymentSchema)):
        theirs = fields(schema)
        assert set(FIELDS[kind]) - {"$schema"} == set(theirs), kind
        assert set(REQUIRED[kind]) == {k for k, required in theirs.items() if required}, kind
    for name, schema in (("code", CodeConfigurationSchema), ("request", RequestSettingsSchema),
                         ("probe", LivenessProbeSchema), ("retry", BatchRetrySettingsSchema),
                         ("model-batch-settings", ModelBatchDeploymentSettingsSchema),
                         ("model", AnonymousModelSchema), ("environment", AnonymousEnvironmentSchema),
                         ("job-resources", JobResourceConfigurationSchema)):
        assert set(NESTED[name]) == set(fields(schema)), name
