#!/usr/bin/env bash
# Run the gateway locally: install/start everything, start the provider sandbox, make sure a demo
# workspace + channels exist (the CLI prints its API key and webhook URLs), write what the README's
# examples use to .data/dev-api.env (base URL, an admin key, the admin token), then hand the
# terminal to the dev server.
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
# the local database stay readable across runs. Values the caller exported win.
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

# The provider sandbox (sandbox/) plays WhatsApp (Cloud API and Twilio), Messenger and email:
# the gateway's provider APIs point at it, the demo connects its accounts as channels (the email
# channel to the sandbox's own IMAP and SMTP servers: no Dovecot, no mail leaves the machine), and
# its page shows the customers' phones and mailboxes. OMNIGATE_SANDBOX=off runs the gateway without it.
sandbox_pid=
if [[ ${OMNIGATE_SANDBOX:-on} != off ]]; then
  sandbox_port=${SANDBOX_PORT:-4010}
  # Fixed ports: the demo's email channel keeps the ones it was connected with.
  sandbox_imap_port=${SANDBOX_IMAP_PORT:-4143}
  sandbox_smtp_port=${SANDBOX_SMTP_PORT:-4025}
  export OMNIGATE_SANDBOX_URL="http://127.0.0.1:$sandbox_port"
  export GRAPH_API_BASE_URL=${GRAPH_API_BASE_URL:-$OMNIGATE_SANDBOX_URL}
  export TWILIO_API_BASE_URL=${TWILIO_API_BASE_URL:-$OMNIGATE_SANDBOX_URL}
  # The sandbox's helpdesk inbox is on loopback, which webhook subscriptions may not target unless allowed.
  export WEBHOOK_ALLOWED_HOSTS=${WEBHOOK_ALLOWED_HOSTS:-127.0.0.1,localhost}
  log "starting the provider sandbox on $OMNIGATE_SANDBOX_URL (log: .data/sandbox.log)"
  node --import tsx sandbox/main.ts serve --port "$sandbox_port" --imap-port "$sandbox_imap_port" --smtp-port "$sandbox_smtp_port" \
    --accounts "$ROOT/.data/sandbox-accounts.json" >"$ROOT/.data/sandbox.log" 2>&1 &
  sandbox_pid=$!
  trap 'kill "$sandbox_pid" 2>/dev/null' EXIT
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$sandbox_port") 2>/dev/null && break
    kill -0 "$sandbox_pid" 2>/dev/null || { cat "$ROOT/.data/sandbox.log" >&2; exit 1; }
    sleep 0.2
  done
fi

log "ensuring the demo workspace and channel exist"
npm run omnigate -- demo

# The README's examples run against the gateway as written after `source .data/dev-api.env`:
# the address, a fresh admin key of the demo workspace (named by the CLI's demo), the admin token.
api_env="$ROOT/.data/dev-api.env"
base="http://localhost:${PORT:-8080}"
# Reads one field of the JSON on stdin (a workspace found by name, a created key).
json_field() { node -e "$1" 2>/dev/null; }
workspace_id=$(npm run -s omnigate -- workspace list --json |
  json_field 'const w = JSON.parse(require("fs").readFileSync(0, "utf8")).find((w) => w.name === "Omnigate demo"); if (!w) process.exit(1); console.log(w.id)') ||
  { log "ERROR: no workspace named 'Omnigate demo' after the demo command"; exit 1; }
key=$(npm run -s omnigate -- api-key create --workspace "$workspace_id" --name "scripts/dev.sh $(date -u +%Y-%m-%dT%H:%M:%SZ)" --role admin |
  json_field 'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).key)')
(
  umask 077
  {
    echo "# Written by scripts/dev.sh at each start, for the README's examples: source .data/dev-api.env"
    printf 'export BASE=%q\n' "$base"
    printf 'export KEY=%q\n' "$key"
    printf 'export WORKSPACE_ID=%q\n' "$workspace_id"
    printf 'export OMNIGATE_ADMIN_TOKEN=%q\n' "$OMNIGATE_ADMIN_TOKEN"
    if [[ -n $sandbox_pid ]]; then printf 'export SANDBOX=%q\n' "$OMNIGATE_SANDBOX_URL"; fi
  } >"$api_env.tmp"
)
mv -f "$api_env.tmp" "$api_env"
log "gateway: $base   admin API key of the demo workspace: $key"
log "agent console: $base/console/ (sign in with that key; 'Make me an agent' lets it take conversations)"
log "the admin token and these are in .data/dev-api.env: 'source .data/dev-api.env' in another terminal, then try the README's examples"

if [[ -n $sandbox_pid ]]; then
  log "provider sandbox: $OMNIGATE_SANDBOX_URL/ shows the customers' phones and mailboxes and a helpdesk inbox ($OMNIGATE_SANDBOX_URL/helpdesk/webhooks);"
  log "  email: Casey (casey@example.net) writes to the demo mailbox on the sandbox's IMAP 127.0.0.1:$sandbox_imap_port, answers arrive on its SMTP 127.0.0.1:$sandbox_smtp_port"
  log "  its CLI: npm run sandbox -- customers | say <customer> <text> [--subject <s>] | show <customer> | fail <customer> <failure>"
  webchat_id=$(npm run -s omnigate -- channel list --workspace "$workspace_id" --json |
    json_field 'const c = JSON.parse(require("fs").readFileSync(0, "utf8")).find((c) => c.type === "webchat"); if (c) console.log(c.id)') || true
  if [[ -n $webchat_id ]]; then
    log "web chat: open $OMNIGATE_SANDBOX_URL/shop?gateway=$base&channel=$webchat_id (a shop's page embedding the widget), write, then answer through the API"
  fi
fi
log "starting the gateway (npm run dev); Ctrl-C stops it, 'scripts/services.sh stop' stops the services"
# Not exec: the sandbox is stopped (EXIT trap) when the gateway stops.
npm run dev
