from __future__ import annotations

from scorelint.model import Severity
from scorelint.rule import ANY_SCRIPT, Rule


class ImportFailed(Rule):
    """Importing the script fails in the sandbox, so the server would fail at start-up (sandbox only).

    ## What it does
    With `scorelint check --sandbox`, imports the entry script in an isolated child process, under the
    interpreter of the project (`--python`), the way the inference server imports it, and reports what
    stops the import: an exception (the most common: a package that is not installed, named with the
    interpreter that lacks it), `sys.exit()` or `os._exit()` at import time, a hang (an endless loop or a
    blocking call, stopped by the sandbox's timeout), a crash, a memory or CPU limit, or a flood of
    output. The finding sits on the script's line the failure came from.

    ## Why is this bad?
    The server imports the script before it serves anything, and any exception there fails the
    deployment, after the image has been built and pushed. Missing packages are the first cause: the
    script works on the laptop where the package happens to be installed, not in the environment the
    deployment uses. Code at module level that reads a model, a file or the network fails the same way.

    ## Example
    ```python
    import joblib
    from sklearn.externals import joblib as old_joblib  # removed from scikit-learn

    model = joblib.load("model.pkl")  # runs at import, before AZUREML_MODEL_DIR is used
    ```

    ## Use instead
    ```python
    import os
    import joblib

    def init():
        global model
        model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))
    ```
    """

    code = "SL901"
    name = "import-failed"
    severity = Severity.ERROR
    contract = "1. Loading: any exception at import time fails the deployment"
    kinds = ANY_SCRIPT
    requires_sandbox = True
