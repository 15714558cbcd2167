from __future__ import annotations

import libcst as cst

from scorelint.facts import argument_value
from scorelint.model import Severity
from scorelint.rule import ANY_SCRIPT, Invalid, Rule, Valid

_VARIABLE = "AZUREML_MODEL_DIR"
_GETENV = frozenset({"os.getenv", "os.environ.get"})
_OS, _ENVIRON = frozenset({"os"}), frozenset({"os.environ"})
# Calls that raise TypeError when given None where a path belongs.
_PATH_CALLS = frozenset({
    "os.path.join", "posixpath.join", "ntpath.join", "os.path.abspath", "os.path.realpath", "os.path.normpath",
    "os.path.expanduser", "os.path.exists", "os.path.isdir", "os.path.isfile", "os.path.dirname",
    "os.path.basename", "os.fspath", "os.walk", "os.scandir", "pathlib.Path", "pathlib.PurePath",
    "pathlib.PosixPath", "glob.glob", "glob.iglob", "open",
})


class ModelDirMayBeNone(Rule):
    """`os.getenv('AZUREML_MODEL_DIR')` without a default is used to build a path, which crashes wherever the variable is unset.

    ## What it does
    Reports `os.getenv("AZUREML_MODEL_DIR")` and `os.environ.get("AZUREML_MODEL_DIR")` without a default
    (or with `None`) whose value goes into a path: `os.path.join(...)`, `Path(...)`, `open(...)`, `glob`,
    `+` concatenation, f-strings, `%` or `.format(...)`, directly or through a variable. A variable that is
    checked first (`if model_dir is None`, `model_dir or "."`) is not reported.

    ## Why is this bad?
    Azure ML sets `AZUREML_MODEL_DIR` in a deployment, but nothing sets it when the script runs anywhere
    else: a local `azmlinfsrv --entry_script score.py` without `--model_dir`, a unit test, a notebook.
    There `os.getenv` returns None and `os.path.join(None, "model.pkl")` raises
    `TypeError: expected str, bytes or os.PathLike object, not NoneType`, which says nothing about the
    missing variable; an f-string silently builds the path `None/model.pkl` instead. `os.environ[...]`
    fails the same way on the platform (never) and with `KeyError: 'AZUREML_MODEL_DIR'` everywhere else,
    which names the problem. Microsoft's templates use the `os.getenv` form.

    ## Example
    ```python
    def init():
        global model
        model_path = os.path.join(os.getenv("AZUREML_MODEL_DIR"), "sklearn_regression_model.pkl")
        model = joblib.load(model_path)
    ```

    ## Use instead
    ```python
    def init():
        global model
        model_path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "sklearn_regression_model.pkl")
        model = joblib.load(model_path)
    ```

    ## Fix safety
    Safe: where the variable is set (every deployment) both spellings return the same string; where it
    is not, the script failed already and now fails with a clearer error.
    """

    code = "SL501"
    name = "model-dir-may-be-none"
    severity = Severity.INFO
    contract = "4. Models: os.getenv('AZUREML_MODEL_DIR') is None outside a deployment"
    kinds = ANY_SCRIPT

    VALID = [
        Valid("""
            import os
            import joblib

            def init():
                global model
                model = joblib.load(os.path.join(os.environ['AZUREML_MODEL_DIR'], 'model.pkl'))

            def run(data):
                return model.predict(data).tolist()
            """),
        Valid("""
            import os
            import joblib

            def init():
                global model
                model_dir = os.getenv('AZUREML_MODEL_DIR', './outputs')
                model = joblib.load(os.path.join(model_dir, 'model.pkl'))

            def run(data):
                return model.predict(data).tolist()
            """),
        Valid("""
            import os
            import joblib

            def init():
                global model
                model_dir = os.getenv("AZUREML_MODEL_DIR")
                if model_dir is None:
                    raise RuntimeError("set AZUREML_MODEL_DIR to the folder holding model.pkl")
                model = joblib.load(os.path.join(model_dir, "model.pkl"))

            def run(data):
                return model.predict(data).tolist()
            """),
        Valid("""
            import os
            from pathlib import Path

            MODEL_DIR = Path(os.getenv("AZUREML_MODEL_DIR") or ".")

            def init():
                pass

            def run(data):
                print(os.getenv("AZUREML_MODEL_DIR"))
                return str(MODEL_DIR)
            """),
        Valid("""
            import os

            def init():
                global path
                path = os.path.join(os.getenv('HOME'), 'model.pkl')

            def run(data):
                return path
            """),
    ]
    INVALID = [
        Invalid("""
            import os
            import joblib

            def init():
                global model
                # Replace the file name if needed.
                model_path = os.path.join(os.getenv('AZUREML_MODEL_DIR'), 'sklearn_regression_model.pkl')
                # Deserialize the model file back into a sklearn model.
                model = joblib.load(model_path)

            def run(data):
                return model.predict(data).tolist()
            """, line=7, message_contains="TypeError",
            fixed="""
            import os
            import joblib

            def init():
                global model
                # Replace the file name if needed.
                model_path = os.path.join(os.environ['AZUREML_MODEL_DIR'], 'sklearn_regression_model.pkl')
                # Deserialize the model file back into a sklearn model.
                model = joblib.load(model_path)

            def run(data):
                return model.predict(data).tolist()
            """),
        Invalid("""
            import os
            import torch

            def init():
                global model
                model_dir = os.environ.get("AZUREML_MODEL_DIR")
                model = torch.load(model_dir + "/model.pt")

            def run(data):
                return model(data).tolist()
            """, line=6, message_contains="`+`",
            fixed="""
            import os
            import torch

            def init():
                global model
                model_dir = os.environ["AZUREML_MODEL_DIR"]
                model = torch.load(model_dir + "/model.pt")

            def run(data):
                return model(data).tolist()
            """),
        Invalid("""
            from os import getenv
            import os as _os
            from pathlib import Path

            MODEL_ENV = "AZUREML_MODEL_DIR"
            MODEL_DIR = getenv(MODEL_ENV)

            def init():
                global model
                model = load(Path(MODEL_DIR) / "model.onnx")

            def run(data):
                return model.run(data)
            """, line=6,
            fixed="""
            from os import getenv
            import os as _os
            from pathlib import Path

            MODEL_ENV = "AZUREML_MODEL_DIR"
            MODEL_DIR = _os.environ[MODEL_ENV]

            def init():
                global model
                model = load(Path(MODEL_DIR) / "model.onnx")

            def run(data):
                return model.run(data)
            """),
        Invalid("""
            import os
            import joblib

            def init():
                global model
                model = joblib.load(f"{os.getenv('AZUREML_MODEL_DIR')}/model/model.pkl")

            def run(data):
                return model.predict(data).tolist()
            """, message_contains="None/",
            fixed="""
            import os
            import joblib

            def init():
                global model
                model = joblib.load(f"{os.environ['AZUREML_MODEL_DIR']}/model/model.pkl")

            def run(data):
                return model.predict(data).tolist()
            """),
        Invalid("""
            import os

            def init():
                global first_model, second_model
                first_model_path = os.path.join(os.getenv('AZUREML_MODEL_DIR'), 'my_first_model', '1', 'm.pkl')
                second_model_path = os.path.join(os.getenv('AZUREML_MODEL_DIR', None), 'my_second_model', '2', 'm.pkl')
                first_model = load(first_model_path)
                second_model = load(second_model_path)

            def run(data):
                return [first_model.predict(data).tolist(), second_model.predict(data).tolist()]
            """, expected=2, line=5,
            fixed="""
            import os

            def init():
                global first_model, second_model
                first_model_path = os.path.join(os.environ['AZUREML_MODEL_DIR'], 'my_first_model', '1', 'm.pkl')
                second_model_path = os.path.join(os.environ['AZUREML_MODEL_DIR'], 'my_second_model', '2', 'm.pkl')
                first_model = load(first_model_path)
                second_model = load(second_model_path)

            def run(data):
                return [first_model.predict(data).tolist(), second_model.predict(data).tolist()]
            """),
        # Without `import os` there is no safe spelling to write: reported, not fixed.
        Invalid("""
            from os import getenv
            from glob import glob

            def init():
                global files
                files = glob(getenv('AZUREML_MODEL_DIR') + '/*/')

            def run(mini_batch):
                return mini_batch
            """,
                line=6),
    ]

    def check(self) -> None:
        if _VARIABLE not in self.source.text:  # the key is a literal somewhere, or the rule has nothing to do
            return
        for node in self.source.nodes(cst.Call):
            self._check_call(node)

    def _check_call(self, node: cst.Call) -> None:
        if self.facts.qualified_name_in(node.func, _GETENV) is None:
            return
        key = argument_value(node, 0, "key")
        if key is None or self.facts.literal_string(key) != _VARIABLE:
            return
        default = argument_value(node, 1, "default")
        if default is not None and not (isinstance(default, cst.Name) and default.value == "None"):
            return
        use = self._path_use(node, depth=2)
        if use is None:
            return
        what, crash = use
        written = self.source.code(node)
        if crash:
            happens = f"so {what} raises TypeError before the model is loaded"
        else:
            happens = f"so {what} builds the path `None/...` and loading fails with a misleading FileNotFoundError"
        replacement = self._replacement(node, key)
        instead = replacement or f"os.environ[{self.source.code(key)}]"
        help_text = (f"{_VARIABLE} is not set in a local `azmlinfsrv` without `--model_dir`, a test, a notebook, "
                     f"{happens}; write `{instead}`, which fails with a KeyError naming the variable.")
        fix = self.fix(f"Use `{instead}`", self.replace(node, replacement)) if replacement else None
        self.report(node, f"`{written}` is None wherever {_VARIABLE} is not set", help=help_text, fix=fix)

    # --- where the value goes ------------------------------------------------------------------------
    def _path_use(self, expr: cst.BaseExpression, depth: int) -> tuple[str, bool] | None:
        """How `expr` ends up in a path: (a description, whether that raises TypeError), or None."""
        parent = self.source.parent.get(expr)
        if isinstance(parent, cst.Arg) and parent.value is expr:
            call = self.source.parent.get(parent)
            if isinstance(call, cst.Call):
                qualified = self.facts.qualified_name(call.func)
                if qualified in _PATH_CALLS:
                    return f"`{self.source.code(call.func)}(...)`", True
                if isinstance(call.func, cst.Attribute) and call.func.attr.value == "format" and isinstance(
                        call.func.value, (cst.SimpleString, cst.ConcatenatedString)):
                    return "`.format(...)`", False
            return None
        if isinstance(parent, cst.BinaryOperation):
            if isinstance(parent.operator, cst.Add):
                return "the `+` concatenation", True
            if isinstance(parent.operator, cst.Modulo) and parent.right is expr:
                return "the `%` formatting", False
            return None
        if isinstance(parent, cst.Element) and isinstance(self.source.parent.get(parent), cst.Tuple):
            outer = self.source.parent.get(parent)
            holder = self.source.parent.get(outer)
            if isinstance(holder, cst.BinaryOperation) and isinstance(holder.operator, cst.Modulo):
                return "the `%` formatting", False
            return None
        if isinstance(parent, cst.FormattedStringExpression):
            return "the f-string", False
        if depth and isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is expr:
            targets = [t.target for t in parent.targets] if isinstance(parent, cst.Assign) else [parent.target]
            if len(targets) == 1 and isinstance(targets[0], cst.Name):
                return self._variable_use(targets[0], parent, depth - 1)
        return None

    def _variable_use(self, target: cst.Name, statement: cst.CSTNode, depth: int) -> tuple[str, bool] | None:
        name = target.value
        func = self.source.enclosing(statement, cst.FunctionDef)
        candidates = self.source.walk(func, cst.Name) if func is not None else self.source.nodes(cst.Name)
        found = None
        for use in candidates:
            if use is target or use.value != name:
                continue
            if func is None:
                inner = self.source.enclosing(use, cst.FunctionDef)
                if inner is not None and name in self.facts.local_bindings(inner) and (
                        name not in self.facts.global_names(inner)):
                    continue  # a local of the same name
            if self._is_check(use):
                return None  # the script looks at the value before using it
            if found is None:
                found = self._path_use(use, depth)
        return found

    def _is_check(self, use: cst.Name) -> bool:
        parent = self.source.parent.get(use)
        if isinstance(parent, (cst.Comparison, cst.BooleanOperation, cst.Assert)):
            return True
        if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not):
            return True
        if isinstance(parent, (cst.If, cst.While, cst.IfExp)) and parent.test is use:
            return True
        return False

    # --- the fix -------------------------------------------------------------------------------------
    def _replacement(self, call: cst.Call, key: cst.BaseExpression) -> str | None:
        key_code = self.source.code(key)
        func = call.func
        if isinstance(func, cst.Attribute):
            receiver = self.source.code(func.value)
            if func.attr.value == "getenv":
                return f"{receiver}.environ[{key_code}]"
            return f"{receiver}[{key_code}]"  # environ.get -> environ[...]
        os_name = self.facts.local_name_of(_OS)
        if os_name is not None:
            return f"{os_name}.environ[{key_code}]"
        environ = self.facts.local_name_of(_ENVIRON)
        return f"{environ}[{key_code}]" if environ is not None else None
