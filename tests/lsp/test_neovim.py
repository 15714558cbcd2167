"""A real editor: headless Neovim (Debian's 0.7.2, installed by scripts/install.sh) opens a bad score.py
with scorelint's language server attached, and writes what `vim.diagnostic.get` returns to a file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .test_lsp_server import BAD

pytestmark = [pytest.mark.slow, pytest.mark.editor, pytest.mark.timeout(120)]

SCRIPT = Path(__file__).parent / "neovim" / "scorelint_test.lua"


def test_neovim_shows_diagnostics_and_applies_a_fix(tmp_path):
    nvim = shutil.which("nvim")
    if nvim is None:
        pytest.fail("nvim is not installed: scripts/install.sh installs the Debian package `neovim` "
                    "(apt-get install neovim); this editor test needs it")
    score = tmp_path / "score.py"
    score.write_text(BAD, encoding="utf-8")
    out = tmp_path / "result.json"
    env = {**os.environ, "SCORELINT_PYTHON": sys.executable, "OUT": str(out)}
    proc = subprocess.run([nvim, "--headless", "-n", "-i", "NONE", "-u", str(SCRIPT), "score.py"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=90,
                          stdin=subprocess.DEVNULL)
    assert out.exists(), f"Neovim wrote no result (exit {proc.returncode}): {proc.stderr[-2000:]}"
    result = json.loads(out.read_text())
    assert proc.returncode == 0 and result["ok"], result

    diagnostics = {d["code"]: d for d in result["diagnostics"]}
    assert sorted(diagnostics) == ["SL002", "SL006"]
    run = diagnostics["SL006"]
    assert (run["lnum"], run["col"], run["end_lnum"], run["end_col"]) == (7, 4, 7, 7)
    assert run["severity"] == 1  # vim.diagnostic.severity.ERROR
    assert run["source"] == "scorelint"
    assert run["name"] == "run-no-input-param"
    assert run["href"].endswith("#sl006-run-no-input-param")
    assert "scorelint (SL006): Disable run-no-input-param for this line" in result["code_actions"]
    assert result["line_after_disable"] == "def run():  # scorelint: ignore[run-no-input-param]"
    assert [d["code"] for d in result["after_disable"]] == ["SL002"]
