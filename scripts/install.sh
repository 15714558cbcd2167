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
