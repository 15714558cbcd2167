"""The sandbox's Python API: loading like the server, the server's refusals, documents, `try`, the warm
worker's life cycle, options from pyproject.toml, and the diagnostics of the sandbox rules."""

from __future__ import annotations

import json
import os
import signal
import sys
import textwrap
import time
from pathlib import Path

import pytest

from scorelint.config import Settings
from scorelint.sandbox import (
    SandboxError,
    SandboxOptions,
    SwaggerUnavailable,
    WarmWorker,
    options_from_settings,
    sandbox_diagnostics,
    swagger,
    try_script,
)

FIXTURES = Path(__file__).parent / "sandbox_fixtures"


def script(tmp_path: Path, source: str, name: str = "score.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source).lstrip())
    return path


@pytest.fixture(scope="module")
def worker():
    with WarmWorker() as warm:
        yield warm


# --- the server's load checks, on live modules ------------------------------------------------------
@pytest.mark.parametrize("source, check, message", [
    ("def run(data):\n    return data\n", "no-init", "does not have a init() function defined."),
    ("def init():\n    pass\n", "no-run", "does not have a run() function defined."),
    ("def init():\n    pass\n\ndef run(*rows):\n    return rows\n", "run-params",
     "run() cannot accept positional-only arguments, *args, or **kwargs."),
    ("def init():\n    pass\n\ndef run(request_headers):\n    return 1\n", "run-no-input",
     'run() needs to accept an argument other than "request_headers".'),
    ("def init():\n    pass\n\nrun = lambda: 1\n", "run-no-input", "run() needs to accept an argument for input data."),
    ("""
     from azureml_inference_server_http.api.aml_request import rawhttp
     from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
     from inference_schema.schema_decorators import input_schema

     def init():
         pass

     @rawhttp
     def helper(x):
         return x

     @input_schema("data", StandardPythonParameterType([1]))
     def run(data):
         return data
     """, "rawhttp-schema", "run() cannot be decorated with both @rawhttp and @input_schema"),
])
def test_load_failures_are_the_servers_messages(tmp_path, worker, source, check, message):
    result = swagger(script(tmp_path, source), worker=worker)
    assert result.failure.kind == "load"
    assert result.failure.check == check
    assert result.failure.message.endswith(message)


def test_driver_module_run_is_the_one_inspected(tmp_path, worker):
    script(tmp_path, "def run(*args):\n    return args\n", name="real_entry.py")
    entry = script(tmp_path, """
        import real_entry as driver_module

        def init():
            pass

        def run(data):
            return data
    """)
    result = swagger(entry, worker=worker)
    assert result.failure.check == "run-params"


def test_sibling_modules_import_from_the_app_root(tmp_path, worker):
    script(tmp_path, "SAMPLE = {'age': 40}\n", name="settings_module.py")
    entry = script(tmp_path, """
        from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
        from inference_schema.schema_decorators import input_schema
        from settings_module import SAMPLE

        def init():
            pass

        @input_schema("data", StandardPythonParameterType(SAMPLE))
        def run(data):
            return data
    """)
    result = swagger(entry, worker=worker)
    assert result.failure is None
    assert result.document("3")["components"]["schemas"]["ServiceInput"]["example"] == {"data": {"age": 40}}


# --- documents ----------------------------------------------------------------------------------------
def test_document_versions_and_aliases(worker):
    result = swagger(FIXTURES / "unsupported_v2" / "score.py", worker=worker)
    assert result.supported_versions == ["3", "3.1"]
    assert result.document("3.0") is result.document("3")
    with pytest.raises(SwaggerUnavailable, match=r"Swagger version \[2.0\] is not supported"):
        result.document("2.0")
    with pytest.raises(SwaggerUnavailable, match=r"Swagger version \[4\] is not valid"):
        result.document("4")


def test_an_invalid_user_swagger_file_stops_the_server(tmp_path, worker):
    entry = script(tmp_path, "def init():\n    pass\n\ndef run(data):\n    return data\n")
    (tmp_path / "swagger3.json").write_text("{not json")
    result = swagger(entry, worker=worker)
    assert result.failure.kind == "load" and result.failure.check == "swagger"
    assert "swagger3.json in the app root cannot be read as JSON" in result.failure.message


def test_a_service_name_that_breaks_the_template(worker):
    result = swagger(FIXTURES / "undecorated" / "score.py", SandboxOptions(service_name='say "hi"'), worker=worker)
    assert result.failure.kind == "load"
    assert "invalid JSON" in result.failure.message


def test_app_root_elsewhere(tmp_path, worker):
    root = tmp_path / "root"
    root.mkdir()
    (root / "swagger.json").write_text(json.dumps({"swagger": "2.0", "info": {"title": "t", "version": "1"},
                                                    "paths": {}}))
    result = swagger(FIXTURES / "undecorated" / "score.py", SandboxOptions(app_root=root), worker=worker)
    assert result.document("2")["info"]["title"] == "t"
    assert result.sources["2"] == str(root / "swagger.json")
    assert result.sources["3"] == "generated"


def test_examples_are_listed(worker):
    result = swagger(FIXTURES / "standard" / "score.py", worker=worker)
    paths = {(version, path[-2]) for version, path, _ in result.examples()}
    assert ("2", "ServiceInput") in paths and ("3.1", "ServiceOutput") in paths


# --- try ------------------------------------------------------------------------------------------
def test_try_undecorated_gets_the_body_as_a_string(tmp_path, worker):
    entry = script(tmp_path, """
        import json

        def init():
            pass

        def run(raw):
            return {"type": type(raw).__name__, "value": json.loads(raw)}
    """)
    result = try_script(entry, payload='{"data": [1, 2]}', worker=worker)
    assert result.status == 200
    assert result.output == {"type": "str", "value": {"data": [1, 2]}}
    assert result.schema_errors is None and result.passed


def test_try_converts_with_the_input_schema(tmp_path, worker):
    entry = script(tmp_path, """
        import numpy as np
        import pandas as pd
        from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
        from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType
        from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
        from inference_schema.schema_decorators import input_schema

        def init():
            pass

        @input_schema("frame", PandasParameterType(pd.DataFrame({"a": [1], "b": [0.5]})))
        @input_schema("Inputs", StandardPythonParameterType({"matrix": NumpyParameterType(np.array([[1, 2]]))}))
        def run(frame, Inputs, GlobalParameters=7):
            return [type(frame).__name__, type(Inputs["matrix"]).__name__, GlobalParameters, int(frame["a"].sum())]
    """)
    result = try_script(entry, worker=worker)
    assert result.status == 200, (result.body, result.run_error)
    # inference-schema's example holds "" for every parameter without a decorator, and the server passes it on.
    assert result.output == ["DataFrame", "ndarray", "", 1]
    assert json.loads(result.request_body) == {"frame": [{"a": 1, "b": 0.5}], "Inputs": {"matrix": [[1, 2]]},
                                               "GlobalParameters": ""}
    assert result.payload_source == "example"


def test_try_a_value_json_cannot_serialise_is_a_500(tmp_path, worker):
    entry = script(tmp_path, """
        import numpy as np

        def init():
            pass

        def run(raw):
            return np.array([1, 2])
    """)
    result = try_script(entry, worker=worker)
    assert result.status == 500
    assert "ndarray" in result.serialize_error
    assert not result.passed


def test_try_timeout_in_run(tmp_path, worker):
    entry = script(tmp_path, """
        import time

        def init():
            pass

        def run(raw):
            while True:
                time.sleep(0.05)
    """)
    result = try_script(entry, SandboxOptions(timeout=1.5), worker=worker)
    assert result.failure.kind == "run"
    assert "running run()" in result.failure.message and "line 8" in result.failure.message


# --- the warm worker --------------------------------------------------------------------------------
def test_warm_worker_restarts_after_being_killed(tmp_path):
    entry = FIXTURES / "standard" / "score.py"
    with WarmWorker() as warm:
        first_pid = warm.pid
        os.kill(first_pid, signal.SIGKILL)
        time.sleep(0.1)
        result = swagger(entry, worker=warm)
        assert result.failure is None
        assert warm.pid not in (None, first_pid)
    assert warm.pid is None


def test_warm_worker_refuses_another_interpreter():
    with WarmWorker() as warm:
        with pytest.raises(SandboxError, match="this warm worker runs"):
            swagger(FIXTURES / "standard" / "score.py", SandboxOptions(python="/bin/sh"), worker=warm)


def test_warm_worker_preloads_but_children_start_clean(tmp_path, worker):
    assert "numpy" in worker.info["preloaded"]
    entry = script(tmp_path, """
        import sys
        from inference_schema import schema_util

        FOUND = sorted(schema_util.__functions_schema__)

        def init():
            pass

        def run(raw):
            return raw
    """)
    for _ in range(2):  # the first request's registrations do not leak into the second
        result = try_script(entry, worker=worker)
        assert result.failure is None
    check = script(tmp_path, """
        from inference_schema import schema_util

        assert not schema_util.__functions_schema__, schema_util.__functions_schema__

        def init():
            pass

        def run(raw):
            return raw
    """, name="check_score.py")
    swagger(FIXTURES / "standard" / "score.py", worker=worker)
    assert swagger(check, worker=worker).failure is None


def test_missing_interpreter():
    with pytest.raises(SandboxError, match="cannot run the interpreter"):
        swagger(FIXTURES / "standard" / "score.py", SandboxOptions(python="/nonexistent/python"))


def test_other_interpreter_without_the_packages(tmp_path):
    """A bare virtual environment (no numpy): the import fails and the message names that interpreter."""
    import subprocess

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "bare")], check=True)
    python = tmp_path / "bare" / "bin" / "python"
    result = swagger(FIXTURES / "numpy" / "score.py", SandboxOptions(python=python))
    assert result.failure.kind == "import" and result.failure.module == "numpy"
    assert str(python) in result.failure.message


# --- options and diagnostics -------------------------------------------------------------------------
def test_options_from_settings_resolve_paths(tmp_path):
    settings = Settings(sandbox={"timeout": 3, "model-dir": "models", "python": ".venv/bin/python",
                                 "memory_mb": 512}, root=tmp_path)
    options = options_from_settings(settings, timeout=5)
    assert options.timeout == 5 and options.memory_mb == 512
    assert options.model_dir == str(tmp_path / "models")
    assert options.python is None  # the project's own file may not choose the interpreter...
    assert "python = '.venv/bin/python' is ignored" in options.config_notes[0]
    trusted = options_from_settings(settings, trust_project=True)  # ...unless the user trusts it
    assert trusted.python == str(tmp_path / ".venv/bin/python") and not trusted.config_notes


def test_diagnostics_of_a_missing_package(tmp_path, worker):
    entry = script(tmp_path, "import os\nimport definitely_missing_pkg_q\n\ndef init():\n    pass\n\n"
                             "def run(x):\n    return x\n")
    found = sandbox_diagnostics(entry, entry.read_text(), SandboxOptions(stand_ins=False), worker=worker)
    assert [(d.code, d.name, d.line, d.source) for d in found] == [("SL901", "import-failed", 2, "sandbox")]
    assert found[0].range.start.column == 0 and found[0].range.end.column == len("import definitely_missing_pkg_q")
    # By default the package is stood in for, and said so (tests/test_standins.py has the rest).
    found = sandbox_diagnostics(entry, entry.read_text(), SandboxOptions(), worker=worker)
    assert [(d.code, d.name, d.line, d.severity.value) for d in found] == [("SL904", "modules-stood-in", 2, "info")]


def test_diagnostics_skip_what_static_rules_report(tmp_path, worker):
    entry = script(tmp_path, "def run(data):\n    return data\n")
    text = entry.read_text()
    assert [d.code for d in sandbox_diagnostics(entry, text, worker=worker)] == ["SL902"]
    assert sandbox_diagnostics(entry, text, worker=worker, static_codes={"SL002"}) == []
    assert sandbox_diagnostics(entry, "def run(:\n", worker=worker, static_codes={"SL001"}) == []


def test_batch_scripts_get_only_import_failed(tmp_path, worker):
    entry = script(tmp_path, """
        import definitely_missing_pkg_q

        def init():
            pass

        def run(mini_batch):
            return [len(mini_batch)]
    """)
    found = sandbox_diagnostics(entry, entry.read_text(), SandboxOptions(stand_ins=False), worker=worker, kind="batch")
    assert [d.code for d in found] == ["SL901"]
    clean = script(tmp_path, "def init():\n    pass\n\ndef run(mini_batch):\n    return mini_batch\n", "b.py")
    assert sandbox_diagnostics(clean, clean.read_text(), worker=worker, kind="batch") == []


def test_sensitive_examples_read_from_a_file(tmp_path, worker):
    (tmp_path / "sample.csv").write_text("name,email,age\nSarah Connor,sarah.connor@gmail.com,41\n")
    entry = script(tmp_path, """
        import os
        import pandas as pd
        from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType
        from inference_schema.schema_decorators import input_schema

        sample = pd.read_csv(os.path.join(os.path.dirname(__file__), "sample.csv"))

        def init():
            pass

        @input_schema("frame", PandasParameterType(sample))
        def run(frame):
            return frame.shape[0]
    """)
    found = sandbox_diagnostics(entry, entry.read_text(), worker=worker)
    assert {d.code for d in found} == {"SL903"}
    assert all(d.line == 11 for d in found)
    assert any("e-mail address" in d.message for d in found)
    allowed = sandbox_diagnostics(entry, entry.read_text(), worker=worker,
                                  sensitive_options=type("O", (), {"allow": ["email", "name"], "names": True})())
    assert allowed == []


def test_sensitive_values_written_in_the_script_are_left_to_the_static_rule(tmp_path, worker):
    entry = script(tmp_path, """
        from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
        from inference_schema.schema_decorators import input_schema

        def init():
            pass

        @input_schema("data", StandardPythonParameterType({"email": "sarah.connor@gmail.com"}))
        def run(data):
            return data
    """)
    assert sandbox_diagnostics(entry, entry.read_text(), worker=worker) == []


def test_child_is_standard_library_only():
    """The child runs under the user's interpreter: it may import nothing but the standard library."""
    import ast

    allowed = set(sys.stdlib_module_names)
    sandbox = Path(__file__).parent.parent / "scorelint" / "sandbox"
    for path in [sandbox / "_child.py", sandbox / "openapi.py", *sorted((sandbox / "child").glob("*.py"))]:
        name = path.name
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                assert top in allowed or top in {"werkzeug", "flask", "azureml_inference_server_http",
                                                  "_scorelint_child", "__future__"}, (name, module)


def test_warm_worker_killed_during_a_request(tmp_path):
    """The request's processes die with the worker; the request is retried on a new worker."""
    import threading

    entry = script(tmp_path, "import time\ntime.sleep(0.6)\n\ndef init():\n    pass\n\ndef run(x):\n    return x\n")
    with WarmWorker() as warm:
        first = warm.pid
        timer = threading.Timer(0.3, os.kill, (first, signal.SIGKILL))
        timer.start()
        result = swagger(entry, SandboxOptions(timeout=5), worker=warm)
        timer.join()
        assert result.failure is None, result.failure
        assert warm.pid not in (None, first)


def test_folders_of_dead_parents_are_removed(tmp_path, monkeypatch):
    import subprocess
    import tempfile

    from scorelint.sandbox import _process

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = tmp_path / f"{_process.PREFIX}orphan"
    orphan.mkdir()
    (orphan / ".owner").write_text(f"{dead.pid} 1")
    alive = tmp_path / f"{_process.PREFIX}alive"
    alive.mkdir()
    (alive / ".owner").write_text(_process._process_identity(os.getpid()))
    being_made = tmp_path / f"{_process.PREFIX}being-made"  # -j 2: another process between creating and writing
    being_made.mkdir()
    (being_made / ".owner").write_text("")
    _process.remove_stale_folders()
    assert not orphan.exists() and alive.exists()
    assert being_made.exists(), "a folder whose owner file is still empty was swept while being made"


def test_a_run_without_the_view_of_the_needed_folders_has_less_isolation():
    """Where the bind-only view could not be built, the child falls back to the whole file system read-only
    and says why: that run is one of less isolation, named so (and --require-isolation refuses it)."""
    from scorelint.sandbox._process import ChildRun
    from scorelint.sandbox.results import reduced_isolation

    whole = ["network namespace (no network)", "PID namespace",
             "read-only file system except the sandbox folder (nosuid, nodev)", "hidden: /tmp, /var/tmp, /run",
             "Landlock ABI 7 (writes only in the sandbox folder, reads only in the folders the run needs, no TCP)",
             "seccomp (no Unix sockets but socketpair, no io_uring)"]
    run = ChildRun(python=sys.executable, layers=whole,
                   notes=["the view of only the needed folders could not be built (pivot_root: EINVAL): the "
                          "whole file system is visible, read-only"])
    said = reduced_isolation(run, SandboxOptions())
    assert said and "no view of only the folders the run needs" in said and "pivot_root: EINVAL" in said, said
    assert "reads in the folders the run needs" in said and "can read what this user can read" not in said
    full = [*whole[:3], "only the folders the run needs are visible (7 bound; empty /tmp, /var/tmp and /run; "
            "a private /dev/shm)"]
    assert reduced_isolation(ChildRun(python=sys.executable, layers=full), SandboxOptions()) is None
