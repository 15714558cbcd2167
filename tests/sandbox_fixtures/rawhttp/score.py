import json

from azureml_inference_server_http.api.aml_request import AMLRequest, rawhttp
from azureml_inference_server_http.api.aml_response import AMLResponse


def init():
    pass


@rawhttp
def run(request):
    if request.method == "GET":
        return AMLResponse("ok", 200)
    body = request.get_data(False)
    return AMLResponse(json.dumps({"length": len(body)}), 200, {"Content-Type": "application/json"})
