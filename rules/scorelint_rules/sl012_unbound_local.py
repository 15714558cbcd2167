from __future__ import annotations

import libcst as cst

from scorelint.model import Severity
from scorelint.rule import ANY_SCRIPT, Invalid, Rule, Valid

from ._fixes import declare_global

_LOOPS = (cst.For, cst.While)
_COMPREHENSIONS = (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)


class UnboundLocal(Rule):
    """`init` or `run` reads a module global that it also assigns later without `global`: UnboundLocalError.

    ## What it does
    Reports a read, in `init` or `run`, of a name the module defines (an assignment or an import, or a
    global that `init` assigns) when the
    same function also binds that name (an assignment, `+=`, a `for` or `with` target, an import) further
    down and does not declare it `global`, and no binding of the function can run before the read.

    ## Why is this bad?
    Python decides at compile time that a name bound anywhere in a function is local to the whole function.
    The read before the assignment therefore does not see the module global: it raises `UnboundLocalError:
    cannot access local variable 'output_folder' where it is not associated with a value`. In `run`, every
    request (or every mini-batch) fails; in `init`, the deployment does. The module-level value makes the
    code look right, and Microsoft's own batch drivers have shipped this.

    ## Example
    ```python
    output_folder = "/tmp/out"

    def run(mini_batch):
        results = [os.path.join(output_folder, f) for f in mini_batch]
        output_folder = "/tmp/done"
        return results
    ```

    ## Use instead
    ```python
    output_folder = "/tmp/out"

    def run(mini_batch):
        global output_folder
        results = [os.path.join(output_folder, f) for f in mini_batch]
        output_folder = "/tmp/done"
        return results
    ```
    or give the local its own name.
    """

    code = "SL012"
    name = "unbound-local"
    severity = Severity.ERROR
    contract = "2. How run is called: exceptions in run become 500 (1. Loading: in init, the deployment fails)"
    kinds = ANY_SCRIPT

    VALID = [
        Valid("""
            import os

            out = '/tmp'

            def init():
                global out
                out = os.environ['OUT']

            def run(mini_batch):
                global out
                files = [os.path.join(out, f) for f in mini_batch]
                out = 'x'
                return files
            """),
        # assigned before it is read: a local on purpose
        Valid("""
            threshold = 0.5

            def init():
                pass

            def run(data):
                threshold = 0.7
                return [x > threshold for x in data]
            """),
        # in a loop, the read after the first iteration sees the previous iteration's value
        Valid("""
            last = None

            def init():
                pass

            def run(mini_batch):
                out = []
                for i, item in enumerate(mini_batch):
                    if i:
                        out.append(last)
                    last = item
                return out
            """),
        # a nested function's local is its own scope
        Valid("""
            count = 0

            def init():
                pass

            def run(data):
                def helper():
                    count = 1
                    return count
                return [count, helper()]
            """),
        # bound on one branch and read on the other: the read may run after it (not certain to fail)
        Valid("""
            mode = 'a'

            def init():
                pass

            def run(data):
                if data:
                    mode = 'b'
                return mode
            """),
    ]
    INVALID = [
        # modelled on a public batch driver: the global read, then re-assigned in run
        Invalid("""
            import os

            output_folder = None

            def init():
                global output_folder
                output_folder = os.environ.get('OUT', '/tmp')

            def run(mini_batch):
                results = []
                for f in mini_batch:
                    results.append(os.path.join(output_folder, f))
                output_folder = 'x'
                return results
            """, line=12, message_contains="UnboundLocalError",
                fixed="""
            import os

            output_folder = None

            def init():
                global output_folder
                output_folder = os.environ.get('OUT', '/tmp')

            def run(mini_batch):
                global output_folder
                results = []
                for f in mini_batch:
                    results.append(os.path.join(output_folder, f))
                output_folder = 'x'
                return results
            """),
        # a Microsoft batch driver: the read in the test guards the only binding, so it fails on the first file
        Invalid("""
            import pandas as pd

            def init():
                global model, model_output_names
                model = load()
                model_output_names = None

            def run(mini_batch):
                results = []
                for file_path in mini_batch:
                    pred = model.predict(pd.read_csv(file_path))
                    if pred is not pd.DataFrame:
                        if not model_output_names:
                            model_output_names = ['pred_col' + str(i) for i in range(pred.shape[1])]
                        pred = pd.DataFrame(pred, columns=model_output_names)
                    results.append(pred)
                return results
            """, line=13, message_contains="`model_output_names`",
                fixed="""
            import pandas as pd

            def init():
                global model, model_output_names
                model = load()
                model_output_names = None

            def run(mini_batch):
                global model_output_names
                results = []
                for file_path in mini_batch:
                    pred = model.predict(pd.read_csv(file_path))
                    if pred is not pd.DataFrame:
                        if not model_output_names:
                            model_output_names = ['pred_col' + str(i) for i in range(pred.shape[1])]
                        pred = pd.DataFrame(pred, columns=model_output_names)
                    results.append(pred)
                return results
            """),
        # `+=` reads the name first
        Invalid("""
            requests_seen = 0

            def init():
                pass

            def run(data):
                requests_seen += 1
                return {'n': requests_seen}
            """, line=7, message_contains="`requests_seen`",
                fixed="""
            requests_seen = 0

            def init():
                pass

            def run(data):
                global requests_seen
                requests_seen += 1
                return {'n': requests_seen}
            """),
        # an import inside the function shadows the module's import for the whole function
        Invalid("""
            import json

            def init():
                pass

            def run(data):
                rows = json.loads(data)
                import json
                return json.dumps(rows)
            """, line=7, message_contains="`json`",
                fixed=None),
        Invalid('''
            import os

            model_dir = os.environ['AZUREML_MODEL_DIR']

            def init():
                """Load the model."""
                path = os.path.join(model_dir, 'model.pkl')
                model_dir = None

            def run(data):
                return data
            ''', line=7,
                message_contains="the deployment fails",
                fixed='''
            import os

            model_dir = os.environ['AZUREML_MODEL_DIR']

            def init():
                """Load the model."""
                global model_dir
                path = os.path.join(model_dir, 'model.pkl')
                model_dir = None

            def run(data):
                return data
            '''),
    ]

    def check(self) -> None:
        facts = self.facts
        seen: set[int] = set()
        for entry in (facts.init.definition, facts.run.definition):
            if entry is None or id(entry) in seen:
                continue
            seen.add(id(entry))
            self._check_function(entry, "init" if entry is facts.init.definition else "run")

    def _check_function(self, func: cst.FunctionDef, role: str) -> None:
        facts = self.facts
        declared = facts.global_names(func) | {n.name.value for g in facts.own_nodes(func, cst.Nonlocal)
                                                for n in g.names}
        params = {p.name for p in facts.params(func)}
        module_names = set(facts.bindings)
        init_def = facts.init.definition
        if init_def is not None and init_def is not func:  # globals init creates for run
            module_names |= facts.global_names(init_def) & set(facts.local_bindings(init_def))
        for name, bindings in facts.local_bindings(func).items():
            if name in declared or name in params or name not in module_names:
                continue
            read = self._read_before_binding(func, name, bindings)
            if read is None:
                continue
            where = ("every request (or mini-batch) fails" if role == "run"
                     else "`init` fails, so the deployment fails")
            shown = "`+=` on it" if isinstance(self.source.parent.get(read), cst.AugAssign) else "this read"
            self.report(read, f"`{role}` binds `{name}` further down without `global {name}`",
                        help=f"So `{name}` is a local of the whole function and {shown} does not see the module's "
                             f"`{name}`: it raises UnboundLocalError and {where}; declare `global {name}` at the "
                             f"top of `{role}` if the module's value is meant, or give the local another name.",
                        fix=self._fix(func, name, bindings))

    def _read_before_binding(self, func: cst.FunctionDef, name: str, bindings: list) -> cst.Name | None:
        """The first read of `name` in `func`'s own scope that no binding of `func` can precede."""
        source = self.source
        first_binding = min(source.offsets(b.node)[0] for b in bindings)
        own = set(self.facts.own_nodes(func, cst.Name))  # not nested functions, classes, lambdas
        for node in self.facts.names_read(func.body):
            if node.value != name or node not in own:
                continue
            parent = source.parent.get(node)
            if isinstance(parent, (cst.NameItem, cst.ImportAlias, cst.AsName)):
                continue
            if any(node is b.node for b in bindings) and not isinstance(parent, cst.AugAssign):
                continue  # a binding, not a read
            start = source.offsets(node)[0]
            if start > first_binding:
                return None  # a binding comes first in the text: it may have run
            if self._comprehension_variable(func, node):
                continue
            if self._loop_may_bind_first(func, node, bindings) or self._guarded(func, node):
                return None
            return node
        return None

    def _comprehension_variable(self, func: cst.FunctionDef, read: cst.Name) -> bool:
        """`[x for x in xs]`: a comprehension is its own scope, and its `for` target is its own name."""
        for scope in self.source.ancestors(read):
            if scope is func:
                return False
            comp = getattr(scope, "for_in", None) if isinstance(scope, _COMPREHENSIONS) else None
            while comp is not None:
                if any(n.value == read.value for n in self.source.walk(comp.target, cst.Name)):
                    return True
                comp = comp.inner_for_in
        return False

    def _loop_may_bind_first(self, func: cst.FunctionDef, read: cst.Name, bindings: list) -> bool:
        """A loop around the read that also holds a binding: a later iteration may read the bound value,
        unless the read runs on the first iteration anyway (a statement of the loop body itself) or every
        binding in the loop sits under the `if`/`while` whose test is the read (`if not names: names = ...`)."""
        source = self.source
        for loop in source.ancestors(read):
            if loop is func:
                return False
            if not isinstance(loop, _LOOPS):
                continue
            inside = set(source.walk(loop))
            in_loop = [b for b in bindings if b.node in inside]
            if not in_loop:
                continue
            statement = source.enclosing_statement(read)
            if statement is not None and source.parent.get(source.parent.get(statement)) is loop:
                return False  # a statement of the loop body: it runs on the first iteration
            tests = [a for a in source.ancestors(read) if isinstance(a, (cst.If, cst.While))
                     and a in inside and read in set(source.walk(a.test))]
            guarded_by_read = all(any(b.node in set(source.walk(t)) for t in tests) for b in in_loop)
            return not guarded_by_read
        return False

    def _guarded(self, func: cst.FunctionDef, read: cst.Name) -> bool:
        """A `try` whose handler catches NameError/UnboundLocalError (or everything) around the read."""
        for ancestor in self.source.ancestors(read):
            if ancestor is func:
                return False
            if isinstance(ancestor, cst.Try):
                for handler in ancestor.handlers:
                    caught = self.source.code(handler.type) if handler.type is not None else ""
                    if not caught or any(w in caught for w in ("NameError", "UnboundLocalError")):
                        return True
        return False

    def _fix(self, func: cst.FunctionDef, name: str, bindings: list):  # noqa: ANN202
        """`global name` in the function, unless a binding is an import, a def or an `except ... as` (renaming
        the local is then the author's call)."""
        if any(b.how in ("import", "def", "except") for b in bindings):
            return None
        return declare_global(self, func, name, unsafe=True)
