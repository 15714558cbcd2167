from __future__ import annotations

import libcst as cst

from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._fixes import after_docstring, indent_of

_DICT_METHODS = frozenset({"get", "keys", "items", "values", "pop", "update", "setdefault"})
_TYPE_CHECKS = frozenset({"isinstance", "type"})
_JSON = frozenset({"json"})


class UndecoratedInputIndexed(Rule):
    """An undecorated `run` indexes its input like a dict, but it receives a string.

    ## What it does
    In a `run` without inference-schema decorators and without `@rawhttp`, reports the first place
    where the input parameter is used as a dict before it is reassigned: `data["data"]`,
    `data.get("data")`, `data.items()`... Scripts that check the value's type first are left alone.

    ## Why is this bad?
    Without decorators, the server passes the request body to `run` as one `str` (a GET's query
    parameters too, JSON-encoded). The documented `{"data": ...}` payload is a convention the script
    must parse itself. Indexing the string with a key raises `TypeError: string indices must be
    integers` (`.get` raises `AttributeError`), so every request is a 500.

    ## Example
    ```python
    def run(raw_data):
        data = np.array(raw_data["data"])
        return model.predict(data).tolist()
    ```

    ## Use instead
    ```python
    def run(raw_data):
        data = np.array(json.loads(raw_data)["data"])
        return model.predict(data).tolist()
    ```
    or declare the input with `@input_schema`, which makes the server pass parsed JSON.

    ## Fix safety
    When `json` is imported and `run` never reassigns the parameter, the fix parses the input at the
    top of `run` (`raw_data = json.loads(raw_data)`). It is unsafe: later code that used the parameter as a string
    (`len(raw_data)`, logging it) now sees the parsed value, and a body that is not JSON raises there.
    """

    code = "SL106"
    name = "undecorated-input-indexed"
    severity = Severity.ERROR
    contract = "2. How run is called: an undecorated run receives the POST body as a str"

    VALID = [
        Valid("""
            import json

            def init():
                pass

            def run(raw_data):
                data = json.loads(raw_data)["data"]
                return data
            """),
        Valid("""
            import json

            def init():
                pass

            def run(data):
                data = json.loads(data)
                return data.get("data", [])
            """),
        # Decorated runs receive parsed JSON by name; output_schema alone is enough for the server.
        Valid("""
            from inference_schema.schema_decorators import output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @output_schema(StandardPythonParameterType({"Results": [1.0]}))
            def run(data):
                return {"Results": data["values"]}
            """),
        # @rawhttp passes the request object.
        Valid("""
            from azureml.contrib.services.aml_request import rawhttp

            def init():
                pass

            @rawhttp
            def run(request):
                return request.headers.get("x-id")
            """),
        # The author checks the type first; integer indexes and slices are valid on a str.
        Valid("""
            import json

            def init():
                pass

            def run(data):
                if isinstance(data, str):
                    data = json.loads(data)
                return data["data"]
            """),
        Valid("""
            def init():
                pass

            def run(raw):
                return {"first": raw[0], "head": raw[:10]}
            """),
    ]
    INVALID = [
        Invalid(
            """
            import json
            import numpy as np

            def init():
                pass

            def run(raw_data):
                \"\"\"Score the posted rows.\"\"\"
                data = np.array(raw_data["data"])
                return model.predict(data).tolist()
            """,
            line=9, message_contains="json.loads",
            fixed="""
            import json
            import numpy as np

            def init():
                pass

            def run(raw_data):
                \"\"\"Score the posted rows.\"\"\"
                raw_data = json.loads(raw_data)
                data = np.array(raw_data["data"])
                return model.predict(data).tolist()
            """,
        ),
        # .get() before the (too late) parse: reported, no fix.
        Invalid(
            """
            import json as js

            def init():
                pass

            def run(request_headers, payload):
                if payload.get("ping"):
                    return "pong"
                payload = js.loads(payload)
                return payload
            """,
            line=7, message_contains="AttributeError",
        ),
        # json imported under another name.
        Invalid(
            """
            import json as js

            def init():
                pass

            def run(request_headers, payload):
                for key, value in payload.items():
                    print(key, value)
                return None
            """,
            line=7, message_contains="AttributeError",
            fixed="""
            import json as js

            def init():
                pass

            def run(request_headers, payload):
                payload = js.loads(payload)
                for key, value in payload.items():
                    print(key, value)
                return None
            """,
        ),
        # Without `import json` the rule cannot write the fix; the use is in a nested block.
        Invalid(
            """
            def init():
                pass

            def run(input_data):
                try:
                    rows = [r for r in input_data['data']]
                except KeyError:
                    rows = []
                return rows
            """,
            line=6, message_contains="TypeError",
        ),
    ]

    def check(self) -> None:
        facts = self.facts
        run_def = facts.run.definition
        if run_def is None or facts.has_driver_module or facts.is_schema_decorated:
            return
        params = [p for p in facts.run_params if p.name != "request_headers"
                  and p.kind in ("positional_or_keyword", "keyword_only")]
        if not params:
            return
        name = params[0].name
        # Cheap first: most scripts never index the parameter itself.
        candidates = self._candidates(run_def, name)
        if not candidates or facts.is_rawhttp or self._type_checked(run_def, name):
            return
        bindings = self.facts.local_bindings(run_def).get(name, ())
        limit = min((self.source.offsets(b.node)[0] for b in bindings), default=len(self.source.text))
        use, what = self._first_use(candidates, limit)
        if use is None:
            return
        if what == "subscript":
            effect = f"`{self.source.code(use)}` raises TypeError (string indices must be integers)"
        else:
            effect = f"`{self.source.code(use)}` raises AttributeError"
        # A later reassignment (often the parse itself, too late) would run on the parsed value: no fix.
        self.report(use, f"`{name}` is the request body as a `str` (`run` has no `@input_schema`)",
                    help=f"{effect[:1].upper()}{effect[1:]}: every request is a 500. Parse it first: "
                         f"`{name} = json.loads({name})`.",
                    fix=None if bindings else self._fix(run_def, name))

    def _type_checked(self, run_def: cst.FunctionDef, name: str) -> bool:
        for call in self.source.walk(run_def.body, cst.Call):
            if isinstance(call.func, cst.Name) and call.func.value in _TYPE_CHECKS and call.args:
                arg = call.args[0].value
                if isinstance(arg, cst.Name) and arg.value == name:
                    return True
        return False

    def _candidates(self, run_def: cst.FunctionDef, name: str) -> list[tuple[cst.CSTNode, str]]:
        """Uses of the parameter as a dict in run's own scope: `name["key"]`, `name.get(...)`..."""
        source = self.source
        found = []
        for node in source.walk(run_def.body, cst.Subscript):
            if isinstance(node.value, cst.Name) and node.value.value == name and len(node.slice) == 1:
                index = node.slice[0].slice
                if isinstance(index, cst.Index) and isinstance(
                        index.value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
                    found.append((node, "subscript"))
        for node in source.walk(run_def.body, cst.Attribute):
            if isinstance(node.value, cst.Name) and node.value.value == name and node.attr.value in _DICT_METHODS:
                parent = source.parent.get(node)
                if isinstance(parent, cst.Call) and parent.func is node:
                    found.append((parent, "method"))
        # Nested functions and lambdas have their own parameters and scopes.
        return [(node, what) for node, what in found
                if source.enclosing(node, (cst.FunctionDef, cst.Lambda)) is run_def]

    def _first_use(self, candidates, limit: int):
        best = None
        for node, what in candidates:
            start = self.source.offsets(node)[0]
            if start < limit and (best is None or start < best[0]):
                best = (start, node, what)
        return (best[1], best[2]) if best else (None, None)

    def _fix(self, run_def: cst.FunctionDef, name: str):
        json_name = self.facts.local_name_of(_JSON)
        body = run_def.body
        if json_name is None or not isinstance(body, cst.IndentedBlock):
            return None
        first = after_docstring(body.body)
        indent = indent_of(self.source, first) if first is not None else None
        if indent is None:
            return None
        return self.fix(f"Parse `{name}` with `{json_name}.loads`",
                        self.insert_before(first, f"{name} = {json_name}.loads({name})\n{indent}"), unsafe=True)
