from __future__ import annotations

import libcst as cst

from scorelint.facts import AML_RESPONSE
from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._fixes import after_docstring
from ._responses import response_kind, status_codes

_IMPORT = "from azureml.contrib.services.aml_response import AMLResponse\n"


class TupleStatusIgnored(Rule):
    """`run` returns a Flask-style `(body, status)` tuple, which the server sends as a JSON array with 200.

    ## What it does
    Reports a tuple returned by `run` whose second item is an HTTP status (a number from 100 to 599,
    `HTTPStatus.BAD_REQUEST`, or a constant or variable holding one), as in `return {"error": msg}, 400` or
    `return jsonify(result), 201`.

    ## Why is this bad?
    In a Flask view a `(body, status)` tuple sets the status. The inference server does not read it that way:
    only a response object (`AMLResponse`, `flask.Response`) carries a status; anything else goes through
    `json.dumps` and is sent with 200. The client therefore receives `200 OK` with the body
    `[{"error": "..."}, 400]`, and an error looks like a success. (A `jsonify(...)` response inside the tuple
    is not JSON at all, and the request fails with a 500.)

    ## Example
    ```python
    def run(data):
        if not data:
            return {"error": "empty input"}, 400
        ...
    ```

    ## Use instead
    ```python
    def run(data):
        if not data:
            return AMLResponse({"error": "empty input"}, 400, json_str=True)
        ...
    ```
    `AMLResponse` works in any `run`, not only in `@rawhttp` scripts.

    ## Fix safety
    When `AMLResponse` is imported by name, the fix rewrites `return body, status` as
    `return AMLResponse(body, status, json_str=True)`, which sends the body as the same JSON with the
    intended status. It is unsafe: clients see a different status and body.
    """

    code = "SL209"
    name = "tuple-status-ignored"
    severity = Severity.WARNING
    contract = "2. How run is called: the return value, if not a response object, is serialised and sent with 200"

    VALID = [
        Valid("""
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            def run(data):
                if not data:
                    return AMLResponse({'error': 'empty'}, 400, json_str=True)
                return {'ok': True}
            """),
        # a tuple of results is a JSON array on purpose
        Valid("""
            def init():
                pass

            def run(data):
                label, score = predict(data)
                return label, score
            """),
        Valid("""
            def init():
                pass

            def run(data):
                return 'class', 3
            """),
        Valid("""
            def init():
                pass

            def run(data):
                return predict(data), 1000
            """),
    ]
    INVALID = [
        Invalid("""
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            def run(data):
                if not data:
                    return {'error': 'empty input'}, 400
                return {'ok': True}
            """, line=8, message_contains="[body, 400]",
                fixed="""
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            def run(data):
                if not data:
                    return AMLResponse({'error': 'empty input'}, 400, json_str=True)
                return {'ok': True}
            """),
        # no AMLResponse imported yet: the fix imports it (the except block keeps its 400, not a raise's 500)
        Invalid("""
            import json

            def init():
                pass

            def run(data):
                try:
                    return {'y': json.loads(data)['x']}
                except Exception as err:
                    return {'error': str(err)}, 400
            """, line=10, also_select=("SL202",),
                fixed="""
            import json
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            def run(data):
                try:
                    return {'y': json.loads(data)['x']}
                except Exception as err:
                    return AMLResponse({'error': str(err)}, 400, json_str=True)
            """),
        Invalid("""
            from http import HTTPStatus
            from flask import jsonify

            def init():
                pass

            def run(data):
                try:
                    result = predict(data)
                except ValueError as e:
                    return jsonify(error=str(e)), HTTPStatus.BAD_REQUEST
                return jsonify(result), 200
            """,
                expected=2, line=11, message_contains="jsonify"),
        Invalid("""
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            BAD_REQUEST = 400

            def run(data):
                status = BAD_REQUEST
                return ('invalid input', status)
            """, line=10,
                fixed="""
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            BAD_REQUEST = 400

            def run(data):
                status = BAD_REQUEST
                return AMLResponse('invalid input', status, json_str=True)
            """),
    ]

    def check(self) -> None:
        facts = self.facts
        run_def = facts.run.definition
        if run_def is None:
            return
        response = facts.local_name_of(AML_RESPONSE)
        for ret in facts.own_nodes(run_def, cst.Return):
            value = ret.value
            if not isinstance(value, cst.Tuple) or len(value.elements) not in (2, 3):
                continue
            if any(isinstance(e, cst.StarredElement) for e in value.elements):
                continue
            codes = status_codes(facts, value.elements[1].value, run_def)
            if None in codes or not codes or not all(100 <= c <= 599 for c in codes):
                continue
            if len(codes) == 1:
                shown = str(next(iter(codes)))
            else:
                shown = self.source.code(value.elements[1].value)
            body = value.elements[0].value
            body_is_response = isinstance(body, cst.Call) and response_kind(facts, body) is not None
            if body_is_response:
                message = f"`run` returns a (response, {shown}) tuple, which the server does not unpack"
                help_text = ("The server tries to serialise the tuple as JSON and fails on the `jsonify` response "
                             f"with a 500; return `AMLResponse(body, {shown}, json_str=True)` instead.")
            else:
                message = "The server does not read a returned tuple as (body, status)"
                help_text = (f"It serialises it as the JSON array `[body, {shown}]` and sends it with 200 OK; return "
                             f"`AMLResponse(body, {shown}, json_str=True)` instead (it works in any run).")
            fix = None
            if len(value.elements) == 2 and not body_is_response:
                inner = f"{self.source.code(body)}, {self.source.code(value.elements[1].value)}"
                edits = [self.replace(value, f"{response or 'AMLResponse'}({inner}, json_str=True)", whitespace=True)]
                if response is None:
                    edits.append(self._import_edit())
                fix = self.fix("Return an AMLResponse with that status", *edits, unsafe=True)
            self.report(value, message, help=help_text, fix=fix)

    def _import_edit(self):  # noqa: ANN202 - PendingEdit
        """Import AMLResponse after the module's last top-level import (the first statement if none)."""
        body = self.source.module.body
        imports = [s for s in body if isinstance(s, cst.SimpleStatementLine)
                   and any(isinstance(small, (cst.Import, cst.ImportFrom)) for small in s.body)]
        if imports:  # the statement ends before its newline
            return self.insert_after(imports[-1], "\n" + _IMPORT.rstrip("\n"))
        first = after_docstring(body)
        if first is not None:
            return self.insert_before(first, _IMPORT)
        return self.insert_after(body[0], "\n" + _IMPORT.rstrip("\n"))
