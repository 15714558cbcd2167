"""`scorelint swagger`, `scorelint try` and `scorelint check --sandbox`, run as real commands."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "sandbox_fixtures"


def scorelint(*args, cwd=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "scorelint", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source).lstrip())
    return path


# --- swagger ---------------------------------------------------------------------------------------
def test_swagger_prints_the_version_2_document_by_default():
    done = scorelint("swagger", FIXTURES / "numpy" / "score.py")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["swagger"] == "2.0"
    assert document["definitions"]["ServiceInput"]["properties"]["data"]["format"] == "numpy.ndarray"


def test_swagger_all_versions_to_a_file_validated(tmp_path):
    out = tmp_path / "swagger.json"
    done = scorelint("swagger", FIXTURES / "service_settings" / "score.py", "--version", "all", "-o", out,
                     "--service-name", "fraud", "--service-version", "7", "--path-prefix", "v1", "--validate")
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "valid (2, 3, 3.1)" in done.stderr
    documents = json.loads(out.read_text())
    assert sorted(documents) == ["2", "3", "3.1"]
    assert documents["3.1"]["openapi"] == "3.1.0"
    assert documents["3"]["info"] == {"title": "fraud", "version": "7",
                                      "description": "API specification for the Azure Machine Learning service fraud"}
    assert "/v1/score" in documents["2"]["paths"]


def test_swagger_unsupported_version_is_a_clear_message_not_an_empty_file(tmp_path):
    out = tmp_path / "v2.json"
    done = scorelint("swagger", FIXTURES / "unsupported_v2" / "score.py", "-o", out)
    assert done.returncode == 1
    assert "Swagger version [2] is not supported for the scoring script" in done.stderr
    assert "Supported swagger versions: [3, 3.1]" in done.stderr
    assert not out.exists()
    assert scorelint("swagger", FIXTURES / "unsupported_v2" / "score.py", "--version", "3").returncode == 0


def test_swagger_user_file_is_served_and_said(tmp_path):
    done = scorelint("swagger", FIXTURES / "user_swagger" / "score.py")
    assert json.loads(done.stdout)["info"]["title"] == "hand-written v2"
    assert "swagger.json, served as it is" in done.stderr


def test_swagger_reports_an_import_failure_with_line_and_interpreter(tmp_path):
    script = write(tmp_path, "score.py", """
        import json
        import not_installed_anywhere_xyz

        def init():
            pass

        def run(data):
            return data
    """)
    done = scorelint("swagger", script, "--no-stand-ins")  # (stand-ins: tests/test_standins.py)
    assert done.returncode == 1
    assert f"{script}:2: import-failed" in done.stderr
    assert "No module named 'not_installed_anywhere_xyz'" in done.stderr
    assert sys.executable in done.stderr
    assert done.stdout == ""


def test_swagger_with_a_missing_interpreter_is_a_usage_error(tmp_path):
    done = scorelint("swagger", FIXTURES / "numpy" / "score.py", "--python", tmp_path / "nope" / "python")
    assert done.returncode == 2
    assert "cannot run the interpreter" in done.stderr


def test_swagger_stands_in_for_absent_azureml_packages_and_says_so(tmp_path):
    script = write(tmp_path, "score.py", """
        from azureml.contrib.services.aml_request import AMLRequest, rawhttp
        from azureml.contrib.services.aml_response import AMLResponse
        from azureml.core.model import Model

        def init():
            global path
            path = Model.get_model_path("model")

        @rawhttp
        def run(request):
            return AMLResponse("ok", 200)
    """)
    done = scorelint("swagger", script, "--version", "3")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["components"]["schemas"]["ServiceInput"] == {"type": "object", "example": {}}
    assert "azureml.contrib.services.aml_request" in done.stderr and "stood in" in done.stderr
    tried = scorelint("try", script)
    assert tried.returncode == 0, tried.stdout + tried.stderr
    assert "status:  200" in tried.stdout and "raw request" in tried.stdout


def test_sandbox_settings_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.scorelint]\n[tool.scorelint.sandbox]\ntimeout = 1\n')
    script = write(tmp_path, "score.py", "import time\ntime.sleep(30)\n")
    done = scorelint("swagger", script)
    assert done.returncode == 1
    assert "did not finish within 1 s" in done.stderr


# --- try ------------------------------------------------------------------------------------------
def test_try_calls_init_and_run_with_the_example_and_validates_the_output():
    done = scorelint("try", FIXTURES / "standard" / "score.py")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "status:  200 OK" in done.stdout
    assert "latency: init" in done.stdout and "run" in done.stdout
    assert "the output matches the output schema" in done.stdout
    assert '"Results"' in done.stdout


def test_try_reports_an_output_that_breaks_the_schema(tmp_path):
    script = write(tmp_path, "score.py", """
        from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
        from inference_schema.schema_decorators import input_schema, output_schema

        def init():
            pass

        @input_schema("data", StandardPythonParameterType([1, 2]))
        @output_schema(StandardPythonParameterType({"Results": [0.5]}))
        def run(data):
            return [0.5]  # the schema promises {"Results": [...]}
    """)
    done = scorelint("try", script)
    assert done.returncode == 1
    assert "status:  200" in done.stdout
    assert "does not match the output schema" in done.stdout
    assert "is not of type 'object'" in done.stdout


def test_try_with_a_payload_file_and_json_output(tmp_path):
    payload = tmp_path / "request.json"
    payload.write_text(json.dumps({"data": [[1, 1, 1], [2, 2, 2]], "counts": [1, 1, 1, 1]}))
    done = scorelint("try", FIXTURES / "numpy" / "score.py", "--payload", payload, "--output-format", "json")
    report = json.loads(done.stdout)
    assert report["status"] == 200 and report["payload_source"] == "file"
    assert report["output"] == [0.75, 1.5]
    assert report["passed"] is True and done.returncode == 0


def test_try_missing_parameter_is_the_servers_400(tmp_path):
    payload = tmp_path / "request.json"
    payload.write_text('{"data": [[1, 2, 3]]}')
    done = scorelint("try", FIXTURES / "numpy" / "score.py", "--payload", payload)
    assert done.returncode == 1
    assert "status:  400" in done.stdout
    assert "A value is not provided for the 'counts' parameter." in done.stdout


def test_try_model_dir(tmp_path):
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "weights.txt").write_text("3")
    script = write(tmp_path, "score.py", """
        import json, os

        def init():
            global weight
            with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "weights.txt")) as handle:
                weight = int(handle.read())

        def run(raw):
            return {"weight": weight}
    """)
    done = scorelint("try", script, "--model-dir", model_dir)
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"weight": 3' in done.stdout
    failed = scorelint("try", script)
    assert failed.returncode == 1 and "init() raised FileNotFoundError" in failed.stderr


# --- check --sandbox ------------------------------------------------------------------------------
@pytest.fixture
def project(tmp_path):
    write(tmp_path, "good_score.py", """
        from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
        from inference_schema.schema_decorators import input_schema

        def init():
            pass

        @input_schema("data", StandardPythonParameterType({"age": 40}))
        def run(data):
            return data
    """)
    write(tmp_path, "missing_score.py", """
        import json
        import not_installed_anywhere_xyz

        def init():
            pass

        def run(data):
            return data
    """)
    write(tmp_path, "hang_score.py", """
        import time
        while True:
            time.sleep(0.1)

        def init():
            pass

        def run(data):
            return data
    """)
    write(tmp_path, "suppressed_score.py", """
        import not_installed_anywhere_xyz  # noqa: SL901

        def init():
            pass

        def run(data):
            return data
    """)
    write(tmp_path, "serving.py", """
        def init():
            pass

        def run(*payload):  # the server refuses *args
            return payload
    """)
    write(tmp_path, "wrapped_score.py", """
        import logging

        from serving import init, run  # the static rules cannot see serving.py's run

        logging.basicConfig()
    """)
    (tmp_path / "people.json").write_text(json.dumps([{"name": "Sarah Connor", "email": "sarah.connor@gmail.com"}]))
    write(tmp_path, "people_score.py", """
        import json, os
        from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
        from inference_schema.schema_decorators import input_schema

        with open(os.path.join(os.path.dirname(__file__), "people.json")) as handle:
            sample = json.load(handle)

        def init():
            pass

        @input_schema("records", StandardPythonParameterType(sample))
        def run(records):
            return len(records)
    """)
    return tmp_path


def test_check_sandbox_adds_findings_and_carries_on(project):
    done = scorelint("check", project, "--sandbox", "--sandbox-timeout", "3", "--output-format", "json",
                     "--no-cache", "--no-stand-ins", timeout=180)
    assert done.returncode == 1, done.stderr
    found = json.loads(done.stdout)
    by_file = {}
    for item in found:
        by_file.setdefault(Path(item["path"]).name, []).append((item["code"], item["line"], item["message"]))
    sandbox = {name: [(c, line) for c, line, _ in items if c.startswith("SL9")] for name, items in by_file.items()}
    assert sandbox.get("good_score.py", []) == []
    assert sandbox["missing_score.py"] == [("SL901", 2)]
    assert sandbox["hang_score.py"] == [("SL901", 3)]  # the line it was stuck on
    assert sandbox.get("suppressed_score.py", []) == []
    assert sandbox["wrapped_score.py"] == [("SL902", 3)]
    messages = {name: [m for c, _, m in items if c == "SL903"] for name, items in by_file.items()}
    assert len(messages["people_score.py"]) == 2
    assert any("e-mail address" in m and "input `records`" in m for m in messages["people_score.py"])
    wrapped = [m for c, _, m in by_file["wrapped_score.py"] if c == "SL902"][0]
    assert "run() cannot accept positional-only arguments, *args, or **kwargs." in wrapped
    missing = [m for c, _, m in by_file["missing_score.py"] if c == "SL901"][0]
    assert "not_installed_anywhere_xyz" in missing and sys.executable in missing


def test_check_without_sandbox_reports_no_sandbox_rule(project):
    done = scorelint("check", project, "--output-format", "json", "--no-cache")
    assert not [item for item in json.loads(done.stdout) if item["code"].startswith("SL9")]


def test_check_sandbox_respects_the_selection(project):
    done = scorelint("check", project / "missing_score.py", "--sandbox", "--no-stand-ins", "--ignore", "import-failed",
                     "--output-format", "json", "--no-cache")
    assert not [item for item in json.loads(done.stdout) if item["code"] == "SL901"]


def test_check_sandbox_imports_scripts_only_not_the_deployment_files():
    # `check DIR` also checks deployment YAML and conda files: the sandbox imports only the Python script
    # (importing deployment.yml gave "import-failed: 'NoneType' object has no attribute 'loader'").
    folder = Path(__file__).parent / "fixtures" / "deployments" / "clean"
    done = scorelint("check", folder, "--sandbox", "--no-cache", "--select", "SL9", "--output-format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout) == []


def test_try_hints_at_payload_and_model_dir(tmp_path):
    """`try` says what it sent when the script has no schema and hints at --payload when run fails on it; an
    init that cannot find its model file gets a hint at --model-dir; with them, the same scripts succeed."""
    script = write(tmp_path, "score.py", """
        import json
        def init():
            pass
        def run(raw):
            return json.loads(raw)["data"]
        """)
    done = scorelint("try", script)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "input:   an empty JSON object, {} (the script has no input schema" in done.stdout
    assert ("hint: run() received {}, since the script has no input schema; send the request body a client would "
            "send with --payload FILE (a JSON file)") in done.stderr
    payload = tmp_path / "payload.json"
    payload.write_text('{"data": [1, 2]}')
    sent = scorelint("try", script, "--payload", payload)
    assert sent.returncode == 0 and "hint:" not in sent.stderr, sent.stdout + sent.stderr

    model = write(tmp_path, "model_score.py", """
        import os
        def init():
            global size
            size = len(open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model.bin"), "rb").read())
        def run(raw):
            return size
        """)
    missing = scorelint("try", model, "--payload", payload)
    assert missing.returncode == 1
    assert ("hint: init() looked for a file that is not there; the sandbox's AZUREML_MODEL_DIR is an empty folder "
            "unless you give the model's folder with --model-dir DIR") in missing.stderr
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.bin").write_bytes(b"12345")
    found = scorelint("try", model, "--payload", payload, "--model-dir", tmp_path / "model")
    assert found.returncode == 0 and "output:  5" in found.stdout, found.stdout + found.stderr


def test_try_an_async_run_does_not_show_scorelints_own_warning(tmp_path):
    script = write(tmp_path, "score.py", """
        def init():
            pass
        async def run(raw):
            return 1
        """)
    payload = tmp_path / "payload.json"
    payload.write_text("{}")
    done = scorelint("try", script, "--payload", payload)
    assert done.returncode == 1
    assert "run is `async def`, and the server calls it without awaiting it" in done.stdout
    assert "RuntimeWarning" not in done.stderr and "worker.py" not in done.stderr, done.stderr
