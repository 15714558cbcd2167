from __future__ import annotations

from scorelint.model import Severity
from scorelint.rule import ANY_SCRIPT, Invalid, Rule, Valid


class MissingRun(Rule):
    """The module has no `run`, so the server refuses to load it.

    ## What it does
    Checks that the entry script binds the name `run` at module level: a `def`, an assignment or an
    import all count, as they do for the server, which only asks `hasattr(module, "run")`.

    ## Why is this bad?
    The server checks for `run` right after importing the script and stops with "does not have a run()
    function defined". The deployment fails before serving a single request. Common causes are a scoring
    function with another name (`def predict(data):`) or `run` defined as a method of a class.

    ## Example
    ```python
    def init():
        ...

    def predict(data):
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

    code = "SL003"
    name = "missing-run"
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
            def init():
                pass

            def predict(data):
                return data

            run = predict
            """),
        Valid("""
            from scoring import run

            def init():
                pass
            """),
        Valid("""
            def init():
                pass

            if True:
                def run(data):
                    return data
            """),
    ]
    INVALID = [
        Invalid("""
            def init():
                pass

            def predict(data):
                return data
            """, line=1),
        Invalid("""
            def init():
                pass

            def run_model(data):
                return data
            """, line=1, message_contains="run_model"),
        Invalid("""
            def init():
                pass

            class Scorer:
                def run(self, data):
                    return data
            """, line=1),
    ]

    def check(self) -> None:
        facts = self.facts
        if facts.run.exists or facts.has_unknown_star_import:
            return
        near = [name for name in facts.bindings if name != "run" and name.lower().startswith("run")]
        hint = f" (is `{near[0]}` meant to be `run`?)" if near else ""
        self.report(None, f"The module defines no `run`{hint}",
                    help="The server refuses to load the script (\"does not have a run() function defined\"). "
                         "Define `def run(data):` at module level to score requests.", span=(0, 0))
