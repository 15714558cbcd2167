from __future__ import annotations

from scorelint.deployment.rule import DeploymentInvalid, DeploymentRule, DeploymentValid
from scorelint.model import Severity

from ._deployment_examples import script, settings_yaml


class ConcurrencyWithoutWorkerCount(DeploymentRule):
    """`max_concurrent_requests_per_instance` is above 1 but `environment_variables` sets no `WORKER_COUNT`.

    ## What it does
    Reports an online deployment whose `request_settings.max_concurrent_requests_per_instance` is more
    than 1 while `environment_variables` has no `WORKER_COUNT`.

    ## Why is this bad?
    The inference server starts `WORKER_COUNT` worker processes, one by default
    (azureml_inference_server_http/constants.py: `DEFAULT_WORKER_COUNT = 1`), each serving one request at a
    time. Letting Azure ML send several requests at once to one server with one worker only queues them
    inside the container: latencies grow and requests time out, with no gain. The deployment YAML
    reference says so: "pass `WORKER_COUNT: <int>` as an environment variable". The azure-ai-ml loader
    (the differential test's oracle) does not relate the two settings: this is one of scorelint's extra
    findings.

    ## Example
    ```yaml
    request_settings:
      max_concurrent_requests_per_instance: 4
    ```

    ## Use instead
    ```yaml
    request_settings:
      max_concurrent_requests_per_instance: 4
    environment_variables:
      WORKER_COUNT: 4
    ```
    """

    code = "SL707"
    name = "concurrency-without-worker-count"
    severity = Severity.WARNING
    contract = "6. The deployment: raising max_concurrent_requests_per_instance needs WORKER_COUNT"

    VALID = [
        DeploymentValid(settings_yaml("request_settings:\n  max_concurrent_requests_per_instance: 4\n"
                                      "environment_variables:\n  WORKER_COUNT: 4"), files={"src/score.py": script()}),
        DeploymentValid(settings_yaml("request_settings:\n  max_concurrent_requests_per_instance: 1"),
                        files={"src/score.py": script()}),
    ]
    INVALID = [
        DeploymentInvalid(settings_yaml("request_settings:\n  max_concurrent_requests_per_instance: 4"),
                          files={"src/score.py": script()}, line=12, message_contains="WORKER_COUNT"),
        DeploymentInvalid(settings_yaml("environment_variables:\n  SOME_VAR: x\nrequest_settings:\n"
                                        "  max_concurrent_requests_per_instance: 8"),
                          files={"src/score.py": script()}, line=14),
    ]

    def check(self) -> None:
        deployment = self.deployment
        value = deployment.request_settings.get("max_concurrent_requests_per_instance")
        if not deployment.is_online or value is None or not isinstance(value.value, int) or value.value <= 1:
            return
        if "WORKER_COUNT" in deployment.environment_variables:
            return
        self.report_at(value, f"`max_concurrent_requests_per_instance: {value.value}` without `WORKER_COUNT`",
                       help=f"It lets {value.value} requests in at once, but the inference server runs one worker "
                            "unless `WORKER_COUNT` is set: they queue in the container and time out. Add "
                            "`WORKER_COUNT` to `environment_variables`.")
