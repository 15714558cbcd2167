"""The model rules (SL5xx) and unused-suppression (SL009) with every rule enabled, as users run them.

The rules' own examples (tests/test_rule_examples.py) run each rule alone; these tests run the whole
registry, apply fixes across rules, and check what only shows when rules meet: suppressions used by other
rules, the Microsoft template fixed end to end, fixes that touch the same statement.
"""

from __future__ import annotations

import textwrap

from scorelint.api import Linter
from scorelint.config import Settings
from scorelint.model import Severity
from scorelint.registry import Registry
from scorelint.rule import ANY_SCRIPT, Invalid, Rule, Valid


def _lint(text: str, **settings):
    return Linter(Settings(**settings)).lint_text(textwrap.dedent(text))


def _codes(result) -> list[str]:
    return [d.code for d in result.diagnostics]


# The shape of Microsoft's entry-script template (seeds/): old joblib import, os.getenv, global model.
TEMPLATE = """\
import json
import numpy as np
import os
from sklearn.externals import joblib

def init():
    global model
    model_path = os.path.join(os.getenv('AZUREML_MODEL_DIR'), 'sklearn_mnist_model.pkl')
    model = joblib.load(model_path)

def run(data):
    data = np.array(json.loads(data))
    result = model.predict(data)
    return result.tolist()
"""


def test_the_template_is_flagged_and_fixed_by_the_model_rules():
    linter = Linter(Settings(select=("SL5",)))
    result = linter.lint_text(TEMPLATE)
    assert sorted(_codes(result)) == ["SL501", "SL504"]
    outcome = linter.fix_text(TEMPLATE)
    assert "import joblib\n" in outcome.text and "sklearn.externals" not in outcome.text
    assert "os.path.join(os.environ['AZUREML_MODEL_DIR'], 'sklearn_mnist_model.pkl')" in outcome.text
    assert outcome.result.diagnostics == []


def test_used_and_unused_suppressions_with_every_rule():
    text = """\
    import os
    from sklearn.externals import joblib  # noqa: SL504

    def init():
        global model
        # scorelint: ignore[model-dir-may-be-none]
        path = os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl")
        model = joblib.load(path)  # noqa: SL503, F821

    def run(data):
        return model.predict(data).tolist()  # scorelint: ignore[init-missing-global, E501]
    """
    result = _lint(text)
    unused = [d for d in result.diagnostics if d.code == "SL009"]
    assert [d.line for d in unused] == [8, 11], [(d.line, d.message) for d in result.diagnostics]
    assert "SL503 (model-loaded-in-run)" in unused[0].help
    assert "`E501` names no scorelint rule" in unused[1].help
    assert not [d for d in result.diagnostics if d.code in ("SL501", "SL504")]  # suppressed, and used
    fixed = Linter(Settings()).fix_text(textwrap.dedent(text))
    assert "joblib.load(path)  # noqa: F821\n" in fixed.text
    assert "return model.predict(data).tolist()\n" in fixed.text
    assert not [d for d in fixed.result.diagnostics if d.code == "SL009"]


def test_suppressions_of_online_rules_on_a_batch_script_are_not_judged():
    text = """\
    def init():
        pass

    def run(mini_batch):
        print(mini_batch)  # noqa: SL206, SL208
        return mini_batch  # scorelint: ignore[batch-return-shape]
    """
    result = _lint(text)
    assert [(d.line, d.code) for d in result.diagnostics] == [(6, "SL009")]


def test_a_crashing_rule_leaves_its_suppressions_alone():
    class Crashes(Rule):
        """Crashes on every file.

        ## What it does
        Nothing useful.

        ## Why is this bad?
        It is a test double of a buggy rule pack, run through the real engine.

        ## Example
        ```python
        x = 1
        ```

        ## Use instead
        ```python
        x = 1
        ```
        """

        code = "SL998"
        name = "crashes-for-tests"
        severity = Severity.INFO
        contract = "tests"
        kinds = ANY_SCRIPT
        VALID = [Valid("x = 1\n")]
        INVALID = [Invalid("x = 1\n")]

        def check(self) -> None:
            raise RuntimeError("boom")

    from scorelint_rules import ALL_RULES

    registry = Registry([*ALL_RULES, Crashes])
    text = "def init():\n    pass\n\ndef run(data):\n    return data  # noqa: SL998, SL501\n"
    result = Linter(Settings(), registry).lint_text(text)
    assert any("SL998" in e for e in result.internal_errors)
    unused = [d for d in result.diagnostics if d.code == "SL009"]
    assert len(unused) == 1 and unused[0].message.startswith("In `# noqa: SL998, SL501`, `SL501` suppresses nothing")
    fixed = Linter(Settings(), registry).fix_text(text)
    assert fixed.text.endswith("return data  # noqa: SL998\n")


def test_unused_suppression_can_be_turned_off_per_file_or_by_selection():
    text = "def init():\n    pass\n\ndef run(data):\n    return data  # noqa: SL501\n"
    assert _codes(_lint(text)) == ["SL009"]
    assert _codes(_lint(text, ignore=("unused-suppression",))) == []
    assert _codes(_lint("# scorelint: ignore-file[SL009]\n" + text)) == []


def test_init_missing_global_fixes_every_name_into_one_statement():
    text = """\
    import joblib

    def init():
        '''Load everything once.'''
        model = joblib.load("model.pkl")
        scaler = joblib.load("scaler.pkl")
        encoder = joblib.load("encoder.pkl")

    def run(data):
        return model.predict(encoder.transform(scaler.transform(data))).tolist()
    """
    linter = Linter(Settings(select=("SL502",)))
    assert len(linter.lint_text(textwrap.dedent(text)).diagnostics) == 3
    outcome = linter.fix_text(textwrap.dedent(text))
    assert "    '''Load everything once.'''\n    global model, scaler, encoder\n    model = " in outcome.text
    assert outcome.result.diagnostics == []


def test_init_missing_global_never_extends_a_global_that_comes_too_late():
    text = """\
    def init():
        model = load()
        global other
        other = 1

    def run(data):
        return model(data), other
    """
    outcome = Linter(Settings(select=("SL502",))).fix_text(textwrap.dedent(text))
    compile(outcome.text, "score.py", "exec")  # `global model` after `model = ...` would be a SyntaxError
    assert outcome.text.startswith("def init():\n    global model\n    model = load()\n")


def test_model_rules_apply_to_batch_scripts_too():
    text = """\
    import os
    import joblib

    def init():
        pass

    def run(mini_batch):
        model = joblib.load(os.path.join(os.getenv("AZUREML_MODEL_DIR"), "model.pkl"))
        return [model.predict(path) for path in mini_batch]
    """
    result = _lint(text)
    assert sorted(_codes(result)) == ["SL501", "SL503"]
    assert "every mini-batch" in next(d.help for d in result.diagnostics if d.code == "SL503")


# --- the runtime claims, checked with the real interpreter ---------------------------------------------
RUNTIME_SCRIPT = """\
import os
import pickle

def init():
    model_path = os.path.join(os.getenv('AZUREML_MODEL_DIR'), 'model.pkl')
    with open(model_path, 'rb') as handle:
        model = pickle.load(handle)

def run(data):
    return model.predict(data)
"""


def _call(tmp_path, text: str, code: str, model_dir: str | None):
    import os
    import subprocess
    import sys

    (tmp_path / "score.py").write_text(text)
    env = {k: v for k, v in os.environ.items() if k != "AZUREML_MODEL_DIR"}
    if model_dir is not None:
        env["AZUREML_MODEL_DIR"] = model_dir
    return subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)


def test_model_dir_claims_hold_at_run_time(tmp_path):
    """Without AZUREML_MODEL_DIR, init fails with the TypeError SL501 describes; after its fix, with a
    KeyError naming the variable."""
    assert "SL501" in _codes(_lint(RUNTIME_SCRIPT))
    before = _call(tmp_path, RUNTIME_SCRIPT, "import score; score.init()", None)
    assert "TypeError: expected str, bytes or os.PathLike object, not NoneType" in before.stderr
    fixed = Linter(Settings(select=("SL501",))).fix_text(RUNTIME_SCRIPT).text
    after = _call(tmp_path, fixed, "import score; score.init()", None)
    assert "KeyError: 'AZUREML_MODEL_DIR'" in after.stderr


def test_init_missing_global_claims_hold_at_run_time(tmp_path):
    """init loads the model into a local: run raises NameError; with SL502's fix, run sees the model."""
    import pickle

    class_code = "class Model:\n    def predict(self, data):\n        return [x * 2 for x in data]\n"
    (tmp_path / "model_def.py").write_text(class_code)
    script = "from model_def import Model\n" + RUNTIME_SCRIPT.replace("os.getenv('AZUREML_MODEL_DIR')",
                                                                     "os.environ['AZUREML_MODEL_DIR']")
    import sys
    sys.path.insert(0, str(tmp_path))
    try:
        import model_def

        with open(tmp_path / "model.pkl", "wb") as handle:
            pickle.dump(model_def.Model(), handle)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("model_def", None)
    code = "import score; score.init(); print(score.run([1, 2]))"
    assert "SL502" in _codes(_lint(script))
    before = _call(tmp_path, script, code, str(tmp_path))
    assert "NameError: name 'model' is not defined" in before.stderr
    fixed = Linter(Settings(select=("SL502",))).fix_text(script).text
    after = _call(tmp_path, fixed, code, str(tmp_path))
    assert after.returncode == 0 and after.stdout.strip() == "[2, 4]", after.stderr
