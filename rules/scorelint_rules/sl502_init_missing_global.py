from __future__ import annotations

import builtins

import libcst as cst

from scorelint.facts.flow import reads_as_global
from scorelint.model import Severity
from scorelint.rule import ANY_SCRIPT, Invalid, Rule, Valid

from ._fixes import declare_global
from ._placeholders import bare_annotation, placeholder, real_bindings

_BUILTINS = frozenset(dir(builtins))
_MAX_HELPERS = 20


class InitMissingGlobal(Rule):
    """`init` assigns a name that `run` reads, without declaring it `global`, so `run` never sees the value.

    ## What it does
    Finds the names `init` binds in its own scope (assignments, `with ... as`, `for` targets, imports)
    that `run` reads as globals, directly or in the module-level helper functions it calls, and that
    `init` does not declare `global`. A name is reported when the module has no binding for it (run
    raises NameError) or only a placeholder such as `model = None` (run sees the placeholder).

    ## Why is this bad?
    An assignment inside a function creates a local variable unless the function declares the name
    `global`. `init()` then loads the model into a local that disappears when it returns, and every
    request fails in `run()` with `NameError: name 'model' is not defined`, or with
    `AttributeError: 'NoneType' object has no attribute 'predict'` when the module sets `model = None`.
    The deployment itself succeeds, so the error only shows on the first request.

    ## Example
    ```python
    def init():
        model_path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl")
        model = joblib.load(model_path)

    def run(data):
        return model.predict(data).tolist()
    ```

    ## Use instead
    ```python
    def init():
        global model
        model_path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl")
        model = joblib.load(model_path)

    def run(data):
        return model.predict(data).tolist()
    ```

    ## Fix safety
    Safe: the fix adds the name to init's first `global` statement, or inserts `global <name>` as init's
    first statement (after its docstring), so init stores the value where run reads it.
    """

    code = "SL502"
    name = "init-missing-global"
    severity = Severity.ERROR
    contract = "4. Models: assigning the model in init() without `global` leaves run() with a NameError"
    kinds = ANY_SCRIPT

    VALID = [
        Valid("""
            import os
            import joblib

            def init():
                global model
                model_path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl")
                model = joblib.load(model_path)

            def run(data):
                return model.predict(data).tolist()
            """),
        Valid("""
            import logging
            import joblib

            logger = logging.getLogger("azureml")
            model = None

            def init():
                global model
                logger = logging.getLogger(__name__)  # init's own logger; run uses the module's
                logger.info("loading")
                model = joblib.load("model.pkl")

            def run(data):
                logger.info("scoring")
                return model.predict(data).tolist()
            """),
        Valid("""
            def init():
                global model
                model = load()
                result = model.warm_up()
                print(result)

            def run(data):
                result = model.predict(data)
                scores = [float(x) for x in result]
                return {"result": scores}
            """),
        Valid("""
            def init():
                global model
                x = 3
                model = load(x)

            def run(data):
                helper = lambda x: x + 1
                return [helper(x) for x in data]
            """),
        Valid("""
            def init():
                input = "ignored"
                print(input)

            def run(data):
                return len(data)
            """),
    ]
    INVALID = [
        Invalid("""
            import os
            import joblib

            def init():
                model_path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl")
                model = joblib.load(model_path)

            def run(data):
                return model.predict(data).tolist()
            """, line=6, message_contains="NameError",
            fixed="""
            import os
            import joblib

            def init():
                global model
                model_path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl")
                model = joblib.load(model_path)

            def run(data):
                return model.predict(data).tolist()
            """),
        Invalid('''
            import pickle

            model = None
            scaler = None

            def init():
                """Load the model and the scaler once."""
                # both files sit next to each other
                with open("model.pkl", "rb") as handle:
                    model, scaler = pickle.load(handle)

            def run(data):
                return model.predict(scaler.transform(data)).tolist()
            ''', expected=2, line=10, message_contains="`model = None`",
            fixed='''
            import pickle

            model = None
            scaler = None

            def init():
                """Load the model and the scaler once."""
                # both files sit next to each other
                global model, scaler
                with open("model.pkl", "rb") as handle:
                    model, scaler = pickle.load(handle)

            def run(data):
                return model.predict(scaler.transform(data)).tolist()
            '''),
        Invalid("""
            import json
            import torch

            def init():
                global device
                device = "cpu"
                net = torch.jit.load("model.pt", map_location=device)
                net.eval()

            def predict(x):
                return net(torch.tensor(x, device=device)).tolist()

            def run(raw_data):
                return predict(json.loads(raw_data)["data"])
            """, line=7, message_contains="through `predict`",
            fixed="""
            import json
            import torch

            def init():
                global device, net
                device = "cpu"
                net = torch.jit.load("model.pt", map_location=device)
                net.eval()

            def predict(x):
                return net(torch.tensor(x, device=device)).tolist()

            def run(raw_data):
                return predict(json.loads(raw_data)["data"])
            """),
        Invalid("""
            def init():
                import tensorflow as tf
                global model
                model = tf.keras.models.load_model("model")

            def run(data):
                return model.predict(tf.constant(data)).tolist()
            """, line=2, message_contains="`tf`",
            fixed="""
            def init():
                global tf
                import tensorflow as tf
                global model
                model = tf.keras.models.load_model("model")

            def run(data):
                return model.predict(tf.constant(data)).tolist()
            """),
        # a module-level annotation binds nothing (seen in a typed public script)
        Invalid("""
            import joblib

            model: object

            def init():
                model = joblib.load('m.pkl')

            def run(data):
                return model.predict(data).tolist()
            """, line=6,
                message_contains="`model: object` declares the name but binds nothing",
                fixed="""
            import joblib

            model: object

            def init():
                global model
                model = joblib.load('m.pkl')

            def run(data):
                return model.predict(data).tolist()
            """),
        Invalid("""
            def init(): model = load('model.pkl')

            def run(data):
                return model.predict(data)
            """,
                line=1, fixed="""
            def init(): global model; model = load('model.pkl')

            def run(data):
                return model.predict(data)
            """),
    ]

    def check(self) -> None:
        init_def = self.facts.init.definition
        run_def = self.facts.run.definition
        if init_def is None or run_def is None or init_def is run_def:
            return
        if any(isinstance(c.func, cst.Name) and c.func.value in ("globals", "setattr")
               for c in self.source.walk(init_def, cst.Call)):
            return  # the script stores its state some other way
        declared = self.facts.global_names(init_def)
        params = {p.name for p in self.facts.params(init_def)}
        candidates = {name: bindings for name, bindings in self.facts.local_bindings(init_def).items()
                      if name not in declared and name not in params and self._would_break(name)}
        if not candidates:
            return
        reads = self._global_reads(run_def, set(candidates), init_def)
        for name in sorted(reads, key=lambda n: self.source.offsets(candidates[n][0].node)[0]):
            reader = reads[name]
            binding = candidates[name][0]
            via = "" if reader is run_def else f" (through `{reader.name.value}`)"
            slot = placeholder(self.facts, name)
            if slot is None:
                happens = f"every request fails with NameError: name '{name}' is not defined"
                annotation = bare_annotation(self.facts, name)
                if annotation:
                    happens += f" (the module-level annotation `{annotation}` declares the name but binds nothing)"
            else:
                happens = f"`run`{via} keeps reading the module-level `{slot}` and fails on every request"
                via = ""
            help_text = (f"The value is a local of init, lost when it returns, and `run`{via} reads `{name}`: "
                         f"{happens}; declare `global {name}` at the top of init.")
            self.report(binding.node, f"`init` assigns `{name}` without `global {name}`", help=help_text,
                        fix=declare_global(self, init_def, name))

    def _would_break(self, name: str) -> bool:
        if not real_bindings(self.facts, name):
            return name not in _BUILTINS and not self.facts.has_unknown_star_import
        return placeholder(self.facts, name) is not None

    # --- who reads what ------------------------------------------------------------------------------
    def _global_reads(self, run_def: cst.FunctionDef, names: set[str],
                      init_def: cst.FunctionDef) -> dict[str, cst.FunctionDef]:
        """The candidate names run (or a helper it calls) reads as globals -> the reading function."""
        found: dict[str, cst.FunctionDef] = {}
        queue = [run_def]
        seen = {run_def, init_def}
        while queue and len(seen) < _MAX_HELPERS:
            func = queue.pop(0)
            local = self.facts.flow(func).own_names()
            for node in self.source.walk(func.body, cst.Name):
                value = node.value
                if value in names and value not in found and value not in local and reads_as_global(self.facts, node, func):
                    found[value] = func
                elif isinstance(self.source.parent.get(node), cst.Call) and self.source.parent[node].func is node:
                    bindings = self.facts.bindings.get(value)
                    if bindings and bindings[-1].kind == "def" and bindings[-1].node not in seen:
                        seen.add(bindings[-1].node)
                        queue.append(bindings[-1].node)  # type: ignore[arg-type]
        return found
