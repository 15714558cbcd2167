from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.schema_decorators import input_schema, output_schema


def init():
    pass


@input_schema("data", StandardPythonParameterType([1, 2, 3]))
@output_schema(StandardPythonParameterType([6]))
def run(data):
    return [sum(data)]
