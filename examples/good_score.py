# The same service, written to the contract: `scorelint examples/good_score.py` finds nothing.
import json
import os

import joblib
import numpy as np

model = None


def init():
    global model
    model_path = os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.pkl")
    model = joblib.load(model_path)


def run(data):
    data = np.array(json.loads(data)["data"])
    result = model.predict(data)
    return result.tolist()
