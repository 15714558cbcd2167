"""The project context (scorelint/codefolder.py): one code folder per folder and pipeline, shared by the
rules that follow sibling modules and the deployment checks, and what `imports()` finds in a code folder.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from scorelint.codefolder import CodeFolders
from scorelint.deployment.check import check_deployment
from scorelint.deployment.definition import read_deployment
from scorelint.project import Pipeline
from scorelint_rules._deployment_examples import conda, online_yaml

SCORE = textwrap.dedent("""
    import json
    import os

    import pickle

    import helpers


    def init():
        global model
        with open(os.path.join(os.environ["AZUREML_MODEL_DIR"], "model", "model.pkl"), "rb") as f:
            model = pickle.load(f)


    def run(raw_data):
        rows = json.loads(raw_data)["data"]
        return helpers.predict(model, rows)
    """)
HELPERS = textwrap.dedent("""
    import numpy as np
    import pandas as pd  # not in the environment below


    def predict(model, rows):
        return model.predict(np.asarray(rows))
    """)


def _project(root: Path, helpers: str = HELPERS) -> Path:
    (root / "src").mkdir()
    (root / "src" / "score.py").write_text(SCORE)
    (root / "src" / "helpers.py").write_text(helpers)
    (root / "env").mkdir()
    (root / "env" / "conda.yaml").write_text(conda("azureml-inference-server-http", "numpy"))
    (root / "model").mkdir()
    (root / "model" / "model.pkl").write_bytes(b"not a real model")
    deployment = root / "deployment.yml"
    deployment.write_text(textwrap.dedent(online_yaml()))
    return deployment


def test_the_script_rules_and_the_deployment_checks_share_one_code_folder(tmp_path):
    """The pipeline's Linter follows `helpers.predict` (SL203) and the deployment rules read helpers.py's
    imports (SL702) through the same CodeFolder object: one listing, one cache, for everyone."""
    deployment_file = _project(tmp_path)
    pipeline = Pipeline()
    script = tmp_path / "src" / "score.py"
    linter = pipeline.linter_for(script)
    assert linter.code_folders is pipeline.code_folders
    codes = [d.code for d in pipeline.lint(script, script.read_text()).diagnostics]
    assert "SL203" in codes  # helpers.predict returns a NumPy array: followed into the sibling
    folder = pipeline.code_folders.folder(tmp_path / "src")
    assert folder.parsed == 1  # helpers.py, parsed once by the engine

    results = check_deployment(read_deployment(deployment_file), pipeline.linter_for(deployment_file))
    helpers_findings = results[tmp_path / "src" / "helpers.py"].diagnostics
    assert [(d.code, d.line) for d in helpers_findings] == [("SL702", 3)]  # pandas, at the import
    assert pipeline.code_folders.folder(tmp_path / "src") is folder
    assert folder.imports(script) is folder.imports(script)  # read once while nothing changed
    assert len(list(pipeline.code_folders)) == 1


def test_an_edit_to_a_sibling_is_seen_by_both(tmp_path):
    deployment_file = _project(tmp_path)
    pipeline = Pipeline()
    script = tmp_path / "src" / "score.py"
    helpers = tmp_path / "src" / "helpers.py"
    check = lambda: check_deployment(read_deployment(deployment_file), pipeline.linter_for(deployment_file))  # noqa: E731
    assert helpers in check()
    helpers.write_text(HELPERS.replace("import pandas as pd", "import numpy") + "\n")
    assert helpers not in check()
    helpers.write_text(HELPERS.replace("return model.predict(np.asarray(rows))",
                                       "return model.predict(np.asarray(rows)).tolist()") + "\n\n")
    assert "SL203" not in [d.code for d in pipeline.lint(script, script.read_text()).diagnostics]


def test_imports_follow_relative_imports_inside_a_local_package(tmp_path):
    """`from . import io` inside a local package is that package's io.py (not one level up)."""
    (tmp_path / "score.py").write_text("import pkg\n\n\ndef init():\n    pass\n\n\ndef run(data):\n    return data\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("from . import io\nfrom .core import predict\n")
    (tmp_path / "pkg" / "io.py").write_text("import pyarrow\n")
    (tmp_path / "pkg" / "core.py").write_text("try:\n    import torch\nexcept ImportError:\n    torch = None\n"
                                              "import xgboost\n")
    found = CodeFolders().folder(tmp_path).imports(tmp_path / "score.py")
    assert sorted((s.module, s.guarded) for s in found.imports) == [("pyarrow", False), ("torch", True),
                                                                     ("xgboost", False)]
    assert {p.name for p in found.local_files} == {"score.py", "__init__.py", "io.py", "core.py"}


def test_imports_leave_out_the_standard_library_and_main_blocks(tmp_path):
    (tmp_path / "score.py").write_text(textwrap.dedent("""
        import os, json
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            import pandas
        import requests


        def init():
            pass


        def run(data):
            return data


        if __name__ == "__main__":
            import matplotlib
        """))
    found = CodeFolders().folder(tmp_path).imports(tmp_path / "score.py")
    assert [(s.module, s.guarded) for s in found.imports] == [("pandas", True), ("requests", False),
                                                                ("matplotlib", True)]


def test_one_command_line_run_reports_both_through_the_pipeline(tmp_path):
    """`scorelint check deployment.yml`: the script it names is linted (SL203 follows helpers.predict) and the
    deployment checked (SL702 reads helpers.py's imports) in one run, each finding in its own file."""
    deployment_file = _project(tmp_path)
    out = subprocess.run([sys.executable, "-m", "scorelint", "check", str(deployment_file), "--no-cache", "-j", "1",
                          "--output-format", "json", "--select", "SL203,SL702"],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 1, out.stderr
    found = sorted((Path(d["path"]).as_posix(), d["code"], d["line"]) for d in json.loads(out.stdout))
    assert found == [("src/helpers.py", "SL702", 3), ("src/score.py", "SL203", 18)]
