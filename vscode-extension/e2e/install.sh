#!/usr/bin/env bash
# Installs what the VS Code end-to-end tests need, idempotently (a second run only checks and exits):
#   - Debian packages: chromium (driven by playwright-core), and what code-server's native modules need to
#     compile (build-essential, pkg-config, libkrb5-dev), ripgrep (seeds @vscode/ripgrep's download cache);
#   - code-server (a real VS Code: Code 1.100.3, the newest release whose engines.node is 20) and
#     playwright-core, both installed locally in a cache directory outside the repository;
#   - the extension's own node_modules (npm ci; gitignored).
# Prints one line per step; the logs of the long steps go to $CACHE/logs and are shown when a step fails.
# Usage: bash vscode-extension/e2e/install.sh        (env: SCORELINT_EDITOR_CACHE to move the cache)
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
EXT="$(cd "$HERE/.." && pwd)"
CACHE="${SCORELINT_EDITOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scorelint-editors}"
CS_VERSION=4.100.3          # keep in step with tests/editors/test_vscode_e2e.py
PW_VERSION=1.65.1
RG_PKG_VERSION=1.15.11      # the @vscode/ripgrep version code-server 4.100.3 depends on
LOGS="$CACHE/logs"
mkdir -p "$LOGS"
say() { echo "vscode-e2e: $*"; }
fail_with_log() { say "FAILED: $1 (last lines of $2):"; tail -40 "$2" >&2; exit 1; }

# code-server 4.100.3 declares engines.node 20 and compiles native modules against the running node.
command -v node >/dev/null && command -v npm >/dev/null || { say "FAILED: node 20 and npm must be on PATH"; exit 1; }
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
[ "$NODE_MAJOR" = 20 ] || { say "FAILED: code-server $CS_VERSION needs node 20, found $(node -v)"; exit 1; }

# One installer at a time (install.sh and a test run may both call this).
exec 9>"$CACHE/.install.lock"
flock -w 1800 9

# --- Debian packages -------------------------------------------------------------------------------
APT_PKGS=(chromium build-essential pkg-config libkrb5-dev ripgrep)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { say "FAILED: need root or sudo to install: ${missing[*]}"; exit 1; }
    SUDO="sudo -n"
  fi
  say "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } \
    > "$LOGS/apt.log" 2>&1 || fail_with_log "apt-get install ${missing[*]}" "$LOGS/apt.log"
fi

# --- code-server, locally (not -g: a global install breaks its nested npm install) ----------------------
CS_DIR="$CACHE/code-server-$CS_VERSION"
CS_BIN="$CS_DIR/node_modules/.bin/code-server"
if ! { [ -x "$CS_BIN" ] && [ -f "$CS_DIR/.complete" ]; }; then
  say "npm install code-server@$CS_VERSION into $CS_DIR (compiles native modules; a few minutes)"
  rm -rf "$CS_DIR"; mkdir -p "$CS_DIR"
  echo '{"name":"scorelint-code-server","private":true}' > "$CS_DIR/package.json"
  # @vscode/ripgrep's postinstall downloads rg from GitHub, which is not reachable: seed its cache.
  RG_CACHE="$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-$RG_PKG_VERSION"
  mkdir -p "$RG_CACHE"
  tar -czf "$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$(dirname "$(command -v rg)")" rg
  # npm_config_yes: node-pty's postinstall runs `npx node-gyp`, which must not prompt (or be refused).
  (cd "$CS_DIR" && npm_config_yes=true npm install "code-server@$CS_VERSION" --unsafe-perm \
      --foreground-scripts --no-audit --no-fund --loglevel=error) > "$LOGS/code-server.log" 2>&1 \
    || fail_with_log "npm install code-server@$CS_VERSION" "$LOGS/code-server.log"
  "$CS_BIN" --config /dev/null --version > /dev/null 2>>"$LOGS/code-server.log" \
    || fail_with_log "code-server --version" "$LOGS/code-server.log"
  touch "$CS_DIR/.complete"
fi

# --- playwright-core (no browser download: it drives /usr/bin/chromium) ----------------------------------
PW_DIR="$CACHE/playwright-$PW_VERSION"
if [ ! -f "$PW_DIR/.complete" ]; then
  say "npm install playwright-core@$PW_VERSION into $PW_DIR"
  rm -rf "$PW_DIR"; mkdir -p "$PW_DIR"
  echo '{"name":"scorelint-playwright","private":true}' > "$PW_DIR/package.json"
  (cd "$PW_DIR" && npm install "playwright-core@$PW_VERSION" --no-audit --no-fund --loglevel=error) \
    > "$LOGS/playwright.log" 2>&1 || fail_with_log "npm install playwright-core" "$LOGS/playwright.log"
  touch "$PW_DIR/.complete"
fi

# --- the extension's node_modules (npm ci when the lock file changed) ----------------------------------
STAMP="$EXT/node_modules/.scorelint-lock.sha256"
LOCK_SUM="$(sha256sum "$EXT/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$STAMP" 2>/dev/null)" != "$LOCK_SUM" ]; then
  say "npm ci in vscode-extension/"
  (cd "$EXT" && npm ci --no-audit --no-fund --loglevel=error) > "$LOGS/extension-npm.log" 2>&1 \
    || fail_with_log "npm ci (vscode-extension)" "$LOGS/extension-npm.log"
  echo "$LOCK_SUM" > "$STAMP"
fi

# Where the tests find these (read by tests/editors/test_vscode_e2e.py).
printf '{"code_server": "%s", "playwright": "%s", "chromium": "%s", "code_server_version": "%s"}\n' \
  "$CS_BIN" "$PW_DIR/node_modules" "$(command -v chromium)" "$CS_VERSION" > "$CACHE/paths.json"
echo "vscode-e2e: ready; paths in $CACHE/paths.json"
