"""The documents `scorelint swagger` builds are JSON-equal to what the reference server serves.

For every fixture in tests/sandbox_fixtures/ (one folder = one app root: score.py, optional user swagger
files and config.json, optional fixture.json with the server's environment), a real `azmlinfsrv`
(azureml-inference-server-http 1.5.1) is started on 127.0.0.1 on a free port, and its
`/swagger.json?version=V` answers (200 documents and 404 messages alike) are compared with the
sandbox's results, for 2, 3 and 3.1 and the aliases the server accepts. The servers start in parallel
threads, each under a deadline; the sandbox runs go through one warm worker (and one cold run).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from scorelint.sandbox import SandboxOptions, SwaggerUnavailable, WarmWorker, swagger, try_script

FIXTURES = Path(__file__).parent / "sandbox_fixtures"
NAMES = sorted(p.name for p in FIXTURES.iterdir() if (p / "score.py").is_file())
# The `heavy_*` fixtures import packages absent here (torch, mlflow, cv2...): the server gets the same
# stand-ins on its path (tests/stand_in_site/sitecustomize.py) as the sandbox uses.
STAND_IN_SITE = Path(__file__).parent / "stand_in_site"
HEAVY = [n for n in NAMES if n.startswith("heavy_")]
# `try` sends the generated schema's example; the server's example comes from a hand-written file there.
# (`try` refuses to answer with stand-ins: test_try_refuses_with_stand_ins.)
TRY_NAMES = [n for n in NAMES if (not any((FIXTURES / n / f).exists() for f in ("swagger.json", "swagger2.json"))
                                  or n == "empty_user_swagger") and n not in HEAVY]
ASKED = ("2", "3", "3.1", "2.0", "3.0", "4")  # "4": a version the server does not know
SERVER = Path(sys.executable).with_name("azmlinfsrv")
START_DEADLINE = 90.0

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fixture(name: str) -> dict:
    path = FIXTURES / name / "fixture.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def _fixture_env(name: str) -> dict:
    return _fixture(name).get("env", {})


def _get(port: int, path: str, timeout: float = 10.0) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def serve(name: str) -> dict:
    """Start the reference server on the fixture, ask for every version, stop it."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SERVICE_", "AML_", "AZUREML_", "WORKER_", "SERVER_"))}
    env.update(_fixture_env(name), PYTHONDONTWRITEBYTECODE="1")
    stand_ins = _fixture(name).get("stand_ins", []) + _fixture(name).get("server_stand_ins", [])
    if stand_ins:
        env.update(PYTHONPATH=str(STAND_IN_SITE), SCORELINT_TEST_STAND_INS=",".join(stand_ins))
    port = _free_port()
    proc = subprocess.Popen([str(SERVER), "--entry_script", "score.py", "--port", str(port)],
                            cwd=FIXTURES / name, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_DEADLINE
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"{name}: the server exited: {proc.stdout.read().decode()[-3000:]}")
            if time.monotonic() > deadline:
                raise AssertionError(f"{name}: the server did not start within {START_DEADLINE} s")
            try:
                if _get(port, "/", timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        answers = {}
        for version in ASKED:
            status, body = _get(port, f"/swagger.json?version={version}")
            answers[version] = (status, json.loads(body))
        status, body = _get(port, "/swagger.json")
        answers[None] = (status, json.loads(body))
        answers["score"] = _post_example(port, answers)
        return answers
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.wait(timeout=10)
        proc.stdout.close()


def _example_body(answers: dict) -> bytes:
    """What `scorelint try` sends by default: the example of the generated input schema, or {}."""
    for version in ("3", "3.1", "2"):
        status, document = answers[version]
        if status == 200 and "components" in document:
            return json.dumps(document["components"]["schemas"]["ServiceInput"].get("example", {})).encode()
        if status == 200 and "definitions" in document:
            return json.dumps(document["definitions"]["ServiceInput"].get("example", {})).encode()
    return b"{}"


def _post_example(port: int, answers: dict) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", "/score", body=_example_body(answers), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def _options(name: str) -> SandboxOptions:
    env = _fixture_env(name)
    return SandboxOptions(service_name=env.get("SERVICE_NAME"), service_version=env.get("SERVICE_VERSION"),
                          path_prefix=env.get("SERVICE_PATH_PREFIX"), timeout=60)


@pytest.fixture(scope="module")
def served():
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {name: pool.submit(serve, name) for name in NAMES}
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="module")
def worker():
    with WarmWorker() as warm:
        yield warm


@pytest.fixture(scope="module")
def built(worker):
    results = {name: swagger(FIXTURES / name / "score.py", _options(name), worker=worker) for name in NAMES}
    # One cold run too: the same documents without the warm worker.
    results["<cold>"] = swagger(FIXTURES / "pandas_orients" / "score.py", _options("pandas_orients"))
    return results


def _ours(result, version):
    try:
        return 200, result.document("2" if version is None else version)
    except SwaggerUnavailable as exc:
        return 404, {"message": exc.message}


@pytest.mark.parametrize("name", NAMES)
def test_documents_equal_the_servers(name, served, built):
    result = built[name]
    assert result.failure is None, result.failure
    for version, (status, body) in served[name].items():
        if version != "score":
            assert _ours(result, version) == (status, body), f"{name}: version {version}"


def test_cold_run_equals_the_server(served, built):
    result = built["<cold>"]
    assert result.failure is None, result.failure
    for version, (status, body) in served["pandas_orients"].items():
        if version != "score":
            assert _ours(result, version) == (status, body)


@pytest.mark.parametrize("name", TRY_NAMES)
def test_try_answers_like_the_server(name, served, worker):
    """`scorelint try` calls init() and run() with the example, converted as the server converts a POST of it."""
    result = try_script(FIXTURES / name / "score.py", _options(name), worker=worker)
    status, body = served[name]["score"]
    assert (result.status, result.body) == (status, body)
    assert result.failure is None


def test_fixtures_cover_what_they_claim(served):
    """The fixture set really exercises user files, an unsupported version and the service settings."""
    assert served["unsupported_v2"]["2"][0] == 404
    assert served["unsupported_v2"]["3.1"][0] == 200
    assert served["user_swagger"]["2"][1]["info"]["title"] == "hand-written v2"
    assert served["user_swagger2"]["3.1"][1]["info"]["title"] == "from swagger3.1.json"
    assert served["empty_user_swagger"]["2"][1]["info"]["title"] == "ML service"
    assert served["service_settings"]["3"][1]["info"]["title"] == "fraud-detector"
    assert "/api/v1/score" in served["service_settings"]["2"][1]["paths"]
    assert served["config_json"]["2"][1]["info"]["title"] == "from-config"
    assert served["undecorated"]["3"][1]["components"]["schemas"]["ServiceInput"] == {"type": "object",
                                                                                     "example": {}}


@pytest.mark.parametrize("name", HEAVY)
def test_heavy_fixtures_need_their_stand_ins(name, built):
    """The packages really are absent (strict import fails), and exactly those were stood in for."""
    assert built[name].stood_in == _fixture(name)["stand_ins"]
    strict = swagger(FIXTURES / name / "score.py", SandboxOptions(stand_ins=False, timeout=60))
    assert strict.failure is not None and strict.failure.exception == "ModuleNotFoundError"
    assert strict.failure.module.split(".")[0] in _fixture(name)["stand_ins"] + _fixture(name).get("server_stand_ins", [])


@pytest.mark.parametrize("name", HEAVY)
def test_try_refuses_with_stand_ins(name, worker):
    result = try_script(FIXTURES / name / "score.py", _options(name), worker=worker)
    assert result.status is None and result.failure is not None and result.failure.kind == "import"
    assert all(repr(module) in result.failure.message for module in _fixture(name)["stand_ins"])


@pytest.mark.parametrize("name", NAMES)
def test_documents_are_valid_openapi(name, built):
    from openapi_spec_validator import validate

    for document in built[name].documents.values():
        validate(document)
