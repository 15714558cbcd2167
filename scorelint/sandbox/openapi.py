"""The Swagger 2.0 / OpenAPI 3.0 / 3.1 documents the reference server serves, built by scorelint's own code.

azureml-inference-server-http (1.5.1) serves `/swagger.json?version=V` from documents it prepares once at
start-up, one per "builder" (2, 3 and 3.1, answering also to the aliases 2.0 and 3.0):

- a JSON file in the app root replaces the generated document: `swagger.json` or else `swagger2.json`
  for version 2, `swagger3.json` for 3, `swagger3.1.json` for 3.1 (a file whose JSON value is falsy,
  such as `{}`, counts as absent; one that does not parse stops the server);
- otherwise, if every schema type of `run` supports the version, the document is the server's fixed
  skeleton (health check, `/score`, `/swagger.json`) with `ServiceInput` / `ServiceOutput` set to the
  input and output schemas (`{"type": "object", "example": {}}` for both when `run` is not decorated);
- otherwise there is no document for that version, and the server answers 404 with a message.

The service name, version and path prefix are substituted into the skeleton's JSON *text* before it
is parsed (exactly as the server does, so a value that would break the JSON breaks it here too).

This module uses only the standard library and runs under Python 3.8+: the sandbox's child program
loads it by file path inside the interpreter the user chose. The differential test
(tests/test_swagger_differential.py) proves the documents equal to what a real server sends.
"""

from __future__ import annotations

import json
import os

#: The versions the server has builders for, in its order, with the aliases each answers to.
VERSIONS = ("2", "3", "3.1")
ALIASES = {"2": ("2", "2.0"), "3": ("3", "3.0"), "3.1": ("3.1",)}
#: The version each accepted spelling of `?version=` resolves to.
CANONICAL = {alias: version for version, aliases in ALIASES.items() for alias in aliases}
#: Files in the app root that replace the generated document, in the order the server looks for them.
USER_FILES = {"2": ("swagger.json", "swagger2.json"), "3": ("swagger3.json",), "3.1": ("swagger3.1.json",)}

UNDECORATED_SCHEMA = {"type": "object", "example": {}}

_NAME, _VERSION, _PREFIX = "$SERVICE_NAME$", "$SERVICE_VERSION$", "$PATH_PREFIX$"

# --- the skeleton ------------------------------------------------------------------------------------
_HEALTH_DESCRIPTION = "Simple health check endpoint to ensure the service is up at any given point."
_HEALTHY = "If service is up and running, this response will be returned with the content 'Healthy'"
_FAILED = "The service failed to execute due to an error."
_RUN_DESCRIPTION = "Run web service's model and get the prediction output"
_PAYLOAD = "The input payload for executing the real-time machine learning service."
_PROCESSED = "The service processed the input correctly and provided a result prediction, if applicable."
_SPEC = "The Swagger specification."
_GET_SPEC = "Get the Swagger specification."
_BEARER = {"type": "apiKey", "name": "Authorization", "in": "header", "description": "For example: Bearer abc123"}


def _placeholder_schemas() -> dict:
    """What the skeleton holds at ServiceInput / ServiceOutput before the real schemas replace it."""
    any_object = {"type": "object", "additionalProperties": {"type": "object"}}
    return {
        "ServiceInput": {"type": "object", "properties": {"param": dict(any_object)}},
        "ServiceOutput": dict(any_object),
        "ErrorResponse": {"type": "object", "properties": {"message": {"type": "string"}}},
    }


def _operations(ref, body, string_body, plain) -> dict:
    """The three paths; `ref(name)` makes a schema reference, `body(schema, media)` a response body."""
    def failure():
        return {"description": _FAILED, **body(ref("ErrorResponse"), "application/json")}

    health = {"get": {
        "operationId": "ServiceHealthCheck",
        "description": _HEALTH_DESCRIPTION,
        "responses": {"200": {"description": _HEALTHY, **string_body("Healthy")}, "default": failure()},
    }}
    score = {"post": {
        "operationId": "RunMLService",
        "description": _RUN_DESCRIPTION,
        "security": [{"Bearer": []}],
        **plain["request"](ref("ServiceInput")),
        "responses": {
            "200": {"description": _PROCESSED, **body(ref("ServiceOutput"), "application/json")},
            "default": failure(),
        },
    }}
    spec = {"get": {
        "operationId": "GetSwaggerSpec",
        "description": _GET_SPEC,
        "parameters": [plain["version_parameter"]()],
        "responses": {"200": {"description": _SPEC, **plain["spec_body"]()}, "default": failure()},
    }}
    return {f"{_PREFIX}/": health, f"{_PREFIX}/score": score, f"{_PREFIX}/swagger.json": spec}


def _info() -> dict:
    return {
        "title": _NAME,
        "description": f"API specification for the Azure Machine Learning service {_NAME}",
        "version": _VERSION,
    }


def _swagger2_skeleton() -> dict:
    def ref(name):
        return {"$ref": f"#/definitions/{name}"}

    def body(schema, _media):
        return {"schema": schema}

    def string_body(example):
        return {"schema": {"type": "string"}, "examples": {"application/json": example}}

    plain = {
        "request": lambda schema: {"parameters": [
            {"name": "serviceInputPayload", "in": "body", "description": _PAYLOAD, "schema": schema}]},
        "version_parameter": lambda: {"name": "version", "in": "query", "required": False, "type": "integer",
                                      "enum": [2, 3]},
        "spec_body": lambda: {"schema": {"type": "string"}},
    }
    return {
        "swagger": "2.0",
        "info": _info(),
        "schemes": ["https"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "securityDefinitions": {"Bearer": dict(_BEARER)},
        "paths": _operations(ref, body, string_body, plain),
        "definitions": _placeholder_schemas(),
    }


def _openapi3_skeleton() -> dict:
    def ref(name):
        return {"$ref": f"#/components/schemas/{name}"}

    def body(schema, media):
        return {"content": {media: {"schema": schema}}}

    def string_body(example):
        return {"content": {"text/plain": {"schema": {"type": "string", "example": example}}}}

    plain = {
        "request": lambda schema: {"requestBody": {"description": _PAYLOAD, **body(schema, "application/json")}},
        "version_parameter": lambda: {"name": "version", "in": "query", "required": False,
                                      "schema": {"type": "integer", "enum": [2, 3]}},
        "spec_body": lambda: body({"type": "string"}, "text/plain"),
    }
    return {
        "openapi": "3.0.3",
        "info": _info(),
        "security": [{"Bearer": []}],
        "paths": _operations(ref, body, string_body, plain),
        "components": {"schemas": _placeholder_schemas(), "securitySchemes": {"Bearer": dict(_BEARER)}},
    }


_SKELETON_TEXT = {}


def skeleton_text(version: str) -> str:
    """The skeleton for a version as JSON text, with the $SERVICE_NAME$-style placeholders still in it."""
    text = _SKELETON_TEXT.get(version)
    if text is None:
        skeleton = _swagger2_skeleton() if version == "2" else _openapi3_skeleton()
        text = _SKELETON_TEXT[version] = json.dumps(skeleton, indent=2)
    return text


# --- service settings ------------------------------------------------------------------------------
class ServiceSettings:
    """SERVICE_NAME, SERVICE_VERSION and SERVICE_PATH_PREFIX, resolved as the server resolves them."""

    def __init__(self, name: str = "ML service", version: str = "1.0", path_prefix: str = "") -> None:
        self.name = name
        self.version = version
        self.path_prefix = path_prefix

    @classmethod
    def resolve(cls, explicit: dict, app_root: str, script: str | None = None) -> ServiceSettings:
        """Explicit values (the server's environment variables) win over a config.json in the app root
        (or, failing that, beside the entry script), which wins over the defaults."""
        file_values = _config_json(app_root, script)
        settings = cls()
        for key, attr in (("SERVICE_NAME", "name"), ("SERVICE_VERSION", "version"),
                          ("SERVICE_PATH_PREFIX", "path_prefix")):
            value = explicit.get(attr)
            if value is None:
                value = file_values.get(key)
            if value is not None:
                if not isinstance(value, str):
                    raise SwaggerBuildError(f"config.json: {key} must be a string, not {type(value).__name__}: "
                                            "the server stops with a configuration error")
                setattr(settings, attr, value)
        return settings

    def prefix_text(self) -> str:
        return f"/{self.path_prefix.strip('/')}" if self.path_prefix else ""

    def to_json(self) -> dict:
        return {"name": self.name, "version": self.version, "path_prefix": self.path_prefix}


def _config_json(app_root: str, script: str | None) -> dict:
    roots = [app_root] + ([os.path.dirname(os.path.abspath(script))] if script else [])
    for root in roots:
        path = os.path.join(root, "config.json")
        try:
            if os.path.getsize(path) == 0:
                continue
        except OSError:
            continue
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError) as exc:
            raise SwaggerBuildError(f"{path} cannot be read as JSON ({exc}): the server stops at start-up") from None
        return data if isinstance(data, dict) else {}
    return {}


class SwaggerBuildError(Exception):
    """Something that makes the server itself fail at start-up while preparing its documents."""


# --- building --------------------------------------------------------------------------------------
def render(version: str, service: ServiceSettings, input_schema, output_schema) -> dict:
    """The generated document for one version, with the schemas in place."""
    text = (skeleton_text(version).replace(_NAME, service.name).replace(_VERSION, service.version)
            .replace(_PREFIX, service.prefix_text()))
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise SwaggerBuildError(
            f"the service name, version or path prefix makes the server's Swagger template invalid JSON ({exc}): "
            "the server fails at start-up") from None
    if version == "2":
        document["definitions"]["ServiceInput"] = input_schema
        document["definitions"]["ServiceOutput"] = output_schema
    else:
        document["components"]["schemas"]["ServiceInput"] = input_schema
        document["components"]["schemas"]["ServiceOutput"] = output_schema
        if version == "3.1":
            document["openapi"] = "3.1.0"
    return document


def read_user_file(app_root: str, version: str):
    """(document, path) from the app root's file for this version, or (None, None) when it is absent
    or its JSON value is falsy (the server then generates the document)."""
    for name in USER_FILES[version]:
        path = os.path.join(app_root, name)
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as exc:
            raise SwaggerBuildError(f"{name} in the app root cannot be read as JSON ({type(exc).__name__}: {exc}): "
                                    "the server stops at start-up") from None
        if data:
            return data, path
    return None, None


def build_documents(app_root: str, service: ServiceSettings, supported_schema_versions, input_schema,
                    output_schema) -> dict:
    """Every document the server would prepare.

    `supported_schema_versions`: inference-schema's supported versions for run ("2.0", "3.0", "3.1").
    Returns {"documents": {version: doc}, "sources": {version: "generated" | path},
    "unavailable": {version: message}, "supported": [versions]}.
    """
    documents, sources = {}, {}
    for version in VERSIONS:
        document, path = read_user_file(app_root, version)
        if document is not None:
            documents[version], sources[version] = document, path
            continue
        if all(alias not in supported_schema_versions for alias in ALIASES[version]):
            continue
        documents[version] = render(version, service, input_schema, output_schema)
        sources[version] = "generated"
    supported = sorted(documents)
    unavailable = {version: unsupported_message(version, supported) for version in VERSIONS
                   if version not in documents}
    return {"documents": documents, "sources": sources, "unavailable": unavailable, "supported": supported}


def unsupported_message(version: str, supported) -> str:
    return (f"Swagger version [{version}] is not supported for the scoring script. "
            f"Supported swagger versions: [{', '.join(sorted(supported))}].")


def invalid_message(version: str, supported) -> str:
    return f"Swagger version [{version}] is not valid. Supported versions: [{', '.join(sorted(supported))}]."
