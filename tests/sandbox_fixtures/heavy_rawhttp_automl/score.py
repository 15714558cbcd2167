"""A raw-HTTP AutoML scorer: xgboost and azureml.automl are absent (azureml.contrib.services is the server's)."""
import json
import logging

import xgboost as xgb
from azureml.automl.core.shared import logging_utilities
from azureml.contrib.services.aml_request import AMLRequest, rawhttp
from azureml.contrib.services.aml_response import AMLResponse
from azureml.train.automl.runtime.automl_explain_utilities import automl_setup_model_explanations

logger = logging.getLogger("azureml.automl.core.scoring_script")
BOOSTER = xgb.Booster()


def init():
    BOOSTER.load_model("model.json")


@rawhttp
def run(request):
    if request.method != "POST":
        return AMLResponse("method not allowed", 405)
    try:
        rows = json.loads(request.get_data(False))["data"]
    except (ValueError, KeyError) as exc:
        logging_utilities.log_traceback(exc, logger)
        return AMLResponse(json.dumps({"error": str(exc)}), 400)
    return AMLResponse(json.dumps({"result": BOOSTER.predict(xgb.DMatrix(rows)).tolist()}), 200)
