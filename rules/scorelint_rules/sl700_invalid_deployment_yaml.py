from __future__ import annotations

import difflib

from scorelint.deployment.rule import DeploymentInvalid, DeploymentRule, DeploymentValid
from scorelint.model import Severity

from ._deployment_examples import script, settings_yaml

_SCORE = {"src/score.py": script()}
_FLAGS = {"name": "--name", "endpoint_name": "--endpoint-name"}


class InvalidDeploymentYaml(DeploymentRule):
    """The deployment YAML has a key Azure ML does not know, lacks a required key, or gives a key a value of
    the wrong type.

    ## What it does
    Checks a deployment YAML against the keys of its kind (managed online, Kubernetes online, batch, model
    batch): unknown keys (with the nearest known one), the required keys (`name`, `endpoint_name`, and
    `instance_type` for managed online, `compute` for model batch), the types of values (integers for
    counts, timeouts and probe settings, mappings for `environment_variables`...), an `environment` or
    `model` written as a bare name instead of an `azureml:` reference, a local `model.path` that does not
    exist, and `output_action` outside `append_row` / `summary_only`. A missing `name` or `endpoint_name` is
    advice only (info): scripts often pass them as `--name` / `--endpoint-name`. In a template (values such
    as `{{ENDPOINT}}`, `$modelPath`, `<CODE_DIR>` that a pipeline fills in) only the keys are checked. The tables follow the CLI v2 YAML
    reference and are tested equal to azure-ai-ml's own schemas, the loader `az ml` uses.

    ## Why is this bad?
    `az ml online-deployment create` refuses such a file before anything happens, or, worse, a
    misspelt optional key (`request_setting:`) would be silently the default in a looser tool. Either way
    the deployment you meant is not the one you get. This is the differential test's oracle's own
    verdict: every YAML azure-ai-ml's `load_online_deployment` / `load_batch_deployment` rejects,
    scorelint reports (this rule, `environment-file-not-found`, or an unreadable file).

    ## Example
    ```yaml
    request_setting:
      request_timeout_ms: 90s
    ```

    ## Use instead
    ```yaml
    request_settings:
      request_timeout_ms: 90000
    ```
    """

    code = "SL700"
    name = "invalid-deployment-yaml"
    severity = Severity.ERROR
    contract = "6. The deployment: azure-ai-ml's loaders check a YAML's keys and required fields offline"

    VALID = [
        DeploymentValid(settings_yaml("request_settings:\n  request_timeout_ms: 90000\napp_insights_enabled: true\n"
                                      "tags:\n  team: churn"), files=_SCORE),
    ]
    INVALID = [
        DeploymentInvalid(settings_yaml("request_setting:\n  request_timeout_ms: 90000"), files=_SCORE, line=11,
                          message_contains="request_settings"),
        DeploymentInvalid(settings_yaml("request_settings:\n  request_timeout_ms: 90s"), files=_SCORE, line=12,
                          message_contains="an integer"),
        DeploymentInvalid(settings_yaml("").replace("instance_type: Standard_DS3_v2\n", ""), files=_SCORE, line=1,
                          message_contains="instance_type"),
        DeploymentInvalid(settings_yaml("").replace("environment: azureml:sklearn-env@latest",
                                                    "environment: sklearn-env"), files=_SCORE, line=8,
                          message_contains="azureml:"),
        DeploymentInvalid(settings_yaml("environment_variables: [WORKER_COUNT]"), files=_SCORE, line=11),
        DeploymentInvalid(settings_yaml("").replace("model: azureml:my-model:1", "model:\n  path: models/churn"),
                          files=_SCORE, line=5, message_contains="does not exist"),
    ]

    def check(self) -> None:
        from scorelint.deployment.schema import FIELDS, REQUIRED, schema_kind  # loaded with a deployment

        deployment = self.deployment
        doc, data = deployment.doc, deployment.doc.data
        kind = schema_kind(deployment.kind, data)
        if kind is None or deployment.source != "yaml":
            return  # the SDK's classes check their own arguments
        fields = FIELDS[kind]
        for key in REQUIRED[kind]:
            if key in data:
                continue
            if key in _FLAGS:
                # Scripts often give these on the command line: `az ml online-deployment create --name blue
                # --endpoint-name $ENDPOINT -f deployment.yml` (Azure/azureml-examples does): advice only.
                self.report_at(deployment.anchor, f"The deployment lacks `{key}`",
                               help=f"`az ml` refuses the file unless the command gives `{_FLAGS[key]}`.",
                               severity=Severity.INFO)
                continue
            self.report_at(deployment.anchor, f"The deployment lacks `{key}`, which a {_label(kind)} requires",
                           help=_REFUSED)
        self._mapping(data, fields, "")
        for key in ("environment", "model"):
            where = doc.value(data, key)
            if where is not None and isinstance(where.value, str) and not where.value.startswith("azureml:") \
                    and not deployment.is_template:
                self.report_at(where, f"`{key}: {where.value}` is neither a mapping nor a registered reference",
                               help=f"Write `azureml:{where.value}` (`azureml:<name>:<version>` or "
                                    "`azureml:<name>@latest`), or define it inline.")
        if deployment.model_path is not None and not deployment.is_template:
            model = deployment.path.parent / deployment.model_path.value
            if not model.exists():
                self.report_at(deployment.model_path, f"The model path `{deployment.model_path.value}` does not exist",
                               help="The path is relative to this YAML's folder: `az ml` cannot upload the model.")
        from scorelint.deployment.schema import OUTPUT_ACTIONS

        settings = data.get("settings") if kind == "model-batch" else data
        action = doc.value(settings, "output_action") if isinstance(settings, dict) else None
        if action is not None and str(action.value).lower() not in OUTPUT_ACTIONS:
            self.report_at(action, f"`output_action: {action.value}` is not one of {', '.join(OUTPUT_ACTIONS)}",
                           help=_REFUSED)

    def _mapping(self, mapping: dict, fields: dict[str, str], prefix: str) -> None:
        from scorelint.deployment.schema import (
            NESTED,
            NESTED_REQUIRED,
            REFERENCE_OR_MAPPING,
            schema_kind,
            type_problem,
        )

        doc = self.deployment.doc
        for key in mapping:  # (a key is located only when reported: most keys are fine)
            expected = fields.get(str(key))
            if expected is None:
                near = difflib.get_close_matches(str(key), list(fields), n=1)
                hint = f" (did you mean `{prefix}{near[0]}`?)" if near else ""
                kind = _label(schema_kind(self.deployment.kind, doc.data))
                self.report_at(doc.key(mapping, key), f"`{prefix}{key}` is not a key of a {kind}{hint}", help=_REFUSED)
                continue
            value = mapping[key]
            if expected in NESTED:
                if isinstance(value, str) and expected in REFERENCE_OR_MAPPING:
                    continue  # a registered reference: checked in check()
                if not isinstance(value, dict):
                    if value is not None:
                        self.report_at(doc.key(mapping, key), f"`{prefix}{key}` must be a mapping",
                                       help=f"A mapping of {', '.join(NESTED[expected])}; `az ml` refuses the file.")
                    continue
                for required in NESTED_REQUIRED.get(expected, ()):
                    if required not in value:
                        self.report_at(doc.key(mapping, key), f"`{prefix}{key}` lacks `{required}`, which it requires",
                                       help=_REFUSED)
                self._mapping(value, NESTED[expected], f"{prefix}{key}.")
                continue
            problem = None if self.deployment.is_template else type_problem(value, expected)
            if problem is not None:
                located = doc.value(mapping, key) or doc.key(mapping, key)
                self.report_at(located, f"`{prefix}{key}` must be {problem}, not `{value}`", help=_REFUSED)


_REFUSED = "`az ml` refuses the file."


def _label(kind: str | None) -> str:
    return {"online": "managed online deployment", "kubernetes-online": "Kubernetes online deployment",
            "batch": "batch deployment", "model-batch": "model batch deployment"}.get(kind or "", "deployment")
