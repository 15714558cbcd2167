import numpy as np
import pandas as pd
from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType
from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.schema_decorators import input_schema, output_schema

table = PandasParameterType(pd.DataFrame({"a": [1, 2], "b": [0.5, 1.5]}))
matrix = NumpyParameterType(np.array([[1, 2], [3, 4]]))
inputs = StandardPythonParameterType({
    "table": table,
    "matrix": matrix,
    "options": StandardPythonParameterType({"threshold": 0.5, "labels": ["a", "b"]}),
    "batches": StandardPythonParameterType([StandardPythonParameterType({"id": 1})]),
})


def init():
    pass


@input_schema("Inputs", inputs)
@output_schema(StandardPythonParameterType({"Results": StandardPythonParameterType([{"id": 1, "score": 0.9}])}))
def run(Inputs):
    return {"Results": [{"id": 1, "score": 0.9}]}
