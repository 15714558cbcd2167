from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.schema_decorators import input_schema, output_schema


def init():
    pass


# A list mixing types has no Swagger 2.0 schema: the server serves only versions 3 and 3.1.
@input_schema("row", StandardPythonParameterType([1, "two", 3.0]))
@output_schema(StandardPythonParameterType({"ok": True}))
def run(row):
    return {"ok": True}
