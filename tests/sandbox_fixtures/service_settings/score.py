"""Power BI shaped standard types, as in the documentation."""
import json
import os

from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.schema_decorators import input_schema, output_schema

model = None

sample_input = StandardPythonParameterType({"age": 37, "income": 5200.5, "owns_home": True, "city": "Contoso"})
inputs = StandardPythonParameterType([sample_input])
global_parameters = StandardPythonParameterType({"method": "predict"})
sample_output = StandardPythonParameterType([0.12])
outputs = StandardPythonParameterType({"Results": sample_output})


def init():
    global model
    model = os.getenv("AZUREML_MODEL_DIR")


@input_schema("Inputs", inputs)
@input_schema("GlobalParameters", global_parameters)
@output_schema(outputs)
def run(Inputs, GlobalParameters={"method": "predict"}):
    return {"Results": [0.5 for _ in Inputs]}
