#!/usr/bin/env bash
# A local Redis Cluster for the cluster tests and the failover run: three masters and one replica
# each (Debian's redis-server in cluster mode, joined by `redis-cli --cluster create`), loopback
# only, ports REDIS_CLUSTER_PORT .. +5 (default 7000-7005: clear of Redis on 6379, FerretDB on
# 27017, PostgreSQL on 55432 and Dovecot on 1143). State under .data/redis-cluster/<port>/.
# Called through scripts/services.sh (start-redis-cluster, stop-redis-cluster, redis-cluster-url).
#
#   scripts/redis-cluster.sh start   start the nodes that are down, create the cluster once, wait until it is ok
#   scripts/redis-cluster.sh stop    stop the nodes this script started (pidfiles), keep their data
#   scripts/redis-cluster.sh reset   stop, remove the data (a fresh cluster at the next start)
#   scripts/redis-cluster.sh url     print the REDIS_URL of the cluster (redis+cluster://...)
#   scripts/redis-cluster.sh status  show each node's role; exit 1 unless the cluster state is ok
#
# Idempotent: a running cluster is left alone; a node that was killed (the failover run) is
# started again and rejoins as a replica of whichever node took over its slots.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DIR="$ROOT/.data/redis-cluster"
BASE=${REDIS_CLUSTER_PORT:-7000}
[[ $BASE =~ ^[0-9]+$ ]] || { echo "REDIS_CLUSTER_PORT must be a number" >&2; exit 2; }
PORTS=()
for i in 0 1 2 3 4 5; do PORTS+=($((BASE + i))); done
WAIT_SECS=${SERVICES_WAIT_SECS:-60}

log() { printf '[redis-cluster] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

cli() { redis-cli -h 127.0.0.1 -p "$1" "${@:2}"; }
answers() { [[ $(cli "$1" ping 2>/dev/null) == PONG ]]; }

# pid of the node we started on this port, if it is alive and is redis-server.
node_pid() {
  local pidfile="$DIR/$1/redis.pid" pid
  [[ -s $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ -r /proc/$pid/cmdline ]] && [[ $(tr '\0' ' ' <"/proc/$pid/cmdline") == *redis-server* ]] || return 1
  printf '%s\n' "$pid"
}

start_node() {
  local port=$1 dir="$DIR/$1"
  if answers "$port"; then
    node_pid "$port" >/dev/null || die "port $port answers but is not a node of ours; set REDIS_CLUSTER_PORT"
    return
  fi
  mkdir -p "$dir"
  # As production should run it (docs/deployment.md): noeviction, AOF; a replica takes over after 2 s.
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000 \
    --maxmemory-policy noeviction --appendonly yes --save '' </dev/null >/dev/null 2>&1 9>&- ||
    die "redis-server did not start on $port (see .data/redis-cluster/$port/redis.log)"
}

wait_until() {
  local what=$1 i
  shift
  for ((i = 0; i < WAIT_SECS * 10; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  die "$what not within ${WAIT_SECS} s"
}

cluster_ok() { cli "$BASE" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; }
# A node knows the others once the cluster was created (a fresh node knows only itself).
created() { [[ $(cli "$1" cluster info 2>/dev/null | sed -n 's/^cluster_known_nodes:\([0-9]*\).*/\1/p') -gt 1 ]]; }

cmd_start() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || bash "$ROOT/scripts/services.sh" start >/dev/null
  for port in "${PORTS[@]}"; do start_node "$port"; done
  for port in "${PORTS[@]}"; do wait_until "node $port answering" answers "$port"; done
  local port joined=""
  for port in "${PORTS[@]}"; do if created "$port"; then joined=1; fi; done
  if [[ -z $joined ]]; then
    log "creating the cluster: masters ${PORTS[*]:0:3}, one replica each"
    local nodes=()
    for port in "${PORTS[@]}"; do nodes+=("127.0.0.1:$port"); done
    cli "$BASE" --cluster create "${nodes[@]}" --cluster-replicas 1 --cluster-yes >/dev/null
  fi
  wait_until "cluster state ok" cluster_ok
  log "up: $(cmd_url)"
}

gone() { ! kill -0 "$1" 2>/dev/null; }

cmd_stop() {
  local port pid pids=()
  for port in "${PORTS[@]}"; do
    pid=$(node_pid "$port") || continue
    log "stopping node $port (pid $pid)"
    kill -TERM "$pid"
    pids+=("$pid")
  done
  for pid in "${pids[@]}"; do wait_until "pid $pid exiting" gone "$pid"; done
}

cmd_reset() {
  cmd_stop
  rm -rf "$DIR"
}

cmd_url() {
  local nodes
  nodes=$(printf '127.0.0.1:%s,' "${PORTS[@]:0:3}")
  printf 'redis+cluster://%s\n' "${nodes%,}"
}

cmd_status() {
  local port
  for port in "${PORTS[@]}"; do
    if answers "$port"; then
      echo "node $port: $(cli "$port" role | head -1)"
    else
      echo "node $port: DOWN"
    fi
  done
  cluster_ok && echo "cluster: ok" || { echo "cluster: not ok"; return 1; }
}

case "${1:-start}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  reset) cmd_reset ;;
  url) cmd_url ;;
  status) cmd_status ;;
  *)
    log "unknown subcommand '$1' (expected start, stop, reset, url or status)"
    exit 2
    ;;
esac
