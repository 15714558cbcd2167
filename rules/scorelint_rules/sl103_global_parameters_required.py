from __future__ import annotations

from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._schemas import add_optional_true, input_options, power_bi_name



class GlobalParametersRequired(Rule):
    """`run` gives `GlobalParameters` (or an input declared `optional=True`) no default, so it is required.

    ## What it does
    In a `run` decorated with inference-schema, reports a parameter without a default that is meant to
    be optional: `GlobalParameters` (the Power BI shape documents it as optional; its misspellings
    count too) and any parameter whose `@input_schema(..., optional=True)` says so.

    ## Why is this bad?
    The server looks up every parameter of a decorated `run` in the JSON body and rejects a request
    that lacks one without a default: "A value is not provided for the 'GlobalParameters' parameter",
    a 400. `optional=True` only tells inference-schema to skip converting a missing value; it does not
    make the server accept the request. Clients such as Power BI that send only `Inputs` always fail.

    A default alone is not enough while the decorator converts its input: the server passes the
    default to `run` as if the client had sent it, and converting `None` to the sample's type fails,
    so the 400 becomes a 500. Mark the decorator `optional=True` as well (inference-schema 1.7 or
    later).

    ## Example
    ```python
    @input_schema("Inputs", StandardPythonParameterType({"data": [[1.0, 2.0]]}))
    @input_schema("GlobalParameters", StandardPythonParameterType({"method": "predict"}))
    def run(Inputs, GlobalParameters):
        ...
    ```

    ## Use instead
    ```python
    @input_schema("Inputs", StandardPythonParameterType({"data": [[1.0, 2.0]]}))
    @input_schema("GlobalParameters", StandardPythonParameterType({"method": "predict"}), optional=True)
    def run(Inputs, GlobalParameters=None):
        method = (GlobalParameters or {}).get("method", "predict")
        ...
    ```

    ## Fix safety
    The fix adds `=None` to the parameter and, when its decorator converts the value, `optional=True`
    to the decorator. It is unsafe: `run` then receives `None` when a client omits the field, and code
    that reads it unconditionally (`GlobalParameters["method"]`) fails with a 500 instead of the 400;
    and `optional=` needs inference-schema 1.7 or later (older versions fail to load the script).
    No fix is offered when a later parameter has no default (the signature would not compile) or the
    decorator's options are not literals.
    """

    code = "SL103"
    name = "global-parameters-required"
    severity = Severity.WARNING
    contract = "3. Schema generation and Swagger: GlobalParameters is documented as optional, so run must give it a default"

    VALID = [
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema('Inputs', StandardPythonParameterType({'data': [1.0]}))
            @input_schema('GlobalParameters', StandardPythonParameterType(1.0), optional=True)
            def run(Inputs, GlobalParameters=None):
                return {'Results': Inputs['data']}
            """),
        # AutoML's style: no conversion, a dict default.
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            sample_global_params = StandardPythonParameterType({"method": "predict"})

            @input_schema('GlobalParameters', sample_global_params, convert_to_provided_type=False)
            @input_schema('Inputs', StandardPythonParameterType({'data': [1]}))
            def run(Inputs, GlobalParameters={"method": "predict"}):
                return {'Results': Inputs['data']}
            """),
        # Required inputs that nobody calls optional are fine.
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema('data', StandardPythonParameterType([1]))
            @input_schema('threshold', StandardPythonParameterType(0.5))
            def run(data, threshold):
                return [x > threshold for x in data]
            """),
        # An undecorated run gets the body as one string in its first parameter.
        Valid("""
            def init():
                pass

            def run(raw_data, GlobalParameters=None):
                return raw_data
            """),
    ]
    INVALID = [
        # The documents' own Power BI example.
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            sample_input = StandardPythonParameterType({'input1': StandardPythonParameterType(0.0)})
            sample_global_parameters = StandardPythonParameterType(1.0) # This line is optional.

            @input_schema('Inputs', sample_input)
            # "Inputs" is case sensitive.

            @input_schema('GlobalParameters', sample_global_parameters)
            # The preceding line is optional. "GlobalParameters" is case sensitive.

            def run(Inputs, GlobalParameters):
                return Inputs['input1']
            """,
            line=16, message_contains="400",
            fixed="""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            sample_input = StandardPythonParameterType({'input1': StandardPythonParameterType(0.0)})
            sample_global_parameters = StandardPythonParameterType(1.0) # This line is optional.

            @input_schema('Inputs', sample_input)
            # "Inputs" is case sensitive.

            @input_schema('GlobalParameters', sample_global_parameters, optional=True)
            # The preceding line is optional. "GlobalParameters" is case sensitive.

            def run(Inputs, GlobalParameters=None):
                return Inputs['input1']
            """,
        ),
        # Declared optional in the decorator, required by the signature; annotated, multi-line call.
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("data", StandardPythonParameterType([1.0]))
            @input_schema(
                param_name="options",
                param_type=StandardPythonParameterType({"scale": 1.0}),
                optional=True,
            )
            def run(data, options: dict):
                scale = options["scale"] if options else 1.0
                return [x * scale for x in data]
            """,
            line=13, message_contains="optional=True",
            fixed="""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("data", StandardPythonParameterType([1.0]))
            @input_schema(
                param_name="options",
                param_type=StandardPythonParameterType({"scale": 1.0}),
                optional=True,
            )
            def run(data, options: dict = None):
                scale = options["scale"] if options else 1.0
                return [x * scale for x in data]
            """,
        ),
        # GlobalParameters without a decorator: the raw JSON value, so only a default is needed.
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("Inputs", StandardPythonParameterType([1.0]))
            @output_schema(StandardPythonParameterType({"Results": [1.0]}))
            def run(Inputs, GlobalParameters, *, request_headers=None):
                return {"Results": Inputs}
            """,
            line=9,
            fixed="""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("Inputs", StandardPythonParameterType([1.0]))
            @output_schema(StandardPythonParameterType({"Results": [1.0]}))
            def run(Inputs, GlobalParameters=None, *, request_headers=None):
                return {"Results": Inputs}
            """,
        ),
        # An explicit optional=False is turned into True.
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("Inputs", StandardPythonParameterType([1.0]))
            @input_schema("GlobalParameters", StandardPythonParameterType({"k": 1}), True, False)
            def run(Inputs, GlobalParameters):
                return Inputs
            """,
            line=9,
            fixed="""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("Inputs", StandardPythonParameterType([1.0]))
            @input_schema("GlobalParameters", StandardPythonParameterType({"k": 1}), True, True)
            def run(Inputs, GlobalParameters=None):
                return Inputs
            """,
        ),
        # A later parameter without a default: adding one here would not compile, so no fix.
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("Inputs", StandardPythonParameterType([1.0]))
            def run(Inputs, GlobalParameters, request_headers):
                return Inputs
            """,
            line=8,
        ),
    ]

    def check(self) -> None:
        facts = self.facts
        run_def = facts.run.definition
        if run_def is None or facts.has_driver_module:
            return
        if not facts.is_schema_decorated:
            return
        params = facts.run_params
        schemas = {s.param_name: s for s in facts.input_schemas if s.param_name is not None}
        for index, param in enumerate(params):
            if param.has_default or param.kind not in ("positional_or_keyword", "keyword_only"):
                continue
            if param.name == "request_headers":
                continue
            schema = schemas.get(param.name)
            options = input_options(facts, schema) if schema is not None else None
            declared_optional = options is not None and options.optional is True
            is_global = param.name == "GlobalParameters" or power_bi_name(param.name) == "GlobalParameters"
            if not (is_global or declared_optional):
                continue
            if declared_optional:
                message = f"`{param.name}` is declared `optional=True`, but `run` gives it no default"
                help_text = (f"`@input_schema({param.name!r}, ..., optional=True)` calls `{param.name}` optional, but "
                             f"the server rejects every request without `{param.name}` with a 400. Give it a default: "
                             f"`{param.name}=None`.")
            else:
                message = f"`run` gives `{param.name}` no default, so requests without it are rejected with a 400"
                help_text = (f"The Power BI shape documents `{param.name}` as optional. Write `{param.name}=None`"
                             + (" and mark its `@input_schema` `optional=True`." if schema is not None else "."))
            self.report(param.node.name, message, help=help_text,
                        fix=self._fix(param, index, params, schema, options))

    def _fix(self, param, index, params, schema, options):
        for later in params[index + 1:]:
            if later.kind == "positional_or_keyword" and not later.has_default and param.kind == later.kind:
                return None
        node = param.node
        anchor = node.annotation if node.annotation is not None else node.name
        edits = [self.insert_after(anchor, " = None" if node.annotation is not None else "=None")]
        if schema is not None:
            if options.converts is None or options.optional is None:
                return None
            if options.converts and not options.optional:
                edit = add_optional_true(self, schema)
                if edit is None:
                    return None
                edits.append(edit)
        what = f"`{param.name}=None`" + (" and `optional=True`" if len(edits) > 1 else "")
        return self.fix(f"Add {what}", *edits, unsafe=True)
