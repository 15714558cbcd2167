from __future__ import annotations

from scorelint.model import Severity
from scorelint.rule import Rule


class LoadFailed(Rule):
    """The script imports, but the server refuses to load it; the message is the server's (sandbox only).

    ## What it does
    With `scorelint check --sandbox`, after importing the script the sandbox applies the server's own
    checks to the live module, so it also sees what the source does not show: `init` or `run` bound by
    a factory or a star import, a `run` wrapped by a decorator that hides its signature, `@rawhttp`
    applied anywhere in the imported code together with `@input_schema` on `run`, a `driver_module`.
    It also reports what stops the server while it prepares its Swagger documents: a `swagger.json`,
    `swagger2.json`, `swagger3.json` or `swagger3.1.json` in the app root that is not valid JSON, or a
    service name that breaks the server's template. The message is what the server would log before
    exiting. Findings that a static rule already reports (missing init or run, `*args`, ...) are not
    repeated.

    ## Why is this bad?
    The server stops at start-up with exit code 3; the deployment fails with a log line that is easy to
    miss among the container's start-up messages.

    ## Example
    ```python
    from tracing import traced  # def traced(f): def wrapper(*args, **kwargs): ... (no functools.wraps)

    @traced
    def run(data):
        ...
    ```
    The server sees `run(*args, **kwargs)` and stops: "run() cannot accept positional-only arguments,
    *args, or **kwargs."

    ## Use instead
    ```python
    import functools

    def traced(func):
        @functools.wraps(func)  # keeps run's signature visible to inspect.signature
        def wrapper(*args, **kwargs):
            return func(*args, **kwargs)
        return wrapper

    @traced
    def run(data):
        ...
    ```
    """

    code = "SL902"
    name = "load-failed"
    severity = Severity.ERROR
    contract = "1. Loading: init and run must exist, run's signature must be inspectable and acceptable"
    requires_sandbox = True
