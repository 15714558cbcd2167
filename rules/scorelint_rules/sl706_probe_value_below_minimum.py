from __future__ import annotations

from scorelint.deployment.rule import DeploymentInvalid, DeploymentRule, DeploymentValid
from scorelint.model import Severity

from ._deployment_examples import script, settings_yaml

# ProbeSettings in the CLI v2 managed online deployment YAML reference: initial_delay, timeout,
# success_threshold (readiness) and failure_threshold have a minimum of 1; success_threshold of a liveness
# probe is fixed at 1. `period` has no stated minimum there; the Kubernetes probe it configures has 1.
_MINIMUM = {"initial_delay": 1, "period": 1, "timeout": 1, "success_threshold": 1, "failure_threshold": 1}


class ProbeValueBelowMinimum(DeploymentRule):
    """A liveness or readiness probe setting is below its minimum (1), or a liveness probe's
    `success_threshold` is not 1.

    ## What it does
    Checks `liveness_probe` and `readiness_probe` of an online deployment: `initial_delay`, `timeout`,
    `success_threshold` and `failure_threshold` must be at least 1 (the YAML reference's ProbeSettings),
    `period` too (the Kubernetes probe underneath), and a liveness probe's `success_threshold` is fixed at 1.
    The defaults are initial_delay 10, period 10, timeout 2, success_threshold 1, failure_threshold 30.

    ## Why is this bad?
    The YAML loads (azure-ai-ml does not check ranges) and the service refuses the deployment when it is
    created, after the upload. A `0` is usually meant as "no delay" or "no limit", which probes do not
    have. The azure-ai-ml loader (the differential test's oracle) does not check ranges: this is one of
    scorelint's extra findings.

    ## Example
    ```yaml
    liveness_probe:
      initial_delay: 0
      failure_threshold: 0
    ```

    ## Use instead
    ```yaml
    liveness_probe:
      initial_delay: 1
      failure_threshold: 30
    ```
    """

    code = "SL706"
    name = "probe-value-below-minimum"
    severity = Severity.ERROR
    contract = "6. The deployment: probe values have a minimum of 1"

    VALID = [
        DeploymentValid(settings_yaml("liveness_probe:\n  initial_delay: 600\n  period: 10\n  timeout: 2\n"
                                      "readiness_probe:\n  success_threshold: 3\n  failure_threshold: 30"),
                        files={"src/score.py": script()}),
    ]
    INVALID = [
        DeploymentInvalid(settings_yaml("liveness_probe:\n  initial_delay: 0\n  failure_threshold: 0"),
                          files={"src/score.py": script()}, expected=2, line=12, message_contains="initial_delay"),
        DeploymentInvalid(settings_yaml("liveness_probe:\n  success_threshold: 2"),
                          files={"src/score.py": script()}, line=12, message_contains="fixed at 1"),
        DeploymentInvalid(settings_yaml("readiness_probe:\n  timeout: -5"),
                          files={"src/score.py": script()}, line=12),
    ]

    def check(self) -> None:
        if not self.deployment.is_online:
            return
        for probe, values in self.deployment.probes.items():
            for key, located in values.items():
                value = located.value if located is not None else None
                if key not in _MINIMUM or not isinstance(value, int) or isinstance(value, bool):
                    continue
                if probe == "liveness_probe" and key == "success_threshold" and value != 1:
                    self.report_at(located, f"`{probe}.success_threshold` is fixed at 1 for a liveness probe",
                                   help=f"{value} makes creating the deployment fail. Remove it, or set it on "
                                        "`readiness_probe`.")
                elif value < _MINIMUM[key]:
                    self.report_at(located, f"`{probe}.{key}: {value}` is below its minimum of {_MINIMUM[key]}",
                                   help="Creating the deployment fails. Use 1 or more (a probe has no 'no delay' or "
                                        "'no limit' value).")
