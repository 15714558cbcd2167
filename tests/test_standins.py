"""Stand-ins for packages the interpreter lacks (scorelint/sandbox/child/stand_ins.py, issue 18).

The first half exercises the stand-in values and the finder in this process (the module is loaded by
path, as the sandbox's child loads it); the second half runs real scripts through the sandbox: swagger,
try, check --sandbox, --no-stand-ins, --python and --call-init.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scorelint.sandbox import SandboxOptions, SwaggerUnavailable, swagger, try_script

MODULE = Path(__file__).resolve().parent.parent / "scorelint" / "sandbox" / "child" / "stand_ins.py"
SCHEMA_IMPORTS = """\
import numpy as np
from inference_schema.schema_decorators import input_schema, output_schema
from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
"""


@pytest.fixture(scope="module")
def st():
    spec = importlib.util.spec_from_file_location("_test_stand_ins", MODULE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def importer(st, tmp_path):
    """Run a script's source with the finder on sys.meta_path, as the child does; undo everything after."""
    before = set(sys.modules)
    finders = []

    def run(source: str, enabled: bool = True):
        path = tmp_path / "score.py"
        path.write_text(textwrap.dedent(source))
        finder = st.AbsentModules(str(path), enabled)
        finders.append(finder)
        sys.meta_path.append(finder)
        namespace = {"__name__": "entry_module_test"}

        def attempt():
            namespace.clear()
            namespace["__name__"] = "entry_module_test"
            exec(compile(path.read_text(), str(path), "exec"), namespace)
            return namespace

        return finder.import_with(attempt, lambda: None), finder

    yield run
    for finder in finders:
        sys.meta_path.remove(finder)
    for name in set(sys.modules) - before:
        if st.is_stand_in_module(sys.modules[name]):
            del sys.modules[name]


# --- the values -----------------------------------------------------------------------------------
def test_everything_a_module_level_script_does_with_an_absent_package(importer):
    ns, finder = importer("""
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        from transformers import AutoTokenizer, pipeline
        from mlflow.pyfunc import PythonModel
        import cv2, onnxruntime as ort
        from typing import List, Optional
        from packaging import version

        assert version.parse(torch.__version__) >= version.parse("1.8") and torch.__version__ > "1.0"

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 2)

            def forward(self, x):
                return F.relu(self.fc(x))

        class Wrapper(PythonModel):
            pass

        net = Net()
        net.eval()
        loaded = Wrapper.load_context("x")
        tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")
        tensor = torch.Tensor(3)
        checks = (isinstance(net, nn.Module), isinstance(tensor, torch.Tensor), isinstance(3, torch.Tensor),
                  issubclass(Net, nn.Module), issubclass(int, nn.Module))

        @torch.no_grad()
        def infer(x):
            return x + 1

        @torch.jit.script
        def same(x):
            return x

        with torch.no_grad() as context:
            inside = True
        items = [x for x in torch.zeros(3)]
        device = "cuda" if torch.cuda.is_available() else "cpu"
        count = len(torch.zeros(3)) + int(torch.ones(1)) + torch.cuda.device_count() * 2

        def typed(x: Optional[torch.Tensor]) -> List[torch.Tensor]:
            return [x]

        session = ort.InferenceSession("model.onnx", providers=["CPUExecutionProvider"])
        name = session.get_inputs()[0].name
        same_object = torch.nn is nn and nn.Module is torch.nn.Module
    """)
    assert ns["checks"] == (True, True, False, True, False)
    assert ns["infer"](1) == 2 and ns["same"](3) == 3  # decorators give the function back
    assert ns["inside"] and ns["items"] == [] and ns["device"] == "cpu"
    assert ns["same_object"]
    assert [item["module"] for item in finder.report()] == ["torch", "transformers", "mlflow", "cv2", "onnxruntime"]
    assert finder.report()[0]["line"] == 2  # the script's line that imports it


def test_operators_and_conversions_do_not_raise(st):
    value = st._value("torch.zeros()")
    results = [value + 1, 1 - value, value * value, value @ value, -value, abs(value), value[0], value[1:2],
               value | None, divmod(value, 2)]
    assert all(isinstance(r, st.StandIn) for r in results)
    assert (value < 1, value >= 1, value == value, value == 0, bool(value), float(value), 2 in value) == \
        (False, False, True, False, False, 0.0, False)
    assert str(value) == "<stand-in for torch.zeros()>" and f"{value:>4}" == str(value)
    value["key"] = 1
    del value["key"]
    import copy

    assert copy.deepcopy({"v": value})["v"] is value


def test_numpy_keeps_a_stand_in_so_that_a_sample_made_of_one_is_seen(st):
    import numpy as np

    array = np.array(st._value("torch.randn()"))
    assert array.dtype == object
    assert st.stand_in_inside({"data": [array]}) == "torch.randn()"
    assert st.stand_in_inside({"data": np.array([[1.0, 2.0]])}) is None


def test_guarded_import_keeps_its_import_error(importer):
    ns, finder = importer("""
        try:
            import apex_not_installed
            HAS_APEX = True
        except ImportError:
            HAS_APEX = False
        import torch_not_installed
    """)
    assert ns["HAS_APEX"] is False
    assert [item["module"] for item in finder.report()] == ["torch_not_installed"]


def test_missing_module_reraised_as_another_exception_is_stood_in(importer):
    ns, finder = importer("""
        import sys
        try:
            import torch
        except ImportError as exc:
            sys.exit("please install torch")
        ok = True
    """)
    assert ns["ok"] and [item["module"] for item in finder.report()] == ["torch"]


@pytest.mark.parametrize("source, missing", [
    ("import numpy.not_a_module\n", "numpy.not_a_module"),  # a submodule of an installed package
    ("import json.not_a_module\n", "json.not_a_module"),
    ("import inference_schema.nope\n", "inference_schema.nope"),
])
def test_never_stands_in_for_installed_packages(importer, source, missing):
    with pytest.raises(ModuleNotFoundError) as caught:
        importer(source)
    assert caught.value.name == missing


def test_never_stands_in_for_the_schema_packages(st):
    finder = st.AbsentModules("score.py")
    for name in ("numpy", "pandas", "inference_schema", "numpy.core.missing", "json", "_scorelint_child"):
        assert not finder._may_stand_in(name)
    assert finder._may_stand_in("torch_not_installed_anywhere")


def test_module_in_the_scripts_folder_is_never_stood_in(importer, tmp_path):
    (tmp_path / "helpers_here.py").write_text("VALUE = 42\n")
    sys.path.insert(0, str(tmp_path))
    try:
        ns, finder = importer("import helpers_here\nimport torch_absent\nvalue = helpers_here.VALUE\n")
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("helpers_here", None)
    assert ns["value"] == 42 and [item["module"] for item in finder.report()] == ["torch_absent"]


def test_an_exception_that_is_not_a_missing_module_still_fails(importer, st):
    with pytest.raises(ZeroDivisionError):
        importer("import torch_absent\nx = 1 / 0\n")
    with pytest.raises(TypeError) as caught:
        importer("import torch_absent\nimport json\njson.dumps(torch_absent.zeros(3))\n")
    assert st.stand_in_culprit(caught.value) in ("torch_absent.zeros()", "a stand-in")


def test_looking_for_stand_ins_never_runs_other_code(st):
    class Recursive:  # a half-built object in a frame: any attribute lookup recurses
        def __getattr__(self, name):
            return getattr(self, "_" + name)

    def fails(value):
        raise ValueError("bad")

    try:
        fails(Recursive())
    except ValueError as exc:
        assert st.stand_in_culprit(exc) is None
    assert st.stand_in_inside([Recursive(), {"k": [st._value("cv2.imread()")]}]) == "cv2.imread()"


def test_disabled_finder_stands_in_for_nothing(importer):
    with pytest.raises(ModuleNotFoundError):
        importer("import torch_absent\n", enabled=False)


# --- through the sandbox -----------------------------------------------------------------------------
HEAVY = """\
import torch
import torch.nn as nn
from transformers import AutoTokenizer
import mlflow.pyfunc
import cv2
from azureml.core import Workspace
from azureml.core.model import Model
"""
BODY = """\

class Net(nn.Module):
    pass


def init():
    global model
    model = Net()


@input_schema("data", NumpyParameterType(np.array([[1.0, 2.0, 3.0]])))
@output_schema(StandardPythonParameterType({"label": "cat", "score": 0.5}))
def run(data):
    return {"label": "cat", "score": 0.5}
"""


def _script(folder: Path, text: str, name: str = "score.py") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_swagger_with_stand_ins_equals_the_document_without_the_imports(tmp_path):
    heavy = swagger(_script(tmp_path / "heavy", HEAVY + SCHEMA_IMPORTS + BODY))
    plain = swagger(_script(tmp_path / "plain", SCHEMA_IMPORTS + BODY.replace("nn.Module", "object")))
    assert heavy.failure is None and plain.failure is None
    assert heavy.documents == plain.documents and set(heavy.documents) == {"2", "3", "3.1"}
    assert heavy.stood_in == ["torch", "transformers", "mlflow", "cv2"]
    assert heavy.stood_in_lines["torch"] == 1 and heavy.stood_in_lines["cv2"] == 5
    assert "azureml.core" in heavy.stand_ins and not plain.stood_in
    assert "torch, transformers, mlflow, cv2 are not installed" in heavy.stand_in_note()


def test_no_stand_ins_restores_the_strict_import(tmp_path):
    result = swagger(_script(tmp_path, HEAVY + SCHEMA_IMPORTS + BODY), SandboxOptions(stand_ins=False))
    assert result.failure is not None and result.failure.kind == "import" and result.failure.module == "torch"
    assert result.failure.line == 1 and not result.stood_in


def test_with_the_deployments_interpreter_a_missing_module_fails(tmp_path):
    result = swagger(_script(tmp_path, HEAVY + SCHEMA_IMPORTS + BODY), SandboxOptions(python=sys.executable))
    assert result.failure is not None and result.failure.kind == "import"
    assert "No modules named 'torch', 'transformers', 'mlflow', 'cv2'" in result.failure.message
    assert "the deployment would fail" in result.failure.message and result.failure.line == 1


def test_try_refuses_to_answer_with_stand_ins_and_names_the_modules(tmp_path):
    result = try_script(_script(tmp_path, HEAVY + SCHEMA_IMPORTS + BODY))
    assert result.failure is not None and result.status is None and result.init_ms is None  # init never ran
    assert "No modules named 'torch', 'transformers', 'mlflow', 'cv2'" in result.failure.message
    assert "`try` calls init() and run()" in result.failure.message


def test_sample_built_from_a_stand_in_gives_no_document(tmp_path):
    source = ("import torch\nimport pandas as pd\n" + SCHEMA_IMPORTS +
              "from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType\n"
              "sample = pd.DataFrame({'id': [1], 'tensor': [torch.randn(1, 3)]})\n"
              "@input_schema('data', PandasParameterType(sample))\n"
              "def run(data):\n    return data\n\ndef init():\n    pass\n")
    result = swagger(_script(tmp_path, source))
    assert result.failure is None and not result.documents
    with pytest.raises(SwaggerUnavailable) as caught:
        result.document("2")
    assert "torch.randn()" in caught.value.message and "stand-in" in caught.value.message


def test_failure_on_a_stand_in_value_says_so(tmp_path):
    source = ("import torch\n" + SCHEMA_IMPORTS +
              "@input_schema('data', StandardPythonParameterType({'t': torch.zeros(3)}))\n"
              "def run(data):\n    return data\n\ndef init():\n    pass\n")
    result = swagger(_script(tmp_path, source))
    assert result.failure is not None and result.failure.stand_in == "torch.zeros()"
    assert "stand-in" in result.failure.message and "torch" in result.failure.message


def test_a_real_bug_at_import_time_is_still_import_failed(tmp_path):
    result = swagger(_script(tmp_path, HEAVY + SCHEMA_IMPORTS + "LIMIT = int('x')\n" + BODY))
    assert result.failure is not None and result.failure.kind == "import" and result.failure.stand_in is None
    assert "ValueError" in result.failure.message and result.failure.line == 12


CALL_INIT = SCHEMA_IMPORTS + """\
import torch


def _run(data):
    return data


run = input_schema("data", NumpyParameterType(np.array([1.0])))(_run)


def init():
    # completes the schema once the model is known (the server builds its documents after init)
    input_schema("data", NumpyParameterType(np.array([[1, 2, 3]], dtype="int64")))(_run)
"""


def test_call_init_includes_a_schema_completed_in_init(tmp_path):
    script = _script(tmp_path, CALL_INIT)
    without = swagger(script).document("3")["components"]["schemas"]["ServiceInput"]
    with_init = swagger(script, SandboxOptions(call_init=True)).document("3")["components"]["schemas"]["ServiceInput"]
    assert without["example"] == {"data": [1.0]}
    assert with_init["example"] == {"data": [[1, 2, 3]]}


def test_call_init_failure_is_reported_as_init(tmp_path):
    script = _script(tmp_path, SCHEMA_IMPORTS + BODY.replace("model = Net()", "open('/no/such/model.pkl')")
                     .replace("nn.Module", "object"))
    result = swagger(script, SandboxOptions(call_init=True))
    assert result.failure is not None and result.failure.kind == "init"
    assert "FileNotFoundError" in result.failure.message and "--model-dir" in result.failure.message


# --- the command line --------------------------------------------------------------------------------
def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scorelint", *args], capture_output=True, text=True, timeout=120)


def test_cli_names_the_stand_ins_once_on_stderr(tmp_path):
    done = _cli("swagger", str(_script(tmp_path, HEAVY + SCHEMA_IMPORTS + BODY)))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["swagger"] == "2.0"
    assert done.stderr.count("torch, transformers, mlflow, cv2 are not installed") == 1

    strict = _cli("swagger", "--no-stand-ins", str(tmp_path / "score.py"))
    assert strict.returncode == 1 and "No module named 'torch'" in strict.stderr


def test_check_sandbox_reports_stand_ins_as_an_info_finding(tmp_path):
    script = _script(tmp_path, HEAVY + SCHEMA_IMPORTS + BODY)
    done = _cli("check", "--sandbox", "--no-cache", "--select", "SL9", "--output-format", "json", str(script))
    found = json.loads(done.stdout)
    assert [(d["code"], d["severity"], d["line"]) for d in found] == [("SL904", "info", 1)]
    assert "torch, transformers, mlflow, cv2" in found[0]["message"]

    sarif = json.loads(_cli("check", "--sandbox", "--no-cache", "--select", "SL9", "--output-format", "sarif",
                            str(script)).stdout)
    assert [(r["ruleId"], r["level"]) for r in sarif["runs"][0]["results"]] == [("SL904", "note")]

    strict = json.loads(_cli("check", "--sandbox", "--no-cache", "--select", "SL9", "--output-format", "json",
                             "--python", sys.executable, str(script)).stdout)
    assert [(d["code"], d["line"]) for d in strict] == [("SL901", 1)]
    assert "No modules named 'torch', 'transformers', 'mlflow', 'cv2'" in strict[0]["message"]


def test_a_submodule_of_the_azureml_stand_ins_is_stood_in_only_with_stand_ins(tmp_path):
    # azureml itself is one of the azureml stand-ins (rawhttp...): its other submodules are stood in for
    # like any absent package, even when nothing else is missing, and never with --no-stand-ins.
    source = "from azureml.automl.core.shared import logging_utilities\n" + SCHEMA_IMPORTS + \
        BODY.replace("nn.Module", "object")
    script = _script(tmp_path, source)
    result = swagger(script)
    assert result.failure is None and result.stood_in == ["azureml.automl"]
    strict = swagger(script, SandboxOptions(stand_ins=False))
    assert strict.failure is not None and strict.failure.module == "azureml.automl"


def test_run_made_by_a_stand_in_is_the_stand_ins_limit_not_a_load_failure(tmp_path):
    # `run = tracing.wrap(run)`: a stand-in's signature is (*args, **kwargs), which the server would refuse;
    # the real wrapper's is unknown here, so this is said to be the stand-in's limit, not SL902.
    script = _script(tmp_path, "import tracing_absent\n\ndef init():\n    pass\n\ndef run(data):\n    return data\n\n"
                               "run = tracing_absent.wrap(run, name='score')\n")
    result = swagger(script)
    assert result.failure is not None and result.failure.stand_in == "tracing_absent.wrap()"
    done = _cli("check", "--sandbox", "--no-cache", "--select", "SL9", "--output-format", "json", str(script))
    assert [d["code"] for d in json.loads(done.stdout)] == ["SL904"]
