#!/usr/bin/env bash
# Idempotent set-up of a development / CI machine: system packages, the project's virtualenv
# (.venv, with every extra), and the editor end-to-end tooling. Safe to run again; fast when done.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test,bench]"

# VS Code end-to-end tests: Debian's chromium (+ what code-server's native modules compile with), code-server
# and playwright-core in a cache outside the repository, and the extension's node_modules.
bash vscode-extension/e2e/install.sh
