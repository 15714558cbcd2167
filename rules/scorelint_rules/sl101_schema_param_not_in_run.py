from __future__ import annotations

import libcst as cst

from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._schemas import POWER_BI_NAMES, input_options, normalized, rename_edits, retext_string


class SchemaParamNotInRun(Rule):
    """An `@input_schema` names an input that is not a parameter of `run`.

    ## What it does
    Reports an `@input_schema(name, ...)` on `run` whose name (a string literal or a module-level constant)
    is not the exact, case-sensitive name of one of `run`'s parameters.

    ## Why is this bad?
    The server passes the JSON body's fields to `run` by parameter name, and the decorator converts the
    field it names. When no parameter has that name, inference-schema raises "provided param_name ... is
    not in the decorated function" on every call: every request is a 500, while the Swagger document
    advertises the misnamed field. With `optional=True` or `convert_to_provided_type=False` the decorator
    stays silent instead: clients send the advertised field and `run` never receives it.

    ## Example
    ```python
    @input_schema("Inputs", StandardPythonParameterType({"data": [[1.0, 2.0]]}))
    def run(inputs):
        ...
    ```

    ## Use instead
    ```python
    @input_schema("Inputs", StandardPythonParameterType({"data": [[1.0, 2.0]]}))
    def run(Inputs):
        ...
    ```

    ## Fix safety
    When exactly one parameter matches the name up to case and separators, the fix makes them agree.
    If the decorator uses a Power BI name (`Inputs`, `GlobalParameters`), the parameter and its uses in
    `run` are renamed to it; otherwise the decorator's string becomes the parameter's name, which is the
    field the server already requires. The fix is safe while the decorator converts its input (every
    call failed before, so no working client is affected) and unsafe with `optional=True` or
    `convert_to_provided_type=False`, where requests using the parameter's name worked.
    """

    code = "SL101"
    name = "schema-param-not-in-run"
    severity = Severity.ERROR
    contract = "2. How run is called: the @input_schema name must be a parameter of run, or every call raises"

    VALID = [
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("Inputs", StandardPythonParameterType({"data": [1.0]}))
            @input_schema("GlobalParameters", StandardPythonParameterType(1.0))
            def run(Inputs, GlobalParameters=1.0):
                return {"Results": Inputs["data"]}
            """),
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            INPUT_NAME = "data"

            @input_schema(INPUT_NAME, StandardPythonParameterType([[1, 2]]))
            def run(data, request_headers=None):
                return data
            """),
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema(param_name="sepal_length", param_type=StandardPythonParameterType([7.2]))
            @input_schema(param_name="sepal_width", param_type=StandardPythonParameterType([3.2]))
            def run(sepal_length, sepal_width):
                return [sepal_length, sepal_width]
            """),
        # The decorator on a helper, not on run: not run's schema.
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("payload", StandardPythonParameterType([1]))
            def helper(payload):
                return payload

            def run(data):
                return data
            """),
        # A parameter without a decorator is fine: it receives the raw JSON value.
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("data", StandardPythonParameterType([1]))
            def run(data, options):
                return data
            """),
    ]
    INVALID = [
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("Inputs", StandardPythonParameterType({"data": [1.0]}))
            def run(inputs):
                data = inputs["data"]
                return {"Results": data}
            """,
            line=7, message_contains="every request is a 500",
            fixed="""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("Inputs", StandardPythonParameterType({"data": [1.0]}))
            def run(Inputs):
                data = Inputs["data"]
                return {"Results": data}
            """,
        ),
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            sample = StandardPythonParameterType([[1, 2, 3]])

            @input_schema('Data', sample)
            def run(data):
                return data
            """,
            line=9, message_contains="`data`",
            fixed="""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            sample = StandardPythonParameterType([[1, 2, 3]])

            @input_schema('data', sample)
            def run(data):
                return data
            """,
        ),
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("input_data", StandardPythonParameterType([1]))
            def run(raw_data):
                return raw_data
            """,
            line=7, message_contains="`raw_data`",
        ),
        # A constant name, through a variable.
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            PARAM = "features"

            @input_schema(param_name=PARAM, param_type=StandardPythonParameterType([1]))
            def run(data):
                return data
            """,
            line=9,
        ),
        # With optional=True the call does not fail, but run never receives the advertised field.
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("data", StandardPythonParameterType([1]))
            @input_schema("GlobalParameters", StandardPythonParameterType({"k": 1}), optional=True)
            def run(data, global_parameters=None):
                if global_parameters:
                    data = [x * global_parameters["k"] for x in data]
                return data
            """,
            line=8, message_contains="never receives",
            fixed="""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("data", StandardPythonParameterType([1]))
            @input_schema("GlobalParameters", StandardPythonParameterType({"k": 1}), optional=True)
            def run(data, GlobalParameters=None):
                if GlobalParameters:
                    data = [x * GlobalParameters["k"] for x in data]
                return data
            """,
        ),
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("a", StandardPythonParameterType([1]))
            @input_schema("b", StandardPythonParameterType([1]))
            def run(data):
                return data
            """,
            expected=2, line=7,
        ),
    ]

    def check(self) -> None:
        facts = self.facts
        run_def = facts.run.definition
        if run_def is None or facts.has_driver_module:
            return
        params = facts.run_params
        names = {p.name for p in params}
        decorated = {s.param_name for s in facts.input_schemas}
        for schema in facts.input_schemas:
            name = schema.param_name
            if name is None or name in names:
                continue
            options = input_options(facts, schema)
            matches = [p for p in params if normalized(p.name) == normalized(name) and p.name not in decorated]
            hint = (f" `run` has `{matches[0].name}`: use the same name in both places." if len(matches) == 1
                    else f" Name one of run's parameters ({', '.join(f'`{p.name}`' for p in params)})."
                    if params else "")
            if options.converts is False or options.optional is not False:
                why = f"`run` never receives the field `{name}` that the Swagger document advertises."
            else:
                why = "inference-schema raises on every call, so every request is a 500."
            fix = None
            if len(matches) == 1:
                fix = self._fix(schema, name, matches[0].name, unsafe=not options.converts_missing)
            self.report(schema.name_node, f"`@input_schema({name!r}, ...)` names no parameter of `run`",
                        help=f"{why[:1].upper()}{why[1:]}{hint}", fix=fix)

    def _fix(self, schema, decorator_name: str, param_name: str, *, unsafe: bool):
        facts = self.facts
        if decorator_name in POWER_BI_NAMES:
            edits = rename_edits(self, facts, facts.run.definition, param_name, decorator_name)
            if edits is None:
                return None
            return self.fix(f"Rename the parameter `{param_name}` to `{decorator_name}`", *edits, unsafe=unsafe)
        node = schema.name_node
        if not isinstance(node, cst.SimpleString):
            return None
        return self.fix(f"Use `{param_name}` in the decorator", self.replace(node, retext_string(node, param_name)),
                        unsafe=unsafe)
