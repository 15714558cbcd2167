"""The language server on deployment files: a deployment YAML and the conda file it uses get the deployment
rules' findings from their unsaved buffers, on the YAML line they concern; other YAML gets none; the scoring
script a deployment names gets the findings at its imports, as on the command line."""

from __future__ import annotations

import shutil

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from .helpers import Doc, codes
from ..conftest import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.timeout(90)]

FIXTURE = ROOT / "tests" / "fixtures" / "deployments" / "online"


def _project(client: LanguageClient):
    shutil.copytree(FIXTURE, client.root / "project")
    return client.root / "project"


def _lines(diagnostics) -> dict[str, int]:
    return {str(d.code): d.range.start.line + 1 for d in diagnostics}


async def test_deployment_yaml_gets_its_findings_from_the_buffer(client: LanguageClient):
    project = _project(client)
    path = project / "deploy" / "blue-deployment.yml"
    yaml = Doc(client, path, path.read_text(), language_id="yaml")
    found = await yaml.open()
    assert _lines(found) == {"SL705": 15, "SL707": 16, "SL706": 18}
    assert all(d.source == "scorelint" for d in found)
    fixed = yaml.text.replace("request_timeout_ms: 240000", "request_timeout_ms: 60000")
    assert codes(await yaml.change(fixed)) == ["SL706", "SL707"]  # unsaved: the buffer is what counts


async def test_conda_file_gets_the_findings_that_land_in_it(client: LanguageClient):
    project = _project(client)
    path = project / "env" / "conda.yaml"
    conda = Doc(client, path, path.read_text(), language_id="yaml")
    found = await conda.open()
    assert _lines(found) == {"SL708": 5}
    assert codes(await conda.change(conda.text.replace("python=3.8", "python=3.11"))) == []


async def test_other_yaml_gets_nothing(client: LanguageClient):
    path = client.root / "ci.yml"
    path.write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n")
    assert await Doc(client, path, path.read_text(), language_id="yaml").open() == []


async def test_scoring_script_gets_the_findings_at_its_imports(client: LanguageClient):
    """main.py (named by blue-deployment.yml, whatever its name) imports pandas, which the environment does
    not install: SL702 and SL704 at the imports, beside the script's own findings. They are computed from the
    saved file, kept while the buffer is edited, and read again on save."""
    project = _project(client)
    path = project / "src" / "main.py"
    script = Doc(client, path, path.read_text())
    found = await script.open()
    assert {c: line for c, line in _lines(found).items() if c.startswith("SL7")} == {"SL702": 5, "SL704": 6}
    edited = script.text.replace("import pandas as pd\n", "import pandas as pd  # noqa: SL702\n")
    assert {"SL702", "SL704"} <= set(codes(await script.change(edited)))  # unsaved: the last ones are kept
    path.write_text(edited)
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        text_document=types.TextDocumentIdentifier(uri=script.uri)))
    assert "SL702" not in codes(await script.diagnostics())  # saved: the suppression comment counts
