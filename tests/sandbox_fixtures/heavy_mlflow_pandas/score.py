"""An MLflow scikit-learn model registered with the SDK v1: mlflow, sklearn, joblib and azureml.core are absent."""
import os

import joblib
import mlflow
import mlflow.pyfunc
import numpy as np
import pandas as pd
from azureml.core import Run, Workspace
from azureml.core.model import Model
from mlflow.models.signature import infer_signature
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType
from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.schema_decorators import input_schema, output_schema

RUN = Run.get_context()
SAMPLE = pd.DataFrame({"age": [39, 50], "workclass": ["State-gov", "Self-emp-not-inc"],
                       "hours_per_week": [40.0, 13.5], "married": [False, True]})


class Wrapper(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        self.model = joblib.load(context.artifacts["model"])

    def predict(self, context, model_input):
        return self.model.predict(model_input)


def init():
    global model
    model = mlflow.pyfunc.load_model(os.path.join(os.getenv("AZUREML_MODEL_DIR", "."), "model"))


@input_schema("input_data", PandasParameterType(SAMPLE, orient="records"))
@input_schema("GlobalParameters", StandardPythonParameterType({"method": "predict"}), optional=True)
@output_schema(NumpyParameterType(np.array([0, 1])))
def run(input_data, GlobalParameters={"method": "predict"}):
    return model.predict(input_data).tolist()
