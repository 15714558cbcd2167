from __future__ import annotations

import builtins
import sys

import libcst as cst

from scorelint.model import Severity
from scorelint.rule import ANY_SCRIPT, Invalid, Rule, Valid

from ._main_guard import is_main_guard

# Builtins of every Python the server runs on (3.8+), not only of the interpreter running scorelint.
_BUILTINS = frozenset(dir(builtins)) | {
    "True", "False", "None", "__debug__", "aiter", "anext", "EncodingWarning", "ExceptionGroup",
    "BaseExceptionGroup", "PythonFinalizationError",
}
# What every module (and class body, and method) sees without binding it.
_MODULE_NAMES = frozenset({
    "__name__", "__file__", "__doc__", "__spec__", "__loader__", "__package__", "__builtins__", "__path__",
    "__cached__", "__annotations__", "__dict__", "__module__", "__qualname__", "__class__",
})
# Text that means names can be created in ways a reading of the file cannot follow.
_DYNAMIC = ("globals()", "locals()", "vars()", "exec(", "builtins", "sys.modules", "__getattr__")
# The import a well-known name almost certainly stands for; third-party ones make the fix unsafe
# (the script then needs the package at import time, not only when the line runs).
_STDLIB = ("os", "sys", "json", "time", "logging", "pickle", "re", "math", "base64", "io", "glob", "shutil",
           "traceback", "uuid", "tempfile", "random", "pathlib", "argparse", "inspect")
_THIRD_PARTY = {"np": "import numpy as np", "pd": "import pandas as pd", "joblib": "import joblib",
                "torch": "import torch", "tf": "import tensorflow as tf"}
_TARGETS = (cst.Assign, cst.AnnAssign, cst.AugAssign, cst.For, cst.CompFor, cst.NamedExpr)
_NOT_LOADS = (cst.Import, cst.ImportFrom, cst.Annotation, cst.MatchPattern, cst.NameItem)


class UndefinedName(Rule):
    """The script reads a name it never imports or assigns, so that line raises NameError.

    ## What it does
    Reports a name that the script reads but binds nowhere: no import, assignment, `def`, `class`,
    parameter, loop, `with`, `except` or comprehension variable anywhere in the file, and not a builtin.
    Each such name is reported once, where it is first read, with what the NameError breaks there. It
    stays silent when a `from module import *` of an unknown module, `globals()`, `exec` and the like
    could create names that reading the file cannot see, and inside `if __name__ == "__main__":`, which the
    server never runs.

    ## Why is this bad?
    Python looks names up only when the line runs. A missing `import os` in `init` therefore passes every
    check until the server calls `init()` at start-up: it raises `NameError: name 'os' is not defined`
    and the deployment fails. At module level the import of the script fails; in `run` every request that
    reaches the line fails with a 500. The documents' own Power BI example (in its Japanese and French
    versions) calls `os.path.join` without importing `os`.

    ## Example
    ```python
    import joblib

    def init():
        global model
        model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))
    ```

    ## Use instead
    ```python
    import os

    import joblib

    def init():
        global model
        model = joblib.load(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl"))
    ```

    ## Fix safety
    Offered only for well-known module names. Adding a standard-library import (`import os`) is safe. The
    conventional third-party ones (`import numpy as np`, `import pandas as pd`, `joblib`, `torch`,
    `tensorflow as tf`) are unsafe: the script then needs that package when it is imported, not only when
    the line runs. The import goes where isort's default profile would put it among the imports at the top
    (standard library, then third-party, a blank line between; `import x` before `from x import y`).
    """

    code = "SL011"
    name = "undefined-name"
    severity = Severity.ERROR
    contract = "1. Loading: any exception at import time (or in init) fails the deployment"
    kinds = ANY_SCRIPT

    VALID = [
        # a local test under the main guard: the server imports the module and never runs it
        Valid("""
            import json

            def init():
                global model
                model = 1

            def run(data):
                return {'a': 1}

            if __name__ == '__main__':
                init()
                print(run(json.dumps(test_sample)))
            """),
        Valid("""
            import os
            import joblib

            def init():
                global model
                model = joblib.load(os.path.join(os.environ['AZUREML_MODEL_DIR'], 'model.pkl'))

            def run(data):
                return model.predict([[float(data)]]).tolist()
            """),
        # Bound only conditionally, in a nested scope, by a comprehension, an except, a with or a loop.
        Valid("""
            try:
                import ujson as json
            except ImportError:
                import json

            def init():
                pass

            def run(data):
                rows = [r for r in json.loads(data)]
                with open('x') as fh:
                    pass
                for i, (a, b) in enumerate(rows):
                    pass
                try:
                    pass
                except ValueError as err:
                    return {'error': type(err).__name__}
                return {'n': len(rows), 'ok': (total := sum(rows)) > 0, 'file': __file__}
            """),
        # Keyword arguments, attributes and annotations are not reads of a global name.
        Valid("""
            from __future__ import annotations
            import numpy as np

            def init():
                pass

            def run(data: UnknownType) -> np.ndarray:
                return np.zeros(3, dtype=float).tolist()
            """),
        # Names created out of sight: star imports of unknown modules, globals().
        Valid("""
            from helpers import *

            def init():
                pass

            def run(data):
                return score(data)
            """),
        Valid("""
            def init():
                globals()['model'] = object()

            def run(data):
                return str(model)
            """),
        # A deliberate probe for a name that may not exist.
        Valid("""
            try:
                IN_NOTEBOOK = bool(__IPYTHON__)
            except NameError:
                IN_NOTEBOOK = False

            def init():
                pass

            def run(data):
                return data
            """),
        # init binds `model` locally: SL502 (init-missing-global) reports that, not this rule.
        Valid("""
            import joblib

            def init():
                model = joblib.load('m.pkl')

            def run(data):
                return model.predict(data)
            """),
    ]
    INVALID = [
        Invalid("""
            import json
            import joblib


            def init():
                global model
                path = os.path.join(os.getenv('AZUREML_MODEL_DIR'), 'model.pkl')
                model = joblib.load(path)


            def run(data):
                return model.predict(json.loads(data)).tolist()
            """,
                line=7, message_contains="when the server calls it at start-up",
                fixed="""
            import json
            import os
            import joblib


            def init():
                global model
                path = os.path.join(os.getenv('AZUREML_MODEL_DIR'), 'model.pkl')
                model = joblib.load(path)


            def run(data):
                return model.predict(json.loads(data)).tolist()
            """),
        # Where isort would put it: the standard library above third-party imports, a blank line between.
        Invalid("""
            import numpy as np

            def init():
                pass

            def run(data):
                return np.array(json.loads(data))
            """,
                line=7, fixed="""
            import json

            import numpy as np

            def init():
                pass

            def run(data):
                return np.array(json.loads(data))
            """),
        Invalid("""
            from __future__ import annotations
            import logging
            import sys

            import numpy as np

            def init():
                pass

            def run(data):
                return np.array(json.loads(data))
            """,
                line=11, fixed="""
            from __future__ import annotations
            import json
            import logging
            import sys

            import numpy as np

            def init():
                pass

            def run(data):
                return np.array(json.loads(data))
            """),
        # Two names, each reported once; np gets the conventional (unsafe) import.
        Invalid('''
            """Scoring."""
            import json

            def init():
                pass

            def run(data):
                rows = np.array(json.loads(data))
                return {'mean': float(np.mean(rows)), 'p': predictor(rows)}
            ''',
                expected=2, line=8, message_contains="every request",
                fixed='''
            """Scoring."""
            import json

            import numpy as np

            def init():
                pass

            def run(data):
                rows = np.array(json.loads(data))
                return {'mean': float(np.mean(rows)), 'p': predictor(rows)}
            '''),
        # At import time: the sample is built when the module is imported.
        Invalid("""
            from inference_schema.schema_decorators import input_schema
            from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType

            sample = PandasParameterType(pd.DataFrame({'x': [1.0]}))

            def init():
                pass

            @input_schema('data', sample)
            def run(data):
                return data.to_dict()
            """,
                line=4, message_contains="Importing the script",
                fixed="""
            import pandas as pd
            from inference_schema.schema_decorators import input_schema
            from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType

            sample = PandasParameterType(pd.DataFrame({'x': [1.0]}))

            def init():
                pass

            @input_schema('data', sample)
            def run(data):
                return data.to_dict()
            """),
        # An exception class never imported: looked up only when an exception reaches the clause.
        Invalid("""
            import json

            def init():
                pass

            def run(data):
                try:
                    return json.loads(data)
                except JSONDecodeError:
                    return {'error': 'bad json'}
            """, line=9,
                message_contains="whenever an exception reaches it"),
        # In an except block, in a helper, and a model class never imported (no fix for those).
        Invalid("""
            import json

            def init():
                global model
                model = XGBClassifier()
                model.load_model('m.json')

            def _fail(err):
                return prefix + str(err)

            def run(data):
                try:
                    return model.predict(json.loads(data)).tolist()
                except Exception as err:
                    raise RuntimeError(_fail(err))
            """, expected=2, line=5, message_contains="XGBClassifier"),
    ]

    def check(self) -> None:
        text = self.source.text
        if self.facts.has_unknown_star_import or any(marker in text for marker in _DYNAMIC):
            return
        bound = self._bound_names()
        reported: set[str] = set()
        main_blocks = [s for s in self.source.module.body if is_main_guard(self.source, s)]
        skipped = {id(n) for block in main_blocks for n in self.source.walk(block, cst.Name)}
        for node in self.source.nodes(cst.Name):
            name = node.value
            if name in bound or name in reported or name in _BUILTINS or name in _MODULE_NAMES:
                continue
            if id(node) in skipped:
                continue  # the server never runs `if __name__ == "__main__":` (a local test)
            if not self._is_load(node) or self._guarded(node):
                continue
            reported.add(name)
            self.report(node, f"`{name}` is never imported or assigned in this script", help=self._help(node),
                        fix=self._fix(name))

    # --- what the file binds -------------------------------------------------------------------------
    def _bound_names(self) -> set[str]:
        source = self.source
        bound: set[str] = set()

        def add(target: cst.CSTNode | None) -> None:
            if target is None:
                return
            if type(target) is cst.Name:
                bound.add(target.value)
            elif type(target) in (cst.Tuple, cst.List):
                for element in target.elements:
                    add(element.value)
            elif type(target) is cst.StarredElement:
                add(target.value)
            elif type(target) is cst.AsName:
                add(target.name)

        for kind in _TARGETS:
            for node in source.nodes(kind):
                if kind is cst.Assign:
                    for target in node.targets:
                        add(target.target)
                else:
                    add(node.target)
        for node in source.nodes(cst.WithItem):
            add(node.asname)
        for kind in (cst.ExceptHandler, cst.ExceptStarHandler):
            for node in source.nodes(kind):
                add(node.name)
        for kind in (cst.FunctionDef, cst.ClassDef, cst.Param):
            for node in source.nodes(kind):
                add(node.name)
        for node in source.nodes(cst.Import):
            for alias in node.names:
                if alias.asname is not None:
                    add(alias.asname)
                else:
                    top = alias.name
                    while type(top) is cst.Attribute:
                        top = top.value
                    add(top)
        for node in source.nodes(cst.ImportFrom):
            if isinstance(node.names, cst.ImportStar):
                continue
            for alias in node.names:
                add(alias.asname if alias.asname is not None else alias.name)
        bound.update(self.facts.bindings)  # names a known star import brings in
        for kind in (cst.MatchAs, cst.MatchStar, cst.MatchMapping, cst.TypeVar, cst.TypeVarTuple, cst.ParamSpec):
            for node in source.nodes(kind):
                for name in source.walk(node, cst.Name):
                    bound.add(name.value)
        return bound

    # --- where a name is read ------------------------------------------------------------------------
    def _is_load(self, node: cst.Name) -> bool:
        parent = self.source.parent.get(node)
        if type(parent) is cst.Attribute and parent.attr is node:
            return False
        if type(parent) is cst.Arg and parent.keyword is node:
            return False
        return not any(isinstance(a, _NOT_LOADS) for a in self.source.ancestors(node))

    def _guarded(self, node: cst.Name) -> bool:
        """Inside a `try` that handles NameError: a deliberate probe."""
        for ancestor in self.source.ancestors(node):
            if type(ancestor) in (cst.Try, cst.TryStar):
                for handler in ancestor.handlers:
                    if handler.type is not None and "NameError" in self.source.code(handler.type):
                        return True
        return False

    def _scope(self, node: cst.CSTNode) -> cst.FunctionDef | cst.Lambda | None:
        """The function whose call runs this node; None when it runs at import time. Decorators,
        default values and class bodies run when the enclosing statement does."""
        child = node
        for ancestor in self.source.ancestors(node):
            if type(ancestor) is cst.FunctionDef and child is ancestor.body:
                return ancestor
            if type(ancestor) is cst.Lambda and child is ancestor.body:
                return ancestor
            child = ancestor
        return None

    def _help(self, node: cst.Name) -> str:
        name = node.value
        scope = self._scope(node)
        facts = self.facts
        while scope is not None and type(scope) is cst.FunctionDef and scope is not facts.init.definition \
                and scope is not facts.run.definition:
            outer = self._scope(scope)
            if outer is None:
                break
            scope = outer
        if scope is None:
            where = "importing the script raises NameError and the deployment fails"
        elif scope is facts.init.definition:
            where = "`init()` raises NameError when the server calls it at start-up, and the deployment fails"
        elif scope is facts.run.definition:
            where = "`run` raises NameError on every request that reaches this line, which fails with a 500"
        elif type(scope) is cst.FunctionDef:
            where = f"calling `{scope.name.value}` raises NameError"
        else:
            where = "calling this lambda raises NameError"
        handler = self.source.enclosing(node, (cst.ExceptHandler, cst.ExceptStarHandler))
        if handler is not None and handler.type is not None and any(
                n is node for n in self.source.walk(handler.type, cst.Name)):
            # `except E:` looks E up only when an exception reaches the clause.
            where = ("this `except` clause raises NameError instead of handling the error, whenever an "
                     "exception reaches it")
        hint = _import_for(name)
        instead = f"add `{hint}`" if hint else f"import or define `{name}`"
        return f"{where[:1].upper()}{where[1:]}; {instead}."

    def _fix(self, name: str):  # noqa: ANN202
        line = _import_for(name)
        if line is None:
            return None
        body = self.source.module.body
        docstring = None
        imports: list[cst.SimpleStatementLine] = []  # the import block at the top of the module
        for statement in body:
            if type(statement) is not cst.SimpleStatementLine:
                break
            smalls = statement.body
            if all(type(s) in (cst.Import, cst.ImportFrom) for s in smalls):
                imports.append(statement)
                continue
            if (docstring is None and not imports and len(smalls) == 1 and type(smalls[0]) is cst.Expr
                    and isinstance(smalls[0].value, cst.SimpleString)):
                docstring = statement
                continue
            break
        unsafe = name in _THIRD_PARTY
        title = f"Add `{line}`"
        if imports:
            return self.fix(title, self._isort_place(imports, line), unsafe=unsafe)
        if docstring is not None:
            return self.fix(title, self.insert_after(docstring, "\n" + line), unsafe=unsafe)
        if not body:
            return None
        return self.fix(title, self.insert_before(body[0], line + "\n"), unsafe=unsafe)

    def _isort_place(self, imports: list[cst.SimpleStatementLine], line: str):  # noqa: ANN202
        """Where isort (default profile) would put `line` in the block: sections in the order future,
        standard library, third party, local, a blank line between two; within a section, `import x` before
        `from x import y`, each by module name."""
        new = _sort_key(line.split()[1], False)
        after = next((s for s in imports if _statement_key(s, self.source) > new), None)
        if after is None:
            last = imports[-1]
            same = _statement_key(last, self.source)[0] == new[0]
            return self.insert_after(last, ("\n" if same else "\n\n") + line)
        if _statement_key(after, self.source)[0] == new[0]:
            return self.insert_before(after, line + "\n")
        before = imports[imports.index(after) - 1] if imports.index(after) > 0 else None
        if before is not None and _statement_key(before, self.source)[0] == new[0]:
            return self.insert_after(before, "\n" + line)
        return self.insert_before(after, line + "\n\n")  # a section of its own, above the next one


_SECTIONS = {"__future__": 0}
_STDLIB_MODULES = frozenset(sys.stdlib_module_names)


def _sort_key(module: str, is_from: bool) -> tuple[int, int, str]:
    top = module.split(".")[0]
    if module.startswith("."):
        section = 3  # local
    else:
        section = _SECTIONS.get(top, 1 if top in _STDLIB_MODULES else 2)
    return section, int(is_from), module.lower()


def _statement_key(statement: cst.SimpleStatementLine, source) -> tuple[int, int, str]:
    first = statement.body[0]
    if type(first) is cst.Import:
        return _sort_key(source.code(first.names[0].name), False)
    dots = "." * len(first.relative)
    return _sort_key(dots + (source.code(first.module) if first.module is not None else ""), True)


def _import_for(name: str) -> str | None:
    if name in _STDLIB:
        return f"import {name}"
    return _THIRD_PARTY.get(name)
