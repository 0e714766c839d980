#!/usr/bin/env bash
# Install everything Omnigate needs on a fresh Debian machine, then start the local services.
# Idempotent: `npm ci` only runs when node_modules is missing or older than package-lock.json,
# and scripts/services.sh reuses healthy services. Exports nothing: callers that need the
# connection URLs run `eval "$(scripts/services.sh env)"`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"

log() { printf '[setup] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Node.js itself comes with the machine (Debian 12's own nodejs is 18, too old for us);
# check it early so the failure says what is wrong instead of a confusing npm error.
command -v node >/dev/null 2>&1 || die "node not found; install Node.js >= 20.19 (see package.json engines)"
command -v npm >/dev/null 2>&1 || die "npm not found; install npm alongside Node.js >= 20.19"
if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  die "Node.js $(node --version) is too old; package.json requires >= 20.19"
fi

# node_modules/.package-lock.json is written by npm at the end of every install, so it is
# newer than package-lock.json exactly when the installed tree matches the current lock file.
if [[ ! -d node_modules || ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "installing Node dependencies (npm ci)"
  mkdir -p "$ROOT/.data"
  ci_log="$ROOT/.data/npm-ci.log"
  if ! npm ci --no-audit --no-fund 2>&1 | tee "$ci_log"; then
    # The registry reachable from our machines 404s some other-platform optional packages
    # (e.g. @msgpackr-extract/*-darwin-*), so npm cannot record them in package-lock.json and
    # `npm ci` then refuses with "Missing: <name>@ from lock file" (empty version). Only in
    # exactly that case fall back to `npm install --no-save`: it installs the locked versions
    # and leaves package-lock.json untouched. Any other lock mismatch stays a hard failure.
    missing=$(grep -E 'Missing: .* from lock file' "$ci_log" || true)
    if [[ -n $missing ]] && ! grep -qvE 'Missing: [^ ]+@ from lock file' <<<"$missing" &&
      ! grep -q 'Invalid: ' "$ci_log"; then
      log "npm ci refused only over other-platform optional packages the registry does not serve;"
      log "falling back to 'npm install --no-save' (same locked versions, package-lock.json untouched)"
      npm install --no-save --no-audit --no-fund
    else
      log "ERROR: npm ci failed (output in .data/npm-ci.log); if package.json changed, update package-lock.json with npm install"
      exit 1
    fi
  fi
else
  log "Node dependencies are up to date (node_modules matches package-lock.json)"
fi

bash "$ROOT/scripts/services.sh" start
log "done"
