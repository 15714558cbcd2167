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
# An editable install leaves our own modules uncompiled, and this machine sets PYTHONDONTWRITEBYTECODE:
# compile them once, as a wheel install would, so start-up times are what users get.
.venv/bin/python -m compileall -q scorelint rules/scorelint_rules lsp/scorelint_lsp >/dev/null

# Bubblewrap (what Flatpak uses to isolate applications): bench/sandbox_bench.py measures the sandbox under it
# against scorelint's own namespaces (docs/security.md, "Bubblewrap").
if ! command -v bwrap >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends bubblewrap >/dev/null
fi

# SARIF validation (tests/test_sarif.py): Microsoft's SARIF Multitool from npm, in a cache outside the repository.
# Its Linux package also ships the SARIF 2.1.0 JSON schema the test validates against (never fetched at test time).
SARIF_TOOLS="${SCORELINT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scorelint-tools}/sarif-multitool-5.7.0"
if [ ! -f "$SARIF_TOOLS/.complete" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  rm -rf "$SARIF_TOOLS" && mkdir -p "$SARIF_TOOLS"
  echo '{"name":"scorelint-sarif-tools","private":true}' > "$SARIF_TOOLS/package.json"
  (cd "$SARIF_TOOLS" && npm install --no-audit --no-fund --loglevel=error \
      @microsoft/sarif-multitool@5.7.0 @microsoft/sarif-multitool-linux@5.7.0 >/dev/null)
  touch "$SARIF_TOOLS/.complete"
fi

# Language server end-to-end test in a real editor: Debian's Neovim (0.7.2 on bookworm), headless.
if ! command -v nvim >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends neovim >/dev/null
fi

# VS Code end-to-end tests: Debian's chromium (+ what code-server's native modules compile with), code-server
# and playwright-core in a cache outside the repository, and the extension's node_modules.
bash vscode-extension/e2e/install.sh
