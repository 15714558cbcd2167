from __future__ import annotations

from scorelint.facts import INPUT_SCHEMA, OUTPUT_SCHEMA
from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

_SCHEMA = INPUT_SCHEMA | OUTPUT_SCHEMA


class RawhttpWithInputSchema(Rule):
    """`run` uses `@rawhttp` together with inference-schema decorators, which the server refuses.

    ## What it does
    Reports `@input_schema` / `@output_schema` on `run` in a script that applies `@rawhttp` (to `run` or to
    any other function: the switch is global).

    ## Why is this bad?
    With `@rawhttp`, `run` receives the raw request object; with `@input_schema`, it receives parsed and
    converted parameters. The server cannot do both and refuses to load the script ("run() cannot be
    decorated with both @rawhttp and @input_schema"); the deployment fails. inference-schema registers a
    function for either decorator, so `@output_schema` alone triggers the same refusal.

    ## Example
    ```python
    @rawhttp
    @input_schema("data", StandardPythonParameterType([1, 2]))
    def run(data):
        ...
    ```

    ## Use instead
    ```python
    @input_schema("data", StandardPythonParameterType([1, 2]))
    def run(data):
        ...
    ```
    or keep `@rawhttp` and parse `request.get_data()` yourself.
    """

    code = "SL007"
    name = "rawhttp-with-input-schema"
    severity = Severity.ERROR
    contract = "1. Loading: run decorated with both @rawhttp and @input_schema is a load error"

    VALID = [
        Valid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @rawhttp
            def run(request):
                return request.get_data()
            """),
        Valid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema('data', StandardPythonParameterType([1]))
            def run(data):
                return data
            """),
    ]
    INVALID = [
        Invalid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @rawhttp
            @input_schema('data', StandardPythonParameterType([1]))
            def run(data):
                return data
            """, line=9, message_contains="@rawhttp"),
        Invalid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema('data', StandardPythonParameterType([1]))
            @rawhttp
            def run(data):
                return data
            """, line=8),
        Invalid("""
            from azureml.contrib.services.aml_request import AMLRequest, rawhttp
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @rawhttp
            def helper(x):
                return x

            @output_schema(StandardPythonParameterType([1]))
            def run(data):
                return data
            """, line=12,
                message_contains="helper"),
    ]

    def check(self) -> None:
        facts = self.facts
        if not facts.rawhttp_uses:
            return
        schema = [d for d in facts.run_decorators if d.qualified in _SCHEMA]
        if not schema:
            return
        use = facts.rawhttp_uses[0]
        where = "on `run`" if use.on_module_run else (
            f"on `{use.target_name}`" if use.target_name else "in this module")
        for dec in schema:
            name = dec.qualified.rsplit(".", 1)[-1]
            self.report(dec.node, f"`@{name}` on `run` while `@rawhttp` is applied {where}",
                        help="The server refuses to load the script (\"run() cannot be decorated with both "
                             "@rawhttp and @input_schema\"). Use either raw requests or schema decorators.")

