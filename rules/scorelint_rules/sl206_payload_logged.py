from __future__ import annotations

import libcst as cst

from scorelint.facts import string_value
from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._responses import first_param_name, is_logger_call

# request attributes that hold what the client sent (werkzeug Request)
_REQUEST_BODY_ATTRS = frozenset({"data", "json", "form", "files", "values", "stream"})
_REQUEST_BODY_CALLS = frozenset({"get_data", "get_json"})
# functions that keep (a form of) their argument whole
_WRAPPERS = frozenset(
    {"json.loads", "json.dumps", "str", "repr", "dict", "list", "tuple", "ast.literal_eval", "numpy.array",
     "numpy.asarray", "pandas.DataFrame", "pandas.read_json", "pandas.json_normalize", "pprint.pformat"}
)
_PAYLOAD_METHODS = frozenset({"get", "copy", "to_dict", "to_json", "tolist", "to_string", "decode", "items",
                              "values", "get_data", "get_json"})
_SECRET_HEADERS = frozenset({"authorization", "cookie", "x-api-key", "api-key", "azureml-model-key",
                             "ocp-apim-subscription-key", "proxy-authorization"})


class PayloadLogged(Rule):
    """`run` writes the whole request payload or its headers to the logs.

    ## What it does
    Reports `print(...)` and logging calls (`logging.info`, `logger.debug`, `self.log.warning`...) in `run`
    whose arguments hold the request payload: the input parameter of an undecorated `run`, the
    parameters an `@input_schema` run receives, the body of a `@rawhttp` request (`request.get_data()`,
    `request.get_json()`, `request.data`, `request.json`, `request.form`, `request.files`), values derived
    from them whole (`json.loads(data)`, `data["data"]`, `np.array(...)`, f-strings, `.format`, `%`), and the
    headers (`request_headers`, `request.headers`, `request.environ`, the `Authorization` header), and the
    whole request object (`request.__dict__`, `vars(request)`). Sizes, shapes, types and
    counts (`len(data)`, `data.shape`) are fine.

    ## Why is this bad?
    The server sends everything `print` writes to its log, and deployment logs are kept in log storage and
    Application Insights, readable by many more people than the data itself. Scoring inputs often carry
    personal data, and headers can carry a key or a bearer token in `Authorization`: logging
    them on every request copies them into places with weaker access control and retention rules. (The
    server already logs each request's path and query string, so logging the request object itself adds
    nothing and is not reported.)

    ## Example
    ```python
    def run(data):
        logger.info(f"Received: {data}")
        return model.predict(json.loads(data)["data"]).tolist()
    ```

    ## Use instead
    ```python
    def run(data):
        rows = json.loads(data)["data"]
        logger.info("Received %d rows", len(rows))
        return model.predict(rows).tolist()
    ```
    """

    code = "SL206"
    name = "payload-logged"
    severity = Severity.WARNING
    contract = "2. How run is called: the request body (or headers) is passed to run"

    VALID = [
        Valid("""
            import json
            import logging

            logger = logging.getLogger(__name__)

            def init():
                global model
                model = load()

            def run(data):
                rows = json.loads(data)['data']
                logger.info('Received %d rows', len(rows))
                return model.predict(rows).tolist()
            """),
        # the request object prints as its URL, which the server logs anyway
        Valid("""
            from azureml.contrib.services.aml_request import rawhttp

            def init():
                pass

            @rawhttp
            def run(request):
                print('Request: [{0}]'.format(request))
                print(request.method, request.path)
                return 'ok'
            """),
        Valid("""
            import json
            import logging

            logger = logging.getLogger(__name__)

            def init():
                global model
                model = load()

            def run(data, request_headers):
                logger.info('request id %s', request_headers.get('x-ms-request-id'))
                arr = model.predict(json.loads(data))
                print('shape', arr.shape, type(data))
                return arr.tolist()
            """),
        # logging the result is not logging the input
        Valid("""
            import json
            import logging

            logger = logging.getLogger(__name__)

            def init():
                global model
                model = load()

            def run(data):
                result = model.predict(json.loads(data)).tolist()
                logger.debug('result: %s', result)
                return result
            """),
        Valid("""
            import logging
            from azureml.contrib.services.aml_request import rawhttp

            def init():
                pass

            @rawhttp
            def run(request):
                logging.info('%s %s', request.method, request.__dict__.keys())
                return 'ok'
            """),
        # a logger call outside run (init) is not per request
        Valid("""
            import json
            import logging

            logger = logging.getLogger(__name__)

            def init():
                global model
                model = load()
                logging.info('init %s', model)

            def run(data):
                return data
            """),
    ]
    INVALID = [
        Invalid("""
            import json
            import logging

            logger = logging.getLogger(__name__)

            def init():
                global model
                model = load()

            def run(data):
                logger.info(f'Received: {data}')
                return model.predict(json.loads(data)['data']).tolist()
            """, line=11,
                message_contains="request payload"),
        Invalid("""
            import json
            import logging

            logger = logging.getLogger(__name__)

            def init():
                global model
                model = load()

            def run(raw_data):
                data = json.loads(raw_data)['data']
                print('input:', data)
                return model.predict(data).tolist()
            """, line=12, message_contains="`data`"),
        Invalid("""
            import json
            import logging

            logger = logging.getLogger(__name__)

            def init():
                global model
                model = load()

            def run(data, request_headers):
                logging.debug('headers: %s', request_headers)
                return model.predict(json.loads(data)).tolist()
            """, line=11, message_contains="headers"),
        Invalid("""
            import logging
            from azureml.contrib.services.aml_request import rawhttp

            def init():
                pass

            @rawhttp
            def run(request):
                logging.info('body=' + request.get_data(as_text=True))
                logging.info('auth %s', request.headers['Authorization'])
                return 'ok'
            """,
                expected=2, line=9),
        # the whole request (seen in a public script): its environ holds every header
        Invalid("""
            import logging
            from azureml.contrib.services.aml_request import rawhttp

            def init():
                pass

            @rawhttp
            def run(request):
                logging.info(f'{request.__dict__}')
                print(vars(request))
                return 'ok'
            """, expected=2, line=9, message_contains="whole request object"),
        Invalid("""
            from inference_schema.schema_decorators import input_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema('Inputs', StandardPythonParameterType({'data': [[1, 2]]}))
            def run(Inputs):
                print('Inputs: {}'.format(Inputs))
                return Inputs['data']
            """, line=9),
        Invalid("""
            import json
            import logging

            logger = logging.getLogger(__name__)

            def init():
                global model
                model = load()

            class Scorer:
                def __init__(self):
                    self.log = logging.getLogger('s')

            scorer = Scorer()

            def run(data):
                payload = json.loads(data)
                scorer.log.warning('payload %s', json.dumps(payload))
                return {'n': len(payload)}
            """,
                line=18),
    ]

    def check(self) -> None:
        run_def = self.facts.run.definition
        if run_def is None:
            return
        self._run = run_def
        self._payload, self._headers, self._request = self._sources()
        if not (self._payload or self._headers or self._request):
            return
        for assign in self.facts.own_nodes(run_def, cst.Assign):
            kind = self._carries(assign.value)
            for target in assign.targets:
                if isinstance(target.target, cst.Name):
                    name = target.target.value
                    self._payload.discard(name)
                    self._headers.discard(name)
                    if kind == "body":
                        self._payload.add(name)
                    elif kind == "headers":
                        self._headers.add(name)
            # a logging call after this assignment sees the names as they are now
            self._check_calls_until(assign)
        self._check_calls_until(None)

    # --- sources of payload ------------------------------------------------------------------------
    def _sources(self) -> tuple[set[str], set[str], str | None]:
        facts = self.facts
        params = [p.name for p in facts.run_params if p.kind in ("positional_or_keyword", "keyword_only")]
        headers = {"request_headers"} if "request_headers" in params else set()
        first = first_param_name(facts)
        if facts.is_rawhttp:
            return set(), headers, first
        if facts.is_schema_decorated:
            return {p for p in params if p != "request_headers"}, headers, None
        return ({first} if first else set()), headers, None

    # --- calls ---------------------------------------------------------------------------------------
    _checked_until = -1

    def _check_calls_until(self, stop: cst.Assign | None) -> None:
        calls = self.facts.own_nodes(self._run, cst.Call)
        limit = self.source.offsets(stop)[0] if stop is not None else None
        start = self._checked_until + 1
        for index in range(start, len(calls)):
            call = calls[index]
            if limit is not None and self.source.offsets(call)[0] >= limit:
                return
            self._checked_until = index
            if is_logger_call(self.facts, call) is None:
                continue
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value in ("exc_info", "stack_info", "extra", "file",
                                                                     "sep", "end", "flush", "stacklevel"):
                    continue
                kind, node = self._contains(arg.value)
                if kind is not None:
                    self._report(call, node, kind)
                    break

    def _report(self, call: cst.Call, node: cst.CSTNode, kind: str) -> None:
        shown = self.source.code(node)
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        detail = ""
        if kind == "headers":
            what = f"the request headers (`{shown}`)"
            detail = "The headers can carry a key or token in `Authorization`. "
        elif kind == "request":
            what = f"the whole request object (`{shown}`)"
            detail = "It holds its WSGI environ, with every header including `Authorization`, and the body once read. "
        elif kind == "secret":
            what = f"a secret request header (`{shown}`)"
        else:
            what = f"the request payload (`{shown}`)"
        verb = "prints" if is_logger_call(self.facts, call) == "print" else "logs"
        self.report(node, f"This call {verb} {what} on every request",
                    help=f"{detail}Personal or secret data ends up in the deployment's logs; log a summary instead (a "
                         "count, a shape or a request id).")

    # --- what an expression holds --------------------------------------------------------------------
    def _contains(self, expr: cst.BaseExpression) -> tuple[str | None, cst.CSTNode]:
        kind = self._carries(expr)
        if kind is not None:
            return kind, expr
        # Where a payload can sit inside what is logged: f-string fields, `+`/`%` operands, container
        # elements, dict values, and the arguments of str.format and of the wrappers that keep it whole.
        inner: list[cst.BaseExpression] = []
        if isinstance(expr, cst.FormattedString):
            inner = [p.expression for p in expr.parts if isinstance(p, cst.FormattedStringExpression)]
        elif isinstance(expr, cst.BinaryOperation):
            inner = [expr.left, expr.right]
        elif isinstance(expr, (cst.Tuple, cst.List, cst.Set)):
            inner = [e.value for e in expr.elements]
        elif isinstance(expr, cst.Dict):
            inner = [e.value for e in expr.elements if isinstance(e, cst.DictElement)]
        elif isinstance(expr, cst.Call):
            func = expr.func
            formats = isinstance(func, cst.Attribute) and func.attr.value == "format"
            if formats or (self.facts.qualified_name(func) or "") in _WRAPPERS:
                inner = [a.value for a in expr.args]
        for part in inner:
            kind, node = self._contains(part)
            if kind is not None:
                return kind, node
        return None, expr

    def _carries(self, expr: cst.BaseExpression) -> str | None:
        """'body', 'headers' or 'secret' when the expression is (a whole form of) the payload."""
        if isinstance(expr, cst.Name):
            if expr.value in self._payload:
                return "body"
            if expr.value in self._headers:
                return "headers"
            return None
        if isinstance(expr, cst.Attribute):
            if self._is_request(expr.value):
                if expr.attr.value in _REQUEST_BODY_ATTRS:
                    return "body"
                if expr.attr.value in ("headers", "environ"):  # the WSGI environ holds HTTP_AUTHORIZATION
                    return "headers"
                if expr.attr.value == "__dict__":
                    return "request"
            return None
        if isinstance(expr, cst.Subscript):
            inner = self._carries(expr.value)
            if inner == "headers":
                key = string_value(expr.slice[0].slice.value) if isinstance(expr.slice[0].slice, cst.Index) else None
                return "secret" if key is not None and key.lower() in _SECRET_HEADERS else None
            return inner
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute):
                if self._is_request(func.value) and func.attr.value in _REQUEST_BODY_CALLS:
                    return "body"
                if func.attr.value in _PAYLOAD_METHODS:
                    inner = self._carries(func.value)
                    if inner == "headers":
                        if func.attr.value == "get" and expr.args:
                            key = string_value(expr.args[0].value)
                            return "secret" if key is not None and key.lower() in _SECRET_HEADERS else None
                        return "headers" if func.attr.value in ("copy", "items") else None
                    return inner
            if (self.facts.qualified_name(func) or "") in _WRAPPERS and expr.args:
                return self._carries(expr.args[0].value)
            if (isinstance(func, cst.Name) and func.value == "vars" and "vars" not in self.facts.bindings
                    and len(expr.args) == 1 and self._is_request(expr.args[0].value)):
                return "request"
        return None

    def _is_request(self, expr: cst.BaseExpression) -> bool:
        return self._request is not None and isinstance(expr, cst.Name) and expr.value == self._request
