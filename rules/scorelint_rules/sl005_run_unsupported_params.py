from __future__ import annotations

from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid


class RunUnsupportedParams(Rule):
    """`run` takes `*args`, `**kwargs` or positional-only parameters, which the server refuses.

    ## What it does
    Reports every `*args`, `**kwargs` and positional-only (before `/`) parameter of `run`, and a decorator
    defined in the script that replaces `run` with a `(*args, **kwargs)` wrapper without `functools.wraps`
    (the server then sees the wrapper's signature).

    ## Why is this bad?
    The server inspects `run`'s signature when it loads the script and passes the request by parameter
    name. It refuses any other kind of parameter with "run() cannot accept positional-only arguments,
    *args, or **kwargs", and the deployment fails.

    ## Example
    ```python
    def run(data, **kwargs):
        ...
    ```

    ## Use instead
    ```python
    def run(data, request_headers):
        ...
    ```
    """

    code = "SL005"
    name = "run-unsupported-params"
    severity = Severity.ERROR
    contract = "1. Loading: run has no *args, **kwargs or positional-only parameters"

    VALID = [
        Valid("""
            def init():
                pass

            def run(data, request_headers=None, *, verbose=False):
                return data
            """),
        Valid("""
            def init():
                pass

            def run(data):
                def helper(*args, **kwargs):
                    return args
                return helper(data)
            """),
        Valid("""
            import functools

            def timed(func):
                @functools.wraps(func)
                def wrapper(*args, **kwargs):
                    return func(*args, **kwargs)
                return wrapper

            def init():
                pass

            @timed
            def run(data):
                return data
            """),
        Valid("""
            import lib_scorer as driver_module

            def init():
                pass

            def run(*args, **kwargs):
                return driver_module.run(*args, **kwargs)
            """),
    ]
    INVALID = [
        Invalid("""
            def init():
                pass

            def run(*args):
                return args
            """, line=4, message_contains="*args"),
        Invalid("""
            def init():
                pass

            def run(data, **kwargs):
                return data
            """, line=4,
                message_contains="**kwargs"),
        Invalid("""
            def init():
                pass

            def run(data, /):
                return data
            """, line=4,
                message_contains="positional-only"),
        Invalid("""
            def init():
                pass

            def run(data, /, *rest, **options):
                return data
            """, expected=3),
        Invalid("""
            def timed(func):
                def wrapper(*args, **kwargs):
                    return func(*args, **kwargs)
                return wrapper

            def init():
                pass

            @timed
            def run(data):
                return data
            """,
                line=9, message_contains="functools.wraps"),
        Invalid("""
            import logging

            def logged(label):
                def decorate(func):
                    def wrapper(*args, **kwargs):
                        logging.info(label)
                        return func(*args, **kwargs)
                    return wrapper
                return decorate

            def init():
                pass

            @logged('scoring')
            def run(data):
                return data
            """,
                line=14, message_contains="@logged('scoring')"),
        Invalid("""
            driver_module = None

            def init():
                pass

            def run(data, **kwargs):
                return data
            """,
                line=6),
    ]

    def check(self) -> None:
        if self.facts.has_driver_module:
            return
        wrapped = self.facts.run_signature_wrapper
        if wrapped is not None:
            self._check_wrapper(wrapped)
            return
        for param in self.facts.run_params:
            if param.kind == "var_positional":
                what = f"*{param.name}"
            elif param.kind == "var_keyword":
                what = f"**{param.name}"
            elif param.kind == "positional_only":
                what = f"positional-only parameter `{param.name}`"
            else:
                continue
            self.report(param.node, f"`run` takes {what if param.kind == 'positional_only' else '`' + what + '`'}",
                        help="The server refuses to load the script (\"run() cannot accept positional-only "
                             "arguments, *args, or **kwargs\"). Name every parameter explicitly.")

    def _check_wrapper(self, wrapped) -> None:
        params = self.facts.params(wrapped.wrapper)
        bad = [p for p in params if p.kind in ("var_positional", "var_keyword", "positional_only")]
        if not bad:
            return
        signature = self.source.code(wrapped.wrapper.params)
        name = self.source.code(wrapped.decorator.node.decorator)
        self.report(wrapped.decorator.node, f"`@{name}` replaces `run` with `{wrapped.wrapper.name.value}"
                    f"({signature})` without `functools.wraps`",
                    help="The server inspects that signature and refuses to load the script (\"run() cannot "
                         "accept positional-only arguments, *args, or **kwargs\"). Decorate "
                         f"`{wrapped.wrapper.name.value}` with `@functools.wraps(...)`.")
