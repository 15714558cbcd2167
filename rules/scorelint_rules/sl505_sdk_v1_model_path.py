from __future__ import annotations

import libcst as cst

from scorelint.facts import dotted_name
from scorelint.model import Severity
from scorelint.rule import ANY_SCRIPT, Invalid, Rule, Valid

from ._main_guard import under_main_guard

_SDK_V1 = "azureml.core"
_END_OF_SUPPORT = "June 30, 2026"


class SdkV1ModelPath(Rule):
    """The entry script uses the Azure ML SDK v1 (`azureml.core`, `Model.get_model_path`), which is out of support.

    ## What it does
    Reports every call of `Model.get_model_path(...)` and every import from `azureml.core` (the
    `azureml-core` package: `Model`, `Workspace`, `Run`...) in an entry script, through aliases and
    function-level imports. Imports that only serve a reported `get_model_path` call are not reported
    twice, and imports under `if __name__ == "__main__":` (local testing) are left alone.

    ## Why is this bad?
    The SDK v1 was deprecated on March 31, 2025 and its support ended on June 30, 2026: `azureml-core`
    gets no fixes, is large, and pins old dependencies that conflict with current frameworks, yet the
    image must install it only for these lines. `Model.get_model_path(name)` does not read the
    deployment's model folder: it searches `azureml-models/<name>/<version>/` below the app folder
    (the v1 deployment layout), then the working directory, or downloads through a workspace, and raises
    ModelNotFoundException anywhere that layout is missing. The platform already says where the model is:
    the `AZUREML_MODEL_DIR` environment variable.

    ## Example
    ```python
    from azureml.core.model import Model

    def init():
        global model
        model = joblib.load(Model.get_model_path("sklearn_mnist"))
    ```

    ## Use instead
    ```python
    import os

    def init():
        global model
        # One model: its folder. Several models: <name>/<version>/ below it.
        model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "sklearn_mnist_model.pkl"))
    ```
    """

    code = "SL505"
    name = "sdk-v1-model-path"
    severity = Severity.WARNING
    contract = "4. Models: Model.get_model_path is the SDK v1 way (azureml-core), which has reached end of support"
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
            import json
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                return AMLResponse(json.dumps({"ok": True}), 200)
            """),
        Valid("""
            import os
            import mlflow

            def init():
                global model
                model = mlflow.pyfunc.load_model(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model"))

            def run(data):
                return model.predict(data).tolist()

            if __name__ == "__main__":
                from azureml.core import Workspace
                ws = Workspace.from_config()
            """),
        Valid("""
            class Model:
                @staticmethod
                def get_model_path(name):
                    return name

            def init():
                global path
                path = Model.get_model_path("local")

            def run(data):
                return path
            """),
    ]
    INVALID = [
        # a get_model_path call under the main guard is a local test: only the import, which the server runs,
        # is reported (modelled on a public script)
        Invalid("""
            import os
            import joblib
            from azureml.core.model import Model

            def init():
                global model
                model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))

            def run(data):
                return model.predict(data).tolist()

            if __name__ == "__main__":
                path = Model.get_model_path("local-model")
            """, line=3, message_contains="from azureml.core.model import Model"),
        Invalid("""
            import joblib
            from azureml.core.model import Model

            def init():
                global model
                model_path = Model.get_model_path('sklearn_mnist')
                model = joblib.load(model_path)

            def run(raw_data):
                return model.predict(raw_data).tolist()
            """, line=6, message_contains="AZUREML_MODEL_DIR"),
        Invalid("""
            import pickle
            import argparse
            from azureml.core.model import Model
            from azureml_user.parallel_run import EntryScript

            def init():
                global iris_model
                parser = argparse.ArgumentParser()
                parser.add_argument("--model_name", dest="model_name", required=True)
                args, _ = parser.parse_known_args()
                with open(Model.get_model_path(args.model_name), "rb") as handle:
                    iris_model = pickle.load(handle)

            def run(input_data):
                input_data["variety"] = iris_model.predict(input_data)
                return input_data
            """, line=11),
        Invalid("""
            import azureml.core
            import joblib

            def init():
                global model
                model = joblib.load(azureml.core.Model.get_model_path(model_name="churn", version=3))

            def run(data):
                return model.predict(data).tolist()
            """, line=6, message_contains="get_model_path"),
        Invalid("""
            import os
            from azureml.core import Run

            def init():
                global logger
                logger = Run.get_context()

            def run(data):
                logger.log("rows", len(data))
                return data
            """, line=2, message_contains="out of support"),
        Invalid("""
            from azureml.core import Workspace, Model as M

            def init():
                global model, ws
                ws = Workspace.from_config()
                model = M.get_model_path("m")

            def run(data):
                return data
            """, expected=2, line=1),
        Invalid("""
            def init():
                global model
                from azureml.core.model import Model
                import torch
                model = torch.load(Model.get_model_path("net"))

            def run(data):
                return model(data).tolist()
            """, line=5),
    ]

    def check(self) -> None:
        imports = self._sdk_v1_imports()
        if not imports:
            return  # a get_model_path call counts only on a name imported from azureml.core
        local_to_import: dict[str, cst.CSTNode] = {}
        for statement, names in imports:
            for local in names:
                local_to_import[local] = statement
        served: dict[cst.CSTNode, set[str]] = {}  # import statement -> local names used for get_model_path
        other_uses: set[str] = set()
        for name in self.source.nodes(cst.Name):
            if name.value not in local_to_import:
                continue
            parent = self.source.parent.get(name)
            if isinstance(parent, cst.Attribute) and parent.attr is name:
                continue
            if self.source.enclosing(name, (cst.Import, cst.ImportFrom)) is not None:
                continue
            if self._is_get_model_path_receiver(name) and not self._under_main_guard(name):
                served.setdefault(local_to_import[name.value], set()).add(name.value)
            else:
                other_uses.add(name.value)
        for call in self.source.nodes(cst.Call):
            func = call.func
            if not (isinstance(func, cst.Attribute) and func.attr.value == "get_model_path"):
                continue
            root = func.value
            while isinstance(root, cst.Attribute):
                root = root.value
            if not (isinstance(root, cst.Name) and root.value in local_to_import) or self._under_main_guard(call):
                continue
            self.report(call, f"`{self.source.code(func)}` needs azureml-core, the SDK v1",
                        help=f"The SDK v1 is out of support since {_END_OF_SUPPORT}, and `get_model_path` searches the "
                             "v1 `azureml-models/<name>/<version>` layout, so it raises ModelNotFoundException "
                             "wherever that layout is missing; build the path from `os.environ['AZUREML_MODEL_DIR']` "
                             "(one model: its folder; several: `<name>/<version>/` below it).")
        for statement, names in imports:
            used_for_path = served.get(statement, set())
            if names and all(n in used_for_path and n not in other_uses for n in names):
                continue  # the get_model_path findings already say it
            written = self.source.code(statement).split("\n")[0]
            self.report(statement, f"`{written}` uses the Azure ML SDK v1 (azureml-core)",
                        help=f"The SDK v1 is out of support since {_END_OF_SUPPORT}: the image must install it for "
                             "this line and it gets no fixes; read model files from "
                             "`os.environ['AZUREML_MODEL_DIR']`, log with `logging` or mlflow, and keep workspace "
                             "code (azure-ai-ml, SDK v2) out of the entry script.")

    def _sdk_v1_imports(self) -> list[tuple[cst.CSTNode, list[str]]]:
        found: list[tuple[cst.CSTNode, list[str]]] = []
        for node in self.source.nodes(cst.ImportFrom):
            if node.relative or node.module is None or not _is_sdk_v1(dotted_name(node.module)):
                continue
            if self._under_main_guard(node):
                continue
            names = [] if isinstance(node.names, cst.ImportStar) else [_local_name(a) for a in node.names]
            found.append((node, names))
        for node in self.source.nodes(cst.Import):
            names = [_local_name(a) for a in node.names if _is_sdk_v1(dotted_name(a.name))]
            if names and not self._under_main_guard(node):
                found.append((node, names))
        return found

    def _is_get_model_path_receiver(self, name: cst.Name) -> bool:
        node: cst.CSTNode = name
        parent = self.source.parent.get(node)
        while isinstance(parent, cst.Attribute) and parent.value is node:
            if parent.attr.value == "get_model_path":
                return isinstance(self.source.parent.get(parent), cst.Call)
            node, parent = parent, self.source.parent.get(parent)
        return False

    def _under_main_guard(self, node: cst.CSTNode) -> bool:
        return under_main_guard(self.source, node)


def _is_sdk_v1(module: str) -> bool:
    return module == _SDK_V1 or module.startswith(_SDK_V1 + ".")


def _local_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return dotted_name(alias.name).split(".")[0]
