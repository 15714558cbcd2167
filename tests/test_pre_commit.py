"""The pre-commit hooks (.pre-commit-hooks.yaml), run by the real `pre-commit try-repo`.

pre-commit installs scorelint from a git repository into an environment of its own, as a user's
`.pre-commit-config.yaml` would. The repository here is a snapshot of this checkout's working files (the
packaging files and the packages), committed into a git repository in a stable cache folder with fixed
dates, so the same sources give the same commit and pre-commit reuses the environment it built last time.
PRE_COMMIT_HOME points into that cache folder too; the first run downloads the dependencies from PyPI.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("SCORELINT_TEST_CACHE", Path(tempfile.gettempdir()) / "scorelint-test-cache"))
SNAPSHOT_PATHS = [".pre-commit-hooks.yaml", "pyproject.toml", "README.md", "scorelint", "rules/scorelint_rules",
                  "lsp/scorelint_lsp"]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "scorelint tests", "GIT_AUTHOR_EMAIL": "tests@scorelint.invalid",
    "GIT_COMMITTER_NAME": "scorelint tests", "GIT_COMMITTER_EMAIL": "tests@scorelint.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
}

pytestmark = pytest.mark.timeout(600)

BAD = """\
import json


def init():
    pass


def run_model(data):
    return json.loads(data)
"""
GOOD = BAD.replace("def run_model(", "def run(")
FIXABLE = """\
import json

import azureml.contrib.services.aml_response as resp


def init():
    pass


def run(data):
    return resp.AMLResponse(json.loads(data), 200, json_str=True)
"""
# Not an entry-script name: the hooks' default `files` pattern leaves it alone (it has no init/run).
HELPER = "def helper(x):\n    return x\n"


def git(*args: str, cwd: Path) -> str:
    env = dict(os.environ, **GIT_ENV)
    done = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


def _ignore(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n in ("__pycache__", "node_modules") or n.endswith((".pyc", ".egg-info"))}


@pytest.fixture(scope="module")
def hook_repo():
    """A git repository holding this checkout's hooks and sources; yields (path, env for pre-commit)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "pre-commit.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # other test runs on this machine share the cache
        repo = CACHE / "scorelint-hooks-repo"
        if repo.exists():
            shutil.rmtree(repo)
        repo.mkdir()
        for rel in SNAPSHOT_PATHS:
            source = ROOT / rel
            if source.is_dir():
                shutil.copytree(source, repo / rel, ignore=_ignore)
            else:
                (repo / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, repo / rel)
        git("init", "-q", "-b", "main", cwd=repo)
        git("add", "-A", cwd=repo)
        git("commit", "-q", "-m", "snapshot for the pre-commit hook tests", cwd=repo)
        env = dict(os.environ, **GIT_ENV, PRE_COMMIT_HOME=str(CACHE / "pre-commit-home"), PRE_COMMIT_COLOR="never")
        env.pop("VIRTUAL_ENV", None)
        yield repo, env


def try_repo(hook_repo, project: Path, hook: str) -> subprocess.CompletedProcess:
    repo, env = hook_repo
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(repo), hook, "--all-files",
                           "--verbose"], cwd=project, env=env, capture_output=True, text=True, timeout=600)
    print(f"pre-commit try-repo {hook}: exit {done.returncode} in {time.perf_counter() - started:.1f}s")
    return done


def make_project(tmp_path: Path, files: dict[str, str]) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    git("init", "-q", "-b", "main", cwd=project)
    for name, text in files.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    git("add", "-A", cwd=project)
    return project


def test_scorelint_hook_fails_on_a_bad_script_and_passes_on_a_good_one(hook_repo, tmp_path):
    project = make_project(tmp_path, {"deploy/score.py": BAD, "deploy/helpers.py": HELPER})
    failed = try_repo(hook_repo, project, "scorelint")
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert "deploy/score.py:1:1: SL003 [missing-run]" in output, output
    assert "helpers.py" not in output, output  # outside the hook's `files` pattern

    (project / "deploy/score.py").write_text(GOOD)
    git("add", "-A", cwd=project)
    passed = try_repo(hook_repo, project, "scorelint")
    output = passed.stdout + passed.stderr
    assert passed.returncode == 0, output
    assert "scorelint" in output and "Passed" in output, output


def test_scorelint_fix_hook_rewrites_the_file_then_passes(hook_repo, tmp_path):
    project = make_project(tmp_path, {"score_images.py": FIXABLE})
    first = try_repo(hook_repo, project, "scorelint-fix")
    output = first.stdout + first.stderr
    # pre-commit fails a hook that modified files, even when nothing is left to report.
    assert first.returncode == 1, output
    assert "files were modified by this hook" in output, output
    fixed = (project / "score_images.py").read_text()
    assert fixed == FIXABLE.replace("azureml.contrib.services.aml_response",
                                    "azureml_inference_server_http.api.aml_response")

    git("add", "-A", cwd=project)
    second = try_repo(hook_repo, project, "scorelint-fix")
    assert second.returncode == 0, second.stdout + second.stderr


def test_hook_skips_test_modules_and_excluded_files_and_sees_any_case(hook_repo, tmp_path):
    """pre-commit names every file: `--force-exclude` in the hooks applies the exclusions to them (a pytest
    module named like a script, the configuration's `exclude`), and `Score.py` is an entry script too."""
    project = make_project(tmp_path, {
        "tests/test_score.py": "def test_scores():\n    assert True\n",
        "legacy/old_score.py": BAD,
        "pyproject.toml": '[tool.scorelint]\nexclude = ["legacy/**"]\n',
        "deploy/Score.py": BAD,
    })
    done = try_repo(hook_repo, project, "scorelint")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "deploy/Score.py:1:1: SL003 [missing-run]" in output, output
    assert "test_score.py" not in output and "old_score.py" not in output, output

    (project / "deploy/Score.py").unlink()
    git("add", "-A", cwd=project)
    passed = try_repo(hook_repo, project, "scorelint")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_hook_checks_a_deployment_when_its_conda_file_changes(hook_repo, tmp_path):
    """The hooks see YAML and requirements files: a conda file pins Python 3.8 under a pinned server 1.5.1."""
    project = make_project(tmp_path, {
        "deploy/deployment.yml": (ROOT / "tests/fixtures/deployments/clean/deployment.yml").read_text(),
        "deploy/onlinescoring/score.py": (ROOT / "tests/fixtures/deployments/clean/onlinescoring/score.py").read_text(),
        "deploy/model/weights.npy": "weights\n",
        "deploy/environment/conda.yaml": "dependencies:\n  - python=3.8\n  - numpy\n  - pip:\n"
                                         "    - azureml-inference-server-http==1.5.1\n",
        ".github/workflows/ci.yml": "on: push\njobs: {}\n",
    })
    done = try_repo(hook_repo, project, "scorelint")
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "deploy/environment/conda.yaml:2:5: SL708 [python-below-server-minimum]" in output, output
    assert "ci.yml" not in output, output


def test_the_readme_snippet_names_the_release_tag_of_this_version(hook_repo, tmp_path):
    """README's snippet works as written: its `rev` is `v` + scorelint.__version__ (the hooks file's comment
    says the same), and pre-commit, given that snippet with the repository's address replaced by a copy
    tagged with that name, installs the hook from the tag and runs it."""
    import re

    from scorelint import __version__

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    snippet = readme.split("## Pre-commit\n\n```yaml\n", 1)[1].split("```", 1)[0]
    assert re.search(r"^\s*rev: (\S+)$", snippet, re.M).group(1) == f"v{__version__}"
    hooks_comment = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert f"#     rev: v{__version__}\n" in hooks_comment

    repo, env = hook_repo
    git("tag", "-f", f"v{__version__}", cwd=repo)
    project = make_project(tmp_path, {"deploy/score.py": BAD, ".pre-commit-config.yaml": snippet.replace(
        "https://github.com/scorelint/scorelint", str(repo))})
    done = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "deploy/score.py:1:1: SL003 [missing-run]" in output, output
