#!/usr/bin/env bash
# Installs the Debian packages RunLens's tests need, idempotently (a no-op taking well under a
# second when they are all there). `npm test` runs it before the tiers that need them; so does
# setup.sh, for the real VS Code tiers.
#
#   bash test/harness/system-packages.sh
#
#   chromium                      the browser the UI tests drive (through playwright-core)
#   libkrb5-dev make g++ pkg-config  code-server's native modules build from source offline
#   ripgrep                       code-server 4.90 (the VS Code 1.90 tier) downloads ripgrep 13.0.0 from
#                                 GitHub when installed; setup.sh gives it Debian's 13.0.0 instead
#   librsvg2-bin                  rsvg-convert: `npm run icon` renders media/icon.png from media/runlens.svg
#   python3                       Debian's interpreter: the Python tier runs on /usr/bin/python3,
#   python3-optuna python3-sklearn python3-matplotlib   which is the one that sees these
#   python3-pandas python3-yaml   (runlens.mlflow.search_runs's DataFrame, log_table; log_dict's YAML read back)
#   python3-pip -setuptools -wheel  (a test installs the client with pip, offline)
#   faketime                      the clock tier runs the unit and Python tiers at another date
#   locales (de_DE.UTF-8)         ... and in another locale
set -euo pipefail

PACKAGES=(chromium libkrb5-dev ripgrep librsvg2-bin python3 make g++ pkg-config faketime locales
  python3-optuna python3-sklearn python3-matplotlib python3-pandas python3-yaml
  python3-pip python3-setuptools python3-wheel)
log() { printf '[system-packages %(%H:%M:%S)T] %s\n' -1 "$*"; }
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo

# Two test runs at once would run apt-get over each other; the second waits for the first.
exec 8>"${TMPDIR:-/tmp}/runlens-system-packages.lock"
flock 8

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  log "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$'; then
  log "localedef de_DE.UTF-8"
  $SUDO localedef -i de_DE -f UTF-8 de_DE.UTF-8
fi
