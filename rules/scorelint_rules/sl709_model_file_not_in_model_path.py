from __future__ import annotations

import ast
import weakref
from pathlib import Path

from scorelint.deployment.rule import DeploymentInvalid, DeploymentRule, DeploymentValid
from scorelint.deployment.yamlfile import Located
from scorelint.model import Range, Severity

from ._deployment_examples import conda, online_yaml

_MODEL_DIR = "AZUREML_MODEL_DIR"


def _score(join: str) -> str:
    return ("import os\n\n\ndef init():\n    global model\n"
            f"    model = open({join})\n\n\ndef run(data):\n    return data\n")


class ModelFileNotInModelPath(DeploymentRule):
    """`init()` opens a file under AZUREML_MODEL_DIR that the deployment's local `model.path` does not hold.

    ## What it does
    When the deployment registers its model from a local `model.path` (relative to the YAML's folder), reads
    the paths the scoring script builds from `AZUREML_MODEL_DIR` with literal parts only
    (`os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "churn.pkl")`, `os.getenv(...)`, a
    `pathlib.Path(...) / "x"`), and checks that the uploaded model holds that file. Azure ML keeps the
    uploaded folder's (or file's) own name under AZUREML_MODEL_DIR: `model.path: ../model` with
    `churn.pkl` inside is found at `$AZUREML_MODEL_DIR/model/churn.pkl` (as Azure/azureml-examples'
    `model-1` sample joins "model/sklearn_regression_model.pkl"). Paths built from variables, globbing or
    listing are not judged, nor registered models (`azureml:name:version`).

    ## Why is this bad?
    `init()` fails with FileNotFoundError, after the model has been uploaded and the image built, and the
    deployment fails. The usual slip is the folder's name: joining "churn.pkl" when the file is
    `model/churn.pkl` under AZUREML_MODEL_DIR. The azure-ai-ml loader (the differential test's oracle) does
    not read the script: this is one of scorelint's extra findings.

    ## Example
    ```python
    # model.path: ../model  (a folder holding churn.pkl)
    model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "churn.pkl"))
    ```

    ## Use instead
    ```python
    model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "churn.pkl"))
    ```
    """

    code = "SL709"
    name = "model-file-not-in-model-path"
    severity = Severity.ERROR
    contract = "4. Models: AZUREML_MODEL_DIR holds the model folder, original file names kept"

    _FILES = {"env/conda.yaml": conda("azureml-inference-server-http"), "model/churn.pkl": "x"}
    VALID = [
        DeploymentValid(online_yaml(), files={**_FILES, "src/score.py": _score(
            'os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "churn.pkl")')}),
        DeploymentValid(online_yaml(), files={**_FILES, "src/score.py": _score(
            'os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model/churn.pkl")')}),
        DeploymentValid(online_yaml(), files={**_FILES, "src/score.py": _score(
            'os.path.join(os.environ["AZUREML_MODEL_DIR"], name)')}),
        DeploymentValid(online_yaml().replace("path: model", "path: model/churn.pkl"), files={
            **_FILES, "src/score.py": _score('os.path.join(os.environ["AZUREML_MODEL_DIR"], "churn.pkl")')}),
    ]
    INVALID = [
        DeploymentInvalid(online_yaml(), files={**_FILES, "src/score.py": _score(
            'os.path.join(os.environ["AZUREML_MODEL_DIR"], "churn.pkl")')},
            in_file="src/score.py", line=6, message_contains='"model", "churn.pkl"'),
        DeploymentInvalid(online_yaml(), files={**_FILES, "src/score.py": _score(
            'Path(os.environ["AZUREML_MODEL_DIR"]) / "model" / "churn.joblib"')},
            in_file="src/score.py", line=6, message_contains="churn.joblib"),
    ]

    def check(self) -> None:
        deployment = self.deployment
        if deployment.is_template:
            return  # a pipeline fills in (and may override) its values before deploying
        if deployment.model_path is None:
            return  # (before reading the code folder: most deployments register their model)
        model = deployment.path.parent / deployment.model_path.value
        if not model.exists():
            return  # the upload itself fails; not this rule's finding
        code = self.ctx.code
        if code is None:
            return
        tree = code.script_tree
        if tree is None:
            return  # unreadable or not valid Python: syntax-error says so
        paths = _model_dir_paths(tree, code.script_source)
        lines = code.script_source.splitlines() if paths else []
        for node, parts in paths:
            if not parts or parts[0] != model.name:
                inside = model.joinpath(*parts) if model.is_dir() else None
                if inside is not None and inside.exists():
                    wanted = ", ".join(f'"{p}"' for p in (model.name, *parts))
                    self.report_at(_at(code.script, node, lines),
                                   f"`{'/'.join(parts)}` is not found under AZUREML_MODEL_DIR",
                                   help=f"The model is uploaded as the folder `{model.name}`, and AZUREML_MODEL_DIR "
                                        "holds that folder, so the path is not found there: init() fails with "
                                        f"FileNotFoundError. Join {wanted} onto AZUREML_MODEL_DIR.")
                elif parts:
                    self.report_at(_at(code.script, node, lines),
                                   f"AZUREML_MODEL_DIR will hold `{model.name}`, not `{parts[0]}`",
                                   help=f"`{model.name}` is the model.path of {deployment.path.name}: init() fails "
                                        "with FileNotFoundError.")
                continue
            target = model.joinpath(*parts[1:]) if model.is_dir() else model
            if len(parts) > 1 and not model.is_dir() or not target.exists():
                self.report_at(_at(code.script, node, lines),
                               f"`{'/'.join(parts)}` is not in the uploaded model `{deployment.model_path.value}`",
                               help="init() fails with FileNotFoundError. Check the file's name in the model folder.")


def _at(path: Path, node: ast.expr, lines: list[str]) -> Located:
    line = lines[node.lineno - 1] if 0 < node.lineno <= len(lines) else ""
    start = len(line.encode()[: node.col_offset].decode("utf-8", "replace"))
    end = len(line.encode()[: node.end_col_offset or 0].decode("utf-8", "replace")) \
        if node.end_lineno == node.lineno else len(line)
    return Located(None, path, Range.of(node.lineno, start, node.lineno, max(end, start)))


def _model_dir_paths(tree: ast.Module, source: str):
    """(node, literal path parts) for each path built from AZUREML_MODEL_DIR with literal parts only."""
    if _MODEL_DIR not in source:
        return []  # every path judged here names the variable in a string literal
    found = _FOUND.get(tree)
    if found is None:  # (blue and green deployments share their script)
        found = _FOUND[tree] = _paths_in(tree)
    return found


_FOUND: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _paths_in(tree: ast.Module):
    from scorelint.codefolder import dotted_name  # loaded with a deployment, not with the rules

    # One walk (a stack: half the cost of ast.walk). The names assigned AZUREML_MODEL_DIR may be assigned
    # after the code that uses them (a global set in init()), so the joins and divisions are judged once
    # the walk has seen every assignment.
    assignments, candidates = [], []
    inner = set()  # `a / b / c` nests as ((a / b) / c): only the outermost division starts a chain
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Assign):
            assignments.append(node)
        elif isinstance(node, ast.Call):
            candidates.append(node)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            candidates.append(node)
            inner.add(id(node.left))
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)
    names = {t.id for node in assignments if _is_model_dir(node.value)
             for t in node.targets if isinstance(t, ast.Name)}
    found = []
    for node in candidates:
        if isinstance(node, ast.Call):
            if node.args and dotted_name(node.func) in ("os.path.join", "path.join", "join") \
                    and _is_model_dir(node.args[0], names):
                parts = _literals(node.args[1:])
                if parts is not None:
                    found.append((node, parts))
        elif id(node) not in inner:
            chain = _div_chain(node)
            base = chain[0]
            if isinstance(base, ast.Call) and dotted_name(base.func) in ("Path", "pathlib.Path") and base.args \
                    and _is_model_dir(base.args[0], names):
                parts = _literals(chain[1:])
                if parts is not None:
                    found.append((node, parts))
    return found


def _literals(args) -> list[str] | None:
    parts: list[str] = []
    for arg in args:
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            return None
        parts.extend(p for p in arg.value.replace("\\", "/").split("/") if p and p != ".")
    return parts


def _div_chain(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return [*_div_chain(node.left), node.right]
    return [node]




def _is_model_dir(node: ast.expr, names: set[str] = frozenset()) -> bool:
    """os.environ["AZUREML_MODEL_DIR"], os.environ.get(...), os.getenv(...), or a name assigned one."""
    from scorelint.codefolder import dotted_name

    if isinstance(node, ast.Name):
        return node.id in names
    if isinstance(node, ast.Subscript) and dotted_name(node.value).endswith("environ"):
        key = node.slice
        return isinstance(key, ast.Constant) and key.value == _MODEL_DIR
    if isinstance(node, ast.Call) and dotted_name(node.func) in ("os.getenv", "getenv", "os.environ.get", "environ.get"):
        return bool(node.args) and isinstance(node.args[0], ast.Constant) and node.args[0].value == _MODEL_DIR
    return False
