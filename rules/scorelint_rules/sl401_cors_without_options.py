from __future__ import annotations

from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._cors import cors_header_strings, handles_options, preferred_report_node


class CorsWithoutOptions(Rule):
    """A `@rawhttp` script sets `Access-Control-*` headers but `run` never answers the OPTIONS preflight.

    ## What it does
    Reports, in a script that uses `@rawhttp`, the first `Access-Control-Allow-*` header it sets (in `run`, a
    helper or a module-level dict) when nothing in the script compares the request's method with
    `"OPTIONS"`.

    ## Why is this bad?
    Browsers send a preflight `OPTIONS` request before a cross-origin POST with a JSON body. With `@rawhttp`
    the server passes that OPTIONS request to `run` like any other (it answers OPTIONS itself only for
    scripts without `@rawhttp`). A `run` that expects GET or POST treats the preflight as a scoring request
    without a body and answers it with an error, so the browser refuses the real call, whatever CORS headers
    the POST response would have carried. The documents' CORS example has an OPTIONS branch for this reason.

    ## Example
    ```python
    @rawhttp
    def run(request):
        resp = AMLResponse(score(request.get_data()), 200)
        resp.headers["Access-Control-Allow-Origin"] = "https://app.example.com"
        return resp
    ```

    ## Use instead
    ```python
    CORS = {"Access-Control-Allow-Origin": "https://app.example.com",
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type, Authorization"}

    @rawhttp
    def run(request):
        if request.method == "OPTIONS":
            return AMLResponse("", 200, CORS)
        return AMLResponse(score(request.get_data()), 200, CORS)
    ```
    """

    code = "SL401"
    name = "cors-without-options"
    severity = Severity.WARNING
    contract = "2. How run is called: a @rawhttp script that sets Access-Control-* headers must also answer OPTIONS"

    VALID = [
        # the documents' CORS example
        Valid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                if request.method == 'POST':
                    resp = AMLResponse(request.get_data(False), 200)
                    resp.headers['Access-Control-Allow-Origin'] = 'http://www.example.com'
                    return resp
                elif request.method == 'OPTIONS':
                    resp = AMLResponse('', 200)
                    resp.headers['Access-Control-Allow-Origin'] = 'http://www.example.com'
                    return resp
                else:
                    return AMLResponse('bad request', 400)
            """),
        Valid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            CORS = {'Access-Control-Allow-Origin': '*'}

            @rawhttp
            def run(request):
                if request.method in ('OPTIONS', 'HEAD'):
                    return AMLResponse('', 204, CORS)
                return AMLResponse('ok', 200, CORS)
            """),
        # without @rawhttp the server answers OPTIONS itself
        Valid("""
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            def run(data):
                return AMLResponse(data, 200, {'Access-Control-Allow-Origin': '*'})
            """),
        # a method string that only appears in a header value
        Valid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                return AMLResponse('ok', 200, {'Allow': 'GET, POST'})
            """),
    ]
    INVALID = [
        Invalid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                resp = AMLResponse(request.get_data(), 200)
                resp.headers['Access-Control-Allow-Origin'] = 'https://app.example.com'
                return resp
            """,
                line=10, message_contains="OPTIONS"),
        # the headers in a module constant; "OPTIONS" listed in a header value is not a branch
        Invalid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            CORS_HEADERS = {
                'Access-Control-Allow-Origin': '*',
                'Access-Control-Allow-Methods': 'OPTIONS, GET, POST',
            }

            @rawhttp
            def run(request):
                if request.method == 'GET':
                    return AMLResponse('ready', 200, CORS_HEADERS)
                return AMLResponse(request.get_data(), 200, CORS_HEADERS)
            """, line=8),
    ]

    def check(self) -> None:
        facts = self.facts
        if not facts.is_rawhttp or facts.run.definition is None:
            return
        strings = cors_header_strings(facts)
        if not strings or handles_options(facts):
            return
        self.report(preferred_report_node(facts, strings),
                    "This @rawhttp script sets CORS headers but never answers OPTIONS",
                    help="Wherever a browser's preflight OPTIONS request reaches the container (Azure ML may not route "
                         "it: see cors-options-not-routed), the server passes it to `run`, which handles it like a "
                         "scoring request without a body, so the preflight fails and the browser blocks the call; "
                         "answer it first with "
                         "`if request.method == \"OPTIONS\": return AMLResponse(\"\", 200, cors_headers)`.")
