"""Stand-ins for azureml packages the environment lacks: rawhttp, AMLRequest, AMLResponse, Model."""

from __future__ import annotations

_REQUEST_SOURCE = '''
"""scorelint's stand-in for an absent azureml module: rawhttp, AMLRequest."""
_rawHttpRequested = False
_scorelint_stand_in = True


def rawhttp(func):
    global _rawHttpRequested
    _rawHttpRequested = True
    return func


class AMLRequest:
    """What run() receives under @rawhttp: the request's method, headers, body and query."""

    def __init__(self, method="POST", data=b"", headers=None, args=None, path="/score"):
        self.method = method
        self.data = data if isinstance(data, bytes) else str(data).encode("utf-8")
        self.headers = dict(headers or {})
        self.args = dict(args or {})
        self.form = {}
        self.files = {}
        self.path = path
        self.full_path = path + "?"
        self.url = "http://localhost:5001" + path
        self.content_type = self.headers.get("Content-Type")
        self.mimetype = (self.content_type or "").split(";")[0].strip()
        self.is_json = self.mimetype == "application/json" or self.mimetype.endswith("+json")

    def get_data(self, cache=True, as_text=False, parse_form_data=False):
        return self.data.decode("utf-8", "replace") if as_text else self.data

    def get_json(self, force=False, silent=False, cache=True):
        import json

        if not (force or self.is_json):
            return None
        try:
            return json.loads(self.data)
        except ValueError:
            if silent:
                return None
            raise

    @property
    def json(self):
        return self.get_json()
'''

_RESPONSE_SOURCE = '''
"""scorelint's stand-in for an absent azureml module: AMLResponse."""
import json as _json

_scorelint_stand_in = True


class AMLResponse:
    """A response run() returns under @rawhttp: body, status code and headers."""

    def __init__(self, message, status_code, response_headers={}, json_str=False, run_function_failed=False):
        self.status_code = int(status_code)
        self.headers = {}
        if message is None:
            self._body, self.mimetype = _json.dumps({}), "application/json"
        elif json_str:
            self._body, self.mimetype = _json.dumps(message), "application/json"
        else:
            self._body, self.mimetype = message, "text/html"
        for header, value in dict(response_headers).items():
            self.headers[header] = value
        self.headers.setdefault("Content-Type", self.mimetype)

    @property
    def status(self):
        return str(self.status_code)

    def get_data(self, as_text=False):
        body = self._body
        if isinstance(body, str):
            return body if as_text else body.encode("utf-8")
        if isinstance(body, (bytes, bytearray)):
            return bytes(body).decode("utf-8", "replace") if as_text else bytes(body)
        text = "".join(part.decode("utf-8", "replace") if isinstance(part, bytes) else str(part) for part in body)
        return text if as_text else text.encode("utf-8")
'''

_MODEL_SOURCE = '''
"""scorelint's stand-in for an absent azureml module: Model.get_model_path."""
import os as _os

_scorelint_stand_in = True


class Model:
    """Only Model.get_model_path, resolved under AZUREML_MODEL_DIR as in a deployment."""

    def __init__(self, *args, **kwargs):
        raise RuntimeError("scorelint sandbox: azureml-core is not installed; only Model.get_model_path is "
                           "available (as in a deployment, under AZUREML_MODEL_DIR)")

    @staticmethod
    def get_model_path(model_name, version=None, _workspace=None):
        root = _os.environ.get("AZUREML_MODEL_DIR") or "."
        candidate = _os.path.join(root, model_name)
        if version is not None and _os.path.isdir(_os.path.join(candidate, str(version))):
            return _os.path.join(candidate, str(version))
        return candidate if _os.path.exists(candidate) else root
'''

STAND_INS = {
    "azureml": None, "azureml.contrib": None, "azureml.contrib.services": None,
    "azureml.contrib.services.aml_request": _REQUEST_SOURCE,
    "azureml.contrib.services.aml_response": _RESPONSE_SOURCE,
    "azureml.core": "from azureml.core.model import Model\n_scorelint_stand_in = True\n",
    "azureml.core.model": _MODEL_SOURCE,
    "azureml_inference_server_http": None, "azureml_inference_server_http.api": None,
    "azureml_inference_server_http.api.aml_request": _REQUEST_SOURCE,
    "azureml_inference_server_http.api.aml_response": _RESPONSE_SOURCE,
}


STAND_IN_PACKAGES = frozenset({"azureml", "azureml.contrib", "azureml.contrib.services", "azureml.core",
                               "azureml_inference_server_http", "azureml_inference_server_http.api"})


class StandInFinder:
    """Last on sys.meta_path: serves the modules above only when nothing else can."""

    def __init__(self) -> None:
        self.used = []

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in STAND_INS:
            return None
        import importlib.machinery

        package = fullname in STAND_IN_PACKAGES
        spec = importlib.machinery.ModuleSpec(fullname, self, is_package=package)
        if package:
            spec.submodule_search_locations = []
        return spec

    def create_module(self, spec):
        return None

    def exec_module(self, module) -> None:
        source = STAND_INS[module.__name__]
        module.__file__ = "<scorelint stand-in for %s>" % module.__name__
        if source is not None:
            if module.__name__ not in self.used:
                self.used.append(module.__name__)
            exec(compile(source, module.__file__, "exec"), module.__dict__)
        else:
            module._scorelint_stand_in = True

