from __future__ import annotations

from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid


class RunNoInputParam(Rule):
    """`run` has no parameter to receive the request (other than `request_headers`).

    ## What it does
    Reports a `run` whose only parameters are `request_headers` or nothing at all.

    ## Why is this bad?
    The server passes the request body (or, with `@rawhttp`, the request object) to the first parameter
    of `run` other than `request_headers`. Without one it refuses to load the script ("run() needs to accept
    an argument for input data"), and the deployment fails.

    ## Example
    ```python
    def run():
        return model.predict(DEFAULT_INPUT).tolist()
    ```

    ## Use instead
    ```python
    def run(data):
        return model.predict(json.loads(data)["data"]).tolist()
    ```
    """

    code = "SL006"
    name = "run-no-input-param"
    severity = Severity.ERROR
    contract = "1. Loading: run needs at least one parameter other than request_headers"

    VALID = [
        Valid("""
            def init():
                pass

            def run(data):
                return data
            """),
        Valid("""
            def init():
                pass

            def run(data, request_headers):
                return data
            """),
        Valid("""
            def init():
                pass

            def run(*, data):
                return data
            """),
    ]
    INVALID = [
        Invalid("""
            def init():
                pass

            def run():
                return 1
            """, line=4, message_contains="input data"),
        Invalid("""
            def init():
                pass

            def run(request_headers):
                return 1
            """, line=4,
                message_contains="request_headers"),
    ]

    def check(self) -> None:
        facts = self.facts
        run_def = facts.run.definition
        if run_def is None or facts.has_driver_module:
            return
        params = facts.run_params
        wrapped = facts.run_signature_wrapper  # the server sees the wrapper's parameters (no functools.wraps)
        if wrapped is not None:
            params = facts.params(wrapped.wrapper)
        if any(p.kind in ("var_positional", "var_keyword") for p in params):
            return  # run-unsupported-params says what is wrong
        if any(p.name != "request_headers" for p in params):
            return
        if params:
            message = "`run` takes only `request_headers`, no parameter for the request data"
            help_text = ("The server refuses to load the script (\"run() needs to accept an argument other than "
                         "request_headers\"). Add a parameter for the request data.")
        else:
            message = "`run` takes no parameter"
            help_text = ("The server refuses to load the script (\"run() needs to accept an argument for input "
                         "data\"). Add a parameter for the request data, e.g. `def run(data):`.")
        self.report(run_def.name if wrapped is None else wrapped.decorator.node, message, help=help_text)
