from __future__ import annotations

import libcst as cst

from scorelint.facts import string_value
from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._responses import (
    handled_exception_names,
    response_kind,
    status_argument,
    status_codes,
)

# Exceptions that, caught around input handling, mean the client sent something unusable.
_CLIENT_ERRORS = frozenset(
    {"ValueError", "KeyError", "JSONDecodeError", "UnicodeDecodeError", "ValidationError", "BadRequest",
     "DecodeError", "binascii.Error"}
)


class Status500(Rule):
    """A response is built with status 500, which the Azure ML front end rewrites to 502.

    ## What it does
    Reports status 500 given to `AMLResponse(body, 500)`, `AMLResponse(body, status_code=...)`,
    flask/werkzeug `Response(..., status=500)`, `make_response(body, 500)` and `response.status_code = 500`,
    whether the 500 is written as a literal, `HTTPStatus.INTERNAL_SERVER_ERROR`, a module constant or a
    local variable. When the 500 answers a client error (the `else` after checking `request.method`, an
    `except ValueError` / `KeyError` / JSON decoding error, a content-type check), the message names the
    4xx status that fits, and an unsafe fix puts it in.

    ## Why is this bad?
    The Azure ML inference router (`azureml-fe`) rewrites a 500 coming from the container into
    `502 Bad Gateway`, so the client sees a gateway failure, not your status; the documents advise against
    500 as a custom status. The reference server also marks any response of 500 or more as a failed run
    (`x-ms-run-function-failed`). A client error answered with a 5xx makes callers retry a request that
    can never succeed, and hides the real problem from them.

    ## Example
    ```python
    @rawhttp
    def run(request):
        if request.method == "POST":
            return AMLResponse(score(request.get_data()), 200)
        else:
            return AMLResponse("bad request", 500)
    ```

    ## Use instead
    ```python
    @rawhttp
    def run(request):
        if request.method == "POST":
            return AMLResponse(score(request.get_data()), 200)
        else:
            return AMLResponse("Method not allowed", 405, {"Allow": "POST"})
    ```
    Use 400 for input that cannot be parsed, 415 for an unsupported content type, 422 for well-formed
    input that fails validation, and 503 (or another specific 5xx) for a server-side failure.

    ## Fix safety
    The fix replaces the literal 500 with the 4xx the context calls for (405 after a method check, 400 in
    an `except` for a parsing error, 415 after a content-type check). It is unsafe: clients see a
    different status code.
    """

    code = "SL201"
    name = "status-500"
    severity = Severity.WARNING
    contract = "2. How run is called: status 500 returned by the script is rewritten to 502 by azureml-fe"

    VALID = [
        Valid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                if request.method != 'POST':
                    return AMLResponse('Method not allowed', 405)
                return AMLResponse('ok', 200)
            """),
        Valid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                try:
                    return AMLResponse(predict(request), 200)
                except Exception:
                    return AMLResponse('model unavailable', 503)
            """),
        Valid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            STATUS = 200

            @rawhttp
            def run(request):
                return AMLResponse('ok', STATUS)
            """),
        Valid("""
            from flask import Response

            def init():
                pass

            def run(data):
                return Response(data, status=200, mimetype='text/plain')
            """),
        # a number 500 that is not a status
        Valid("""
            def init():
                pass

            def run(data):
                rows = data[:500]
                return {'n': len(rows), 'max': 500}
            """),
        # the seed's CORS example ends with a 400, which is right
        Valid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                if request.method == 'GET':
                    return AMLResponse(request.full_path, 200)
                else:
                    return AMLResponse('bad request', 400)
            """),
    ]
    INVALID = [
        # the documents' @rawhttp image example
        Invalid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            import json

            @rawhttp
            def run(request):
                if request.method == 'GET':
                    return AMLResponse(request.full_path, 200)
                elif request.method == 'POST':
                    return AMLResponse(json.dumps(1), 200)
                else:
                    return AMLResponse('bad request', 500)
            """,
                line=16, message_contains="405",
                fixed="""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            import json

            @rawhttp
            def run(request):
                if request.method == 'GET':
                    return AMLResponse(request.full_path, 200)
                elif request.method == 'POST':
                    return AMLResponse(json.dumps(1), 200)
                else:
                    return AMLResponse('bad request', 405)
            """),
        Invalid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            import json

            @rawhttp
            def run(request):
                try:
                    data = json.loads(request.get_data())
                except json.JSONDecodeError as e:
                    return AMLResponse(str(e), status_code=500)
                return AMLResponse(data, 200, json_str=True)
            """,
                line=14, message_contains="400",
                fixed="""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            import json

            @rawhttp
            def run(request):
                try:
                    data = json.loads(request.get_data())
                except json.JSONDecodeError as e:
                    return AMLResponse(str(e), status_code=400)
                return AMLResponse(data, 200, json_str=True)
            """),
        # a module constant: no fix (the constant may be used elsewhere)
        Invalid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            ERROR_STATUS = 500

            @rawhttp
            def run(request):
                try:
                    return AMLResponse(predict(request), 200)
                except Exception as e:
                    return AMLResponse('scoring failed', ERROR_STATUS)
            """, line=14, message_contains="502"),
        # a local variable and HTTPStatus
        Invalid("""
            from http import HTTPStatus
            from azureml_inference_server_http.api.aml_response import AMLResponse as Resp

            def init():
                pass

            def run(data):
                status = HTTPStatus.INTERNAL_SERVER_ERROR
                try:
                    result = predict(data)
                    status = 200
                except RuntimeError:
                    result = 'failed'
                return Resp(result, status)
            """, line=14, message_contains="`status` can be 500"),
        # flask Response with status=, and an attribute assignment
        Invalid("""
            import flask

            def init():
                pass

            def run(data):
                if not data:
                    resp = flask.Response('empty input', status=500)
                    return resp
                resp = flask.Response(predict(data))
                resp.status_code = 500
                return resp
            """,
                expected=2, line=8),
        # a helper that builds the error response
        Invalid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            def error(message):
                return AMLResponse(message, 500)

            @rawhttp
            def run(request):
                if request.content_type != 'application/json':
                    return error('send JSON')
                return AMLResponse('ok', 200)
            """, line=8),
        # the fall-through after one `if` per method (azureml's GPU deployment notebook)
        Invalid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                if request.method == 'POST':
                    return AMLResponse(score(request.get_data(False)), 200)
                if request.method == 'GET':
                    return AMLResponse(b'GET is not supported', 405)
                return AMLResponse('bad request', 500)
            """,
                line=13, message_contains="405",
                fixed="""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                if request.method == 'POST':
                    return AMLResponse(score(request.get_data(False)), 200)
                if request.method == 'GET':
                    return AMLResponse(b'GET is not supported', 405)
                return AMLResponse('bad request', 405)
            """),
        # a content-type check answered with 500
        Invalid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                if not request.is_json:
                    return AMLResponse('send JSON', 500)
                return AMLResponse('ok', 200)
            """,
                line=10, message_contains="415",
                fixed="""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                if not request.is_json:
                    return AMLResponse('send JSON', 415)
                return AMLResponse('ok', 200)
            """),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        kind = response_kind(self.facts, node)
        if kind is None or kind == "jsonify":
            return
        status = status_argument(self.facts, node)
        if status is None:
            return
        func = self.source.enclosing(node, cst.FunctionDef)
        if 500 in status_codes(self.facts, status, func):
            self._report(node, status, func)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            expr = target.target
            if isinstance(expr, cst.Attribute) and expr.attr.value in ("status_code", "status"):
                func = self.source.enclosing(node, cst.FunctionDef)
                if func is not None and 500 in status_codes(self.facts, node.value, func):
                    self._report(node, node.value, func)

    def _report(self, where: cst.CSTNode, status: cst.BaseExpression, func: cst.FunctionDef | None) -> None:
        client = self._client_error(where, func)
        via = ""
        if not isinstance(status, cst.Integer):
            certain = status_codes(self.facts, status, func) == {500}
            via = f" (`{self.source.code(status)}` {'is' if certain else 'can be'} 500)"
        head = f"This response has status 500{via}, which Azure ML rewrites to 502"
        why = ("The Azure ML front end rewrites it to 502 Bad Gateway, so clients see a gateway failure instead of "
               "your error")
        if client is not None:
            code, reason = client
            fix = None
            if isinstance(status, cst.Integer):
                fix = self.fix(f"Use status {code}", self.replace(status, code.split()[0]), unsafe=True)
            self.report(status, f"{head}; answer {code}", help=f"{why}; {reason}, so answer {code} instead.",
                        fix=fix)
            return
        self.report(status, head, help=f"{why}; use the 4xx that fits a client error (400, 405, 415, 422) or a "
                                       "specific 5xx such as 503 for a server-side failure.")

    def _after_method_checks(self, node: cst.CSTNode) -> bool:
        """`if request.method == "POST": return ...` / `if ... == "GET": return ...` then this 500."""
        statement = self.source.enclosing_statement(node)
        block = self.source.parent.get(statement)
        body = getattr(block, "body", None)
        if not isinstance(body, (list, tuple)) or statement not in body:
            return False
        before = body[: body.index(statement)]
        return any(isinstance(s, cst.If) and ".method" in self.source.code(s.test) for s in before)

    def _client_error(self, node: cst.CSTNode, func: cst.FunctionDef | None) -> tuple[str, str] | None:
        """Which 4xx the context of a 500 calls for, if it is clearly a client error."""
        source = self.source
        child: cst.CSTNode = node
        for ancestor in source.ancestors(node):
            if ancestor is func:
                break
            if isinstance(ancestor, cst.If):
                test = source.code(ancestor.test)
                in_else = isinstance(child, cst.Else) and child is ancestor.orelse
                if ".method" in test and (in_else or "!=" in test or "not in" in test):
                    return "405 Method Not Allowed", "this branch rejects an HTTP method"
                if any(word in test for word in ("content_type", "mimetype", "is_json", "Content-Type")):
                    return "415 Unsupported Media Type", "this branch rejects the request's content type"
            if isinstance(ancestor, cst.ExceptHandler):
                caught = handled_exception_names(self.facts, ancestor)
                if caught and all(name in _CLIENT_ERRORS for name in caught):
                    return ("400 Bad Request", f"this `except {', '.join(caught)}` handles input the client sent")
                break
            child = ancestor
        if self._after_method_checks(node):
            return "405 Method Not Allowed", "it answers the methods the `if` statements above did not handle"
        call = node if isinstance(node, cst.Call) else None
        if call is not None and call.args:
            text = (string_value(call.args[0].value) or "").lower()
            if "method" in text and "not allowed" in text:
                return "405 Method Not Allowed", "its message says the method is not allowed"
            if "bad request" in text or "invalid" in text or "missing" in text:
                return "400 Bad Request", "its message says the request is bad"
        return None
