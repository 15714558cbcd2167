from __future__ import annotations

import libcst as cst

from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._responses import first_param_name


class RawhttpFlask1RequestApi(Rule):
    """A `@rawhttp` `run` uses request API that inference server 1.4.0 removed with its Flask 1 layer.

    ## What it does
    In a `@rawhttp` script, reports in `run` a read of `request.json` and a call of `request.headers.has_key(...)`
    or `request.headers.has_keys(...)`, where `request` is run's request parameter. It runs when the project
    targets azureml-inference-server-http 1.4.0 or later (`target-version` in `[tool.scorelint]` or
    `--target-version`; unset means the newest server).

    ## Why is this bad?
    Version 1.4.0 of the inference server dropped Python 3.8 and its compatibility layer for Flask 1: the
    request object a `@rawhttp` `run` receives is Flask 3's (1.5.1 requires `flask~=3.1`). There, `request.json`
    raises `415 Unsupported Media Type` when the request's `Content-Type` is not `application/json` (`curl -d`
    sends form encoding, so do many clients), where Flask 1 returned None; and `headers.has_key()` no longer
    exists, so every request fails with an AttributeError. A script that worked on an older image fails
    after a rebuild that picks up the new server.

    ## Example
    ```python
    @rawhttp
    def run(request):
        if request.headers.has_key("X-Debug"):
            log(request.json)
        return predict(request.json)
    ```

    ## Use instead
    ```python
    @rawhttp
    def run(request):
        if "X-Debug" in request.headers:
            log(request.get_json(force=True))
        return predict(request.get_json(force=True))
    ```

    ## Fix safety
    `headers.has_key(name)` becomes `name in headers`, which means the same: safe. `request.json` becomes
    `request.get_json(force=True)`, which parses the body whatever its content type: unsafe, because a body
    that is not JSON now raises where Flask 1 gave None.
    """

    code = "SL210"
    name = "rawhttp-flask1-request-api"
    severity = Severity.ERROR
    contract = "6. The deployment: server 1.4.0 dropped its Flask 1 compatibility layer under @rawhttp"
    min_server_version = (1, 4)

    VALID = [
        Valid("""
            from azureml.contrib.services.aml_request import rawhttp

            def init():
                pass

            @rawhttp
            def run(request):
                if 'X-Debug' in request.headers:
                    pass
                return request.get_json(force=True)
            """),
        # the project still deploys server 1.3: Flask 1 semantics hold there
        Valid("""
            from azureml.contrib.services.aml_request import rawhttp

            def init():
                pass

            @rawhttp
            def run(request):
                return request.json
            """, target_version="1.3"),
        # not @rawhttp: run receives a string, whose .json would be the script's own attribute
        Valid("""
            def init():
                pass

            def run(data):
                return data.json
            """),
        # another object's .json (a response of requests) is not the request
        Valid("""
            from azureml.contrib.services.aml_request import rawhttp

            def init():
                pass

            import requests

            @rawhttp
            def run(request):
                reply = requests.get('http://example.invalid')
                return reply.json()
            """),
    ]
    INVALID = [
        Invalid("""
            from azureml.contrib.services.aml_request import rawhttp

            def init():
                pass

            @rawhttp
            def run(request):
                data = request.json
                return data
            """, line=8,
                message_contains="415",
                fixed="""
            from azureml.contrib.services.aml_request import rawhttp

            def init():
                pass

            @rawhttp
            def run(request):
                data = request.get_json(force=True)
                return data
            """),
        Invalid("""
            from azureml.contrib.services.aml_request import rawhttp

            def init():
                pass

            @rawhttp
            def run(req):
                if req.headers.has_key('X-Debug'):
                    pass
                return req.get_data()
            """, line=8, message_contains="AttributeError", target_version="1.4.0",
                fixed="""
            from azureml.contrib.services.aml_request import rawhttp

            def init():
                pass

            @rawhttp
            def run(req):
                if 'X-Debug' in req.headers:
                    pass
                return req.get_data()
            """),
        Invalid("""
            from azureml.contrib.services.aml_request import rawhttp

            def init():
                pass

            @rawhttp
            def run(request):
                return request.headers.has_keys('a')
            """, line=8,
                fixed="""
            from azureml.contrib.services.aml_request import rawhttp

            def init():
                pass

            @rawhttp
            def run(request):
                return 'a' in request.headers
            """),
    ]

    def check(self) -> None:
        facts = self.facts
        run_def = facts.run.definition
        if run_def is None or not facts.is_rawhttp:
            return
        request = first_param_name(facts)
        if request is None:
            return
        for node in facts.own_nodes(run_def, cst.Attribute):
            if isinstance(node.value, cst.Name) and node.value.value == request and node.attr.value == "json":
                parent = self.source.parent.get(node)
                if isinstance(parent, cst.Call) and parent.func is node:
                    continue  # request.json(...) is not Flask's property
                fix = self.fix("Use request.get_json(force=True)",
                               self.replace(node, f"{request}.get_json(force=True)"), unsafe=True)
                self.report(node, f"`{request}.json` raises 415 Unsupported Media Type on a non-JSON request",
                            help="On azureml-inference-server-http 1.4.0 and later (Flask 3) it raises when the "
                                 "request's Content-Type is not application/json, where the older server's Flask 1 "
                                 f"gave None; write `{request}.get_json(force=True)` to parse the body whatever its "
                                 "content type.", fix=fix)
        for call in facts.own_nodes(run_def, cst.Call):
            func = call.func
            if not (isinstance(func, cst.Attribute) and func.attr.value in ("has_key", "has_keys")
                    and isinstance(func.value, cst.Attribute) and func.value.attr.value == "headers"
                    and isinstance(func.value.value, cst.Name) and func.value.value.value == request):
                continue
            fix = None
            if len(call.args) == 1 and call.args[0].keyword is None and call.args[0].star == "":
                key = self.source.code(call.args[0].value)
                fix = self.fix(f"Use `in {request}.headers`", self.replace(call, f"{key} in {request}.headers"))
            self.report(call, f"`{request}.headers.{func.attr.value}()` does not exist on the 1.4.0 server",
                        help="It is gone on azureml-inference-server-http 1.4.0 and later (Flask 3), so every request "
                             f"fails with an AttributeError; write `name in {request}.headers`.", fix=fix)
