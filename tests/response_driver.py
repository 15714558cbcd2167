"""Serve entry scripts with the real inference server and report how it answers each request.

    python tests/response_driver.py < cases.json  ->  JSON list of answers on stdout

Input: a JSON list of {"script": PATH, "requests": [{"method": "GET"|"POST"|"OPTIONS", "body": TEXT,
"headers": {...}}, ...], "env": {...}}. Output, per case: {"loaded": bool, "detail": str, "answers":
[{"status": int, "body": str, "content_type": str, "headers": {...}}, ...]}.

It builds azureml-inference-server-http's own Flask app (`create_app.create()`: its blueprint, routes,
input parsers and error handlers) and drives it with Flask's test client: the same code path from the
request to `run` and back as under gunicorn, without the network. The server reads its configuration
from the environment at import time and keeps module-global state (the rawhttp switch), so each script
is served by a forked child that imports the server afresh.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys

TIMEOUT_SECONDS = 60


def _serve(case: dict, conn) -> None:
    sys.stdout.flush()
    os.dup2(2, 1)  # the server and the scripts log to stdout: keep ours for the answer
    script = case["script"]
    os.environ["AZUREML_ENTRY_SCRIPT"] = script
    os.environ["AML_APP_ROOT"] = os.path.dirname(os.path.abspath(script))
    os.environ.pop("AML_CORS_ORIGINS", None)
    os.environ.update(case.get("env", {}))
    try:
        from azureml_inference_server_http.server.create_app import create

        app = create()
    except BaseException as exc:  # refused at start-up
        conn.send({"loaded": False, "detail": f"{type(exc).__name__}: {exc}", "answers": []})
        return
    client = app.test_client()
    answers = []
    for request in case["requests"]:
        response = client.open("/score", method=request.get("method", "POST"), data=request.get("body", ""),
                               headers=request.get("headers", {}))
        answers.append({"status": response.status_code, "body": response.get_data(as_text=True),
                        "content_type": response.headers.get("Content-Type", ""),
                        "headers": {k: v for k, v in response.headers.items()}})
    conn.send({"loaded": True, "detail": "", "answers": answers})


def main() -> None:
    cases = json.load(sys.stdin)
    # Import what every child needs once; the children inherit it through fork.
    import flask  # noqa: F401
    import inference_schema.schema_decorators  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    from inference_schema.parameter_types import numpy_parameter_type, pandas_parameter_type  # noqa: F401
    # The server's own dependencies that read no configuration (about 0.7 s per child otherwise).
    import azure.monitor.opentelemetry.exporter  # noqa: F401
    import opentelemetry.sdk._logs  # noqa: F401
    import opentelemetry.sdk.trace  # noqa: F401
    import pydantic  # noqa: F401
    import azureml_inference_server_http.api.aml_request  # noqa: F401
    import azureml_inference_server_http.api.aml_response  # noqa: F401

    context = multiprocessing.get_context("fork")
    results = []
    for case in cases:
        parent, child = context.Pipe(duplex=False)
        process = context.Process(target=_serve, args=(case, child))
        process.start()
        child.close()
        if parent.poll(TIMEOUT_SECONDS):
            results.append(parent.recv())
        else:
            results.append({"loaded": False, "detail": "timeout", "answers": []})
        process.join(5)
        if process.is_alive():
            process.kill()
            process.join()
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
