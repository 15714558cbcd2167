import pandas as pd
from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType
from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.schema_decorators import input_schema, output_schema

frame = pd.DataFrame({
    "sepal_length": [5.1, 4.9],
    "species_id": [0, 1],
    "label": ["setosa", "versicolor"],
    "measured": pd.to_datetime(["2024-01-02", "2024-02-03"]),
    "elapsed": pd.to_timedelta(["1 days", "2 hours"]),
})
numbers = frame[["sepal_length", "species_id"]]


def init():
    pass


@input_schema("records", PandasParameterType(frame, orient="records"))
@input_schema("split", PandasParameterType(numbers, orient="split"))
@input_schema("index", PandasParameterType(frame, orient="index"))
@input_schema("columns", PandasParameterType(frame, orient="columns"))
@input_schema("values", PandasParameterType(numbers, orient="values"))
@input_schema("table", PandasParameterType(frame, orient="table"))
@output_schema(StandardPythonParameterType({"rows": 2}))
def run(records, split, index, columns, values, table):
    return {"rows": len(records)}
