import numpy as np
from inference_schema.schema_decorators import input_schema, output_schema
from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType


def init():
    pass


@input_schema("data", NumpyParameterType(np.array([[1.5, 2.0, 3.25], [4.0, 5.0, 6.0]], dtype=np.float32)))
@input_schema("counts", NumpyParameterType(np.array([1, 2, 3], dtype=np.int64), enforce_shape=False))
@output_schema(NumpyParameterType(np.array([0.25, 0.75])))
def run(data, counts):
    return (data.sum(axis=1) / counts.sum()).tolist()
