"""What a request asks for: the Swagger documents the server would serve, or init() then run()."""

from __future__ import annotations

import json
import sys
import time

from .loading import Script, openapi_module, safe_str, describe_exception, schemas
from .stand_ins import stand_in_culprit, stand_in_sample


def do_swagger(request, script: Script, channel) -> dict:
    openapi = openapi_module()
    absent = request.get("_absent")
    if request.get("call_init"):  # --call-init: the server builds its documents after init()
        channel.send("phase", phase="init")
        try:
            script.init() if absent is None else absent.import_with(script.init, lambda: None)
        except BaseException as exc:  # noqa: BLE001 - the server catches BaseException too
            error = describe_exception(exc, script.path)
            if absent is not None and absent.used:
                error["stand_in"] = stand_in_culprit(exc)
            return {"init_error": error}
    channel.send("phase", phase="swagger")
    versions, input_schema, output_schema, _ = schemas(script)
    if input_schema is None and output_schema is None:
        input_schema = output_schema = dict(openapi.UNDECORATED_SCHEMA, example={})
    service = openapi.ServiceSettings.resolve(request.get("service") or {}, request["app_root"], script.path)
    built = openapi.build_documents(request["app_root"], service, versions, input_schema, output_schema)
    # The server serialises each document with json.dumps when it is asked for it.
    for version in list(built["documents"]):
        try:
            json.dumps(built["documents"][version])
        except (TypeError, ValueError) as exc:
            del built["documents"][version]
            built["unavailable"][version] = ("the server answers 500 for this version: the document cannot be "
                                             "serialised as JSON (%s)" % exc)
    built["service"] = service.to_json()
    built["schema_versions"] = list(versions)
    if absent is not None and absent.used:  # a sample made from a stand-in would give a wrong schema
        built["stand_in_sample"] = stand_in_sample(script.run)
    return built


def do_try(request, script: Script, channel) -> dict:
    out = {"mode": script.mode}
    absent = request.get("_absent")
    if absent is not None and absent.used:  # init() and run() would run on stand-ins: no answer to trust
        out["stood_in_refused"] = True
        return out
    _, input_schema, output_schema, declared = schemas(script)
    out["output_schema"] = output_schema if declared else None
    channel.send("phase", phase="init")
    started = time.perf_counter()
    try:
        script.init()
    except BaseException as exc:  # noqa: BLE001 - the server catches BaseException too
        out["init_ms"] = (time.perf_counter() - started) * 1000
        out["init_error"] = describe_exception(exc, script.path)
        return out
    out["init_ms"] = (time.perf_counter() - started) * 1000

    payload = request.get("payload")
    if payload is None:
        example = (input_schema or {}).get("example", {}) if script.mode == "schema" else {}
        body_text, out["payload_source"] = json.dumps(example), "example"
    else:
        body_text, out["payload_source"] = payload, "file"
    out["request_body"] = body_text[:4096]
    headers = {"Host": "localhost:5001", "Content-Type": "application/json",
               "Content-Length": str(len(body_text.encode("utf-8")))}
    try:
        kwargs = _parameters(script, body_text, headers)
    except _BadRequest as exc:
        out.update(status=exc.status, body=json.dumps({"message": exc.message}), content_type="application/json")
        return out

    channel.send("phase", phase="run")
    run = script.run
    call = (lambda **kw: run(**kw)) if script.has_request_headers else \
        (lambda request_headers, **kw: run(**kw))
    started = time.perf_counter()
    try:
        output = call(request_headers=headers, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the server turns these into 500
        out["run_ms"] = (time.perf_counter() - started) * 1000
        out["run_error"] = describe_exception(exc, script.path)
        out.update(status=500, content_type="application/json", body=json.dumps(
            {"message": "An unexpected error occurred in scoring script. Check the logs for more info."}))
        return out
    out["run_ms"] = (time.perf_counter() - started) * 1000
    if hasattr(output, "status_code") and hasattr(output, "get_data"):
        out["status"] = int(output.status_code)
        try:
            out["body"] = output.get_data(as_text=True)
        except Exception as exc:  # noqa: BLE001
            out["body"] = "<the response body cannot be read: %s>" % safe_str(exc)
        headers_out = getattr(output, "headers", {}) or {}
        try:
            out["headers"] = {str(k): str(v) for k, v in dict(headers_out).items()}
        except Exception:  # noqa: BLE001
            out["headers"] = {}
        out["content_type"] = out["headers"].get("Content-Type") or getattr(output, "mimetype", None)
        out["response_object"] = True
        return out
    try:
        out["body"] = json.dumps(output)
        out.update(status=200, content_type="application/json")
    except (TypeError, ValueError, RecursionError) as exc:
        out.update(status=500, content_type="application/json", body=json.dumps(
            {"message": "An unexpected internal error occurred. Check the logs for more info."}))
        out["serialize_error"] = "%s: %s (the value run() returned has type %s)" % (
            type(exc).__name__, exc, type(output).__module__ + "." + type(output).__qualname__)
        if type(output).__name__ == "coroutine" and hasattr(output, "close"):
            # `async def run`: the server calls it without awaiting. Closing the coroutine keeps Python's
            # "never awaited" RuntimeWarning, which names this file, out of what the script printed.
            output.close()
            out["serialize_error"] += "; run is `async def`, and the server calls it without awaiting it"
    return out


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _parameters(script: Script, body_text: str, headers: dict) -> dict:
    import inspect

    first = script.params[0].name
    if script.mode == "raw":
        return {first: _raw_request(body_text, headers)}
    if script.mode == "string":
        return {first: body_text}
    try:
        body = json.loads(body_text)
    except ValueError as exc:
        if body_text:
            raise _BadRequest(400, "POST body could not be decoded as JSON: %s" % exc) from None
        raise _BadRequest(400, "POST body is empty. Expecting a JSON dictionary.") from None
    if not isinstance(body, dict):
        raise _BadRequest(400, "POST body should be a JSON dictionary.")
    values = {}
    for param in script.params:
        value = body.get(param.name, param.default)
        if value is inspect.Parameter.empty:
            raise _BadRequest(400, "A value is not provided for the %r parameter." % param.name)
        values[param.name] = value
    return values


def _raw_request(body_text: str, headers: dict):
    data = body_text.encode("utf-8")
    try:
        from werkzeug.test import EnvironBuilder

        try:  # what the server passes: Flask's request object
            from flask import Request as request_class
        except ImportError:
            from werkzeug.wrappers import Request as request_class
        builder = EnvironBuilder(path="/score", method="POST", data=data, headers=headers)
        try:
            return request_class(builder.get_environ())
        finally:
            builder.close()
    except ImportError:
        module = sys.modules.get("azureml_inference_server_http.api.aml_request") or \
            sys.modules.get("azureml.contrib.services.aml_request")
        if module is None or not getattr(module, "_scorelint_stand_in", False):
            import importlib

            module = importlib.import_module("azureml.contrib.services.aml_request")
        return module.AMLRequest("POST", data, headers)

