# An entry script written the way many real ones are: it deploys, and then misbehaves.
# Run `scorelint examples/score.py` to see what scorelint finds in it.
import json
import os

import numpy as np
from sklearn.externals import joblib
from azureml.contrib.services.aml_request import rawhttp


def init(model_name):
    model_path = os.path.join(os.getenv("AZUREML_MODEL_DIR"), model_name)
    model = joblib.load(model_path)


@rawhttp
def parse_request(request):
    return json.loads(request.get_data())


def run(data):
    try:
        data = np.array(json.loads(data)["data"])
        result = model.predict(data)
        return result
    except Exception as e:
        return str(e)
