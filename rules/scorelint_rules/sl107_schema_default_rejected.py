from __future__ import annotations

import libcst as cst

from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._schemas import add_optional_true, input_options, literal_python_type, resolve_sample

_FALSY_LITERALS = ("None", "False")


class SchemaDefaultRejected(Rule):
    """A default of a schema-decorated parameter that the decorator's conversion rejects.

    ## What it does
    Reports a default of a `run` parameter, declared with `@input_schema`, that the decorator cannot
    convert to its sample's type: `None` (for every parameter type) or a literal of another type than a
    `StandardPythonParameterType` literal sample (`"auto"` for a float sample). Decorators with
    `convert_to_provided_type=False`, and `None` or other empty defaults with `optional=True`, are fine.

    ## Why is this bad?
    For a request that omits the field, the server passes the parameter's default to `run` as if the
    client had sent it, and `@input_schema` converts it like any other value. Converting `None` to the
    sample's type raises ("Invalid input data type to parse"), so every request without the field is a
    500. This is the usual result of making `GlobalParameters` optional by giving it `=None` alone.

    ## Example
    ```python
    @input_schema("Inputs", StandardPythonParameterType({"data": [[1.0, 2.0]]}))
    @input_schema("GlobalParameters", StandardPythonParameterType({"method": "predict"}))
    def run(Inputs, GlobalParameters=None):
        ...
    ```

    ## Use instead
    ```python
    @input_schema("Inputs", StandardPythonParameterType({"data": [[1.0, 2.0]]}))
    @input_schema("GlobalParameters", StandardPythonParameterType({"method": "predict"}), optional=True)
    def run(Inputs, GlobalParameters=None):
        ...
    ```

    ## Fix safety
    For a `None` default the fix adds `optional=True` to the decorator. It is unsafe: `optional=` needs
    inference-schema 1.7 or later (older versions fail to load the script), and with it a falsy value a
    client sends (`0`, `""`, `[]`, `{}`) reaches `run` unconverted. Other defaults get no fix: choose a
    default of the sample's type.
    """

    code = "SL107"
    name = "schema-default-rejected"
    severity = Severity.WARNING
    contract = "2. How run is called: the server passes a missing parameter's default through the schema decorator"

    VALID = [
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema('Inputs', StandardPythonParameterType({'data': [1.0]}))
            @input_schema('GlobalParameters', StandardPythonParameterType(1.0), optional=True)
            def run(Inputs, GlobalParameters=None):
                return Inputs
            """),
        # AutoML: no conversion at all.
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            sample_global_parameters = StandardPythonParameterType(1.0)

            @input_schema('Inputs', StandardPythonParameterType({'data': [1.0]}))
            @input_schema('GlobalParameters', sample_global_parameters, convert_to_provided_type=False)
            def run(Inputs, GlobalParameters=1.0):
                return Inputs
            """),
        # Defaults of the sample's type; an int for a float sample is accepted too.
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema('data', StandardPythonParameterType([1.0]))
            @input_schema('threshold', StandardPythonParameterType(0.5))
            @input_schema('method', StandardPythonParameterType("predict"))
            @input_schema('options', StandardPythonParameterType({"k": 1}))
            def run(data, threshold=1, method="predict", options={}):
                return data
            """),
        # A parameter without a decorator receives the raw JSON value: None is fine.
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema('data', StandardPythonParameterType([1.0]))
            def run(data, extra=None):
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

            sample_input = StandardPythonParameterType({'input1': StandardPythonParameterType(0.0)})
            sample_global_parameters = StandardPythonParameterType(1.0)

            @input_schema('Inputs', sample_input)
            @input_schema('GlobalParameters', sample_global_parameters)
            def run(Inputs, GlobalParameters=None):
                return Inputs
            """,
            line=12, message_contains="500",
            fixed="""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            sample_input = StandardPythonParameterType({'input1': StandardPythonParameterType(0.0)})
            sample_global_parameters = StandardPythonParameterType(1.0)

            @input_schema('Inputs', sample_input)
            @input_schema('GlobalParameters', sample_global_parameters, optional=True)
            def run(Inputs, GlobalParameters=None):
                return Inputs
            """,
        ),
        # NumPy samples reject None too.
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
            import numpy as np

            @input_schema(
                "data",
                NumpyParameterType(np.array([[1.0, 2.0]])),
            )
            def run(data: np.ndarray = None):
                return data.tolist()
            """,
            line=14,
            fixed="""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
            import numpy as np

            @input_schema(
                "data",
                NumpyParameterType(np.array([[1.0, 2.0]])), optional=True,
            )
            def run(data: np.ndarray = None):
                return data.tolist()
            """,
        ),
        # A default of another type than the sample: no fix.
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("data", StandardPythonParameterType([1.0]))
            @input_schema("threshold", StandardPythonParameterType(0.5))
            def run(data, threshold="auto"):
                return data
            """,
            line=9, message_contains="`str`",
        ),
        # optional=True does not help a non-empty default of the wrong type.
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema("data", StandardPythonParameterType([1.0]))
            @input_schema("method", StandardPythonParameterType("predict"), optional=True)
            def run(data, method=1):
                return data
            """,
            line=9,
        ),
    ]

    def check(self) -> None:
        facts = self.facts
        run_def = facts.run.definition
        if run_def is None or facts.has_driver_module or facts.is_rawhttp:
            return
        params = {p.name: p for p in facts.run_params}
        for schema in facts.input_schemas:
            param = params.get(schema.param_name or "")
            if param is None or param.node.default is None:
                continue
            options = input_options(facts, schema)
            if options.converts is not True or options.optional is None:
                continue
            default = param.node.default
            default_type = literal_python_type(default)
            if default_type is None:
                continue
            if options.optional and (self._empty(default)):
                continue  # optional=True skips converting a missing or falsy value
            if default_type is type(None):
                fix = None
                if not options.optional:
                    edit = add_optional_true(self, schema)
                    fix = self.fix("Add `optional=True` to the decorator", edit, unsafe=True) if edit else None
                self.report(default, f"`@input_schema` rejects the default `None` of `{param.name}`",
                            help=f"For a request without `{param.name}`, the server passes the default `None` to "
                                 "`@input_schema`, whose conversion rejects it, so the request is a 500. Add "
                                 "`optional=True` to the decorator.", fix=fix)
                continue
            sample = resolve_sample(facts, schema.param_type)
            if sample is None or sample.type_kind != "standard":
                continue
            sample_type = literal_python_type(sample.value)
            if sample_type is None or sample_type is type(None) or self._accepts(sample_type, default_type):
                continue
            self.report(default, f"`@input_schema` rejects the default `{self.source.code(default)}` of "
                                 f"`{param.name}`: a `{default_type.__name__}`, the sample is a "
                                 f"`{sample_type.__name__}`",
                        help=f"For a request without `{param.name}`, the server passes the default to "
                             "`@input_schema`, which rejects a value of another type than the sample's, so the request "
                             "is a 500. Use a default of the sample's type.")

    @staticmethod
    def _accepts(sample_type: type, default_type: type) -> bool:
        if sample_type in (list, tuple):
            return default_type in (list, tuple)
        if sample_type is float and default_type is int:
            return True
        return issubclass(default_type, sample_type)

    @staticmethod
    def _empty(expr: cst.BaseExpression) -> bool:
        if isinstance(expr, cst.Name):
            return expr.value in _FALSY_LITERALS
        if isinstance(expr, (cst.List, cst.Tuple, cst.Dict)):
            return not expr.elements
        if isinstance(expr, cst.SimpleString):
            return expr.evaluated_value in ("", b"")
        if isinstance(expr, cst.Integer):
            return expr.evaluated_value == 0
        if isinstance(expr, cst.Float):
            return expr.evaluated_value == 0.0
        return False
