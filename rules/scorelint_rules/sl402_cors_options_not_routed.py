from __future__ import annotations

from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._cors import cors_header_strings, preferred_report_node


class CorsOptionsNotRouted(Rule):
    """The script answers CORS by hand; Azure ML may not route OPTIONS to it, and `AML_CORS_ORIGINS` lets the server do it.

    ## What it does
    Reports, once per script, the first `Access-Control-Allow-*` header the script sets by hand, as advice.

    ## Why is this bad?
    Azure ML routes only GET and POST requests to the scoring container; the documents warn that browsers'
    OPTIONS preflight requests can then fail before they reach the script. Headers set in `run` do not help
    a preflight that never arrives. The inference server can answer CORS itself: when the environment
    variable `AML_CORS_ORIGINS` lists the allowed origins (comma-separated) and the `flask-cors` package is
    installed, it adds the CORS headers to GET and POST responses, and answers OPTIONS with 200 for scripts
    without `@rawhttp` (a `@rawhttp` `run` still receives OPTIONS and must answer it with a 2xx). Without
    `flask-cors` the server only logs that CORS cannot be enabled.

    ## Example
    ```python
    @rawhttp
    def run(request):
        resp = AMLResponse(score(request.get_data()), 200)
        resp.headers["Access-Control-Allow-Origin"] = "https://app.example.com"
        return resp
    ```

    ## Use instead
    Set `AML_CORS_ORIGINS=https://app.example.com` in the deployment's environment variables, add
    `flask-cors` to its conda or pip dependencies, and drop the hand-written headers:
    ```python
    def run(data):
        return score(data)
    ```
    """

    code = "SL402"
    name = "cors-options-not-routed"
    severity = Severity.INFO
    contract = "2. How run is called: Azure ML routes only GET and POST; AML_CORS_ORIGINS lets the server answer CORS"

    VALID = [
        Valid("""
            def init():
                pass

            def run(data):
                return {'ok': True}
            """),
        # reading a request header is not setting a response header
        Valid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from azureml.contrib.services.aml_response import AMLResponse

            def init():
                pass

            @rawhttp
            def run(request):
                method = request.headers.get('Access-Control-Request-Method')
                return AMLResponse(str(method), 200)
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
                resp.headers['Access-Control-Allow-Origin'] = '*'
                resp.headers['Access-Control-Allow-Headers'] = '*'
                return resp
            """,
                line=10, message_contains="AML_CORS_ORIGINS"),
        Invalid("""
            from azureml.contrib.services.aml_response import AMLResponse

            HEADERS = {'Access-Control-Allow-Origin': 'https://app.example.com'}

            def init():
                pass

            def run(data):
                return AMLResponse(data, 200, HEADERS)
            """, line=3, message_contains="flask-cors"),
    ]

    def check(self) -> None:
        facts = self.facts
        if not facts.run.exists:
            return
        strings = cors_header_strings(facts)
        if not strings:
            return
        self.report(preferred_report_node(facts, strings),
                    "A browser's OPTIONS preflight may never reach these hand-written CORS headers",
                    help="Azure ML may route only GET and POST to the container, so a browser's OPTIONS preflight may "
                         "fail before it reaches these hand-written CORS headers (where it does reach the container, "
                         "a @rawhttp `run` must answer it: see cors-without-options); to let the server answer CORS, "
                         "set `AML_CORS_ORIGINS` to the allowed origins in the deployment's environment and add "
                         "`flask-cors` to its dependencies.")
