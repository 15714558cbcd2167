#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh machine, then runs the whole suite:
# the Python tests, the language-server tests against real clients, and the editor end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
exec .venv/bin/python -m pytest "$@"
