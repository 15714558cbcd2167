from __future__ import annotations

import libcst as cst

from scorelint.facts import dotted_name
from scorelint.model import Severity
from scorelint.rule import ANY_SCRIPT, Invalid, Rule, ScriptKind, Valid

# Exact qualified names of calls that read a model from disk (or a hub) and deserialise it.
_LOADERS = frozenset({
    "joblib.load", "sklearn.externals.joblib.load", "pickle.load", "_pickle.load", "cloudpickle.load", "dill.load",
    "torch.load", "torch.jit.load", "torch.hub.load", "onnx.load", "onnxruntime.InferenceSession",
    "tensorflow.saved_model.load", "tensorflow.compat.v1.saved_model.load",
    "tensorflow.compat.v1.saved_model.loader.load", "transformers.pipeline", "spacy.load",
    "fastai.learner.load_learner", "fastai.basic_train.load_learner", "safetensors.torch.load_file",
    "mlflow.pyfunc.load",
})
_KERAS_ROOTS = frozenset({"tensorflow", "keras", "tf_keras"})
_BOOSTERS = frozenset({"xgboost", "lightgbm", "catboost"})
_CACHE_DECORATORS = ("functools.lru_cache", "functools.cache", "lru_cache", "cache", "cachetools.cached",
                     "cachetools.func.lru_cache")
_MAX_HELPERS = 20


class ModelLoadedInRun(Rule):
    """A model is loaded inside `run`, so every request (or mini-batch) loads it again.

    ## What it does
    Reports calls inside `run`, or inside module-level helpers that `run` calls, that load a model:
    `joblib.load`, `pickle.load`, `torch.load`, `torch.jit.load`, Keras/TensorFlow `load_model` and
    `saved_model.load`, `onnxruntime.InferenceSession`, MLflow `load_model`, transformers
    `from_pretrained`/`pipeline`, XGBoost/LightGBM/CatBoost `Booster(model_file=...)`/`.load_model(...)`,
    resolved through imports and aliases. Loads whose result is cached (assigned to a `global`, an
    attribute or a dict entry, or in an `lru_cache` helper) and loads of the request's own data are not
    reported.

    ## Why is this bad?
    The server calls `init()` once per worker and `run()` for every request. A model loaded in `run`
    is read from disk and deserialised on every call: latency grows by the load time (often seconds for
    deep-learning models), memory churns, and requests time out under load, which the server turns into
    500 errors. Batch scripts pay the same cost for every mini-batch.

    ## Example
    ```python
    def init():
        pass

    def run(data):
        model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))
        return model.predict(data).tolist()
    ```

    ## Use instead
    ```python
    def init():
        global model
        model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))

    def run(data):
        return model.predict(data).tolist()
    ```
    """

    code = "SL503"
    name = "model-loaded-in-run"
    severity = Severity.WARNING
    contract = "4. Models: the model is loaded once in init() into a module global; loading it in run() costs every request"
    kinds = ANY_SCRIPT

    VALID = [
        Valid("""
            import os
            import joblib

            def init():
                global model
                model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))

            def run(data):
                return model.predict(data).tolist()
            """),
        Valid("""
            import os
            import torch

            model = None

            def init():
                pass

            def run(data):
                global model
                if model is None:  # loaded once, on the first request
                    model = torch.jit.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pt"))
                return model(torch.tensor(data)).tolist()
            """),
        Valid("""
            import io
            import pickle
            import joblib
            from azureml.contrib.services.aml_request import rawhttp

            def init():
                global model
                model = joblib.load("model.pkl")

            @rawhttp
            def run(request):
                frame = pickle.load(io.BytesIO(request.get_data()))
                return model.predict(frame).tolist()
            """),
        Valid("""
            from functools import lru_cache
            import mlflow

            def init():
                pass

            @lru_cache(maxsize=4)
            def get_model(name):
                return mlflow.pyfunc.load_model(f"models/{name}")

            def run(data):
                return get_model("churn").predict(data).tolist()
            """),
        Valid("""
            import pickle

            def init():
                global model
                with open("model.pkl", "rb") as handle:
                    model = pickle.load(handle)

            def run(mini_batch):
                results = []
                for path in mini_batch:
                    with open(path, "rb") as handle:
                        frame = pickle.load(handle)
                    results.append(model.predict(frame).sum())
                return results
            """),
    ]
    INVALID = [
        Invalid("""
            import json
            import os
            import joblib

            def init():
                pass

            def run(raw_data):
                model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))
                data = json.loads(raw_data)["data"]
                return model.predict(data).tolist()
            """, line=9, message_contains="every request"),
        Invalid("""
            import tensorflow as tf
            from tensorflow import keras

            def init():
                pass

            def run(data):
                encoder = tf.keras.models.load_model("encoder")
                head = keras.models.load_model("head")
                return head(encoder(data)).numpy().tolist()
            """, expected=2, line=8, message_contains="`tf.keras.models.load_model` loads a model"),
        Invalid("""
            import onnxruntime as ort
            import numpy as np

            def init():
                pass

            def score(x):
                session = ort.InferenceSession("model.onnx")
                return session.run(None, {"input": x})[0]

            def run(data):
                return score(np.array(data, dtype=np.float32)).tolist()
            """, line=12, message_contains="through `score`"),
        Invalid("""
            from transformers import AutoTokenizer, AutoModelForSequenceClassification

            def init():
                pass

            def run(text):
                tokenizer = AutoTokenizer.from_pretrained("model")
                model = AutoModelForSequenceClassification.from_pretrained("model")
                return model(**tokenizer(text, return_tensors="pt")).logits.tolist()
            """, expected=2),
        Invalid("""
            import xgboost as xgb
            import pandas as pd

            def init():
                pass

            def run(mini_batch):
                booster = xgb.Booster()
                booster.load_model("model.json")
                frames = [pd.read_csv(path) for path in mini_batch]
                return booster.predict(xgb.DMatrix(pd.concat(frames))).tolist()
            """, line=9, message_contains="every mini-batch"),
        Invalid("""
            import mlflow
            import lightgbm as lgb

            def init():
                pass

            def run(data):
                ranker = lgb.Booster(model_file="ranker.txt")
                model = mlflow.sklearn.load_model("model")
                return [ranker.predict(data).tolist(), model.predict(data).tolist()]
            """, expected=2),
    ]

    def check(self) -> None:
        run_def = self.facts.run.definition
        if run_def is None:
            return
        per = "every mini-batch" if self.facts.kind is ScriptKind.BATCH else "every request"
        for call, callee in self._loads(run_def):
            self.report(call, f"`{callee}` loads a model inside `run`", help=self._help(per))
        # Module-level helpers run calls (transitively): report the call in run.
        seen = {run_def}
        if self.facts.init.definition is not None:
            seen.add(self.facts.init.definition)
        for call in self.source.walk(run_def.body, cst.Call):
            helper = self._helper(call, seen)
            if helper is None:
                continue
            found = self._loads_through(helper, seen)
            if found is not None:
                self.report(call, f"`{found}` loads a model inside `run` (through `{helper.name.value}`)",
                            help=self._help(per))

    @staticmethod
    def _help(per: str) -> str:
        return (f"On {per}, `run` reads and deserialises the model again (seconds of latency, memory churn, "
                "timeouts under load); load it once in `init()` into a module global (`global model`) and only use "
                "it in `run`.")

    def _helper(self, call: cst.Call, seen: set) -> cst.FunctionDef | None:
        if not isinstance(call.func, cst.Name):
            return None
        bindings = self.facts.bindings.get(call.func.value)
        if not bindings or bindings[-1].kind != "def" or bindings[-1].node in seen:
            return None
        func = bindings[-1].node
        assert isinstance(func, cst.FunctionDef)
        for dec in self.facts.decorators(func):
            if dec.qualified and dec.qualified.endswith(_CACHE_DECORATORS):
                return None
        return func

    def _loads_through(self, func: cst.FunctionDef, seen: set) -> str | None:
        seen.add(func)
        loads = self._loads(func)
        if loads:
            return loads[0][1]
        if len(seen) >= _MAX_HELPERS:
            return None
        for call in self.source.walk(func.body, cst.Call):
            helper = self._helper(call, seen)
            if helper is not None:
                found = self._loads_through(helper, seen)
                if found is not None:
                    return found
        return None

    # --- loads inside one function -------------------------------------------------------------------
    def _loads(self, func: cst.FunctionDef) -> list[tuple[cst.Call, str]]:
        calls = self.source.walk(func.body, cst.Call)
        if not calls:
            return []
        local_imports = self._local_imports(func)
        tainted: set[str] | None = None
        found = []
        for call in calls:
            callee = self._loader(call, local_imports, func)
            if callee is None or self._cached(call, func):
                continue
            if tainted is None:
                # the parameters and the locals computed from them (loops over a mini-batch, decoded payloads...)
                tainted = self.facts.derived_names(func, {p.name for p in self.facts.params(func)})
            if any(n.value in tainted for arg in call.args for n in self.facts.names_read(arg)):
                continue  # deserialising the request's (or mini-batch's) own data
            found.append((call, callee))
        return found

    def _loader(self, call: cst.Call, local_imports: dict[str, str], func: cst.FunctionDef) -> str | None:
        qualified = self._qualified(call.func, local_imports)
        if qualified is not None and _is_loader(qualified, call):
            return _one_line(self.source.code(call.func))
        # booster.load_model(path) / CatBoostClassifier().load_model(path)
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "load_model":
            receiver = call.func.value
            if isinstance(receiver, cst.Name):
                values = [b.value for b in self.facts.local_bindings(func).get(receiver.value, [])]
                receiver = values[-1] if values and values[-1] is not None else receiver
            if isinstance(receiver, cst.Call):
                made_by = self._qualified(receiver.func, local_imports) or ""
                if made_by.split(".")[0] in _BOOSTERS:
                    return _one_line(self.source.code(call.func))
        return None

    def _qualified(self, expr: cst.BaseExpression, local_imports: dict[str, str]) -> str | None:
        root = expr
        while isinstance(root, cst.Attribute):
            root = root.value
        if isinstance(root, cst.Name) and root.value in local_imports:
            dotted = dotted_name(expr)
            return local_imports[root.value] + dotted[len(root.value):] if dotted else None
        return self.facts.qualified_name(expr)

    def _local_imports(self, func: cst.FunctionDef) -> dict[str, str]:
        found: dict[str, str] = {}
        for node in self.facts.own_nodes(func, cst.Import):
            for alias in node.names:
                dotted = dotted_name(alias.name)
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    found[alias.asname.name.value] = dotted
                else:
                    found[dotted.split(".")[0]] = dotted.split(".")[0]
        for node in self.facts.own_nodes(func, cst.ImportFrom):
            if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
                continue
            module = dotted_name(node.module)
            for alias in node.names:
                local = alias.asname.name.value if alias.asname is not None and isinstance(
                    alias.asname.name, cst.Name) else dotted_name(alias.name)
                found[local] = f"{module}.{dotted_name(alias.name)}"
        return found

    def _cached(self, call: cst.Call, func: cst.FunctionDef) -> bool:
        """The result is kept beyond this call: `global model; model = load(...)`, `self.m = load(...)`,
        `cache[key] = load(...)`."""
        statement = self.source.enclosing(call, (cst.Assign, cst.AnnAssign))
        if statement is None or statement.value is None or not any(
                n is call for n in self.source.walk(statement.value, cst.Call)):
            return False
        targets = [t.target for t in statement.targets] if isinstance(statement, cst.Assign) else [statement.target]
        declared = self.facts.global_names(func)
        for target in targets:
            if isinstance(target, (cst.Attribute, cst.Subscript)):
                return True
            if isinstance(target, cst.Name) and target.value in declared:
                return True
        return False


def _is_loader(qualified: str, call: cst.Call) -> bool:
    if qualified in _LOADERS:
        return True
    parts = qualified.split(".")
    root, last = parts[0], parts[-1]
    if root in _KERAS_ROOTS and last == "load_model":
        return True
    if root == "mlflow" and last in ("load_model", "load_pyfunc"):
        return True
    if root == "transformers" and last == "from_pretrained":
        return True
    if root in ("xgboost", "lightgbm") and last == "Booster":
        return any(a.keyword is not None and a.keyword.value == "model_file" for a in call.args)
    return False


def _one_line(code: str) -> str:
    return " ".join(code.split())
