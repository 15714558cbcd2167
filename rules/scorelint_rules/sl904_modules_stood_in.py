from __future__ import annotations

from scorelint.model import Severity
from scorelint.rule import ANY_SCRIPT, Rule


class ModulesStoodIn(Rule):
    """Packages the script imports are not installed, so the sandbox stood in for them (sandbox only).

    ## What it does
    With `scorelint check --sandbox` (and no `--python`), the sandbox imports the script in the
    interpreter that runs scorelint. When that import fails only because a package is not installed
    there (torch, transformers, mlflow, cv2, azureml.core...), the sandbox stands in for that package
    with an inert module, imports the script again, and runs its other checks (load-failed,
    sensitive-swagger-example) on the result. This finding names the packages it stood in for, on the
    line that imports the first of them, so that a clean result is not mistaken for a complete one.

    ## Why is this bad?
    Nothing is wrong with the script itself: the finding says what the sandbox could not check.
    Whether those packages import in the deployment's environment (the most common cause of failed
    deployments) is only known with that environment's interpreter: `--python` (or `python` in
    `[tool.scorelint.sandbox]`), where a missing package is `import-failed`. `--no-stand-ins`
    (or `stand-ins = false`) reports `import-failed` instead, as before stand-ins existed.

    ## Example
    ```python
    import torch  # not installed where scorelint runs
    from inference_schema.schema_decorators import input_schema
    ```

    ## Use instead
    ```console
    $ scorelint check --sandbox --python /path/to/deployment-env/bin/python score.py
    ```
    """

    code = "SL904"
    name = "modules-stood-in"
    severity = Severity.INFO
    contract = "1. Loading: imports of packages that are not installed are the most common cause of failure"
    kinds = ANY_SCRIPT
    requires_sandbox = True
