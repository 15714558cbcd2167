from __future__ import annotations

import os

from scorelint.deployment.rule import DeploymentInvalid, DeploymentRule, DeploymentValid
from scorelint.model import Severity

SCORE = "def init():\n    pass\n\ndef run(data):\n    return data\n"


class ScoringScriptNotFound(DeploymentRule):
    """The deployment's scoring script does not exist inside its code folder.

    ## What it does
    Reads `code_configuration` of a deployment YAML and checks, as the CLI resolves the paths (relative
    to the YAML's own folder), that the code folder exists, that `scoring_script` names a file inside it
    with exactly that spelling (the container's file system is case-sensitive), and that the script does
    not lie outside the folder (`../score.py`), which is not uploaded.

    ## Why is this bad?
    azure-ai-ml's loader accepts such a YAML, and the service only runs `ast.parse` on the script it was
    given. The container then starts without the entry script: the server cannot find
    `AML_APP_ROOT/AZUREML_ENTRY_SCRIPT` and the deployment fails after 10 to 20 minutes of building and
    provisioning. The azure-ai-ml loader (the differential test's oracle) does not check this: it is one of
    scorelint's extra findings.

    ## Example
    ```yaml
    code_configuration:
      code: ../model-1/onlinescoring
      scoring_script: scoring.py   # the file is score.py
    ```

    ## Use instead
    ```yaml
    code_configuration:
      code: ../model-1/onlinescoring
      scoring_script: score.py
    ```
    """

    code = "SL701"
    name = "scoring-script-not-found"
    severity = Severity.ERROR
    contract = "6. The deployment: code_configuration.scoring_script is relative to code_configuration.code"

    _YAML = """
        $schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
        name: blue
        endpoint_name: my-endpoint
        code_configuration:
          code: {code}
          scoring_script: {script}
        environment: azureml:my-env:1
        instance_type: Standard_DS3_v2
        instance_count: 1
        """
    VALID = [
        DeploymentValid(_YAML.format(code="src", script="score.py"), files={"src/score.py": SCORE}),
        DeploymentValid(_YAML.format(code="../app", script="main.py"), filename="deploy/deployment.yml",
                        files={"app/main.py": SCORE}),
        DeploymentValid(_YAML.format(code=".", script="pkg/score.py"), files={"pkg/score.py": SCORE}),
    ]
    INVALID = [
        DeploymentInvalid(_YAML.format(code="src", script="scoring.py"), files={"src/score.py": SCORE}, line=6,
                          message_contains="does not exist"),
        DeploymentInvalid(_YAML.format(code="onlinescoring", script="score.py"), files={"src/score.py": SCORE},
                          line=5, message_contains="code folder"),
        DeploymentInvalid(_YAML.format(code="src", script="Score.py"), files={"src/score.py": SCORE}, line=6,
                          message_contains="`score.py`"),
        DeploymentInvalid(_YAML.format(code="src", script="../score.py"), files={"score.py": SCORE, "src/x.py": ""},
                          line=6, message_contains="outside"),
    ]

    def check(self) -> None:
        deployment = self.deployment
        code, script = deployment.code, deployment.scoring_script
        if self.deployment.is_template:
            return  # a pipeline fills in (and may override) its values before deploying
        code_dir = deployment.code_dir
        if code is not None and code_dir is not None and not code_dir.is_dir():
            what = "is a file, not a folder" if code_dir.exists() else "does not exist"
            self.report_at(code, f"The code folder `{code.value}` {what}",
                           help="Paths are relative to this YAML's folder: the deployment cannot upload its scoring "
                                "code.")
            return
        path = deployment.script_path
        if script is None or path is None:
            return
        root = code_dir if code_dir is not None else deployment.path.parent
        relative = os.path.relpath(os.path.normpath(path), os.path.normpath(root))
        if os.path.isabs(script.value) or relative == os.pardir or relative.startswith(os.pardir + os.sep):
            self.report_at(script, f"The scoring script `{script.value}` lies outside the code folder "
                           f"`{code.value if code else '.'}`",
                           help="Only that folder is uploaded, so the container has no entry script. Move the script "
                                "into the folder, or widen `code`.")
            return
        if path.is_file():
            if not _folds_case(path):
                return  # the name as written is the name on disk (Linux): no folder listings needed
            actual = _spelling_on_disk(root, relative)
            if actual is None or actual == relative:
                return
            self.report_at(script, f"The scoring script is spelled `{script.value}` but the file is `{actual}`",
                           help="The container's file system is case-sensitive, so the server does not find it "
                                "there. Write the name as it is on disk.")
            return
        near = _close_match(path)
        hint = f"There is `{near}` in that folder. " if near else ""
        self.report_at(script, f"The scoring script `{script.value}` does not exist in the code folder "
                       f"`{code.value if code else '.'}`",
                       help=f"{hint}The server finds no entry script and the deployment fails at start-up.")


def _folds_case(path) -> bool:
    """Whether the file system finds `path` under another case too (macOS, Windows), where a script spelled
    `Score.py` is found although the file is `score.py`."""
    swapped = path.with_name(path.name.swapcase())
    try:
        return swapped != path and os.path.samefile(swapped, path)
    except OSError:
        return False


def _spelling_on_disk(root, relative: str) -> str | None:
    """The path as spelled on disk (differs from `relative` only in case, on case-insensitive systems)."""
    parts, folder = [], root
    for part in relative.split(os.sep):
        try:
            names = os.listdir(folder)
        except OSError:
            return None
        if part in names or part in (os.curdir, ""):
            parts.append(part)
        else:
            match = next((n for n in names if n.lower() == part.lower()), None)
            if match is None:
                return None
            parts.append(match)
        folder = folder / parts[-1]
    return os.sep.join(parts)


def _close_match(path) -> str | None:
    import difflib

    try:
        names = [n for n in os.listdir(path.parent) if n.endswith(".py")]
    except OSError:
        return None
    lower = {n.lower(): n for n in names}
    if path.name.lower() in lower:
        return lower[path.name.lower()]
    found = difflib.get_close_matches(path.name, names, n=1)
    return found[0] if found else None
