import datetime

from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.schema_decorators import input_schema, output_schema

sample = {
    "when": datetime.datetime(2024, 5, 1, 12, 30, 0),
    "day": datetime.date(2024, 5, 1),
    "at": datetime.time(12, 30),
    "blob": b"\x00\x01binary",
    "ratio": 0.25,
    "count": 3,
    "flag": False,
    "nothing": None,
    "tags": ["a", "b"],
}


def init():
    pass


@input_schema("payload", StandardPythonParameterType(sample))
@output_schema(StandardPythonParameterType("done"))
def run(payload):
    return "done"
