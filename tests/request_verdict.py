"""What the real inference server answers to requests, for entry scripts each served in a fresh process.

    python tests/request_verdict.py < cases.json  ->  JSON list of answers on stdout

Input: a JSON list of {"script": PATH, "requests": [BODY, ...]}, where BODY is a JSON value posted to
/score with Content-Type application/json. Output: for each case, {"loaded": bool, "detail": str,
"answers": [{"status": int, "body": str}, ...]}.

The server is azureml-inference-server-http itself (its Flask app, its blueprint, its input parsers and
inference-schema's decorators) driven through Flask's test client: no network, no gunicorn, but the
same code path from the request to `run` and back. The server reads its configuration from the
environment when its modules are imported and keeps module-global state (the rawhttp flag,
inference-schema's registry), so each script gets a process of its own: the driver imports the heavy
libraries once and forks a child per script before importing the server's modules.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import sys

TIMEOUT_SECONDS = 60


def _serve(script: str, requests: list, conn) -> None:
    sys.stdout.flush()
    os.dup2(2, 1)  # scripts and the server log to stdout: keep ours for the answer
    os.environ["AZUREML_ENTRY_SCRIPT"] = script
    os.environ["AML_APP_ROOT"] = os.path.dirname(os.path.abspath(script))
    os.environ.pop("AML_CORS_ORIGINS", None)
    try:
        from azureml_inference_server_http.server.create_app import create

        app = create()
    except BaseException as exc:  # the server refuses the script at start-up
        conn.send({"loaded": False, "detail": f"{type(exc).__name__}: {exc}", "answers": []})
        return
    client = app.test_client()
    answers = []
    for body in requests:
        response = client.post("/score", data=json.dumps(body), content_type="application/json")
        answers.append({"status": response.status_code, "body": response.get_data(as_text=True)})
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
        process = context.Process(target=_serve, args=(case["script"], case["requests"], child))
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
