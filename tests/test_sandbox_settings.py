"""The sandbox's settings: the trust boundary (items 2 and 10 of issue 16), through the real commands.

The checked project's pyproject.toml is someone else's file (a pull request, a cloned repository): it may
not choose the interpreter nor weaken isolation; the user may, on the command line, in their own
configuration file (trusted-projects) or, in an editor, by trusting the workspace. Settings of the wrong
type or out of range are one line naming the file and the key, exit code 2, in every command.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from scorelint.config import Settings
from scorelint.sandbox import options_from_settings
from scorelint.sandbox._process import SandboxError

SCRIPT = """
from inference_schema.parameter_types.standard_py_parameter_type import StandardPythonParameterType
from inference_schema.schema_decorators import input_schema


def init():
    pass


@input_schema("data", StandardPythonParameterType({"x": 1}))
def run(data):
    return data
"""


@pytest.fixture
def user_home(tmp_path, monkeypatch):
    """An empty user configuration folder (XDG_CONFIG_HOME), for this process and the commands it runs."""
    folder = tmp_path / "xdg"
    folder.mkdir()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    return folder


def project(tmp_path: Path, table: str) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "score.py").write_text(SCRIPT)
    (folder / "pyproject.toml").write_text("[tool.scorelint]\n[tool.scorelint.sandbox]\n" + textwrap.dedent(table))
    return folder


def evil_interpreter(folder: Path) -> Path:
    """A program that leaves a mark if anyone runs it."""
    evil = folder / "evil.sh"
    evil.write_text(f"#!/bin/sh\ntouch {folder / 'RAN'}\nexec {sys.executable} \"$@\"\n")
    evil.chmod(0o755)
    return evil


def scorelint(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "scorelint", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120, env=os.environ.copy())


@pytest.mark.parametrize("command", [("check", "--sandbox", "--no-cache"), ("swagger",), ("try",)])
def test_the_project_cannot_choose_the_interpreter_nor_turn_isolation_off(tmp_path, user_home, command):
    folder = project(tmp_path, 'python = "./evil.sh"\nnamespaces = false\n')
    evil_interpreter(folder)
    done = scorelint(*command, folder / "score.py", cwd=folder)
    assert not (folder / "RAN").exists(), "the project's interpreter ran"
    assert done.returncode == 0, done.stdout + done.stderr
    assert "python = './evil.sh' is ignored" in done.stderr
    assert "namespaces = False is ignored" in done.stderr
    assert "less isolation" not in done.stderr  # the namespaces stayed on


def test_the_user_may_trust_the_project(tmp_path, user_home):
    folder = project(tmp_path, 'python = "./evil.sh"\n')
    evil_interpreter(folder)
    (user_home / "scorelint").mkdir()
    (user_home / "scorelint" / "config.toml").write_text(f'[sandbox]\ntrusted-projects = ["{folder}"]\n')
    done = scorelint("swagger", folder / "score.py", cwd=folder)
    assert done.returncode == 0, done.stderr
    assert (folder / "RAN").exists() and "ignored" not in done.stderr


def test_the_project_cannot_show_the_sandbox_a_folder_outside_it(tmp_path, user_home):
    """The sandbox binds the model folder and the application root into its view: a project's table naming a
    folder outside the project (a link out of it included) is ignored with a note; one inside is taken."""
    outside = tmp_path / "keys"
    outside.mkdir()
    (outside / "id_rsa").write_text("s3cr3t")
    folder = project(tmp_path, f'model-dir = "{outside}"\napp-root = "linked"\n')
    (folder / "linked").symlink_to(outside)
    (folder / "score.py").write_text("import os\nprint('model:', os.listdir(os.environ['AZUREML_MODEL_DIR']))\n"
                                     + SCRIPT)
    done = scorelint("try", folder / "score.py", cwd=folder)  # try shows what the script printed
    assert done.returncode == 0, done.stderr
    assert f"model-dir = '{outside}' is ignored" in done.stderr and "app-root = 'linked' is ignored" in done.stderr
    assert "model: []" in done.stdout + done.stderr and "id_rsa" not in done.stdout + done.stderr, done
    (folder / "model").mkdir()
    (folder / "model" / "weights.bin").write_bytes(bytes(4))
    (folder / "pyproject.toml").write_text('[tool.scorelint.sandbox]\nmodel-dir = "model"\n')
    inside = scorelint("try", folder / "score.py", cwd=folder)  # try shows what the script printed
    assert "ignored" not in inside.stderr and "weights.bin" in inside.stdout + inside.stderr, inside


def test_the_command_line_chooses_the_interpreter(tmp_path, user_home):
    folder = project(tmp_path, "timeout = 5\n")
    evil = evil_interpreter(folder)
    done = scorelint("swagger", folder / "score.py", "--python", evil, cwd=folder)
    assert done.returncode == 0, done.stderr
    assert (folder / "RAN").exists()


def test_an_editor_trusted_workspace(tmp_path, user_home):
    folder = project(tmp_path, 'python = "./evil.sh"\n')
    settings = Settings(sandbox={"python": "./evil.sh"}, root=folder, config_file=folder / "pyproject.toml")
    assert options_from_settings(settings).python is None
    trusted = Settings(sandbox={"python": "./evil.sh"}, sandbox_user={"trust-project": True}, root=folder)
    assert options_from_settings(trusted).python == str(folder / "evil.sh")
    # The editor's own settings are the user's: they may choose the interpreter.
    chosen = Settings(sandbox={}, sandbox_user={"python": "/usr/bin/python3"}, root=folder)
    assert options_from_settings(chosen).python == "/usr/bin/python3"


BAD_VALUES = [
    ('timeout = "ten"', "timeout must be a number from 0.1 to 3600 seconds, not 'ten'"),
    ("timeout = 1e308", "timeout must be a number from 0.1 to 3600 seconds"),
    ("timeout = -5", "timeout must be a number from 0.1 to 3600 seconds, not -5"),
    ("memory-mb = -1", "memory-mb must be a whole number from 16"),
    ("python = 42", "python must be a path, not 42"),
    ('model-dir = ["a"]', "model-dir must be a path, not list"),
    ('namespaces = "no"', "namespaces must be true or false, not 'no'"),
    ("nan-key = 1", "unknown key 'nan-key'"),
]


@pytest.mark.parametrize("line,message", BAD_VALUES)
@pytest.mark.parametrize("command", [("check", "--sandbox", "--no-cache"), ("check", "--no-cache"), ("swagger",)])
def test_wrong_types_and_ranges_are_one_line_naming_file_and_key(tmp_path, user_home, line, message, command):
    folder = project(tmp_path, line + "\n")
    done = scorelint(*command, folder / "score.py", cwd=folder)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    errors = [text for text in done.stderr.splitlines() if message in text]
    assert errors, done.stderr
    assert str(folder / "pyproject.toml") in errors[0] and "[tool.scorelint.sandbox]" in errors[0]


def test_a_wrong_user_file_names_itself(tmp_path, user_home):
    (user_home / "scorelint").mkdir()
    (user_home / "scorelint" / "config.toml").write_text("[sandbox]\nprocesses = 0\n")
    with pytest.raises(SandboxError, match=r"config.toml: \[sandbox\] processes must be a whole number"):
        options_from_settings(Settings(root=tmp_path))


def test_require_isolation_from_the_project_only_strengthens(tmp_path, user_home):
    folder = project(tmp_path, "require-isolation = true\n")
    settings = Settings(sandbox={"require-isolation": True}, root=folder)
    assert options_from_settings(settings).require_isolation is True
    weaker = Settings(sandbox={"require-isolation": False}, sandbox_user={"require-isolation": True}, root=folder)
    assert options_from_settings(weaker).require_isolation is True
