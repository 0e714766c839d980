#!/usr/bin/env bash
# The full check, as CI runs it: install/start everything (the tests' IMAP server too), then
# lint, typecheck, the test suite against the local services (and its Redis part on a local Redis
# Cluster) and the chaos suite's short form.
# Stops at the first failure with a non-zero exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"

log() { printf '[test] %s\n' "$*" >&2; }

bash "$ROOT/scripts/setup.sh"
# The email channel's tests need an IMAP server; running the gateway does not (setup.sh starts only that).
bash "$ROOT/scripts/services.sh" start-imap
# shellcheck source=scripts/node-env.sh
source "$ROOT/scripts/node-env.sh"
use_project_node

# Assign first so a failing `services.sh env` stops us (a bare eval "$(...)" would hide it).
services_env=$(bash "$ROOT/scripts/services.sh" env)
eval "$services_env"

# The provider sandbox's page and the web chat widget are tested in Debian's Chromium, driven by
# playwright-core (Playwright's own browser builds are never downloaded).
if ! command -v chromium >/dev/null 2>&1; then
  log "installing Debian's chromium for the browser test"
  sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
fi

log "npm run lint"
npm run lint
log "npm run typecheck"
npm run typecheck
log "npm test"
npm test
# The Redis-facing integration tests again on a local Redis Cluster (docs/deployment.md), 3.5 minutes.
log "npm run test:cluster"
npm run test:cluster
# The reliability suite's short form (docs/reliability.md): its own Redis and store, a few minutes.
log "npm run chaos -- --short"
npm run chaos -- --short
log "all checks passed"
