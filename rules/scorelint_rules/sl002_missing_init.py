from __future__ import annotations

from scorelint.model import Severity
from scorelint.rule import ANY_SCRIPT, Invalid, Rule, Valid


class MissingInit(Rule):
    """The module has no `init`, so the server refuses to load it.

    ## What it does
    Checks that the entry script binds the name `init` at module level: a `def`, an assignment or an
    import all count, as they do for the server, which only asks `hasattr(module, "init")`.

    ## Why is this bad?
    The server checks for `init` right after importing the script and stops with "does not have a init()
    function defined". The deployment fails before serving a single request. A common cause is a
    differently named loader (`def initialize():`) or an `init` defined inside a class or another function.

    ## Example
    ```python
    def load_model():
        ...

    def run(data):
        ...
    ```

    ## Use instead
    ```python
    def init():
        ...

    def run(data):
        ...
    ```
    """

    code = "SL002"
    name = "missing-init"
    severity = Severity.ERROR
    contract = "1. Loading: the module must have attributes init and run"
    kinds = ANY_SCRIPT

    VALID = [
        Valid("""
            def init():
                pass

            def run(data):
                return data
            """),
        Valid("""
            from common import init

            def run(data):
                return data
            """),
        Valid("""
            def _setup():
                pass

            init = _setup

            def run(data):
                return data
            """),
        Valid("""
            try:
                from fast import init
            except ImportError:
                def init():
                    pass

            def run(data):
                return data
            """),
        Valid("""
            from shared_entry import *

            def run(data):
                return data
            """),
    ]
    INVALID = [
        Invalid("""
            def initialize():
                pass

            def run(data):
                return data
            """, line=1,
                message_contains="initialize"),
        Invalid("""
            class Model:
                def init(self):
                    pass

            def run(data):
                return data
            """, line=1),
        Invalid("""
            import json

            def run(data):
                return json.loads(data)
            """, line=1),
    ]

    def check(self) -> None:
        facts = self.facts
        if facts.init.exists or facts.has_unknown_star_import:
            return
        near = [name for name in facts.bindings if name != "init" and name.lower().startswith("init")]
        hint = f" (is `{near[0]}` meant to be `init`?)" if near else ""
        self.report(None, f"The module defines no `init`{hint}",
                    help="The server refuses to load the script (\"does not have a init() function defined\"). "
                         "Define `def init():` at module level to load the model.", span=(0, 0))
