#!/usr/bin/env bash
# The test suite on a busy machine: runs the integration tests RUNS times (default 3) with
# HOGS busy loops (default 8, a load average of about 9 on 2 cores) beside them, and says how
# many runs passed. The loops end with the script. Services must be up (scripts/setup.sh, and
# scripts/services.sh start-imap for the email tests).
#
#   bash scripts/test-under-load.sh [RUNS] [HOGS]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"
RUNS=${1:-3}
HOGS=${2:-8}
[[ $RUNS =~ ^[0-9]+$ && $HOGS =~ ^[0-9]+$ ]] || { echo "usage: $0 [RUNS] [HOGS]" >&2; exit 2; }

# shellcheck source=scripts/node-env.sh
source "$ROOT/scripts/node-env.sh"
use_project_node
services_env=$(bash "$ROOT/scripts/services.sh" env)
eval "$services_env"

hogs=()
stop_hogs() { ((${#hogs[@]} == 0)) || kill "${hogs[@]}" 2>/dev/null || true; }
trap stop_hogs EXIT
for ((i = 0; i < HOGS; i++)); do
  (while :; do :; done) &
  hogs+=("$!")
done

passed=0
mkdir -p "$ROOT/.data"
for ((run = 1; run <= RUNS; run++)); do
  log_file="$ROOT/.data/test-under-load-$run.log"
  echo "[load] run $run of $RUNS with $HOGS busy loops; $(uptime)"
  if npx vitest run --project integration >"$log_file" 2>&1; then
    passed=$((passed + 1))
    echo "[load] run $run passed ($(grep -E 'Tests ' "$log_file" | tail -n 1 | sed 's/\x1b\[[0-9;]*m//g' | xargs))"
  else
    echo "[load] run $run FAILED; failures (full log $log_file):"
    sed 's/\x1b\[[0-9;]*m//g' "$log_file" | grep -E '^ *(×|FAIL)' | head -n 40
  fi
done
echo "[load] $passed of $RUNS runs passed; $(uptime)"
((passed == RUNS))
