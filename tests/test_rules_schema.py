"""The SL1xx rules (schema, Power BI names, how run is called) beyond their generated examples.

1. The documents' Power BI example (our own rewrite): exactly the expected SL1xx findings.
2. A differential test against the real server: each script below is served by
   azureml-inference-server-http (tests/response_driver.py, Flask's test client, one process per script)
   and sent requests. What the server answers must be what the rule's message says happens (a 400, a
   500), and after scorelint applies its fixes (unsafe ones included) the same requests must succeed.
   Scripts that are correct must get a 200 and no SL1xx finding.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scorelint.api import Linter
from scorelint.config import Settings

TESTS = Path(__file__).resolve().parent
SL1 = ("SL101", "SL102", "SL103", "SL104", "SL105", "SL106", "SL107")

HEADER = """\
import json
import numpy as np
from inference_schema.schema_decorators import input_schema, output_schema
from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType

def init():
    global weights
    weights = np.array([0.5, 2.0])

"""

# Our rewrite of the documents' Power BI-compatible example: names right, GlobalParameters without a
# default, a bare list returned against {"Results": ...}, and the error returned as a string.
POWER_BI_EXAMPLE = """\
import os
import numpy as np
import pandas as pd
import joblib

from inference_schema.schema_decorators import input_schema, output_schema
from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.parameter_types.numpy_parameter_type import NumpyParameterType
from inference_schema.parameter_types.pandas_parameter_type import PandasParameterType


def init():
    global model
    model_file = os.path.join(os.getenv('AZUREML_MODEL_DIR'), 'regression.pkl')
    model = joblib.load(model_file)


array_sample = NumpyParameterType(np.array([[1, 2, 3, 4], [4, 3, 2, 1]], dtype='float64'))
frame_sample = PandasParameterType(pd.DataFrame({'city': ['Lyon', 'Oslo'], 'rooms': [3, 4]}))
scalar_sample = StandardPythonParameterType(0.0)

nested_input = StandardPythonParameterType({'input1': array_sample,
                                            'input2': frame_sample,
                                            'input3': scalar_sample})

global_parameters_sample = StandardPythonParameterType(1.0)  # optional
predictions_sample = StandardPythonParameterType([1.0, 1.0])
outputs = StandardPythonParameterType({'Results': predictions_sample})  # case-sensitive

@input_schema('Inputs', nested_input)
# case-sensitive

@input_schema('GlobalParameters', global_parameters_sample)
# optional, case-sensitive

@output_schema(outputs)

def run(Inputs, GlobalParameters):
    # must match the decorators, case-sensitive
    try:
        data = Inputs['input1']
        assert isinstance(data, np.ndarray)
        result = model.predict(data)
        return result.tolist()
    except Exception as e:
        error = str(e)
        return error
"""


def sl1_findings(text: str) -> list[tuple[str, int]]:
    result = Linter(Settings(select=SL1)).lint_text(text, "score.py")
    assert result.error is None and not result.internal_errors, (result.error, result.internal_errors)
    return [(d.code, d.line) for d in result.diagnostics]


def test_power_bi_example_findings():
    lines = POWER_BI_EXAMPLE.splitlines()
    def_line = next(i for i, line in enumerate(lines, 1) if line.startswith("def run"))
    return_line = next(i for i, line in enumerate(lines, 1) if "return result.tolist()" in line)
    assert sorted(sl1_findings(POWER_BI_EXAMPLE)) == [("SL103", def_line), ("SL104", return_line)]


def test_power_bi_example_fixed_is_clean():
    fixed = Linter(Settings(select=SL1)).fix_text(POWER_BI_EXAMPLE, "score.py", unsafe=True).text
    assert "def run(Inputs, GlobalParameters=None):" in fixed
    assert "@input_schema('GlobalParameters', global_parameters_sample, optional=True)" in fixed
    assert "return {'Results': result.tolist()}" in fixed
    assert sl1_findings(fixed) == []


def test_correct_power_bi_names_are_never_flagged_for_naming():
    text = HEADER + textwrap.dedent("""\
        inputs_sample = StandardPythonParameterType({'data': NumpyParameterType(np.array([[1.0, 2.0]]))})
        results_sample = StandardPythonParameterType({'Results': [1.0]})

        @input_schema('Inputs', inputs_sample)
        @input_schema('GlobalParameters', StandardPythonParameterType({'scale': 1.0}), optional=True)
        @output_schema(results_sample)
        def run(Inputs, GlobalParameters=None, request_headers=None):
            scale = (GlobalParameters or {}).get('scale', 1.0)
            Results = (Inputs['data'] @ weights * scale).tolist()
            response = {'Results': Results}
            return response
        """)
    assert sl1_findings(text) == []


# --- differential: what the real server answers ------------------------------------------------------

@dataclass
class Case:
    id: str
    body: str  # appended to HEADER
    requests: list
    before: list[int]  # the statuses the server answers to `requests`
    codes: list[str]  # the SL1xx codes scorelint reports
    after: list[int] = field(default_factory=list)  # statuses once scorelint's fixes are applied
    header: str = HEADER
    bodies: list | None = None  # the JSON bodies the server sends back before the fix, where it matters
    bodies_after: list | None = None


CASES = [
    Case("power-bi-correct", """\
        @input_schema('Inputs', StandardPythonParameterType({'data': NumpyParameterType(np.array([[1.0, 2.0]]))}))
        @input_schema('GlobalParameters', StandardPythonParameterType({'scale': 1.0}), optional=True)
        @output_schema(StandardPythonParameterType({'Results': [1.0]}))
        def run(Inputs, GlobalParameters=None):
            scale = (GlobalParameters or {}).get('scale', 1.0)
            return {'Results': (Inputs['data'] @ weights * scale).tolist()}
        """,
         [{"Inputs": {"data": [[1.0, 2.0]]}}, {"Inputs": {"data": [[1.0, 2.0]]}, "GlobalParameters": {"scale": 2}}],
         [200, 200], []),
    Case("automl-style", """\
        @input_schema('GlobalParameters', StandardPythonParameterType({'method': 'predict'}),
                      convert_to_provided_type=False)
        @input_schema('Inputs', StandardPythonParameterType({'data': [[1.0, 2.0]]}))
        @output_schema(StandardPythonParameterType({'Results': [1.0]}))
        def run(Inputs, GlobalParameters={"method": "predict"}):
            if GlobalParameters.get("method") != "predict":
                raise ValueError("unknown method")
            return {'Results': (np.array(Inputs['data']) @ weights).tolist()}
        """,
         [{"Inputs": {"data": [[1.0, 2.0]]}}], [200], []),
    Case("global-parameters-required", """\
        @input_schema('Inputs', StandardPythonParameterType({'data': [[1.0, 2.0]]}))
        @input_schema('GlobalParameters', StandardPythonParameterType(1.0))
        @output_schema(StandardPythonParameterType({'Results': [1.0]}))
        def run(Inputs, GlobalParameters):
            scale = GlobalParameters if GlobalParameters is not None else 1.0
            return {'Results': (np.array(Inputs['data']) @ weights * scale).tolist()}
        """,
         [{"Inputs": {"data": [[1.0, 2.0]]}}, {"Inputs": {"data": [[1.0, 2.0]]}, "GlobalParameters": 2.0}],
         [400, 200], ["SL103"], after=[200, 200]),
    Case("default-none-rejected", """\
        @input_schema('Inputs', StandardPythonParameterType({'data': [[1.0, 2.0]]}))
        @input_schema('GlobalParameters', StandardPythonParameterType(1.0))
        def run(Inputs, GlobalParameters=None):
            scale = GlobalParameters if GlobalParameters is not None else 1.0
            return {'Results': (np.array(Inputs['data']) @ weights * scale).tolist()}
        """,
         [{"Inputs": {"data": [[1.0, 2.0]]}}, {"Inputs": {"data": [[1.0, 2.0]]}, "GlobalParameters": 2.0}],
         [500, 200], ["SL107"], after=[200, 200]),
    Case("numpy-default-none-rejected", """\
        @input_schema('data', NumpyParameterType(np.array([[1.0, 2.0]])))
        def run(data=None):
            if data is None:
                return []
            return (data @ weights).tolist()
        """,
         [{}, {"data": [[1.0, 2.0]]}], [500, 200], ["SL107"], after=[200, 200]),
    Case("schema-param-not-in-run", """\
        @input_schema('Inputs', StandardPythonParameterType({'data': [[1.0, 2.0]]}))
        def run(inputs):
            return {'Results': (np.array(inputs['data']) @ weights).tolist()}
        """,
         [{"Inputs": {"data": [[1.0, 2.0]]}}, {"inputs": {"data": [[1.0, 2.0]]}}], [400, 500], ["SL101"],
         after=[200, 400]),
    Case("schema-param-not-in-run-lowercase", """\
        @input_schema('Data', StandardPythonParameterType([[1.0, 2.0]]))
        def run(data):
            return (np.array(data) @ weights).tolist()
        """,
         [{"data": [[1.0, 2.0]]}], [500], ["SL101"], after=[200]),
    # With optional=True the misnamed input is silently dropped: the request succeeds, the value is lost.
    Case("schema-param-not-in-run-optional", """\
        @input_schema('data', StandardPythonParameterType([1.0, 2.0]))
        @input_schema('GlobalParameters', StandardPythonParameterType({'scale': 1.0}), optional=True)
        def run(data, global_parameters=None):
            scale = (global_parameters or {}).get('scale', 1.0)
            return [x * scale for x in data]
        """,
         [{"data": [1.0, 2.0], "GlobalParameters": {"scale": 3.0}}], [200], ["SL101"], after=[200],
         bodies=[[1.0, 2.0]], bodies_after=[[3.0, 6.0]]),
    Case("schema-name-casing", """\
        @input_schema('inputs', StandardPythonParameterType({'data': [[1.0, 2.0]]}))
        def run(inputs):
            return {'Results': (np.array(inputs['data']) @ weights).tolist()}
        """,
         # Power BI's request, then the request the misspelt name requires.
         [{"Inputs": {"data": [[1.0, 2.0]]}}, {"inputs": {"data": [[1.0, 2.0]]}}], [400, 200], ["SL102"],
         after=[200, 400]),
    Case("run-is-async", """\
        async def run(raw_data):
            data = json.loads(raw_data)["data"]
            return (np.array(data) @ weights).tolist()
        """,
         [{"data": [[1.0, 2.0]]}], [500], ["SL105"], after=[200]),
    Case("undecorated-input-indexed", """\
        def run(raw_data):
            data = np.array(raw_data["data"])
            return (data @ weights).tolist()
        """,
         [{"data": [[1.0, 2.0]]}], [500], ["SL106"], after=[200]),
    Case("undecorated-parsed", """\
        def run(raw_data):
            data = np.array(json.loads(raw_data)["data"])
            return (data @ weights).tolist()
        """,
         [{"data": [[1.0, 2.0]]}], [200], []),
    Case("output-schema-only-receives-parsed-json", """\
        @output_schema(StandardPythonParameterType({'Results': [1.0]}))
        def run(data):
            return {'Results': (np.array(data["rows"]) @ weights).tolist()}
        """,
         [{"data": {"rows": [[1.0, 2.0]]}}], [200], []),
]


def json_posts(bodies: list) -> list[dict]:
    """Requests for tests/response_driver.py: each body POSTed as application/json, as clients send it."""
    return [{"method": "POST", "body": json.dumps(body), "headers": {"Content-Type": "application/json"}}
            for body in bodies]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Serve every case (as written, and as fixed by scorelint) through the real server, once."""
    root = tmp_path_factory.mktemp("sl1_served")
    linter = Linter(Settings(select=SL1))
    jobs, index = [], {}
    for case in CASES:
        text = case.header + textwrap.dedent(case.body)
        variants = [("before", text, case.requests)]
        if case.after:
            variants.append(("after", linter.fix_text(text, "score.py", unsafe=True).text, case.requests))
        for label, script_text, requests in variants:
            folder = root / f"{case.id}-{label}"
            folder.mkdir()
            (folder / "score.py").write_text(script_text)
            index[(case.id, label)] = len(jobs)
            jobs.append({"script": str(folder / "score.py"), "requests": json_posts(requests)})
    result = subprocess.run([sys.executable, str(TESTS / "response_driver.py")], input=json.dumps(jobs),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    answers = json.loads(result.stdout)
    return {key: answers[i] for key, i in index.items()}, root


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_server_agrees_with_rules(case, served):
    answers, root = served
    text = case.header + textwrap.dedent(case.body)
    codes = sorted({code for code, _ in sl1_findings(text)})
    assert codes == sorted(case.codes)
    before = answers[(case.id, "before")]
    assert before["loaded"], before["detail"]
    assert [a["status"] for a in before["answers"]] == case.before, before["answers"]
    if case.bodies is not None:
        assert [json.loads(a["body"]) for a in before["answers"]] == case.bodies
    if case.after:
        fixed = (root / f"{case.id}-after" / "score.py").read_text()
        assert fixed != text
        assert not [c for c, _ in sl1_findings(fixed) if c in case.codes], fixed
        after = answers[(case.id, "after")]
        assert after["loaded"], after["detail"]
        assert [a["status"] for a in after["answers"]] == case.after, (fixed, after["answers"])
        if case.bodies_after is not None:
            assert [json.loads(a["body"]) for a in after["answers"]] == case.bodies_after


def test_output_mismatch_is_what_the_client_receives(tmp_path):
    """The server sends whatever run returns: the client gets a bare list where Results was promised."""
    text = HEADER + textwrap.dedent("""\
        @input_schema('Inputs', StandardPythonParameterType({'data': [[1.0, 2.0]]}))
        @output_schema(StandardPythonParameterType({'Results': [1.0]}))
        def run(Inputs):
            result = np.array(Inputs['data']) @ weights
            return result.tolist()
        """)
    fixed = Linter(Settings(select=("SL104",))).fix_text(text, "score.py", unsafe=True).text
    jobs = []
    for name, script in (("before", text), ("after", fixed)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "score.py").write_text(script)
        jobs.append({"script": str(tmp_path / name / "score.py"),
                     "requests": json_posts([{"Inputs": {"data": [[1.0, 2.0]]}}])})
    result = subprocess.run([sys.executable, str(TESTS / "response_driver.py")], input=json.dumps(jobs),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    before, after = json.loads(result.stdout)
    assert [("SL104", 15)] == [(c, line) for c, line in sl1_findings(text)]
    assert json.loads(before["answers"][0]["body"]) == [4.5]
    assert json.loads(after["answers"][0]["body"]) == {"Results": [4.5]}


# --- property: a correct Power BI script is never flagged ------------------------------------------

from hypothesis import given, settings
from hypothesis import strategies as st

_SAFE_EXTRA = st.sampled_from(["request_headers", "options", "threshold", "model_version", "inputs_meta"])


@st.composite
def power_bi_scripts(draw) -> str:
    """Correct Power BI-shaped scripts, written in the styles real scripts use."""
    quote = draw(st.sampled_from(["'", '"']))
    lines = []
    inputs_inline = draw(st.booleans())
    nested = draw(st.booleans())
    inner = "NumpyParameterType(np.array([[1.0, 2.0]]))" if nested else "[[1.0, 2.0]]"
    sample = f"StandardPythonParameterType({{{quote}data{quote}: {inner}}})"
    if not inputs_inline:
        lines.append(f"input_sample = {sample}")
        sample = "input_sample"
    name_style = draw(st.sampled_from(["literal", "keyword", "constant"]))
    if name_style == "constant":
        lines.append(f"INPUTS_NAME = {quote}Inputs{quote}")
        name = "INPUTS_NAME"
    else:
        name = f"{quote}Inputs{quote}"
    decorators = [f"@input_schema(param_name={name}, param_type={sample})" if name_style == "keyword"
                  else f"@input_schema({name}, {sample})"]
    params = ["Inputs"]
    with_global = draw(st.booleans())
    if with_global:
        flag = draw(st.sampled_from([", optional=True", ", convert_to_provided_type=False"]))
        default = "None" if "optional" in flag else draw(st.sampled_from(["None", "{'scale': 1.0}"]))
        decorators.append(f"@input_schema({quote}GlobalParameters{quote}, "
                          f"StandardPythonParameterType({{'scale': 1.0}}){flag})")
        params.append(f"GlobalParameters={default}")
    extras = draw(st.lists(_SAFE_EXTRA, unique=True, max_size=2))
    params.extend(f"{extra}=None" for extra in extras)
    output_inline = draw(st.booleans())
    output = f"StandardPythonParameterType({{{quote}Results{quote}: StandardPythonParameterType([1.0])}})"
    if not output_inline:
        lines.append(f"output_sample = {output}")
        output = "output_sample"
    decorators.append(f"@output_schema({output})")
    decorators = draw(st.permutations(decorators))
    body = ["    data = np.array(Inputs['data'])", "    predictions = (data @ weights).tolist()"]
    returned = draw(st.sampled_from(["direct", "variable", "variable-annotated"]))
    if returned == "direct":
        body.append(f"    return {{{quote}Results{quote}: predictions}}")
    else:
        annotation = ": dict" if returned == "variable-annotated" else ""
        body += [f"    response{annotation} = {{{quote}Results{quote}: predictions}}", "    return response"]
    return HEADER + "\n".join(lines) + "\n\n" + "\n".join(decorators) + f"\ndef run({', '.join(params)}):\n" \
        + "\n".join(body) + "\n"


@settings(max_examples=60, deadline=None)
@given(power_bi_scripts())
def test_correct_power_bi_scripts_are_never_flagged(text):
    assert sl1_findings(text) == [], text


_MISSPELLINGS = {
    "Inputs": ["inputs", "INPUTS"],
    "GlobalParameters": ["global_parameters", "globalParameters", "Global_Parameters", "GLOBALPARAMETERS"],
    "Results": ["results", "RESULTS"],
}


@settings(max_examples=60, deadline=None)
@given(power_bi_scripts(), st.data())
def test_misspelt_power_bi_names_are_flagged_and_fixed_back(text, data):
    """Misspell the Power BI names of a correct script: SL102 flags them, and its fix restores the script."""
    import re

    present = [name for name in _MISSPELLINGS if re.search(rf"\b{name}\b", text)]
    chosen = data.draw(st.lists(st.sampled_from(present), min_size=1, unique=True))
    mutated = text
    for name in chosen:
        mutated = re.sub(rf"\b{name}\b", data.draw(st.sampled_from(_MISSPELLINGS[name])), mutated)
    codes = {code for code, _ in sl1_findings(mutated)}
    assert "SL102" in codes, mutated
    assert codes <= {"SL102", "SL103"}, mutated  # e.g. GLOBALPARAMETERS=None stays a default: no SL103
    if "INPUTS_NAME" in text and "Inputs" in chosen:
        return  # a name given through a constant is reported without a fix
    fixed = Linter(Settings(select=SL1)).fix_text(mutated, "score.py", unsafe=True).text
    assert fixed == text, mutated
