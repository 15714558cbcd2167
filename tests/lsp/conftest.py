"""The language-server tests' clients: each fixture starts a real server process over stdio and drives it
with pytest-lsp's client, with the capabilities of a real editor (see helpers.py)."""

from __future__ import annotations

import sys

import pytest_lsp
from pytest_lsp import ClientServerConfig, LanguageClient

from .helpers import PROFILES, SERVER, start


@pytest_lsp.fixture(config=SERVER, params=PROFILES)
async def client(request, lsp_client: LanguageClient, tmp_path):
    await start(lsp_client, request.param, tmp_path)
    lsp_client.root = tmp_path
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SERVER)
async def vscode(lsp_client: LanguageClient, tmp_path):
    lsp_client.root = tmp_path
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=SERVER, params=["neovim"])
async def neovim(request, lsp_client: LanguageClient, tmp_path):
    lsp_client.root = tmp_path
    await start(lsp_client, request.param, tmp_path)
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-m", "scorelint", "lsp"]))
async def via_cli(lsp_client: LanguageClient, tmp_path):
    lsp_client.root = tmp_path
    await start(lsp_client, "neovim@v0.7.0", tmp_path)
    yield
    await lsp_client.shutdown_session()


_WITHOUT_SANDBOX = """
import sys
class Hide:
    def find_spec(self, name, path=None, target=None):
        if name == "scorelint.sandbox" or name.startswith("scorelint.sandbox."):
            raise ImportError("No module named 'scorelint.sandbox'")
sys.meta_path.insert(0, Hide())
from scorelint_lsp.server import main
sys.exit(main())
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[sys.executable, "-c", _WITHOUT_SANDBOX]))
async def no_sandbox(lsp_client: LanguageClient, tmp_path):
    lsp_client.root = tmp_path
    await start(lsp_client, "visual-studio-code", tmp_path)
    yield
    await lsp_client.shutdown_session()
