"""Deployments through the real command line: the fixture projects under tests/fixtures/deployments, every
output format, suppressions and selection in YAML, bad YAML, and the cold path without deployments."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "deployments"
SCORELINT = [sys.executable, "-m", "scorelint"]


def scorelint(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([*SCORELINT, "check", "--no-cache", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def findings(*args: str, cwd: Path = ROOT) -> list[dict]:
    out = scorelint("--output-format", "json", *args, cwd=cwd)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


def where(items: list[dict]) -> set[tuple[str, int, str]]:
    return {(Path(f["path"]).as_posix(), f["line"], f["name"]) for f in items}


ONLINE = "tests/fixtures/deployments/online"
EXPECTED_ONLINE = {
    (f"{ONLINE}/src/main.py", 5, "package-not-in-environment"),
    (f"{ONLINE}/src/main.py", 6, "inference-schema-not-in-environment"),
    (f"{ONLINE}/deploy/blue-deployment.yml", 15, "request-timeout-above-maximum"),
    (f"{ONLINE}/deploy/blue-deployment.yml", 16, "concurrency-without-worker-count"),
    (f"{ONLINE}/deploy/blue-deployment.yml", 18, "probe-value-below-minimum"),
    (f"{ONLINE}/env/conda.yaml", 5, "python-below-server-minimum"),
    (f"{ONLINE}/deploy/green-deployment.yml", 7, "scoring-script-not-found"),
}


def test_folder_finds_deployments_and_reports_on_each_file():
    items = findings(ONLINE)
    assert where(items) == EXPECTED_ONLINE
    # Not reported: the import under try/except ImportError (orjson), the local package `lib`, the
    # registered environment of green-deployment.yml, the suppressed readiness probe and `import yaml`.


def test_one_deployment_file_checks_the_script_it_names_whatever_its_name():
    items = findings(f"{ONLINE}/deploy/blue-deployment.yml")
    assert (f"{ONLINE}/src/main.py", 5, "package-not-in-environment") in where(items)
    assert not any("green" in f["path"] for f in items)
    # main.py is not an entry script by name: it is linted because the deployment names it.
    scripts_only = findings(f"{ONLINE}/src")
    assert scripts_only == [] or all(f["path"].endswith("main.py") for f in scripts_only)


def test_clean_project_has_no_findings():
    out = scorelint("tests/fixtures/deployments/clean")
    assert out.returncode == 0, out.stdout + out.stderr


def test_batch_deployment_is_read():
    items = findings("tests/fixtures/deployments/batch")
    assert where(items) == {("tests/fixtures/deployments/batch/deployment.yml", 12, "environment-file-not-found")}


def test_select_and_ignore_apply_to_deployment_rules():
    assert where(findings(ONLINE, "--select", "SL705")) == {
        (f"{ONLINE}/deploy/blue-deployment.yml", 15, "request-timeout-above-maximum")}
    ignored = where(findings(ONLINE, "--ignore", "SL7"))
    assert not any(name for _, _, name in ignored if name in {n for _, _, n in EXPECTED_ONLINE})


def test_suppression_comments_in_yaml(tmp_path):
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "online", project)
    yaml = project / "deploy" / "blue-deployment.yml"
    text = yaml.read_text()
    text = text.replace("  request_timeout_ms: 240000", "  # scorelint: ignore[SL705]\n  request_timeout_ms: 240000")
    text = text.replace("  initial_delay: 0", "  initial_delay: 0  # noqa: SL706")
    yaml.write_text(text)
    names = {f["name"] for f in findings(".", cwd=project) if f["path"].endswith("blue-deployment.yml")}
    assert names == {"concurrency-without-worker-count"}
    yaml.write_text("# scorelint: ignore-file[concurrency-without-worker-count]\n" + yaml.read_text())
    assert not [f for f in findings(".", cwd=project) if f["path"].endswith("blue-deployment.yml")]


def test_sarif_names_every_file_as_an_artifact():
    out = scorelint("--output-format", "sarif", ONLINE)
    run = json.loads(out.stdout)["runs"][0]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {f"{ONLINE}/src/main.py", f"{ONLINE}/deploy/blue-deployment.yml",
                    f"{ONLINE}/deploy/green-deployment.yml", f"{ONLINE}/env/conda.yaml"}
    rule_ids = {r["ruleId"] for r in run["results"]}
    assert {"SL701", "SL702", "SL705", "SL708"} <= rule_ids
    artifacts = run["artifacts"]
    assert {a["location"]["uri"] for a in artifacts} == uris
    assert {a["location"]["uri"]: a.get("sourceLanguage") for a in artifacts}[f"{ONLINE}/env/conda.yaml"] == "yaml"
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifacts[location["index"]]["location"]["uri"] == location["uri"]


def test_ci_annotations_point_at_the_yaml_line():
    github = scorelint("--output-format", "github", ONLINE).stdout
    assert f"::error file={ONLINE}/deploy/blue-deployment.yml,line=15," in github
    azure = scorelint("--output-format", "azure", ONLINE).stdout
    assert f"sourcepath={ONLINE}/env/conda.yaml;linenumber=5;" in azure


def test_bad_yaml_named_on_the_command_line_is_one_line_error(tmp_path):
    path = tmp_path / "deployment.yml"
    path.write_text("endpoint_name: x\ncode_configuration: [unclosed\n")
    out = scorelint(str(path))
    assert out.returncode == 2
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "not valid YAML" in lines[0] and "Traceback" not in out.stderr


def test_named_yaml_that_no_deployment_uses_is_left_alone(tmp_path):
    """pre-commit names every changed YAML (workflows, configs): only deployment files concern scorelint."""
    path = tmp_path / "ci.yml"
    path.write_text("name: just-some-yaml\n")
    out = scorelint(str(path))
    assert "Traceback" not in out.stderr and "error" not in out.stderr, out.stderr
    assert out.returncode == 0


@pytest.mark.parametrize("changed", ["env/conda.yaml", "src/main.py", "src/lib/features.py"])
def test_a_changed_file_checks_the_deployments_that_use_it(tmp_path, changed):
    """What pre-commit does: it names the changed file only; the deployment that uses it is checked."""
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "online", project)
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    names = {(Path(f["path"]).name, f["name"]) for f in findings(changed, cwd=project)}
    assert ("conda.yaml", "python-below-server-minimum") in names
    assert ("blue-deployment.yml", "request-timeout-above-maximum") in names


def test_a_changed_requirements_file_checks_its_deployment(tmp_path):
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "clean", project)
    conda = project / "environment" / "conda.yaml"
    conda.write_text(conda.read_text().replace("    - pandas\n", "    - -r ../requirements.txt\n"))
    (project / "requirements.txt").write_text("pandas\nazureml-inference-server-http\n")
    (project / "onlinescoring" / "score.py").write_text(
        (project / "onlinescoring" / "score.py").read_text().replace("import numpy as np", "import numpy as np\nimport yaml"))
    items = findings("requirements.txt", cwd=project)
    assert {(Path(f["path"]).name, f["name"]) for f in items} == {("score.py", "package-not-in-environment")}


def test_unrelated_yaml_in_a_folder_is_ignored(tmp_path):
    (tmp_path / "ci.yml").write_text("on: push\njobs: {}\n")
    (tmp_path / "endpoint.yml").write_text("$schema: https://azuremlschemas.azureedge.net/latest/"
                                           "managedOnlineEndpoint.schema.json\nname: ep\nauth_mode: key\n")
    out = scorelint(str(tmp_path))
    assert out.returncode == 0, out.stdout + out.stderr


_IMPORTED = """
import runpy, sys
sys.argv = ["scorelint", "check", "--no-cache", "--exit-zero", sys.argv[1]]
try:
    runpy.run_module("scorelint", run_name="__main__")
except SystemExit:
    pass
print(sorted(m for m in sys.modules if m.split(".")[0] in ("ruamel", "yaml", "packaging", "azure")))
"""


def test_cold_path_imports_no_yaml_library_without_deployments(tmp_path):
    (tmp_path / "score.py").write_text("def init():\n    pass\n\ndef run(data):\n    return data\n")
    (tmp_path / "ci.yml").write_text("on: push\n")
    out = subprocess.run([sys.executable, "-c", _IMPORTED, str(tmp_path)], capture_output=True, text=True,
                         timeout=60, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout + out.stderr
    with_deployment = subprocess.run([sys.executable, "-c", _IMPORTED, str(FIXTURES / "clean")],
                                     capture_output=True, text=True, timeout=60, cwd=ROOT)
    imported = with_deployment.stdout.strip().splitlines()[-1]
    assert "'yaml'" in imported and "'azure" not in imported


def test_readme_deployment_sample_is_a_real_run():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = readme.split("## Deployments\n", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    command, expected = sample.split("\n", 1)
    assert command == "$ cd tests/fixtures/deployments && scorelint check online"
    out = scorelint("--output-format", "concise", "online", cwd=FIXTURES)
    assert out.stdout == expected


def test_deployment_interpreter_metadata_through_python_option():
    """--python runs scorelint/deployment/installed.py under that interpreter: the same interpreter as the
    default gives the same findings, through the subprocess path."""
    default = findings(ONLINE)
    through = findings(ONLINE, "--python", sys.executable)
    assert where(through) == where(default)


def test_sdk_definitions_in_python_are_read():
    """SDK v2 (`ManagedOnlineDeployment(...)` with nested `CodeConfiguration`, `Environment`,
    `OnlineRequestSettings`, `ProbeSettings`, module-level constants) and SDK v1 (`InferenceConfig` with
    `CondaDependencies.create`): findings on the keyword arguments' lines, and on the script they name."""
    sdk = "tests/fixtures/deployments/sdk"
    items = findings(sdk)
    assert where(items) == {
        (f"{sdk}/deploy_v2.py", 20, "scoring-script-not-found"),
        (f"{sdk}/deploy_v2.py", 22, "request-timeout-above-maximum"),
        (f"{sdk}/deploy_v2.py", 22, "concurrency-without-worker-count"),
        (f"{sdk}/deploy_v2.py", 23, "probe-value-below-minimum"),
        (f"{sdk}/src/score.py", 5, "package-not-in-environment"),
    }
    v1 = next(f for f in items if f["path"].endswith("score.py"))
    assert v1["severity"] == "info" and "azureml-defaults" in v1["help"]  # what it brings is unknown here


def test_sdk_call_with_variables_is_not_guessed(tmp_path):
    """`code=PROJECT_ROOT` computed at run time (Azure-Samples/AzureML_industry_labs): the script's place is
    unknown, so a literal scoring_script is not looked for beside the file."""
    (tmp_path / "deploy.py").write_text(
        "from azure.ai.ml.entities import ManagedOnlineDeployment, CodeConfiguration\n"
        "import sys\n"
        "folder = sys.argv[1]\n"
        "d = ManagedOnlineDeployment(name='b', endpoint_name='e', instance_type='x', instance_count=1,\n"
        "    code_configuration=CodeConfiguration(code=folder, scoring_script='pipeline/score.py'))\n")
    out = scorelint(str(tmp_path))
    assert "SL701" not in out.stdout, out.stdout


def test_a_deployment_yaml_created_later_is_found_by_a_long_lived_process(tmp_path, monkeypatch):
    """The language server runs for hours: the project's list of deployment YAML is trusted for a few
    seconds (pre-commit's many files of one project share one walk), not for the whole process."""
    from scorelint.deployment import related

    shutil.copytree(FIXTURES / "online", tmp_path / "project")
    (tmp_path / "project" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    script = tmp_path / "project" / "src" / "main.py"
    before = {p.name for p in related.candidate_yaml(script)}
    assert before == {"blue-deployment.yml", "green-deployment.yml"}
    shutil.copy(tmp_path / "project" / "deploy" / "blue-deployment.yml", tmp_path / "project" / "deploy" / "red.yml")
    assert {p.name for p in related.candidate_yaml(script)} == before  # within the window: the same walk
    monkeypatch.setattr(related, "FRESH_SECONDS", 0.0)
    assert {p.name for p in related.candidate_yaml(script)} == before | {"red.yml"}
