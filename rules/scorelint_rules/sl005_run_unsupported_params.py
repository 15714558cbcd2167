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
        Valid("def init():\n    pass\n\ndef run(data, request_headers=None, *, verbose=False):\n    return data\n"),
        Valid("def init():\n    pass\n\ndef run(data):\n    def helper(*args, **kwargs):\n        return args\n"
              "    return helper(data)\n"),
        Valid("import functools\n\ndef timed(func):\n    @functools.wraps(func)\n    def wrapper(*args, **kwargs):\n"
              "        return func(*args, **kwargs)\n    return wrapper\n\ndef init():\n    pass\n\n"
              "@timed\ndef run(data):\n    return data\n"),
        Valid("import lib_scorer as driver_module\n\ndef init():\n    pass\n\ndef run(*args, **kwargs):\n"
              "    return driver_module.run(*args, **kwargs)\n"),
    ]
    INVALID = [
        Invalid("def init():\n    pass\n\ndef run(*args):\n    return args\n", line=4, message_contains="*args"),
        Invalid("def init():\n    pass\n\ndef run(data, **kwargs):\n    return data\n", line=4,
                message_contains="**kwargs"),
        Invalid("def init():\n    pass\n\ndef run(data, /):\n    return data\n", line=4,
                message_contains="positional-only"),
        Invalid("def init():\n    pass\n\ndef run(data, /, *rest, **options):\n    return data\n", expected=3),
        Invalid("def timed(func):\n    def wrapper(*args, **kwargs):\n        return func(*args, **kwargs)\n"
                "    return wrapper\n\ndef init():\n    pass\n\n@timed\ndef run(data):\n    return data\n",
                line=9, message_contains="functools.wraps"),
        Invalid("import logging\n\ndef logged(label):\n    def decorate(func):\n        def wrapper(*args, **kwargs):\n"
                "            logging.info(label)\n            return func(*args, **kwargs)\n        return wrapper\n"
                "    return decorate\n\ndef init():\n    pass\n\n@logged('scoring')\ndef run(data):\n    return data\n",
                line=14, message_contains="@logged('scoring')"),
        Invalid("driver_module = None\n\ndef init():\n    pass\n\ndef run(data, **kwargs):\n    return data\n",
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
            self.report(param.node, f"`run` takes {what if param.kind == 'positional_only' else '`' + what + '`'}"
                        ": the server refuses to load the script (\"run() cannot accept positional-only "
                        "arguments, *args, or **kwargs\"). Name every parameter explicitly.")

    def _check_wrapper(self, wrapped) -> None:
        params = self.facts.params(wrapped.wrapper)
        bad = [p for p in params if p.kind in ("var_positional", "var_keyword", "positional_only")]
        if not bad:
            return
        signature = self.source.code(wrapped.wrapper.params)
        name = self.source.code(wrapped.decorator.node.decorator)
        self.report(wrapped.decorator.node, f"`@{name}` replaces `run` with `{wrapped.wrapper.name.value}"
                    f"({signature})` and does not use `functools.wraps`, so the server inspects that signature "
                    "and refuses to load the script (\"run() cannot accept positional-only arguments, *args, or "
                    f"**kwargs\"). Decorate `{wrapped.wrapper.name.value}` with `@functools.wraps(...)`.")
