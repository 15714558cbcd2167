from __future__ import annotations

from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid


class RunUnsupportedParams(Rule):
    """`run` takes `*args`, `**kwargs` or positional-only parameters, which the server refuses.

    ## What it does
    Reports every `*args`, `**kwargs` and positional-only (before `/`) parameter of `run`.

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
    ]
    INVALID = [
        Invalid("def init():\n    pass\n\ndef run(*args):\n    return args\n", line=4, message_contains="*args"),
        Invalid("def init():\n    pass\n\ndef run(data, **kwargs):\n    return data\n", line=4,
                message_contains="**kwargs"),
        Invalid("def init():\n    pass\n\ndef run(data, /):\n    return data\n", line=4,
                message_contains="positional-only"),
        Invalid("def init():\n    pass\n\ndef run(data, /, *rest, **options):\n    return data\n", expected=3),
    ]

    def check(self) -> None:
        if self.facts.has_driver_module:
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
