from __future__ import annotations

import sys

import libcst as cst

from scorelint.model import Severity
from scorelint.rule import ANY_SCRIPT, Invalid, Rule, Valid

from ._placeholders import bare_annotation, placeholder


class ModelNeverLoaded(Rule):
    """`init` calls a loader of a sibling module that loads the model into a local, so the module's model stays None.

    ## What it does
    Follows the calls `init` makes to functions of sibling modules of the code folder (`helpers.load_model()`,
    `from helpers import load_model`, also through a package's re-exports). When such a loader assigns a name
    without declaring it `global`, while its module defines that name at module level only as a placeholder
    (`model = None`, an empty container, or a bare annotation `model: object`), and `run` reads that global (as
    `helpers.model`, or through another function of the same module such as `helpers.predict`), the call is
    reported. Only runs on files on disk, whose folder holds the sibling module.

    ## Why is this bad?
    An assignment inside a function creates a local unless the function declares the name `global`: the
    loader loads the model into a variable that disappears when it returns, the module keeps its `None`,
    and every request fails with `AttributeError: 'NoneType' object has no attribute 'predict'` (or a
    NameError after a bare annotation). The deployment itself succeeds and the script looks right, because
    the mistake is in another file.

    ## Example
    ```python
    # helpers.py
    model = None

    def load_model(path):
        model = joblib.load(path)

    def predict(rows):
        return model.predict(rows).tolist()

    # score.py
    import helpers

    def init():
        helpers.load_model(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))

    def run(data):
        return helpers.predict(json.loads(data)["data"])
    ```

    ## Use instead
    ```python
    # helpers.py
    model = None

    def load_model(path):
        global model
        model = joblib.load(path)
    ```
    """

    code = "SL506"
    name = "model-never-loaded"
    severity = Severity.ERROR
    contract = "4. Models: the model is loaded once in init() into a module global"
    kinds = ANY_SCRIPT

    VALID = [
        # the loader declares the global
        Valid("""
            import json
            import os
            import helpers

            def init():
                helpers.load_model(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))

            def run(data):
                return helpers.predict(json.loads(data)["data"])
            """, siblings=(("helpers.py", """
            import joblib

            model = None

            def load_model(path):
                global model
                model = joblib.load(path)

            def predict(rows):
                return model.predict(rows).tolist()
            """),)),
        # the loader returns the model and init keeps it in its own global
        Valid("""
            import json
            import helpers

            def init():
                global model
                model = helpers.load_model('m.pkl')

            def run(data):
                return model.predict(json.loads(data)).tolist()
            """,
              siblings=(("helpers.py", """
            import joblib

            def load_model(path):
                model = joblib.load(path)
                return model
            """),)),
        # a single file has no sibling module: nothing is guessed
        Valid("""
            import json
            import os
            import helpers

            def init():
                helpers.load_model(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))

            def run(data):
                return helpers.predict(json.loads(data)["data"])
            """),
    ]
    INVALID = [
        # modelled on a public two-file deployment: every request fails with AttributeError on None
        Invalid("""
            import json
            import os
            import helpers

            def init():
                helpers.load_model(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))

            def run(data):
                return helpers.predict(json.loads(data)["data"])
            """, siblings=(("helpers.py", """
            import joblib

            model = None

            def load_model(path):
                model = joblib.load(path)

            def predict(rows):
                return model.predict(rows).tolist()
            """),), line=6,
                message_contains="helpers.py keeps its module-level `model = None`"),
        # a package that re-exports the loader and the predictor; the placeholder is a bare annotation
        Invalid("""
            import json
            import helpers
            from helpers import load_model

            def init():
                load_model('m.pkl')

            def run(data):
                return helpers.predict(json.loads(data))
            """,
                siblings=(("helpers/__init__.py", """
            from .loading import load_model, predict
            """),
                          ("helpers/loading.py", """
            import joblib

            model: object

            def load_model(path):
                model = joblib.load(path)

            def predict(rows):
                return model.predict(rows).tolist()
            """)),
                line=6, message_contains="NameError"),
        # run reads the module's global itself
        Invalid("""
            import json
            import helpers

            def init():
                helpers.load_model('m.pkl')

            def run(data):
                return helpers.model.predict(json.loads(data)).tolist()
            """,
                siblings=(("helpers.py", """
            import joblib

            model = None

            def load_model(path):
                model = joblib.load(path)

            def predict(rows):
                return model.predict(rows).tolist()
            """),), line=5, message_contains="`helpers.model`"),
    ]

    def check(self) -> None:
        facts = self.facts
        init_def, run_def = facts.init.definition, facts.run.definition
        if init_def is None or run_def is None:
            return
        calls = [c for c in facts.own_nodes(init_def, cst.Call) if self._imported(c.func)]
        if not calls:
            return  # no call on an imported name: nothing to look up in the folder
        folder = self.ctx.code_folder
        if folder is None:
            return
        for call in calls:
            loader = folder.function(facts.qualified_name(call.func) or "")
            if loader is None:
                continue
            lost = self._lost_globals(loader)
            if not lost:
                continue
            found = self._reader(folder, run_def, loader, lost)
            if found is None:
                continue
            name, reader = found
            sibling = loader.ctx.facts
            placeholder = _placeholder(sibling, name)
            outcome = ("every request fails with AttributeError: 'NoneType' object has no attribute ..."
                       if placeholder.endswith("None") else
                       f"every request fails with NameError: name '{name}' is not defined" if ":" in placeholder
                       else "every request sees the empty placeholder")
            self.report(call, f"`{self.source.code(call.func)}(...)` loads `{name}` into a local of "
                              f"`{loader.definition.name.value}`, which `run` never sees",
                        help=f"{loader.file_name} declares no `global {name}` there, so {loader.file_name} keeps its "
                             f"module-level `{placeholder}` and `run` reads it through {reader}: {outcome}; declare "
                             f"`global {name}` at the top of `{loader.definition.name.value}` in {loader.file_name}.")

    def _imported(self, func: cst.BaseExpression) -> bool:
        root = func
        while isinstance(root, cst.Attribute):
            root = root.value
        if not isinstance(root, cst.Name):
            return False
        bindings = self.facts.bindings.get(root.value)
        if not bindings or bindings[-1].kind != "import":
            return False
        module = (bindings[-1].qualified or "").lstrip(".").split(".", 1)[0]
        return module not in sys.stdlib_module_names  # never a sibling: the code folder comes after it

    @staticmethod
    def _lost_globals(loader) -> set[str]:  # noqa: ANN001 - codefolder.SiblingFunction
        """Names the loader assigns as locals while its module holds only a placeholder for them."""
        facts = loader.ctx.facts
        func = loader.definition
        declared = facts.global_names(func)
        params = {p.name for p in facts.params(func)}
        return {name for name, bindings in facts.local_bindings(func).items()
                if name not in declared and name not in params and _placeholder(facts, name)
                and any(b.how in ("assign", "annassign", "with") for b in bindings)}

    def _reader(self, folder, run_def: cst.FunctionDef, loader, lost: set[str]):  # noqa: ANN001, ANN202
        """(name, how run reads it): `helpers.model` in run, or a call of a function of the loader's module
        that reads the global."""
        facts = self.facts
        module = loader.module
        for node in facts.own_nodes(run_def, cst.Attribute):
            if node.attr.value in lost and facts.qualified_name(node) == f"{module}.{node.attr.value}":
                return node.attr.value, f"`{self.source.code(node)}`"
        for call in facts.own_nodes(run_def, cst.Call):
            if not self._imported(call.func):
                continue
            reader = folder.function(facts.qualified_name(call.func) or "")
            if reader is None or reader.ctx.path != loader.ctx.path:
                continue
            reader_facts = reader.ctx.facts
            local = set(reader_facts.local_bindings(reader.definition)) - reader_facts.global_names(reader.definition)
            local |= {p.name for p in reader_facts.params(reader.definition)}
            for name in reader_facts.names_read(reader.definition.body):
                if name.value in lost and name.value not in local:
                    return name.value, f"`{self.source.code(call.func)}(...)`"
        return None


def _placeholder(facts, name: str) -> str:  # noqa: ANN001 - EntryScriptFacts of the sibling
    """`model = None`, `model = {}`, or `model: object` as written at module level; "" for anything else."""
    return placeholder(facts, name) or bare_annotation(facts, name) or ""
