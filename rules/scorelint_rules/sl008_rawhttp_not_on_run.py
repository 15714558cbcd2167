from __future__ import annotations

from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid


class RawhttpNotOnRun(Rule):
    """`@rawhttp` is applied to something other than `run`, which switches the whole service to raw mode.

    ## What it does
    Reports every application of `rawhttp` (as a decorator or a call) whose target is not the function the
    module's `run` is bound to.

    ## Why is this bad?
    `rawhttp` does not mark the function it decorates: it sets a single module-wide flag in the server.
    Applied to a helper, it still makes the server pass the raw request object to `run`, whose code
    expects a JSON string or parsed parameters, so every request fails or is misread.

    ## Example
    ```python
    @rawhttp
    def parse(request):
        return request.get_json()

    def run(data):
        ...
    ```

    ## Use instead
    ```python
    def parse(request):
        return request.get_json()

    @rawhttp
    def run(request):
        data = parse(request)
        ...
    ```
    """

    code = "SL008"
    name = "rawhttp-not-on-run"
    severity = Severity.ERROR
    contract = "1. Loading: @rawhttp applied to ANY function switches the server to raw mode"

    VALID = [
        Valid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp

            def init():
                pass

            @rawhttp
            def run(request):
                return request.get_data()
            """),
        Valid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp

            def init():
                pass

            def predict(request):
                return request.get_data()

            run = rawhttp(predict)
            """),
        Valid("""
            import azureml.contrib.services.aml_request as req

            def init():
                pass

            @req.rawhttp
            def run(request):
                return 1
            """),
    ]
    INVALID = [
        Invalid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp

            def init():
                pass

            @rawhttp
            def parse(request):
                return request.get_json()

            def run(data):
                return data
            """, line=6, message_contains="parse"),
        Invalid("""
            from azureml_inference_server_http.api.aml_request import rawhttp as raw

            def init():
                pass

            class Handler:
                @raw
                def handle(self, request):
                    return 1

            def run(data):
                return data
            """, line=7),
        Invalid("""
            import azureml.contrib.services.aml_request as req

            def init():
                pass

            def helper(r):
                return r

            helper = req.rawhttp(helper)

            def run(data):
                return data
            """,
                line=9),
    ]

    def check(self) -> None:
        for use in self.facts.rawhttp_uses:
            if use.on_module_run:
                continue
            target = f"`{use.target_name}`" if use.target_name else "something other than `run`"
            self.report(use.node, f"`rawhttp` is applied to {target}, not to `run`",
                        help="It switches the whole service to raw mode, so the server passes the raw request "
                             "object to `run`. Apply `@rawhttp` to `run` itself, or remove it.")
