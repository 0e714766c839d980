#!/usr/bin/env bash
# The integration tests that lean on Redis (queues, routing, real time, webhooks, rate limits,
# the shared cache, several gateway processes) run again on a local three-master Redis Cluster
# (scripts/redis-cluster.sh, ports 7000-7005), with the store of scripts/services.sh.
#
#   npm run test:cluster                      the whole cluster subset
#   npm run test:cluster -- -t 'realtime'     extra arguments go to vitest
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT"

FILES=(
  test/rate-limiter.test.ts
  test/shared-cache.test.ts
  test/channel-cache.test.ts
  test/ingest.test.ts
  test/send.test.ts
  test/events.test.ts
  test/webhooks-delivery.test.ts
  test/delivery-line.test.ts
  test/recovery-failed-jobs.test.ts
  test/realtime.test.ts
  test/routing.test.ts
  test/routing-flow.test.ts
  test/routing-processes.test.ts
  test/scaled-processes.test.ts
)

bash "$ROOT/scripts/redis-cluster.sh" start
# Assign first so a failing `services.sh env` stops us (a bare eval "$(...)" would hide it).
services_env=$(bash "$ROOT/scripts/services.sh" env)
eval "$services_env"
REDIS_URL=$(bash "$ROOT/scripts/redis-cluster.sh" url)
export REDIS_URL
exec bash "$ROOT/scripts/with-node.sh" vitest run --project integration "${FILES[@]}" "$@"
