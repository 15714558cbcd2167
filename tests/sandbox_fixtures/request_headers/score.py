from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.schema_decorators import input_schema


def init():
    pass


@input_schema("text", StandardPythonParameterType("hello world"))
def run(text, request_headers):
    return {"words": len(text.split()), "agent": request_headers.get("User-Agent")}
