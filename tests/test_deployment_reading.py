"""The fast paths of reading deployments give what the plain ways give: RECORD top-level names (against the
regex over every line, on every distribution installed here), YAML values (against `yaml.safe_load`) and
positions, the AZUREML_MODEL_DIR paths SL709 reads, and the discovery's text test past its first read."""

from __future__ import annotations

import ast
import math
import re
import sys
from importlib import metadata

import pytest
import yaml

from scorelint.deployment.installed import _record_tops, scan
from scorelint.deployment.yamlfile import YamlDocument, YamlError, _without_comment
from scorelint.discovery import may_be_deployment

from .conftest import ROOT

sys.path.insert(0, str(ROOT / "rules"))
from scorelint_rules.sl709_model_file_not_in_model_path import _model_dir_paths  # noqa: E402


# What a RECORD's lines name at the top (a package folder, a module, an extension), every line matched.
_TOP_LINE = re.compile(r"^([A-Za-z_]\w*)(?:/|\.py,|\.[\w.-]*\.(?:so|pyd),)", re.M)


def _every_line(record: str) -> set[str]:
    return set(_TOP_LINE.findall(record)) - {"__pycache__"}


def test_scan_names_what_every_line_names_on_the_installed_distributions():
    found = scan()
    checked, seen = 0, set()
    for dist in metadata.distributions():
        name = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
        top = dist.read_text("top_level.txt")
        record = dist.read_text("RECORD")
        if name in seen or top or not record:
            seen.add(name)
            continue  # (the first of a name on sys.path is the one scan reads)
        seen.add(name)
        assert set(found[name]["modules"]) == _every_line(record), name
        checked += 1
    assert checked > 20


@pytest.mark.parametrize("record", [
    "a/x.py,,\nb.py,,\na/y.py,,\nc/z.py,,\n",  # a package's lines split by a module
    "a/x.py,,\nb/y.py,,\na/z.py,,\nc/w.py,,\nd.cpython-311-x86_64-linux-gnu.so,,\n",  # split by a package
    "a/x,,\naa/y,,\na/z,,\n",  # a name that starts with another
    "a/x.py,,\na/y.py,,\nfoo-1.0.dist-info/RECORD,,\n../../bin/tool,,\nz.py,,",  # no final newline
    "a-1.0.dist-info/METADATA,,\na/__init__.py,,\n__pycache__/six.cpython-311.pyc,,\nsix.py,,\n",
    "a/x,,\r\nb.py,,\r\na/y,,\r\n", "a/x,,\rb/y,,\r",  # the line ends of other systems
    "café/x.py,,\nb.py,,\n", "été/x.py,,\nb€/y.py,,\nc.py,,\n",  # names with non-ASCII letters (or not)
    "", "\n\n", "a/", "a/x,,\n\na/y,,\n",
])
def test_record_top_names_when_a_package_is_not_one_block(record):
    text = record.replace("\r\n", "\n").replace("\r", "\n")  # as a text-mode read gives it
    assert _record_tops(record.encode()) - {"__pycache__"} == _every_line(text)


_DOCUMENTS = [
    "name: blue\nendpoint_name: ep\ninstance_count: 1\nenabled: yes\nratio: 0.5\nnothing: ~\n",
    "when: 2024-01-02\nstamp: 2024-01-02T03:04:05Z\nblob: !!binary aGVsbG8=\nforced: !!str 12\nq: '12'\n",
    "base: &b {a: 1, b: [x, y]}\nuse:\n  <<: *b\n  b: own\nlist: [*b, *b]\nnan: .nan\ninf: -.inf\n",
    "a: &a {x: 1, y: 1}\nb: &b {y: 2, z: 2}\nc:\n  w: 0\n  <<: [*a, *b]\n  x: 3\nd: {'<<': 4}\n",
    "- 1\n- [2, three]\n- {k: v}\n- 0o17\n- 0x1f\n- 1_000\n- null\n- ''\n",
    "set: !!set {a, b}\nomap: !!omap [{a: 1}, {b: 2}]\n",
]


def _plain(value):
    """What the built value holds, without the position-keeping types."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _same(a, b) -> bool:
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if isinstance(a, dict):
        return isinstance(b, dict) and set(a) == set(b) and all(_same(a[k], b[k]) for k in a)  # (merged keys
        # come first in safe_load's order, where they are written here: findings are sorted by position)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("text", _DOCUMENTS)
def test_yaml_values_are_those_of_safe_load(tmp_path, text):
    expected = yaml.safe_load(text)
    if isinstance(expected, dict) and "set" in expected:
        expected["set"] = {k: None for k in expected["set"]}  # a tagged mapping is read as a mapping
        expected["omap"] = [{"a": 1}, {"b": 2}]
    assert _same(_plain(YamlDocument(tmp_path / "d.yml", text).data), expected)


def test_yaml_keys_that_cannot_be_looked_up_are_skipped(tmp_path):
    # safe_load refuses the file; a `{{ACR}}: x` template line is such a key, and the rest is still read
    assert YamlDocument(tmp_path / "d.yml", "? [a, b]\n: complex key\nplain: value\n").data == {"plain": "value"}


def test_yaml_positions_of_keys_values_and_items(tmp_path):
    text = "name: blue  # the slot\ncode_configuration:\n  code: ../src\nvars:\n  - one\n  - 'two # not a comment'\n"
    doc = YamlDocument(tmp_path / "d.yml", text)
    name = doc.key(doc.data, "name")
    assert (name.range.start.line, name.range.start.column, name.range.end.column) == (1, 0, 10)
    code = doc.value(doc.data["code_configuration"], "code")
    assert (code.value, code.range.start.line, code.range.start.column) == ("../src", 3, 8)
    items = doc.items(doc.data["vars"])
    assert [(i.value, i.range.start.line, i.range.end.column) for i in items] == [
        ("one", 5, 7), ("two # not a comment", 6, 25)]


def test_bad_yaml_is_one_line_error(tmp_path):
    for text in ("a: [1, 2\n", "a: !unknown 1\n", "k: v\n  bad: indent\n", "a: &a 1\nb:\n  <<: *a\n"):
        with pytest.raises(YamlError) as error:
            YamlDocument(tmp_path / "d.yml", text)
        assert "\n" not in str(error.value)


@pytest.mark.parametrize(("line", "code"), [
    ("key: value", "key: value"), ("key: value # note", "key: value "), ("# only", ""),
    ("url: http://x/#frag", "url: http://x/#frag"), ("k: 'a # b' # c", "k: 'a # b' "),
])
def test_without_comment(line, code):
    assert _without_comment(line) == code


def _paths(source: str) -> list[list[str]]:
    return [parts for _, parts in _model_dir_paths(ast.parse(source), source)]


def test_model_dir_paths_with_the_name_assigned_below_its_use():
    source = (
        "import os\n"
        "def run(data):\n"
        "    return open(os.path.join(model_dir, 'model', 'churn.pkl'))\n"
        "def init():\n"
        "    global model_dir\n"
        "    if True:\n"
        "        if True:\n"
        "            model_dir = os.environ['AZUREML_MODEL_DIR']\n"
        "    p = Path(os.getenv('AZUREML_MODEL_DIR')) / 'model' / 'x.onnx'\n"
        "    q = os.path.join(os.environ.get('AZUREML_MODEL_DIR'), name)\n"
    )
    assert sorted(_paths(source)) == [["model", "churn.pkl"], ["model", "x.onnx"]]


def test_model_dir_paths_without_the_variable_are_none():
    assert _paths("import os\nmodel = open(os.path.join(os.environ['MODEL_DIR'], 'churn.pkl'))\n") == []


def test_deployment_words_past_the_first_read_are_found(tmp_path):
    path = tmp_path / "deployment.yml"
    path.write_text("# " + "x" * 100_000 + "\nendpoint_name: ep\n")
    assert may_be_deployment(path)
    path.write_text("# " + "x" * 1_000_001 + "\nendpoint_name: ep\n")
    assert not may_be_deployment(path)  # beyond the first megabyte: not read
