from __future__ import annotations

import libcst as cst

from scorelint.facts import argument
from scorelint.model import Severity
from scorelint.rule import Invalid, Rule, Valid

from ._schemas import (
    dict_keys,
    literal_shape,
    resolve_sample,
    sample_shape,
)

_DESCRIPTIONS = {"dict": "a dict", "list": "a list", "str": "a string", "number": "a number"}
_CALL_SHAPES = {"dict": "dict", "list": "list", "sorted": "list", "str": "str", "int": "number",
                "float": "number", "round": "number", "len": "number"}
# What other rules own: a JSON string returned (double-encoded-json).
_SKIPPED_CALLS = frozenset({"json.dumps"})


class OutputSchemaMismatch(Rule):
    """What `run` returns contradicts the shape its `@output_schema` sample promises.

    ## What it does
    Compares the JSON shape of the `@output_schema` sample (a dict, a list, a string or a number; seen
    through variables and nested `StandardPythonParameterType(...)` wrappers; a `NumpyParameterType` and
    a records-oriented `PandasParameterType` are lists) with the values `run` returns, and reports each
    `return` whose value, or the local variable it returns, has a different shape. A string returned from
    an `except` block and `json.dumps(...)` are left to the rules about errors and double encoding.

    ## Why is this bad?
    The server publishes the sample's shape in the Swagger document as the response schema, and clients
    are generated from it: Power BI expects `{"Results": [...]}` and finds nothing in a bare list. The
    server itself never checks the returned value, so the mismatch shows only at the client. The
    documents' own Power BI example promises `{"Results": [...]}` and returns a bare list.

    ## Example
    ```python
    outputs = StandardPythonParameterType({"Results": StandardPythonParameterType([1.0, 1.0])})

    @output_schema(outputs)
    def run(Inputs, GlobalParameters=None):
        result = model.predict(Inputs["input1"])
        return result.tolist()
    ```

    ## Use instead
    ```python
    @output_schema(outputs)
    def run(Inputs, GlobalParameters=None):
        result = model.predict(Inputs["input1"])
        return {"Results": result.tolist()}
    ```

    ## Fix safety
    When the sample is a dict with a single key and the returned value has the shape of that key's
    sample (or an unknown one), the fix wraps the returned value: `return {"Results": value}`. It is
    unsafe because the response clients receive changes shape.
    """

    code = "SL104"
    name = "output-schema-mismatch"
    severity = Severity.WARNING
    contract = "3. Schema generation and Swagger: the output sample is the published response schema (Results for Power BI)"

    VALID = [
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            outputs = StandardPythonParameterType({'Results': StandardPythonParameterType([1.0, 1.0])})

            @input_schema('Inputs', StandardPythonParameterType({'input1': [1.0]}))
            @output_schema(outputs)
            def run(Inputs):
                result = model.predict(Inputs['input1'])
                return {'Results': result.tolist()}
            """),
        # A list promised, a list returned (through a variable); a string from except is another rule's.
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
            import numpy as np

            @input_schema('data', NumpyParameterType(np.array([[1.0, 2.0]])))
            @output_schema(NumpyParameterType(np.array([1.0])))
            def run(data):
                try:
                    predictions = model.predict(data).tolist()
                    return predictions
                except Exception as e:
                    return str(e)
            """),
        # Unknown shapes are not guessed: model output, a helper's result.
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @output_schema(StandardPythonParameterType({"Results": [1]}))
            def run(data):
                if not data:
                    return None
                return postprocess(model.predict(data))
            """),
        # A DataFrame sample in the 'split' orient is a dict.
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType
            import pandas as pd

            @output_schema(PandasParameterType(pd.DataFrame({'a': [1]}), orient='split'))
            def run(data):
                return {'columns': ['a'], 'index': [0], 'data': [[1]]}
            """),
        # No output schema: nothing promised.
        Valid("""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @input_schema('data', StandardPythonParameterType([1]))
            def run(data):
                return [1, 2]
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

            import numpy as np
            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType

            numpy_sample_input = NumpyParameterType(np.array([[1,2,3,4,5,6,7,8,9,10]],dtype='float64'))
            sample_input = StandardPythonParameterType({'input1': numpy_sample_input})
            sample_output = StandardPythonParameterType([1.0, 1.0])
            outputs = StandardPythonParameterType({'Results':sample_output}) # "Results" is case sensitive.

            @input_schema('Inputs', sample_input)
            @output_schema(outputs)
            def run(Inputs, GlobalParameters=None):
                try:
                    data = Inputs['input1']
                    result = model.predict(data)
                    return result.tolist()
                except Exception as e:
                    error = str(e)
                    return error
            """,
            line=21, message_contains="`Results`",
            fixed="""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            import numpy as np
            from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType

            numpy_sample_input = NumpyParameterType(np.array([[1,2,3,4,5,6,7,8,9,10]],dtype='float64'))
            sample_input = StandardPythonParameterType({'input1': numpy_sample_input})
            sample_output = StandardPythonParameterType([1.0, 1.0])
            outputs = StandardPythonParameterType({'Results':sample_output}) # "Results" is case sensitive.

            @input_schema('Inputs', sample_input)
            @output_schema(outputs)
            def run(Inputs, GlobalParameters=None):
                try:
                    data = Inputs['input1']
                    result = model.predict(data)
                    return {'Results': result.tolist()}
                except Exception as e:
                    error = str(e)
                    return error
            """,
        ),
        # A string returned outside an except block; the variable holds an f-string.
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @output_schema(StandardPythonParameterType({"Results": "cat"}))
            def run(data):
                label = f"class {model.predict(data)[0]}"
                return label
            """,
            line=10, message_contains="a string",
            fixed="""
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @output_schema(StandardPythonParameterType({"Results": "cat"}))
            def run(data):
                label = f"class {model.predict(data)[0]}"
                return {"Results": label}
            """,
        ),
        # A list promised (directly and through a variable), dicts returned: no fix, the shape differs.
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            output_sample = StandardPythonParameterType([0.5])

            @input_schema("data", StandardPythonParameterType([[1.0]]))
            @output_schema(output_sample)
            def run(data):
                if len(data) > 100:
                    return {"error": "too many rows"}
                scores = {"scores": model.predict(data).tolist()}
                return scores
            """,
            expected=2, line=13, message_contains="a list",
        ),
        # A dict with several keys promised, a list returned: reported without a fix.
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            @output_schema(StandardPythonParameterType({"label": "cat", "score": 0.9}))
            def run(data):
                return [model.predict(data)[0], 0.5]
            """,
            line=9, message_contains="`label`, `score`",
        ),
        # A records DataFrame sample is a list.
        Invalid(
            """
            from inference_schema.schema_decorators import input_schema, output_schema
            from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType

            def init():
                pass

            from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType
            import pandas as pd

            @output_schema(PandasParameterType(pd.DataFrame({"a1": [5], "a2": [6]})))
            def run(data):
                frame = model.predict(data)
                return frame.to_dict()
            """,
            line=13,
        ),
    ]

    def check(self) -> None:
        facts = self.facts
        run_def = facts.run.definition
        output = facts.output_schema
        if run_def is None or output is None or facts.has_driver_module:
            return
        sample = resolve_sample(facts, output.param_type)
        promised = sample_shape(facts, sample)
        if promised is None:
            return
        keys = list(dict_keys(sample.value)) if promised == "dict" and sample.type_kind == "standard" else []
        for returned in facts.returns(run_def):
            value = returned.value
            if value is None:
                continue
            shape = self._shape(value)
            if shape is None or shape == promised:
                continue
            if shape == "str" and facts.handler_of(returned, run_def, cst.ExceptHandler) is not None:
                continue  # an error message returned as success: error-returned-as-success reports it
            if promised == "dict" and keys:
                what = "a dict with " + ", ".join(f"`{k}`" for k, _ in keys[:3]) + (", ..." if len(keys) > 3 else "")
            else:
                what = _DESCRIPTIONS[promised]
            instead = (f"Return `{{{keys[0][1].value}: ...}}`" if promised == "dict" and len(keys) == 1
                       else f"Return {what}")
            self.report(value, f"`run` returns {_DESCRIPTIONS[shape]} here but `@output_schema` promises {what}",
                        help="Clients built from the Swagger document (Power BI among them) cannot read the "
                             f"response. {instead}, or change the sample.",
                        fix=self._fix(value, shape, sample, keys))

    def _fix(self, value, shape, sample, keys):
        if len(keys) != 1 or not isinstance(sample.value, cst.Dict):
            return None
        key, key_node = keys[0]
        element = sample.value.elements[0]
        inner = resolve_sample(self.facts, element.value)
        inner_shape = sample_shape(self.facts, inner) if inner is not None else literal_shape(
            self.facts.resolve_value(element.value))
        if inner_shape is not None and inner_shape != shape:
            return None
        text = self.facts.source.code(value)
        if "\n" in text and not isinstance(value, (cst.Name, cst.Call, cst.Attribute)):
            return None
        return self.fix(f"Return `{{{key_node.value}: ...}}`",
                        self.replace(value, f"{{{key_node.value}: {text}}}"), unsafe=True)

    def _shape(self, value: cst.BaseExpression, depth: int = 3) -> str | None:
        facts = self.facts
        if isinstance(value, cst.Name):
            if value.value in ("True", "False"):
                return "number"
            if not depth:
                return None
            values = facts.flow(facts.run.definition).assigned_values(value.value)
            if not values:
                return None
            shapes = {self._shape(v, depth - 1) for v in values}
            return shapes.pop() if len(shapes) == 1 else None
        shape = literal_shape(value)
        if shape is not None:
            return shape
        if isinstance(value, cst.Call):
            qualified = facts.qualified_name(value.func)
            if qualified in _SKIPPED_CALLS:
                return None
            if isinstance(value.func, cst.Name) and value.func.value in _CALL_SHAPES:
                if facts.bindings.get(value.func.value):
                    return None  # shadowed by a module-level definition
                return _CALL_SHAPES[value.func.value]
            if isinstance(value.func, cst.Attribute):
                method = value.func.attr.value
                if method == "to_dict":
                    orient = argument(value, 0, "orient")
                    text = facts.literal_string(orient.value) if orient is not None else "dict"
                    return "list" if text == "records" else "dict" if text is not None else None
                if method == "format" and isinstance(value.func.value, (cst.SimpleString, cst.ConcatenatedString)):
                    return "str"
                if method == "join" and isinstance(value.func.value, cst.SimpleString):
                    return "str"
                if method == "tolist":
                    return "list"
        return None
