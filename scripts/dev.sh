#!/usr/bin/env bash
# Run the gateway locally: install/start everything, make sure a demo workspace + channel exist
# (the CLI prints its API key and webhook URL), then hand the terminal to the dev server.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"

log() { printf '[dev] %s\n' "$*" >&2; }

bash "$ROOT/scripts/setup.sh"
# shellcheck source=scripts/node-env.sh
source "$ROOT/scripts/node-env.sh"
use_project_node

# Assign first so a failing `services.sh env` stops us (a bare eval "$(...)" would hide it).
services_env=$(bash "$ROOT/scripts/services.sh" env)
eval "$services_env"

# The gateway refuses to start without an encryption key and an admin token. For local use,
# generate them once into .data/dev.env (git-ignored, mode 600) so provider secrets sealed in
# the local database stay readable across runs. Values the caller exported win; never printed.
dev_env="$ROOT/.data/dev.env"
rand_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
if [[ ! -s $dev_env ]]; then
  mkdir -p "$ROOT/.data"
  (
    umask 077
    {
      printf 'OMNIGATE_ENCRYPTION_KEY=%s\n' "$(rand_hex 32)"
      printf 'OMNIGATE_ADMIN_TOKEN=%s\n' "$(rand_hex 24)"
    } >"$dev_env.tmp"
  )
  mv -f "$dev_env.tmp" "$dev_env"
  log "generated local dev secrets OMNIGATE_ENCRYPTION_KEY and OMNIGATE_ADMIN_TOKEN in .data/dev.env"
fi
while IFS='=' read -r name value; do
  [[ $name =~ ^[A-Z_][A-Z0-9_]*$ ]] || continue
  if [[ -z ${!name:-} ]]; then export "$name=$value"; fi
done <"$dev_env"

log "ensuring the demo workspace and channel exist"
npm run omnigate -- demo

log "starting the gateway (npm run dev); Ctrl-C stops it, 'scripts/services.sh stop' stops the services"
exec npm run dev
