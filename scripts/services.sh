#!/usr/bin/env bash
# Local backing services for Omnigate: what the gateway runs on, Redis (Debian's redis-server)
# and a MongoDB wire-protocol server (FerretDB with its PostgreSQL handler, built from the Go
# module proxy, on a PostgreSQL cluster of our own from Debian's packages: no MongoDB binary can
# be downloaded on our machines and there is no docker/systemd); and, for the email channel's
# tests only, an IMAP server (Debian's Dovecot, our own instance), which `start` leaves alone.
#
#   scripts/services.sh [start]       install what is missing, start Redis and MongoDB if not running, wait until ready
#   scripts/services.sh stop          stop only the processes this script started (pidfiles under .data/)
#   scripts/services.sh status        show what answers where; exit 1 if Redis or MongoDB is not reachable
#   scripts/services.sh env           print `export MONGODB_URI=...` / `REDIS_URL` / `IMAP_HOST` / `IMAP_PORT` for eval
#   scripts/services.sh start-imap    install (if missing) and start only our Dovecot, wait until it greets (scripts/test.sh)
#   scripts/services.sh restart-imap  stop and start only our Dovecot (tests: "server restarted during IDLE")
#   scripts/services.sh stop-imap     stop only our Dovecot (tests: "server down")
#   scripts/services.sh start-redis-cluster | stop-redis-cluster | redis-cluster-url
#                                     a local three-master Redis Cluster on 7000-7005 (scripts/redis-cluster.sh)
#
# Idempotent: healthy services are reused, never restarted; nothing is reinstalled or rebuilt
# when already present. Caller-provided MONGODB_URI / REDIS_URL / IMAP_HOST mean "use that,
# start nothing". Ports: MONGO_PORT (default 27017), REDIS_PORT (default 6379), IMAP_PORT
# (default 1143), PG_PORT (default 55432: FerretDB's PostgreSQL, loopback only, never the
# system's instance). All state lives in <repo>/.data/.
#
# Dovecot (IMAP only, 127.0.0.1:IMAP_PORT, no TLS, plaintext login) runs from a config that is
# regenerated on every start in .data/dovecot/dovecot.conf (mail in .data/dovecot/mail, log
# .data/dovecot/dovecot.log), never from /etc/dovecot. Test users (test-only passwords):
#   support@omnigate.test / support-pass    customer@omnigate.test / customer-pass
#   other@omnigate.test / other-pass
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DATA="$ROOT/.data"

REDIS_PORT=${REDIS_PORT:-6379}
MONGO_PORT=${MONGO_PORT:-27017}
IMAP_PORT=${IMAP_PORT:-1143}
PG_PORT=${PG_PORT:-55432}
WAIT_SECS=${SERVICES_WAIT_SECS:-60}

FERRETDB_VERSION=v1.24.2
FERRETDB_MODULE=github.com/FerretDB/FerretDB
FERRETDB_BIN="$DATA/bin/ferretdb"
FERRETDB_DIR="$DATA/ferretdb"
FERRETDB_PIDFILE="$FERRETDB_DIR/ferretdb.pid"
FERRETDB_PORTFILE="$FERRETDB_DIR/ferretdb.port"
FERRETDB_LOG="$FERRETDB_DIR/ferretdb.log"
FERRETDB_BUILD_LOG="$FERRETDB_DIR/build.log"

PG_DIR="$DATA/postgres"
PG_DATA="$PG_DIR/data"
PG_LOG="$PG_DIR/postgres.log"
PG_SOCKETS="$PG_DIR/run"
PG_SUPERUSER=ferretdb
PG_DATABASE=ferretdb

REDIS_DIR="$DATA/redis"
REDIS_PIDFILE="$REDIS_DIR/redis.pid"
REDIS_PORTFILE="$REDIS_DIR/redis.port"
REDIS_LOG="$REDIS_DIR/redis.log"

DOVECOT_DIR="$DATA/dovecot"
DOVECOT_CONF="$DOVECOT_DIR/dovecot.conf"
DOVECOT_USERS="$DOVECOT_DIR/users"
DOVECOT_MAIL="$DOVECOT_DIR/mail"
DOVECOT_HOME="$DOVECOT_DIR/home"
DOVECOT_RUN="$DOVECOT_DIR/run" # base_dir: sockets and master.pid (written by Dovecot itself)
DOVECOT_PIDFILE="$DOVECOT_RUN/master.pid"
DOVECOT_PORTFILE="$DOVECOT_DIR/dovecot.port"
DOVECOT_LOG="$DOVECOT_DIR/dovecot.log"
# user:password of the IMAP test users; the email channel's tests rely on exactly these.
DOVECOT_TEST_USERS=(
  support@omnigate.test:support-pass
  customer@omnigate.test:customer-pass
  other@omnigate.test:other-pass
)

log() { printf '[services] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Hide credentials in caller-provided URLs before they reach a log line.
redact() { printf '%s' "$1" | sed -E 's#(://)[^/@]*@#\1***@#'; }

# Ports must be plain numbers: they are interpolated into URLs, /dev/tcp paths and flags.
for _p in "$REDIS_PORT" "$MONGO_PORT" "$IMAP_PORT" "$PG_PORT"; do
  [[ $_p =~ ^[0-9]+$ ]] || die "ports must be numeric (REDIS_PORT=$REDIS_PORT MONGO_PORT=$MONGO_PORT IMAP_PORT=$IMAP_PORT PG_PORT=$PG_PORT)"
done

# dovecot/doveadm live in /usr/sbin and /usr/bin; a non-root PATH may lack the sbin dirs.
PATH="$PATH:/usr/sbin:/sbin"

# ---------------------------------------------------------------- helpers

SUDO=()
if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null 2>&1; then SUDO=(sudo); fi

# Install Debian packages; `apt-get update` only when the package is unknown or the install fails
# (empty or stale package lists on a fresh machine).
apt_install() {
  local candidate
  candidate=$(apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: *//p')
  if [[ -z $candidate || $candidate == "(none)" ]]; then
    log "apt-get update (package lists do not know $1 yet)"
    "${SUDO[@]}" apt-get update -qq >&2
  fi
  # Keep the package's own init script from starting a system-wide instance on the default
  # port (we run our own daemon); only when the machine has no policy-rc.d of its own.
  local policy=/usr/sbin/policy-rc.d added_policy=""
  if [[ ! -e $policy && -w /usr/sbin ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && added_policy=1
  fi
  local rc=0
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2 || rc=$?
  if [[ $rc -ne 0 ]]; then
    log "apt-get install $* failed; refreshing package lists and retrying once"
    rc=0
    "${SUDO[@]}" apt-get update -qq >&2 &&
      "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2 || rc=$?
  fi
  if [[ -n $added_policy ]]; then rm -f "$policy"; fi
  return "$rc"
}

# pid from a pidfile if that process is alive and its command line contains $2.
live_pid() {
  local pidfile=$1 pattern=$2 pid cmdline
  [[ -s $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  # Read first, then match: `producer | grep -q` can fail under pipefail (SIGPIPE).
  cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmdline == *"$pattern"* ]] || return 1
  printf '%s\n' "$pid"
}

# pid of our process only if it was started on port $4 (recorded in portfile $3).
ours_on() {
  local pid
  pid=$(live_pid "$1" "$2") || return 1
  [[ $(cat "$3" 2>/dev/null) == "$4" ]] || return 1
  printf '%s\n' "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Send a real OP_MSG {ping: 1, $db: "admin"} and check for a reply with ok: 1.0. Pure bash, so it
# works before node_modules exists, and reads the whole reply so the server logs no reset.
mongo_ping() {
  # shellcheck disable=SC2016 # the inner script is expanded by the inner bash, on purpose
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "\x33\x00\x00\x00\x4f\x6d\x00\x00\x00\x00\x00\x00\xdd\x07\x00\x00\x00\x00\x00\x00\x00\x1e\x00\x00\x00\x10ping\x00\x01\x00\x00\x00\x02\$db\x00\x06\x00\x00\x00admin\x00\x00" >&3
    read -r len _ resp op < <(od -An -tu4 -N16 <&3) || exit 1
    [[ $resp == 27983 && $op == 2013 && $len -gt 16 && $len -lt 65536 ]] || exit 1
    body=$(head -c $((len - 16)) <&3 | od -An -v -tx1 | tr -d " \n")
    exec 3>&-
    [[ $body == *016f6b00000000000000f03f* ]]
  ' _ "$1" 2>/dev/null
}

redis_ping() { [[ $(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null) == PONG ]]; }

redis_policy() {
  redis-cli -h 127.0.0.1 -p "$1" config get maxmemory-policy 2>/dev/null | sed -n 2p
}

# True while the process exists and is not a zombie (our daemons' parent, init, may reap late).
running() {
  local state
  state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [[ -n $state && $state != Z ]]
}

# Stop a process we started: TERM, then KILL after 20 s.
stop_pid() {
  local name=$1 pid=$2 i
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 200; i++)); do
    running "$pid" || return 0
    sleep 0.1
  done
  log "$name (pid $pid) did not exit after 20 s; sending KILL"
  kill -KILL "$pid" 2>/dev/null || true
}

# Serialize start/stop so two callers (e.g. two terminals, or setup + dev) don't race.
take_lock() {
  mkdir -p "$DATA"
  exec 9>"$DATA/.services.lock"
  if command -v flock >/dev/null 2>&1; then
    flock -w 900 9 || die "another scripts/services.sh is still running (lock $DATA/.services.lock)"
  fi
}

# ---------------------------------------------------------------- Redis

ensure_redis_installed() {
  if command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1; then return; fi
  log "installing Debian's redis-server package"
  apt_install redis-server || die "could not install redis-server with apt-get"
}

start_redis() {
  if [[ -n ${REDIS_URL:-} ]]; then
    log "redis: REDIS_URL provided by caller ($(redact "$REDIS_URL")); starting nothing"
    return
  fi
  ensure_redis_installed

  local pid
  if redis_ping "$REDIS_PORT"; then
    if pid=$(ours_on "$REDIS_PIDFILE" redis-server "$REDIS_PORTFILE" "$REDIS_PORT"); then
      log "redis: already running (ours, pid $pid) on 127.0.0.1:$REDIS_PORT"
    else
      local policy
      policy=$(redis_policy "$REDIS_PORT")
      log "redis: reusing the server already answering on 127.0.0.1:$REDIS_PORT (not started by us)"
      if [[ $policy != noeviction ]]; then
        log "WARNING: its maxmemory-policy is '${policy:-unknown}', not 'noeviction'; BullMQ can lose jobs under memory pressure"
      fi
    fi
    return
  fi

  if pid=$(live_pid "$REDIS_PIDFILE" redis-server); then
    local other
    other=$(cat "$REDIS_PORTFILE" 2>/dev/null || true)
    if [[ -n $other && $other != "$REDIS_PORT" ]]; then
      die "our Redis (pid $pid) is running on port $other, not $REDIS_PORT; run 'scripts/services.sh stop' first or use REDIS_PORT=$other"
    fi
    log "redis: ours (pid $pid) is running but not answering yet; waiting"
    return
  fi
  if port_open "$REDIS_PORT"; then
    die "port $REDIS_PORT is taken by something that does not answer Redis PING; free it or set REDIS_PORT / REDIS_URL"
  fi

  mkdir -p "$REDIS_DIR"
  rm -f "$REDIS_PIDFILE"
  # 9>&- : don't let the daemon inherit our lock fd.
  log "redis: starting redis-server on 127.0.0.1:$REDIS_PORT (data in .data/redis, log .data/redis/redis.log)"
  if ! redis-server --bind 127.0.0.1 --port "$REDIS_PORT" \
    --maxmemory-policy noeviction --appendonly yes \
    --dir "$REDIS_DIR" --daemonize yes --pidfile "$REDIS_PIDFILE" --logfile "$REDIS_LOG" \
    </dev/null >/dev/null 2>&1 9>&-; then
    tail -n 20 "$REDIS_LOG" >&2 2>/dev/null || true
    die "redis-server failed to start (see .data/redis/redis.log)"
  fi
  printf '%s\n' "$REDIS_PORT" >"$REDIS_PORTFILE"
}

wait_redis() {
  [[ -n ${REDIS_URL:-} ]] && return
  local deadline=$((SECONDS + WAIT_SECS))
  until redis_ping "$REDIS_PORT"; do
    if ((SECONDS >= deadline)); then
      tail -n 20 "$REDIS_LOG" >&2 2>/dev/null || true
      die "Redis did not answer PING on 127.0.0.1:$REDIS_PORT within ${WAIT_SECS}s (log: .data/redis/redis.log)"
    fi
    sleep 0.5
  done
  log "redis: ready at redis://127.0.0.1:$REDIS_PORT"
}

# ---------------------------------------------------------------- PostgreSQL (FerretDB's backend)

# The newest server bin dir of Debian's postgresql packages (/usr/lib/postgresql/<major>/bin).
pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -n $dir && -x $dir/pg_ctl && -x $dir/initdb ]] && printf '%s\n' "$dir"
}

ensure_postgres_installed() {
  if pg_bindir >/dev/null; then return; fi
  local started=$SECONDS
  log "installing Debian's postgresql package"
  apt_install postgresql || die "could not install postgresql with apt-get"
  pg_bindir >/dev/null || die "postgresql is installed but no /usr/lib/postgresql/*/bin/pg_ctl was found"
  log "installed PostgreSQL in $((SECONDS - started)) s"
}

# PostgreSQL refuses to run as root: as root the cluster belongs to Debian's `postgres` user.
pg_user() {
  if [[ $(id -u) -eq 0 ]]; then printf 'postgres\n'; else id -un; fi
}

# Run a PostgreSQL program as the cluster's owner.
as_pg() {
  local user
  user=$(pg_user)
  if [[ $user == "$(id -un)" ]]; then "$@"; else runuser -u "$user" -- "$@"; fi
}

pg_ready() { as_pg "$(pg_bindir)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -d "$PG_DATABASE" -U "$PG_SUPERUSER" 2>/dev/null; }

# Our cluster's postmaster pid, if it is running (pg_ctl reads postmaster.pid and checks it).
pg_running() { as_pg "$(pg_bindir)/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

# The cluster lives in .data/postgres. Its owner (Debian's `postgres` user when we are root) must
# be able to reach it: a checkout under a parent it cannot search (e.g. /root) keeps the cluster
# in /var/tmp instead, in a folder named after this checkout.
choose_pg_dir() {
  local user alt
  user=$(pg_user)
  [[ $user == "$(id -un)" ]] && return
  mkdir -p "$DATA"
  if runuser -u "$user" -- test -x "$DATA" 2>/dev/null; then return; fi
  alt="/var/tmp/omnigate-postgres-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
  PG_DIR=$alt PG_DATA=$alt/data PG_LOG=$alt/postgres.log PG_SOCKETS=$alt/run
  log "postgres: .data is not reachable by user '$user'; the cluster lives in $alt"
}

# Where the cluster is, for messages.
pg_where() { printf '%s\n' "${PG_DIR#"$ROOT"/}"; }

# A cluster of our own, created once: trust authentication is safe because it listens on
# 127.0.0.1 only, and test data trades durability for speed (no fsync): a crash of this
# machine may lose the local store, a crash of any process loses nothing.
init_postgres() {
  [[ -s $PG_DATA/PG_VERSION ]] && return
  local user
  user=$(pg_user)
  mkdir -p "$PG_DIR"
  chown "$user" "$PG_DIR"
  log "postgres: creating our cluster in $(pg_where)/data ($(as_pg "$(pg_bindir)/postgres" --version))"
  as_pg "$(pg_bindir)/initdb" -D "$PG_DATA" -U "$PG_SUPERUSER" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >>"$PG_LOG.init" 2>&1 ||
    { tail -n 20 "$PG_LOG.init" >&2; die "initdb failed (log: $(pg_where)/postgres.log.init)"; }
}

start_postgres() {
  ensure_postgres_installed
  choose_pg_dir
  init_postgres
  if pg_running; then
    log "postgres: our cluster is already running"
    prepare_ferretdb_database
    return
  fi
  if port_open "$PG_PORT"; then
    die "port $PG_PORT is taken by something that is not our PostgreSQL cluster; free it or set PG_PORT"
  fi
  mkdir -p "$PG_SOCKETS"
  chown "$(pg_user)" "$PG_SOCKETS" "$PG_DIR"
  log "postgres: starting our cluster on 127.0.0.1:$PG_PORT (log $(pg_where)/postgres.log)"
  # -w: return once it accepts connections. Options: loopback only, sockets in .data, and the
  # speed-over-durability settings of a local test store (see init_postgres).
  if ! as_pg "$(pg_bindir)/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t "$WAIT_SECS" start -o "$(
    printf '%s ' -c listen_addresses=127.0.0.1 -p "$PG_PORT" -c "unix_socket_directories=$PG_SOCKETS" \
      -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 \
      -c shared_buffers=256MB -c max_locks_per_transaction=256
  )" </dev/null >/dev/null 2>&1 9>&-; then
    tail -n 20 "$PG_LOG" >&2 2>/dev/null || true
    die "PostgreSQL failed to start (log: $(pg_where)/postgres.log)"
  fi
  if ! as_pg "$(pg_bindir)/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_SUPERUSER" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$PG_DATABASE'" | grep -q 1; then
    as_pg "$(pg_bindir)/createdb" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_SUPERUSER" "$PG_DATABASE" ||
      die "could not create database $PG_DATABASE in our PostgreSQL cluster"
  fi
  prepare_ferretdb_database
  log "postgres: ready at 127.0.0.1:$PG_PORT"
}

# Indexes FerretDB's pushed-down filters can use, and custom plans (scripts/ferretdb-gin-twins.sql).
prepare_ferretdb_database() {
  as_pg "$(pg_bindir)/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$PG_SUPERUSER" -d "$PG_DATABASE" \
    <"$ROOT/scripts/ferretdb-gin-twins.sql" >/dev/null ||
    die "could not apply scripts/ferretdb-gin-twins.sql to our PostgreSQL cluster"
}

stop_postgres() {
  choose_pg_dir
  if ! pg_bindir >/dev/null || [[ ! -s $PG_DATA/PG_VERSION ]] || ! pg_running; then
    log "postgres: no cluster of ours is running"
    return
  fi
  log "stopping our PostgreSQL cluster"
  as_pg "$(pg_bindir)/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || log "WARNING: pg_ctl stop failed (log: $(pg_where)/postgres.log)"
}

# ---------------------------------------------------------------- FerretDB

# True if binary $1 (default: ours) reports our FerretDB version.
ferretdb_built() {
  local bin=${1:-$FERRETDB_BIN} out
  [[ -x $bin ]] || return 1
  out=$("$bin" --version 2>/dev/null) || return 1
  grep -qx "version: $FERRETDB_VERSION" <<<"$out"
}

ensure_go() {
  if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
    PATH="/usr/local/go/bin:$PATH"
  fi
  if ! command -v go >/dev/null 2>&1; then
    log "Go not found (neither on PATH nor /usr/local/go/bin); last resort: installing Debian's golang-go"
    log "note: FerretDB $FERRETDB_VERSION needs Go >= 1.24, which Debian 12's golang-go may not provide"
    apt_install golang-go || die "could not install golang-go; install Go >= 1.24 into /usr/local/go"
  fi
  log "using $(go version)"
}

# Run one build step with its output appended to the build log; on failure say which step failed.
build_step() {
  local what=$1
  shift
  printf '\n==> %s: %s\n' "$what" "$*" >>"$FERRETDB_BUILD_LOG"
  if ! "$@" >>"$FERRETDB_BUILD_LOG" 2>&1; then
    log "ERROR: FerretDB build failed at step: $what"
    log "command: $*"
    log "last lines of .data/ferretdb/build.log:"
    tail -n 30 "$FERRETDB_BUILD_LOG" | sed 's/^/    /' >&2
    exit 1
  fi
}

in_dir() (cd "$1" && shift && "$@")

# `go install ...@v1.24.2` can't be used: the proxy refuses the @v/list lookup it makes, and a
# binary built straight from the module panics because build/version/version.txt is generated by
# FerretDB's own build tasks. So: fetch the module via a throwaway module, build a writable copy.
build_ferretdb() {
  if ferretdb_built; then return; fi
  ensure_go
  local started=$SECONDS bdir="$FERRETDB_DIR/build" sdir="$FERRETDB_DIR/src" moddir
  mkdir -p "$FERRETDB_DIR" "$DATA/bin"
  : >"$FERRETDB_BUILD_LOG"
  log "building FerretDB $FERRETDB_VERSION from the Go module proxy (first time ~1-3 min; log .data/ferretdb/build.log)"
  # No go.work from elsewhere, no VCS stamping from the enclosing omnigate repo, no cgo.
  export GOWORK=off GOFLAGS=-buildvcs=false CGO_ENABLED=0

  rm -rf "$bdir"
  mkdir -p "$bdir"
  build_step "create throwaway module" in_dir "$bdir" go mod init ferretdb-build
  build_step "fetch $FERRETDB_MODULE@$FERRETDB_VERSION and its dependencies" \
    in_dir "$bdir" go get "$FERRETDB_MODULE/cmd/ferretdb@$FERRETDB_VERSION"
  moddir=$(in_dir "$bdir" go list -m -f '{{.Dir}}' "$FERRETDB_MODULE" 2>>"$FERRETDB_BUILD_LOG") || moddir=""
  if [[ -z $moddir || ! -f $moddir/go.mod ]]; then
    die "FerretDB build failed: module source for $FERRETDB_MODULE not found in the module cache (got '$moddir')"
  fi

  rm -rf "$sdir"
  build_step "copy module source to a writable dir" cp -R "$moddir" "$sdir"
  build_step "make source writable" chmod -R u+w "$sdir"
  printf '%s\n' "$FERRETDB_VERSION" >"$sdir/build/version/version.txt"
  build_step "go build ./cmd/ferretdb" \
    in_dir "$sdir" go build -ldflags=-checklinkname=0 -o "$FERRETDB_BIN.new" ./cmd/ferretdb
  if ! ferretdb_built "$FERRETDB_BIN.new"; then
    "$FERRETDB_BIN.new" --version >&2 || true
    die "FerretDB build failed: the built binary does not report version $FERRETDB_VERSION"
  fi
  mv -f "$FERRETDB_BIN.new" "$FERRETDB_BIN"
  rm -rf "$sdir" # the binary is all we need; the Go caches keep rebuilds fast
  log "built .data/bin/ferretdb $FERRETDB_VERSION in $((SECONDS - started)) s"
}

start_mongo() {
  if [[ -n ${MONGODB_URI:-} ]]; then
    log "mongo: MONGODB_URI provided by caller ($(redact "$MONGODB_URI")); starting nothing"
    return
  fi

  local pid
  # A FerretDB of ours from before the move to PostgreSQL (SQLite handler) is replaced.
  if pid=$(live_pid "$FERRETDB_PIDFILE" ferretdb) && ! live_pid "$FERRETDB_PIDFILE" --handler=postgresql >/dev/null; then
    log "mongo: our FerretDB (pid $pid) runs an old handler; restarting it on PostgreSQL"
    stop_pid FerretDB "$pid"
    rm -f "$FERRETDB_PIDFILE" "$FERRETDB_PORTFILE"
  fi
  if mongo_ping "$MONGO_PORT"; then
    if pid=$(ours_on "$FERRETDB_PIDFILE" ferretdb "$FERRETDB_PORTFILE" "$MONGO_PORT"); then
      start_postgres # FerretDB answers ping without its backend: make sure the cluster runs too
      log "mongo: FerretDB already running (ours, pid $pid) on 127.0.0.1:$MONGO_PORT"
    else
      log "mongo: reusing the MongoDB-compatible server already answering on 127.0.0.1:$MONGO_PORT (not started by us)"
    fi
    return
  fi

  if pid=$(live_pid "$FERRETDB_PIDFILE" ferretdb); then
    local other
    other=$(cat "$FERRETDB_PORTFILE" 2>/dev/null || true)
    if [[ -n $other && $other != "$MONGO_PORT" ]]; then
      die "our FerretDB (pid $pid) is running on port $other, not $MONGO_PORT; run 'scripts/services.sh stop' first or use MONGO_PORT=$other"
    fi
    log "mongo: our FerretDB (pid $pid) is running but not answering yet; waiting"
    return
  fi
  if port_open "$MONGO_PORT"; then
    die "port $MONGO_PORT is taken by something that does not answer the MongoDB wire protocol; free it or set MONGO_PORT / MONGODB_URI"
  fi

  build_ferretdb

  start_postgres

  local state="$FERRETDB_DIR/state"
  mkdir -p "$state"
  rm -f "$FERRETDB_PIDFILE"
  log "mongo: starting FerretDB $FERRETDB_VERSION (PostgreSQL handler, our cluster on 127.0.0.1:$PG_PORT) on 127.0.0.1:$MONGO_PORT, log .data/ferretdb/ferretdb.log"
  # setsid + nohup: survive the calling shell/CI step; stdio detached so callers' pipes close,
  # and fd 9 (our lock) closed so the daemon doesn't hold the lock forever.
  # --debug-addr=- : no metrics/pprof HTTP listener (its fixed default port 8088 would clash
  # between instances and is not needed here).
  setsid nohup "$FERRETDB_BIN" \
    --handler=postgresql --postgresql-url="postgres://$PG_SUPERUSER@127.0.0.1:$PG_PORT/$PG_DATABASE" \
    --state-dir="$state" \
    --telemetry=disable --listen-addr="127.0.0.1:$MONGO_PORT" --log-level=warn \
    --debug-addr=- \
    </dev/null >>"$FERRETDB_LOG" 2>&1 9>&- &
  printf '%s\n' "$!" >"$FERRETDB_PIDFILE"
  printf '%s\n' "$MONGO_PORT" >"$FERRETDB_PORTFILE"
}

wait_mongo() {
  [[ -n ${MONGODB_URI:-} ]] && return
  local deadline=$((SECONDS + WAIT_SECS)) pid
  pid=$(cat "$FERRETDB_PIDFILE" 2>/dev/null || true)
  until mongo_ping "$MONGO_PORT"; do
    if [[ -n $pid ]] && ! live_pid "$FERRETDB_PIDFILE" ferretdb >/dev/null; then
      tail -n 20 "$FERRETDB_LOG" >&2 2>/dev/null || true
      die "FerretDB (pid $pid) exited during startup (log: .data/ferretdb/ferretdb.log)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 20 "$FERRETDB_LOG" >&2 2>/dev/null || true
      die "nothing answered MongoDB ping on 127.0.0.1:$MONGO_PORT within ${WAIT_SECS}s (log: .data/ferretdb/ferretdb.log)"
    fi
    sleep 0.5
  done
  log "mongo: ready at mongodb://127.0.0.1:$MONGO_PORT/omnigate"
}

# ---------------------------------------------------------------- Dovecot (IMAP)

# Send nothing but LOGOUT: true if 127.0.0.1:$1 greets with `* OK` (an IMAP server is ready).
imap_ping() {
  # shellcheck disable=SC2016 # the inner script is expanded by the inner bash, on purpose
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    IFS= read -r -t 4 greeting <&3 || exit 1
    printf "a LOGOUT\r\n" >&3 2>/dev/null
    cat <&3 >/dev/null 2>&1 # until the server closes: no "disconnected" noise in its log
    [[ $greeting == "* OK"* ]]
  ' _ "$1" 2>/dev/null
}

dovecot_version() { dovecot --version 2>/dev/null | cut -d' ' -f1; }

ensure_dovecot_installed() {
  if command -v dovecot >/dev/null 2>&1 && command -v doveadm >/dev/null 2>&1 &&
    dpkg -s dovecot-imapd >/dev/null 2>&1; then
    return
  fi
  local started=$SECONDS
  log "installing Debian's dovecot-core and dovecot-imapd packages"
  apt_install dovecot-core dovecot-imapd || die "could not install dovecot-core/dovecot-imapd with apt-get"
  log "installed Dovecot $(dovecot_version) in $((SECONDS - started)) s"
}

# Mail is owned by a system user, never root (Dovecot refuses UID 0 for mail access): Debian's
# `mail` user when we are root, else ourselves (then Dovecot runs rootless, as that user too).
dovecot_mail_user() {
  if [[ $(id -u) -eq 0 ]]; then printf 'mail\n'; else id -un; fi
}

# Write .data/dovecot/dovecot.conf and the passwd-file; only called while our Dovecot is stopped.
write_dovecot_config() {
  local version mail_user uid gid internal_user login_user rootless="" cleartext tmp entry
  version=$(dovecot_version)
  mail_user=$(dovecot_mail_user)
  uid=$(id -u "$mail_user") || die "no system user '$mail_user' to own the test mail"
  gid=$(id -g "$mail_user")
  if [[ $(id -u) -eq 0 ]]; then
    # Both created by the dovecot-core package.
    internal_user=dovecot login_user=dovenull
    if ! id dovecot >/dev/null 2>&1 || ! id dovenull >/dev/null 2>&1; then
      die "users dovecot/dovenull are missing; reinstall dovecot-core (apt-get install --reinstall dovecot-core)"
    fi
  else
    internal_user=$mail_user login_user=$mail_user rootless=1
  fi
  # 2.4 renamed the setting (and changed much else); Debian 12 ships 2.3.19.
  case $version in
    2.3.*) cleartext="disable_plaintext_auth = no" ;;
    *)
      log "WARNING: Dovecot $version is not 2.3.x; this config is written for 2.3 and may be rejected"
      cleartext="auth_allow_cleartext = yes"
      ;;
  esac

  # Dovecot's unprivileged processes must reach the mail store and the users file. A checkout
  # under a parent they cannot search (e.g. /root) cannot give them that: the store then lives
  # under /var/tmp, in a folder named after this checkout.
  if [[ -z $rootless ]] && ! runuser -u "$mail_user" -- test -x "$DATA"; then
    local alt
    alt="/var/tmp/omnigate-dovecot-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
    mkdir -p "$alt"
    chmod 0755 "$alt"
    DOVECOT_MAIL="$alt/mail" DOVECOT_HOME="$alt/home" DOVECOT_USERS="$alt/users"
    log "dovecot: .data is not reachable by user '$mail_user'; keeping the mail store in $alt"
  fi
  mkdir -p "$DOVECOT_DIR" "$DOVECOT_MAIL" "$DOVECOT_HOME" "$DOVECOT_RUN" "$DOVECOT_DIR/state"
  chown "$uid:$gid" "$DOVECOT_MAIL" "$DOVECOT_HOME"

  tmp=$(mktemp "$DOVECOT_DIR/.users.XXXXXX")
  {
    echo "# Generated by scripts/services.sh; IMAP test users (test-only passwords)."
    for entry in "${DOVECOT_TEST_USERS[@]}"; do
      printf '%s:{PLAIN}%s::::::\n' "${entry%%:*}" "${entry#*:}"
    done
  } >"$tmp"
  chmod 0644 "$tmp" # read by the auth process, which runs as $internal_user
  mv -f "$tmp" "$DOVECOT_USERS"

  # Dovecot's processes run as $mail_user / $internal_user: they must reach these paths.
  if [[ -z $rootless ]]; then
    if ! runuser -u "$mail_user" -- test -w "$DOVECOT_MAIL" -a -w "$DOVECOT_HOME" ||
      ! runuser -u "$internal_user" -- test -r "$DOVECOT_USERS"; then
      die "users '$mail_user'/'$internal_user' cannot reach .data/dovecot (a parent directory of the repo is not world-searchable?); try chmod o+x on the repo's parent directories"
    fi
  fi

  tmp=$(mktemp "$DOVECOT_DIR/.dovecot.conf.XXXXXX")
  cat >"$tmp" <<CONF
# Generated by scripts/services.sh on every start of our Dovecot ($version); edits are lost.
# A test-only IMAP server for Omnigate's email channel: 127.0.0.1:$IMAP_PORT, no TLS,
# plaintext logins, users from $DOVECOT_USERS. Nothing here is read from /etc/dovecot.
base_dir = $DOVECOT_RUN
state_dir = $DOVECOT_DIR/state
instance_name = omnigate
protocols = imap
listen = 127.0.0.1
log_path = $DOVECOT_LOG
auth_verbose = yes

ssl = no
$cleartext
auth_mechanisms = plain login
auth_username_format = %Lu
# Tests log in with wrong passwords on purpose: no 2 s failure delay, no per-IP penalty.
auth_failure_delay = 0

default_internal_user = $internal_user
default_login_user = $login_user
mail_uid = $uid
mail_gid = $gid
first_valid_uid = $uid
last_valid_uid = $uid
first_valid_gid = $gid
last_valid_gid = $gid
mail_location = maildir:$DOVECOT_MAIL/%u
# Test data: speed over durability. Tests open many connections per user from one IP.
mail_fsync = never
mail_max_userip_connections = 500
# IDLE sessions also re-check their mailbox every second, not only on inotify events (which some
# CI filesystems / containers lack), so new mail shows up in IDLE promptly everywhere.
mailbox_idle_check_interval = 1 secs

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $DOVECOT_USERS
}
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$DOVECOT_HOME/%u
}

namespace inbox {
  inbox = yes
  separator = /
  mailbox Drafts {
    auto = subscribe
    special_use = \\Drafts
  }
  mailbox Sent {
    auto = subscribe
    special_use = \\Sent
  }
  mailbox Trash {
    auto = subscribe
    special_use = \\Trash
  }
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
CONF
  if [[ -n $rootless ]]; then
    # Not root: everything runs as us; chroot needs root.
    printf '%s\n' '' '# Not started as root: everything runs as us, no chroots.' \
      "default_internal_group = $(id -gn)" \
      'service anvil {' '  chroot =' '}' 'service imap-login {' '  chroot =' '}' >>"$tmp"
  fi
  chmod 0644 "$tmp"
  mv -f "$tmp" "$DOVECOT_CONF"
}

start_dovecot() {
  if [[ -n ${IMAP_HOST:-} ]]; then
    log "imap: IMAP_HOST provided by caller ($IMAP_HOST:$IMAP_PORT); starting nothing"
    return
  fi
  ensure_dovecot_installed

  local pid
  if pid=$(ours_on "$DOVECOT_PIDFILE" "$DOVECOT_CONF" "$DOVECOT_PORTFILE" "$IMAP_PORT"); then
    if imap_ping "$IMAP_PORT"; then
      log "imap: Dovecot already running (ours, pid $pid) on 127.0.0.1:$IMAP_PORT"
    else
      log "imap: our Dovecot (pid $pid) is running but not answering yet; waiting"
    fi
    return
  fi
  if pid=$(live_pid "$DOVECOT_PIDFILE" "$DOVECOT_CONF"); then
    die "our Dovecot (pid $pid) is running on port $(cat "$DOVECOT_PORTFILE" 2>/dev/null || echo '?'), not $IMAP_PORT; run 'scripts/services.sh stop-imap' first or use that IMAP_PORT"
  fi
  # Unlike Redis/Mongo, a foreign IMAP server is not reused: it would not have our test users,
  # and restart-imap / doveadm could not reach it.
  if port_open "$IMAP_PORT"; then
    die "port $IMAP_PORT is taken by something not started by this script; free it or set IMAP_PORT (or IMAP_HOST for a server of your own)"
  fi

  write_dovecot_config
  rm -f "$DOVECOT_PIDFILE"
  log "imap: starting Dovecot $(dovecot_version) on 127.0.0.1:$IMAP_PORT (config .data/dovecot/dovecot.conf, log .data/dovecot/dovecot.log)"
  # Dovecot daemonizes itself and writes base_dir/master.pid; 9>&- : don't pass on our lock.
  if ! dovecot -c "$DOVECOT_CONF" </dev/null >>"$DOVECOT_LOG" 2>&1 9>&-; then
    tail -n 20 "$DOVECOT_LOG" >&2 2>/dev/null || true
    die "Dovecot failed to start (see .data/dovecot/dovecot.log; check the config with: doveconf -c .data/dovecot/dovecot.conf -n)"
  fi
  printf '%s\n' "$IMAP_PORT" >"$DOVECOT_PORTFILE"
}

wait_dovecot() {
  [[ -n ${IMAP_HOST:-} ]] && return
  local deadline=$((SECONDS + WAIT_SECS))
  until imap_ping "$IMAP_PORT"; do
    if ((SECONDS >= deadline)); then
      tail -n 20 "$DOVECOT_LOG" >&2 2>/dev/null || true
      die "Dovecot did not greet with '* OK' on 127.0.0.1:$IMAP_PORT within ${WAIT_SECS}s (log: .data/dovecot/dovecot.log)"
    fi
    sleep 0.2
  done
  log "imap: ready at 127.0.0.1:$IMAP_PORT (users support@, customer@, other@omnigate.test)"
}

# Process group of pid $1 (field 5 of /proc/<pid>/stat, after the parenthesized command name).
pgrp_of() {
  local stat pgrp
  stat=$(<"/proc/$1/stat") 2>/dev/null || return 1
  read -r _ _ pgrp _ <<<"${stat##*) }"
  [[ $pgrp =~ ^[0-9]+$ ]] && printf '%s\n' "$pgrp"
}

stop_dovecot() {
  local pid target i
  if ! pid=$(live_pid "$DOVECOT_PIDFILE" "$DOVECOT_CONF"); then
    log "imap: no Dovecot of ours is running"
    rm -f "$DOVECOT_PORTFILE"
    return
  fi
  log "stopping Dovecot (pid $pid)"
  # What `dovecot stop` does (TERM to the master), but to the master's whole process group: the
  # daemonized master leads it and all its children stay in it. The master alone takes ~10 s to
  # end IMAP sessions in IDLE; TERMed directly they answer `* BYE` and exit at once.
  target=$pid
  if [[ $(pgrp_of "$pid") == "$pid" ]]; then target=-$pid; fi
  kill -TERM -- "$target" 2>/dev/null || true
  for ((i = 0; i < 200; i++)); do
    running "$pid" || break
    sleep 0.1
  done
  if running "$pid"; then
    log "Dovecot (pid $pid) did not exit after 20 s; sending KILL"
    kill -KILL -- "$target" 2>/dev/null || true
  fi
  # A restart must find the port free (login processes close their copy of the listener last).
  for ((i = 0; i < 50; i++)); do
    port_open "$IMAP_PORT" || break
    sleep 0.1
  done
  rm -f "$DOVECOT_PORTFILE"
}

# ---------------------------------------------------------------- subcommands

# What the gateway runs on; the tests' Dovecot is start-imap's.
cmd_start() {
  take_lock
  start_redis
  start_mongo
  wait_redis
  wait_mongo
}

# Only our Dovecot: tests simulate an IMAP server restart (or outage) with these.
imap_only() {
  if [[ -n ${IMAP_HOST:-} ]]; then
    die "IMAP_HOST is provided by the caller ($IMAP_HOST); its server is not managed here"
  fi
  take_lock
}

cmd_restart_imap() {
  imap_only
  stop_dovecot
  start_dovecot
  wait_dovecot
}

# Like start for Redis and MongoDB: a caller-provided IMAP_HOST means "start nothing".
cmd_start_imap() {
  take_lock
  start_dovecot
  wait_dovecot
}

cmd_stop_imap() {
  imap_only
  stop_dovecot
}

cmd_stop() {
  take_lock
  local pid
  stop_dovecot
  if pid=$(live_pid "$FERRETDB_PIDFILE" ferretdb); then
    stop_pid FerretDB "$pid"
  else
    log "mongo: no FerretDB of ours is running"
  fi
  rm -f "$FERRETDB_PIDFILE" "$FERRETDB_PORTFILE"
  stop_postgres
  if pid=$(live_pid "$REDIS_PIDFILE" redis-server); then
    stop_pid Redis "$pid"
  else
    log "redis: no Redis of ours is running"
  fi
  rm -f "$REDIS_PIDFILE" "$REDIS_PORTFILE"
}

cmd_status() {
  local ok=0 pid
  if [[ -n ${REDIS_URL:-} ]]; then
    echo "redis: provided by caller ($(redact "$REDIS_URL")), not managed here"
  elif command -v redis-cli >/dev/null 2>&1 && redis_ping "$REDIS_PORT"; then
    if pid=$(ours_on "$REDIS_PIDFILE" redis-server "$REDIS_PORTFILE" "$REDIS_PORT"); then
      echo "redis: up on 127.0.0.1:$REDIS_PORT (ours, pid $pid), maxmemory-policy=$(redis_policy "$REDIS_PORT")"
    else
      echo "redis: up on 127.0.0.1:$REDIS_PORT (not started by us), maxmemory-policy=$(redis_policy "$REDIS_PORT")"
    fi
  else
    echo "redis: DOWN on 127.0.0.1:$REDIS_PORT"
    ok=1
  fi
  if [[ -n ${MONGODB_URI:-} ]]; then
    echo "mongo: provided by caller ($(redact "$MONGODB_URI")), not managed here"
  elif mongo_ping "$MONGO_PORT"; then
    if pid=$(ours_on "$FERRETDB_PIDFILE" ferretdb "$FERRETDB_PORTFILE" "$MONGO_PORT"); then
      echo "mongo: up on 127.0.0.1:$MONGO_PORT (ours: FerretDB $FERRETDB_VERSION, pid $pid)"
    else
      echo "mongo: up on 127.0.0.1:$MONGO_PORT (not started by us)"
    fi
  else
    echo "mongo: DOWN on 127.0.0.1:$MONGO_PORT"
    ok=1
  fi
  if [[ -n ${IMAP_HOST:-} ]]; then
    echo "imap: provided by caller ($IMAP_HOST:$IMAP_PORT), not managed here"
  elif imap_ping "$IMAP_PORT"; then
    if pid=$(ours_on "$DOVECOT_PIDFILE" "$DOVECOT_CONF" "$DOVECOT_PORTFILE" "$IMAP_PORT"); then
      echo "imap: up on 127.0.0.1:$IMAP_PORT (ours: Dovecot $(dovecot_version), pid $pid)"
    else
      echo "imap: up on 127.0.0.1:$IMAP_PORT (not started by us)"
    fi
  else
    # Not a failure: only the email tests use it (scripts/services.sh start-imap).
    echo "imap: not running on 127.0.0.1:$IMAP_PORT (the email tests start it: scripts/services.sh start-imap)"
  fi
  if [[ -z ${MONGODB_URI:-} ]]; then
    choose_pg_dir 2>/dev/null
    if pg_bindir >/dev/null && [[ -s $PG_DATA/PG_VERSION ]] && pg_running; then
      echo "postgres: up on 127.0.0.1:$PG_PORT (ours, FerretDB's backend, data in $(pg_where))"
    else
      echo "postgres: DOWN (FerretDB's backend, 127.0.0.1:$PG_PORT)"
      ok=1
    fi
  fi
  if ferretdb_built; then
    echo "ferretdb binary: .data/bin/ferretdb $FERRETDB_VERSION"
  else
    echo "ferretdb binary: not built yet"
  fi
  return "$ok"
}

cmd_env() {
  printf 'export MONGODB_URI=%q\n' "${MONGODB_URI:-mongodb://127.0.0.1:$MONGO_PORT/omnigate}"
  printf 'export REDIS_URL=%q\n' "${REDIS_URL:-redis://127.0.0.1:$REDIS_PORT}"
  printf 'export IMAP_HOST=%q\n' "${IMAP_HOST:-127.0.0.1}"
  printf 'export IMAP_PORT=%q\n' "$IMAP_PORT"
}

case "${1:-start}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env) cmd_env ;;
  restart-imap) cmd_restart_imap ;;
  start-imap) cmd_start_imap ;;
  stop-imap) cmd_stop_imap ;;
  start-redis-cluster) exec bash "$ROOT/scripts/redis-cluster.sh" start ;;
  stop-redis-cluster) exec bash "$ROOT/scripts/redis-cluster.sh" stop ;;
  redis-cluster-url) exec bash "$ROOT/scripts/redis-cluster.sh" url ;;
  -h | --help | help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}" ;;
  *)
    log "unknown subcommand '$1' (expected start, stop, status, env, restart-imap, start-imap, stop-imap, start-redis-cluster, stop-redis-cluster or redis-cluster-url)"
    exit 2
    ;;
esac
