from __future__ import annotations

import libcst as cst

from scorelint.facts import argument, string_value
from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._responses import JSON_DUMPS, resolved_values, response_kind


class DoubleEncodedJson(Rule):
    """`run` returns JSON text that the server encodes again, or sends JSON as `text/html`.

    ## What it does
    Reports `run` returning `json.dumps(...)` or `DataFrame.to_json(...)` (directly, wrapped in `str(...)`,
    through variables, or inside a returned dict or list), `AMLResponse(json.dumps(x), status)` or flask
    `Response(json.dumps(x))` anywhere in the script without `json_str=True` or a JSON content type, and
    `AMLResponse(json.dumps(x), status, json_str=True)`, which encodes the text a second time.

    ## Why is this bad?
    The server passes whatever `run` returns (other than a response object) through `json.dumps` again.
    A string that already holds JSON becomes a JSON *string*: the client receives `"{\\"result\\": [1]}"`
    and has to decode it twice; Power BI and most generated clients cannot use it. `AMLResponse(text,
    status)` only sets `application/json` when `json_str=True` is given; otherwise Flask labels the body
    `text/html; charset=utf-8`, and clients that check the content type refuse it; with `json_str=True`
    it runs `json.dumps` on the body itself (azureml-inference-server-http 1.5.1, `api/aml_response.py`).

    ## Example
    ```python
    def run(data):
        result = model.predict(json.loads(data)["data"])
        return json.dumps({"result": result.tolist()})
    ```

    ## Use instead
    ```python
    def run(data):
        result = model.predict(json.loads(data)["data"])
        return {"result": result.tolist()}
    ```
    and in `@rawhttp` scripts `AMLResponse({"result": ...}, 200, json_str=True)`.

    ## Fix safety
    The fixes return the object instead of `json.dumps(object)`, or pass the object to `AMLResponse` with
    `json_str=True` (or give `Response` `mimetype="application/json"`). They are offered only when
    `json.dumps` gets a single argument and no options, so the bytes on the wire are produced the same way.
    They are unsafe: clients that decode the body twice, or read it as text, must change.
    """

    code = "SL204"
    name = "double-encoded-json"
    severity = Severity.WARNING
    contract = "2. How run is called: the return value, if not a response object, is serialised with json.dumps"

    VALID = [
        Valid("""
            import json

            def init():
                global model
                model = load()

            def run(data):
                result = model.predict(json.loads(data)['data'])
                return {'result': result.tolist()}
            """),
        Valid("""
            import json
            from azureml.contrib.services.aml_request import rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                body = {'size': [1, 2]}
                return AMLResponse(body, 200, json_str=True)
            """),
        Valid("""
            import json
            from azureml.contrib.services.aml_request import rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                return AMLResponse(json.dumps({'a': 1}), 200, {'Content-Type': 'application/json'})
            """),
        Valid("""
            import json
            from azureml.contrib.services.aml_request import rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            JSON_HEADERS = {'Content-Type': 'application/json'}

            @rawhttp
            def run(request):
                return AMLResponse(json.dumps({'a': 1}), 200, response_headers=JSON_HEADERS)
            """),
        Valid("""
            import json
            from flask import Response

            def init():
                pass

            def run(data):
                return Response(json.dumps({'a': 1}), mimetype='application/json')
            """),
        # json.dumps used for logging, not returned
        Valid("""
            import json

            def init():
                global model
                model = load()

            def run(data):
                result = model.predict(json.loads(data)).tolist()
                logger.info(json.dumps({'n': len(result)}))
                return result
            """),
        Valid("""
            import json
            from azureml.contrib.services.aml_request import rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                return AMLResponse(json.dumps({'a': 1}), 200, json_str=False, response_headers={'Content-Type': 'application/json'})
            """),
        # a string that is not JSON
        Valid("""
            import json

            def init():
                global model
                model = load()

            def run(data):
                return str(model.predict(json.loads(data))[0])
            """),
    ]
    INVALID = [
        Invalid("""
            import json

            def init():
                global model
                model = load()

            def run(data):
                result = model.predict(json.loads(data)['data'])
                return json.dumps({'result': result.tolist()})
            """, line=9, message_contains="JSON string",
                fixed="""
            import json

            def init():
                global model
                model = load()

            def run(data):
                result = model.predict(json.loads(data)['data'])
                return {'result': result.tolist()}
            """),
        # through a variable: no fix (the variable may be used elsewhere)
        Invalid("""
            import json

            def init():
                global model
                model = load()

            def run(data):
                preds = model.predict(json.loads(data)).tolist()
                output = json.dumps(preds)
                return output
            """, line=10, message_contains="`output`"),
        # custom encoder: reported, but removing json.dumps would lose the encoder
        Invalid("""
            import json

            def init():
                global model
                model = load()

            def run(data):
                preds = model.predict(json.loads(data))
                return json.dumps({'predictions': preds}, cls=NumpyEncoder)
            """, line=9),
        Invalid("""
            import pandas as pd

            def init():
                pass

            def run(data):
                df = pd.read_json(data)
                df['score'] = model.predict(df)
                return df.to_json(orient='records')
            """, line=9,
                message_contains="to_json"),
        Invalid("""
            import json

            def init():
                global model
                model = load()

            def run(data):
                preds = model.predict(json.loads(data)).tolist()
                return {'predictions': json.dumps(preds)}
            """, line=9,
                fixed="""
            import json

            def init():
                global model
                model = load()

            def run(data):
                preds = model.predict(json.loads(data)).tolist()
                return {'predictions': preds}
            """),
        # the documents' @rawhttp image example
        Invalid("""
            import json
            from azureml.contrib.services.aml_request import rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                image = load_image(request.files['image'])
                return AMLResponse(json.dumps(image.size), 200)
            """, line=11, message_contains="text/html",
                fixed="""
            import json
            from azureml.contrib.services.aml_request import rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                image = load_image(request.files['image'])
                return AMLResponse(image.size, 200, json_str=True)
            """),
        Invalid("""
            import json
            import flask

            def init():
                pass

            def run(data):
                return flask.Response(json.dumps({'ok': True}), status=201)
            """, line=8,
                fixed="""
            import json
            import flask

            def init():
                pass

            def run(data):
                return flask.Response(json.dumps({'ok': True}), status=201, mimetype="application/json")
            """),
        # str() of JSON text is the same text (seen in public scripts)
        Invalid("""
            import json

            def init():
                global model
                model = load()

            def run(data):
                preds = model.predict(json.loads(data)).tolist()
                return str(json.dumps({'predictions': preds}))
            """, line=9, message_contains="`str(...)`",
                fixed="""
            import json

            def init():
                global model
                model = load()

            def run(data):
                preds = model.predict(json.loads(data)).tolist()
                return {'predictions': preds}
            """),
        # through several variables and a str()
        Invalid("""
            import json

            def init():
                global model
                model = load()

            def run(data):
                out = {'predictions': model.predict(json.loads(data)).tolist()}
                payload = json.dumps(out)
                text = str(payload)
                return text
            """, line=11,
                message_contains="`text`"),
        # json_str=True makes AMLResponse call json.dumps on the text again
        Invalid("""
            import json
            from azureml.contrib.services.aml_request import rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                result = {'size': [1, 2]}
                return AMLResponse(json.dumps(result), 200, json_str=True)
            """, line=11,
                message_contains="encodes twice",
                fixed="""
            import json
            from azureml.contrib.services.aml_request import rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                result = {'size': [1, 2]}
                return AMLResponse(result, 200, json_str=True)
            """),
        # both mistakes in one script
        Invalid("""
            import json
            from azureml.contrib.services.aml_request import rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                if request.method == 'GET':
                    return json.dumps({'status': 'ready'})
                body = json.dumps({'ok': 1})
                return AMLResponse(body, 201)
            """, expected=2, line=11,
                fixed="""
            import json
            from azureml.contrib.services.aml_request import rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                if request.method == 'GET':
                    return {'status': 'ready'}
                body = json.dumps({'ok': 1})
                return AMLResponse(body, 201)
            """),
    ]

    def check(self) -> None:
        run_def = self.facts.run.definition
        if run_def is None:
            return
        for ret in self.facts.own_nodes(run_def, cst.Return):
            if ret.value is not None:
                self._check_returned(ret.value, run_def)

    def visit_Call(self, node: cst.Call) -> None:
        kind = response_kind(self.facts, node)
        if kind not in ("aml", "flask"):
            return
        func = self.source.enclosing(node, cst.FunctionDef)
        body_arg = argument(node, 0, "message" if kind == "aml" else "response")
        if body_arg is None or not self._is_dumps(body_arg.value, func):
            return
        if kind == "aml":
            json_str = argument(node, None, "json_str")
            if json_str is not None:
                if self._true(json_str.value):
                    self._report_encoded_twice(node, body_arg.value)
                return
            headers = argument(node, 2, "response_headers")
            if headers is not None and not self._headers_without_json(headers.value, func):
                return
            if self._content_type_set_later(node, func):
                return
            fix = None
            dumps = body_arg.value
            if (isinstance(dumps, cst.Call) and self._plain_dumps(dumps) and headers is None
                    and len(node.args) == 2 and not node.args[1].star):
                inner = self.source.code(dumps.args[0].value)
                status = self.source.code(node.args[1])
                func_text = self.source.code(node.func)
                fix = self.fix("Pass the object with json_str=True",
                               self.replace(node, f"{func_text}({inner}, {status}, json_str=True)"), unsafe=True)
            self.report(node, "`AMLResponse(json.dumps(...), status)` is sent with Content-Type text/html",
                        help="AMLResponse sets application/json only with `json_str=True`; pass the object itself "
                             "with `json_str=True`, e.g. `AMLResponse(result, 200, json_str=True)`.", fix=fix)
            return
        if any(argument(node, None, k) is not None for k in ("mimetype", "content_type", "headers")):
            return
        if len([a for a in node.args if a.keyword is None]) > 2 or any(a.star for a in node.args):
            return
        if self._content_type_set_later(node, func):
            return
        last = node.args[-1]
        fix = self.fix("Declare the JSON media type",
                       self.insert_after(last.value, ', mimetype="application/json"'), unsafe=True)
        self.report(node, "`Response(json.dumps(...))` is sent with Content-Type text/html",
                    help="A Flask Response defaults to text/html; add `mimetype=\"application/json\"`.", fix=fix)

    def _report_encoded_twice(self, call: cst.Call, body: cst.BaseExpression) -> None:
        """`AMLResponse(json.dumps(x), status, json_str=True)`: AMLResponse runs `json.dumps` on the text."""
        fix = None
        if isinstance(body, cst.Call) and self._dumps_kind(body) == "dumps" and self._plain_dumps(body):
            fix = self.fix("Pass the object; AMLResponse serialises it",
                           self.replace(body, self.source.code(body.args[0].value)), unsafe=True)
        self.report(body, "`AMLResponse(json.dumps(...), status, json_str=True)` encodes twice",
                    help="With `json_str=True` AMLResponse passes the body through `json.dumps` itself, so the client "
                         "receives a JSON string holding JSON and must decode it twice; pass the object itself.",
                    fix=fix)

    @staticmethod
    def _true(expr: cst.BaseExpression) -> bool:
        return isinstance(expr, cst.Name) and expr.value == "True"

    # --- returned values ---------------------------------------------------------------------------
    def _check_returned(self, value: cst.BaseExpression, run_def: cst.FunctionDef) -> None:
        if isinstance(value, (cst.Dict, cst.List, cst.Tuple)):
            for element in value.elements:
                inner = getattr(element, "value", None)
                if isinstance(inner, cst.Call) and self._dumps_kind(inner):
                    self._report_returned(inner, nested=True)
                    return
            return
        if isinstance(value, cst.Name):
            values = [self._encoded(v, run_def) for v in resolved_values(self.facts, value, run_def)]
            if values and all(v is not None for v in values):
                self._report_returned(value, holder=value.value, call=values[0])
            return
        if isinstance(value, cst.Call):
            call = self._encoded(value, run_def)
            if call is not None:
                self._report_returned(value, call=call, wrapped=call is not value)

    def _encoded(self, expr: cst.BaseExpression | None, func: cst.FunctionDef) -> cst.Call | None:
        """The `json.dumps(...)`/`.to_json(...)` call whose text `expr` certainly holds: the call itself,
        `str(...)` of it (a str of a str is the same text), or a name bound to either."""
        if isinstance(expr, cst.Call) and self._dumps_kind(expr):
            return expr
        if (isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "str"
                and "str" not in self.facts.bindings and len(expr.args) == 1 and not expr.args[0].keyword
                and not expr.args[0].star):
            inner = expr.args[0].value
            values = resolved_values(self.facts, inner, func) if isinstance(inner, cst.Name) else [inner]
            calls = [self._encoded(v, func) if v is not None else None for v in values]
            if values and all(c is not None for c in calls):
                return calls[0]
        return None

    def _report_returned(self, node: cst.BaseExpression, nested: bool = False, holder: str | None = None,
                         call: cst.Call | None = None, wrapped: bool = False) -> None:
        call = call if call is not None else node  # type: ignore[assignment]
        what = "`DataFrame.to_json(...)`" if self._dumps_kind(call) == "to_json" else "`json.dumps(...)`"
        if wrapped:
            what = f"`str(...)` of {what} (the same text)"
        subject = f"`{holder}` (from {what})" if holder else what
        where = " inside the returned value" if nested else ""
        if self._dumps_kind(call) == "to_json":
            advice = "return `json.loads(df.to_json(orient=\"records\"))` or `df.to_dict(orient=\"records\")`"
        else:
            advice = "return the object itself and let the server serialise it"
        message = f"`run` returns {subject}{where}, which the server encodes again"
        help_text = ("The server passes that text through `json.dumps` again, so the client receives a JSON string "
                     f"holding JSON and must decode it twice; {advice}.")
        fix = None
        direct = not wrapped or node.args[0].value is call  # type: ignore[attr-defined]
        if holder is None and direct and self._dumps_kind(call) == "dumps" and self._plain_dumps(call):
            fix = self.fix("Return the object; the server serialises it",
                           self.replace(node, self.source.code(call.args[0].value)), unsafe=True)
        self.report(node, message, help=help_text, fix=fix)

    # --- helpers -----------------------------------------------------------------------------------
    def _dumps_kind(self, call: cst.Call) -> str | None:
        if self.facts.qualified_name(call.func) in JSON_DUMPS:
            return "dumps"
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "to_json":
            return "to_json"
        return None

    @staticmethod
    def _plain_dumps(call: cst.Call) -> bool:
        return len(call.args) == 1 and call.args[0].keyword is None and not call.args[0].star

    def _is_dumps(self, expr: cst.BaseExpression, func: cst.FunctionDef | None) -> bool:
        values = resolved_values(self.facts, expr, func)
        return bool(values) and all(isinstance(v, cst.Call) and self._dumps_kind(v) for v in values)

    def _headers_without_json(self, expr: cst.BaseExpression, func: cst.FunctionDef | None) -> bool:
        """True when the headers certainly set no JSON content type (a dict literal we can read)."""
        values = resolved_values(self.facts, expr, func)
        for value in values:
            if not isinstance(value, cst.Dict):
                return False
            for element in value.elements:
                if not isinstance(element, cst.DictElement):
                    return False
                key = string_value(element.key)
                if key is None:
                    return False
                if key.lower() == "content-type":
                    return False
        return True

    def _content_type_set_later(self, call: cst.Call, func: cst.FunctionDef | None) -> bool:
        """`resp = AMLResponse(...)` followed by `resp.headers["Content-Type"] = ...` / `resp.mimetype = ...`."""
        if func is None:
            return False
        assign = self.source.parent.get(call)
        if not isinstance(assign, cst.Assign):
            return False
        names = {t.target.value for t in assign.targets if isinstance(t.target, cst.Name)}
        for other in self.facts.own_nodes(func, cst.Assign):
            for target in other.targets:
                text = self.source.code(target.target)
                base = text.split(".", 1)[0].split("[", 1)[0]
                if base in names and any(w in text.lower() for w in ("content-type", "content_type", "mimetype")):
                    return True
        return False
