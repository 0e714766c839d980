#!/usr/bin/env bash
# Install everything Omnigate needs on a fresh Debian machine, then start the local services it
# runs on (Redis, MongoDB; the tests' IMAP server is scripts/test.sh's to start).
# Idempotent: `npm ci` only runs when node_modules is missing or older than package-lock.json,
# and scripts/services.sh reuses healthy services. Exports nothing: callers that need the
# connection URLs run `eval "$(scripts/services.sh env)"`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"

log() { printf '[setup] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Node.js 24: the machine's own when it is new enough, else the official build unpacked into
# .data/node (scripts/node-env.sh). npm is the machine's, running on that node.
# shellcheck source=scripts/node-env.sh
source "$ROOT/scripts/node-env.sh"
use_project_node || die "could not provide Node.js $OMNIGATE_NODE_MAJOR (see above)"
command -v npm >/dev/null 2>&1 || die "npm not found; install npm (11 or newer) alongside Node.js"
log "using Node.js $(node --version) ($(command -v node)), npm $(npm --version)"

# node_modules/.package-lock.json is written by npm at the end of every install, so it is
# newer than package-lock.json exactly when the installed tree matches the current lock file.
# The node that installed it is recorded too: another Node version reinstalls.
installed_with="$ROOT/node_modules/.installed-with-node"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ||
  $(cat "$installed_with" 2>/dev/null) != "$(node --version)" ]]; then
  log "installing Node dependencies (npm ci)"
  if ! npm ci --no-audit --no-fund; then
    die "npm ci failed. If it reports that package.json and package-lock.json are out of sync, run 'npm install' (with Node $OMNIGATE_NODE_MAJOR and npm 11) and commit the updated package-lock.json"
  fi
  node --version >"$installed_with"
else
  log "Node dependencies are up to date (node_modules matches package-lock.json)"
fi

bash "$ROOT/scripts/services.sh" start
log "done"
