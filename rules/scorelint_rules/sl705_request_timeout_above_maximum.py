from __future__ import annotations

from scorelint.deployment.rule import DeploymentInvalid, DeploymentRule, DeploymentValid
from scorelint.model import Severity

from ._deployment_examples import script, settings_yaml

MAXIMUM_MS = 180_000


class RequestTimeoutAboveMaximum(DeploymentRule):
    """`request_settings.request_timeout_ms` is above the documented maximum of 180000 (3 minutes).

    ## What it does
    Reports a `request_timeout_ms` above 180000 milliseconds in an online deployment's `request_settings`
    (the CLI v2 managed online deployment YAML reference: "the maximum value allowed is 180000
    milliseconds"; the default is 5000).

    ## Why is this bad?
    azure-ai-ml's loader accepts any integer, so the YAML loads, and the service refuses the value when the
    deployment is created or updated. A request that really needs more than three minutes does not fit
    an online endpoint: use a batch endpoint, or make the request asynchronous. The azure-ai-ml loader
    (the differential test's oracle) does not check ranges: this is one of scorelint's extra findings.

    ## Example
    ```yaml
    request_settings:
      request_timeout_ms: 300000
    ```

    ## Use instead
    ```yaml
    request_settings:
      request_timeout_ms: 180000
    ```
    """

    code = "SL705"
    name = "request-timeout-above-maximum"
    severity = Severity.ERROR
    contract = "6. The deployment: request_timeout_ms defaults to 5000, maximum 180000"

    VALID = [
        DeploymentValid(settings_yaml("request_settings:\n  request_timeout_ms: 180000"),
                        files={"src/score.py": script()}),
        DeploymentValid(settings_yaml("request_settings:\n  max_concurrent_requests_per_instance: 1"),
                        files={"src/score.py": script()}),
    ]
    INVALID = [
        DeploymentInvalid(settings_yaml("request_settings:\n  request_timeout_ms: 300000"),
                          files={"src/score.py": script()}, line=12, message_contains="180000"),
    ]

    def check(self) -> None:
        value = self.deployment.request_settings.get("request_timeout_ms")
        if not self.deployment.is_online or value is None or not _integer(value.value):
            return
        if value.value > MAXIMUM_MS:
            self.report_at(value, f"`request_timeout_ms: {value.value}` is above the maximum Azure ML allows "
                           f"({MAXIMUM_MS} ms, 3 minutes)",
                           help=f"Creating or updating the deployment fails. Use at most {MAXIMUM_MS}; for longer "
                                "work, use a batch endpoint.")


def _integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
