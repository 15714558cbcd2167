from __future__ import annotations

from scorelint.model import Severity
from scorelint.rule import ANY_SCRIPT, Invalid, Rule, Valid


class InitRequiredParams(Rule):
    """`init` has a parameter without a default, but the server calls `init()` with no arguments.

    ## What it does
    Reports each parameter of `init` that has no default value (`*args` and `**kwargs` are fine).

    ## Why is this bad?
    The server calls `init()` once at start-up without arguments. A required parameter raises a
    `TypeError` there, and the deployment fails before serving any request.

    ## Example
    ```python
    def init(model_path):
        global model
        model = joblib.load(model_path)
    ```

    ## Use instead
    ```python
    def init():
        global model
        model_path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl")
        model = joblib.load(model_path)
    ```
    """

    code = "SL004"
    name = "init-required-params"
    severity = Severity.ERROR
    contract = "1. Loading: init() is called once, with no arguments"
    kinds = ANY_SCRIPT

    VALID = [
        Valid("""
            def init():
                pass

            def run(data):
                return data
            """),
        Valid("""
            def init(model_name='model.pkl', *args, **kwargs):
                pass

            def run(data):
                return data
            """),
        Valid("""
            def init(*, verbose=False):
                pass

            def run(data):
                return data
            """),
    ]
    INVALID = [
        Invalid("""
            def init(model_path):
                pass

            def run(data):
                return data
            """, line=1,
                message_contains="model_path"),
        Invalid("""
            def init(a, b=1, *, c):
                pass

            def run(data):
                return data
            """, expected=2, line=1),
        Invalid("""
            def init(self):
                pass

            def run(data):
                return data
            """, line=1, message_contains="self"),
    ]

    def check(self) -> None:
        for param in self.facts.params(self.facts.init.definition):
            if param.kind in ("var_positional", "var_keyword") or param.has_default:
                continue
            self.report(param.node.name, f"`init` parameter `{param.name}` has no default, but `init` is called "
                        "with no arguments",
                        help="The deployment fails at start-up with a TypeError. Give the parameter a default or "
                             "read the value inside init.")
