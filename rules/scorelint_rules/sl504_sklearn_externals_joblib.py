from __future__ import annotations

import libcst as cst

from scorelint.facts import dotted_name
from scorelint.model import Severity
from scorelint.rule import ANY_SCRIPT, Invalid, Rule, Valid

from ._fixes import indent_of
from ._main_guard import under_main_guard

_REMOVED = "sklearn.externals.joblib"
# Handlers that make an import a deliberate compatibility fallback.
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


class SklearnExternalsJoblib(Rule):
    """The script imports `joblib` from `sklearn.externals`, which scikit-learn removed in 0.23.

    ## What it does
    Reports `from sklearn.externals import joblib`, `import sklearn.externals.joblib` (with or without
    `as`) and `from sklearn.externals.joblib import ...`, unless the import sits in a
    `try`/`except ImportError` that falls back to another import, or under `if __name__ == "__main__":`.
    The message says what fails: importing the script, `init` at start-up, or the requests that reach it.

    ## Why is this bad?
    scikit-learn vendored joblib as `sklearn.externals.joblib` until 0.20, deprecated it in 0.21 and
    removed it in 0.23. With any current scikit-learn the import raises ImportError: at module level when
    the server imports the entry script, so the deployment fails before `init()` runs; inside `init`, when
    the server calls it at start-up, which fails the deployment too. Microsoft's own entry-script
    templates still show this import, which is why it is copied into so many scripts.

    ## Example
    ```python
    from sklearn.externals import joblib

    def init():
        global model
        model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))
    ```

    ## Use instead
    ```python
    import joblib

    def init():
        global model
        model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))
    ```

    ## Fix safety
    Safe: the standalone `joblib` package has the same functions, and scikit-learn depends on it, so it is
    installed wherever scikit-learn is. Aliases are kept. A model pickled years ago through
    `sklearn.externals.joblib` may itself refer to the old module; such a model must be re-saved with a
    current scikit-learn whatever the import says.
    """

    code = "SL504"
    name = "sklearn-externals-joblib"
    severity = Severity.ERROR
    contract = "4. Models: `from sklearn.externals import joblib` no longer exists in scikit-learn"
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
            from sklearn.externals import six
            import joblib as jl

            def init():
                pass

            def run(data):
                return data
            """),
        Valid("""
            try:
                from sklearn.externals import joblib
            except ImportError:
                import joblib

            def init():
                global model
                model = joblib.load("model.pkl")

            def run(data):
                return model.predict(data).tolist()
            """),
        Valid("""
            try:
                import joblib
            except ModuleNotFoundError:  # very old scikit-learn images
                import sklearn.externals.joblib as joblib

            def init():
                pass

            def run(data):
                return data
            """),
        Valid("""
            # from sklearn.externals import joblib
            import joblib

            def init():
                pass

            def run(data):
                return 'sklearn.externals.joblib'
            """),
        # a local test under the main guard: the server never runs it
        Valid("""
            import joblib

            def init():
                global model
                model = joblib.load('m.pkl')

            def run(data):
                return model.predict(data).tolist()

            if __name__ == '__main__':
                from sklearn.externals import joblib as old
                print(old)
            """),
    ]
    INVALID = [
        Invalid("""
            import json
            import numpy as np
            import os
            from sklearn.externals import joblib

            def init():
                global model
                model_path = os.path.join(os.getenv('AZUREML_MODEL_DIR'), 'sklearn_mnist_model.pkl')
                model = joblib.load(model_path)

            def run(data):
                data = np.array(json.loads(data))
                return model.predict(data).tolist()
            """, line=4, message_contains="ImportError",
            fixed="""
            import json
            import numpy as np
            import os
            import joblib

            def init():
                global model
                model_path = os.path.join(os.getenv('AZUREML_MODEL_DIR'), 'sklearn_mnist_model.pkl')
                model = joblib.load(model_path)

            def run(data):
                data = np.array(json.loads(data))
                return model.predict(data).tolist()
            """),
        # imported inside init: the import succeeds and init fails at start-up (a public script)
        Invalid("""
            def init():
                global model
                from sklearn.externals import joblib
                model = joblib.load('m.pkl')

            def run(data):
                return model.predict(data).tolist()
            """,
                line=3, message_contains="`init()` fails when the server calls it at start-up",
                fixed="""
            def init():
                global model
                import joblib
                model = joblib.load('m.pkl')

            def run(data):
                return model.predict(data).tolist()
            """),
        Invalid("""
            from sklearn.externals import joblib as jl

            def init():
                global model
                model = jl.load('model.pkl')

            def run(data):
                return model.predict(data).tolist()
            """,
                line=1, message_contains="`import joblib as jl`",
                fixed="""
            import joblib as jl

            def init():
                global model
                model = jl.load('model.pkl')

            def run(data):
                return model.predict(data).tolist()
            """),
        Invalid("""
            import sklearn.externals.joblib as joblib

            def init():
                global model
                model = joblib.load('model.pkl')

            def run(data):
                return data
            """,
                fixed="""
            import joblib

            def init():
                global model
                model = joblib.load('model.pkl')

            def run(data):
                return data
            """),
        Invalid("""
            import os
            import sklearn.externals.joblib

            def init():
                global model
                model = sklearn.externals.joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "m.pkl"))

            def run(data):
                return model.predict(data).tolist()
            """, message_contains="ModuleNotFoundError",
            fixed="""
            import os
            import joblib

            def init():
                global model
                model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "m.pkl"))

            def run(data):
                return model.predict(data).tolist()
            """),
        Invalid("""
            from sklearn.externals.joblib import load

            def init():
                global model
                model = load('model.pkl')

            def run(data):
                return data
            """,
                fixed="""
            from joblib import load

            def init():
                global model
                model = load('model.pkl')

            def run(data):
                return data
            """),
        Invalid("""
            import pickle
            from sklearn.externals import six, joblib

            def init():
                global model
                model = joblib.load("model.pkl")

            def run(data):
                return data
            """, line=2,
            fixed="""
            import pickle
            import joblib
            from sklearn.externals import six

            def init():
                global model
                model = joblib.load("model.pkl")

            def run(data):
                return data
            """),
        Invalid("""
            def init():
                global model
                from sklearn.externals import joblib
                model = joblib.load("model.pkl")

            def run(data):
                return model.predict(data).tolist()
            """, line=3,
            fixed="""
            def init():
                global model
                import joblib
                model = joblib.load("model.pkl")

            def run(data):
                return model.predict(data).tolist()
            """),
        # `sklearn` is still used for something else, and nothing else imports it: report, no fix.
        Invalid("""
            import sklearn.externals.joblib

            def init():
                global model
                model = sklearn.externals.joblib.load('m.pkl')
                print(sklearn.__version__)

            def run(data):
                return data
            """, line=1),
    ]

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None:
            return
        module = dotted_name(node.module)
        if module == "sklearn.externals" and not isinstance(node.names, cst.ImportStar):
            self._from_externals(node)
        elif module == _REMOVED or module.startswith(_REMOVED + "."):
            if self._guarded(node):
                return
            new_module = "joblib" + module[len(_REMOVED):]
            self.report(node, *self._message(node, f"from {module} import ...", "ModuleNotFoundError",
                                             f"from {new_module} import ..."),
                        fix=self.fix(f"Import from `{new_module}`", self.replace(node.module, new_module)))

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            dotted = dotted_name(alias.name)
            if not (dotted == _REMOVED or dotted.startswith(_REMOVED + ".")):
                continue
            if self._guarded(node):
                return
            new = "joblib" + dotted[len(_REMOVED):]
            asname = alias.asname.name.value if alias.asname is not None and isinstance(
                alias.asname.name, cst.Name) else None
            if asname is not None:
                replacement = new if asname == new else f"{new} as {asname}"
                self.report(node, *self._message(node, f"import {dotted} as {asname}", "ModuleNotFoundError",
                                                f"import {replacement}"),
                            fix=self.fix(f"Import `{new}`", self._replace_alias(alias, replacement)))
                continue
            # `import sklearn.externals.joblib` binds `sklearn`: rewrite the uses too, when that is all
            # `sklearn` is used for (or another import binds it).
            self.report(node, *self._message(node, f"import {dotted}", "ModuleNotFoundError", f"import {new}"),
                        fix=self._plain_import_fix(node, alias, new))

    # --- helpers -------------------------------------------------------------------------------------
    def _from_externals(self, node: cst.ImportFrom) -> None:
        names = node.names
        assert not isinstance(names, cst.ImportStar)
        joblib_aliases = [a for a in names if dotted_name(a.name) == "joblib"]
        if not joblib_aliases or self._guarded(node):
            return
        alias = joblib_aliases[0]
        asname = alias.asname.name.value if alias.asname is not None and isinstance(
            alias.asname.name, cst.Name) else None
        new_import = "import joblib" if asname in (None, "joblib") else f"import joblib as {asname}"
        written = "from sklearn.externals import joblib" + (f" as {asname}" if asname else "")
        others = [a for a in names if dotted_name(a.name) != "joblib"]
        fix = None
        if not others:
            fix = self.fix(f"Replace with `{new_import}`", self.replace(node, new_import))
        else:
            line = self.source.parent.get(node)
            if isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
                rest = ", ".join(self.source.code(a.name) + (
                    f" as {a.asname.name.value}" if a.asname is not None and isinstance(a.asname.name, cst.Name)
                    else "") for a in others)
                indent = indent_of(self.source, node) or ""
                fix = self.fix(f"Replace with `{new_import}`",
                               self.replace(node, f"{new_import}\n{indent}from sklearn.externals import {rest}"))
        self.report(node, *self._message(node, written, "ImportError", new_import), fix=fix)

    def _plain_import_fix(self, node: cst.Import, alias: cst.ImportAlias, new: str):
        chains = []
        other_uses = False
        for name in self.source.nodes(cst.Name):
            if name.value != "sklearn":
                continue
            parent = self.source.parent.get(name)
            if isinstance(parent, cst.Attribute) and parent.attr is name:
                continue  # `something.sklearn`
            if isinstance(parent, (cst.ImportAlias, cst.Attribute)) and self.source.enclosing(
                    name, (cst.Import, cst.ImportFrom)) is not None:
                continue  # part of an import statement
            chain = self._removed_chain(name)
            if chain is not None:
                chains.append(chain)
            else:
                other_uses = True
        if other_uses and not self._sklearn_bound_elsewhere(node):
            return None
        edits = [self._replace_alias(alias, new) if len(node.names) > 1 else self.replace(node, f"import {new}")]
        edits.extend(self.replace(chain, "joblib") for chain in chains)
        return self.fix(f"Import `{new}`", *edits)

    def _removed_chain(self, name: cst.Name) -> cst.Attribute | None:
        """`sklearn.externals.joblib` written in full starting at `name`, or None."""
        externals = self.source.parent.get(name)
        if not (isinstance(externals, cst.Attribute) and externals.value is name
                and externals.attr.value == "externals"):
            return None
        joblib = self.source.parent.get(externals)
        if isinstance(joblib, cst.Attribute) and joblib.value is externals and joblib.attr.value == "joblib":
            return joblib
        return None

    def _sklearn_bound_elsewhere(self, node: cst.Import) -> bool:
        for other in self.source.nodes(cst.Import):
            if other is node:
                continue
            for alias in other.names:
                if alias.asname is None and dotted_name(alias.name).split(".")[0] == "sklearn":
                    return True
        return False

    def _replace_alias(self, alias: cst.ImportAlias, text: str):
        start = self.source.offsets(alias.name)[0]
        end = self.source.offsets(alias.asname)[1] if alias.asname is not None else self.source.offsets(alias.name)[1]
        return self.replace_span(start, end, text)

    def _guarded(self, node: cst.CSTNode) -> bool:
        """Inside a try whose handlers catch ImportError, or inside such a handler (the fallback), or under
        `if __name__ == "__main__":`, which the server never runs."""
        if under_main_guard(self.source, node):
            return True
        for ancestor in self.source.ancestors(node):
            if isinstance(ancestor, cst.ExceptHandler) and _catches_import_error(ancestor):
                return True
            if isinstance(ancestor, cst.Try) and any(_catches_import_error(h) for h in ancestor.handlers):
                return True
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef)):
                break
        return False

    def _message(self, node: cst.CSTNode, written: str, error: str, instead: str) -> tuple[str, str]:
        """The finding's message and help (passed to `report` as `*self._message(...)`)."""
        return (f"`{written}` raises {error} with scikit-learn >= 0.23",
                f"scikit-learn 0.23 and later removed the vendored joblib, so {self._what_fails(node)}; write "
                f"`{instead}`: scikit-learn installs joblib itself.")

    def _what_fails(self, node: cst.CSTNode) -> str:
        """Where the import runs decides what fails: the module's import, init at start-up, or a request."""
        func = self.source.enclosing(node, cst.FunctionDef)
        while func is not None and func is not self.facts.init.definition and func is not self.facts.run.definition:
            outer = self.source.enclosing(func, cst.FunctionDef)
            if outer is None:
                return f"every call of `{func.name.value}` fails"
            func = outer
        if func is None:
            return "the server cannot import the script and the deployment fails"
        if func is self.facts.init.definition:
            return "`init()` fails when the server calls it at start-up, and the deployment fails"
        return "`run` fails on every request that reaches this import (a 500)"


def _catches_import_error(handler: cst.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elements if isinstance(handler.type, cst.Tuple) else [handler.type]
    for item in types:
        expr = item.value if isinstance(item, cst.Element) else item
        if isinstance(expr, cst.Name) and expr.value in _IMPORT_ERRORS:
            return True
    return False
