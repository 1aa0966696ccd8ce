#!/usr/bin/env bash
# The production shape on one machine, on loopback, for trying it:
# nginx on a high port in front of two app workers, one job consumer and the scheduler,
# on the local PostgreSQL and Redis. `make prod-local` and `make prod-local-stop` call it.
#
#   scripts/prod-local.sh start    create and migrate the database, write the nginx
#                                  configuration, start every process, wait until ready
#   scripts/prod-local.sh stop     stop them all: their stop signal, a wait, then SIGKILL
#   scripts/prod-local.sh status   which are running (exit 0 only when all are)
#
# Everything it writes is under the run directory: env (the settings every process
# reads, as /etc/conference/env in production), nginx/ (configuration, pid, temp
# files), pids/, logs/ and instance/ (INSTANCE_PATH: uploads, outbox, badges).
# Settings, from the environment:
#   PROD_LOCAL_DIR           run directory          (instance/prod-local)
#   PROD_LOCAL_PORT          nginx's port           (8080)
#   PROD_LOCAL_WORKER_PORTS  the app workers' ports ("5101 5102")
#   PROD_LOCAL_DATABASE_URL  PostgreSQL database, created if missing
#                            (postgresql://postgres@127.0.0.1:5432/conference_prod_local)
#   PROD_LOCAL_REDIS_URL     Redis                  (redis://127.0.0.1:6379/1)
# Other variables of conference/config.py in the environment reach the processes too
# (e.g. RATELIMIT_ENABLED=false for a load test).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUN_DIR="${PROD_LOCAL_DIR:-$ROOT/instance/prod-local}"
PORT="${PROD_LOCAL_PORT:-8080}"
WORKER_PORTS="${PROD_LOCAL_WORKER_PORTS:-5101 5102}"
DATABASE_URL_LOCAL="${PROD_LOCAL_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/conference_prod_local}"
REDIS_URL_LOCAL="${PROD_LOCAL_REDIS_URL:-redis://127.0.0.1:6379/1}"
PYTHON="$ROOT/.venv/bin/python"
FLASK="$ROOT/.venv/bin/flask"
#: Seconds a process has to stop after its stop signal, before SIGKILL.
STOP_SECONDS=20
#: Seconds the workers and nginx have to answer after they start.
READY_SECONDS=60

# The processes, in start order; stop goes in reverse. Each is "name:stop signal".
processes() {
  local port
  for port in $WORKER_PORTS; do echo "web-$port:TERM"; done
  echo "jobs:INT"
  echo "scheduler:INT"
  echo "nginx:QUIT"
}

say() { echo "prod-local: $*"; }
fail() { echo "prod-local: $*" >&2; exit 1; }

pid_of() { cat "$RUN_DIR/pids/$1.pid" 2>/dev/null || true; }

# Whether anything of the process group that `name` started is still alive (each
# process is started as the leader of its own group); zombies do not count.
alive() {
  local pid
  pid="$(pid_of "$1")"
  [ -n "$pid" ] && ps -e -o pgid=,stat= | awk -v g="$pid" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

find_nginx() {
  command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true
}

ensure_nginx() {
  [ -n "$(find_nginx)" ] && return
  say "nginx is missing: installing the \"prod\" Debian packages"
  if [ "$(id -u)" -eq 0 ]; then
    "$ROOT/scripts/system-packages.sh" prod
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$ROOT/scripts/system-packages.sh" prod
  else
    "$ROOT/scripts/system-packages.sh" prod  # prints the command to run as root
  fi
  [ -n "$(find_nginx)" ] || fail "nginx is still missing"
}

check_services() {
  "$PYTHON" - "$DATABASE_URL_LOCAL" "$REDIS_URL_LOCAL" <<'PY' || exit 1
import sys

import psycopg
import redis
import sqlalchemy as sa

from conference.config import normalize_database_url

database, redis_url = sys.argv[1:]
try:
    redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
except redis.RedisError as exc:
    sys.exit(f"prod-local: Redis at {redis_url} does not answer: {exc}")
url = sa.make_url(normalize_database_url(database))
if url.get_backend_name() != "postgresql":
    sys.exit("prod-local: PROD_LOCAL_DATABASE_URL must be a PostgreSQL URL")
admin = url.set(drivername="postgresql", database="postgres")
try:
    conn = psycopg.connect(
        admin.render_as_string(hide_password=False), connect_timeout=3, autocommit=True
    )
except psycopg.Error as exc:
    sys.exit(f"prod-local: PostgreSQL at {url.host}:{url.port or 5432} does not answer: {exc}")
with conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)).fetchone():
        conn.execute(f'CREATE DATABASE "{url.database}"')
        print(f"prod-local: created database {url.database}")
PY
}

check_ports_free() {
  # shellcheck disable=SC2086 # one argument per worker port
  "$PYTHON" - "$PORT" $WORKER_PORTS <<'PY' || exit 1
import socket
import sys

for port in sys.argv[1:]:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", int(port)))
        except OSError as exc:
            sys.exit(f"prod-local: port {port} is taken ({exc.strerror}); set PROD_LOCAL_PORT "
                     "or PROD_LOCAL_WORKER_PORTS")
PY
}

write_env() {
  local mode=threading
  "$PYTHON" -c "import gevent" 2>/dev/null && mode=gevent
  cat >"$RUN_DIR/env" <<EOF
# Written by scripts/prod-local.sh; every process of prod-local reads it.
# For a flask command on this installation: set -a; . $RUN_DIR/env; set +a
DATABASE_URL=$DATABASE_URL_LOCAL
REDIS_URL=$REDIS_URL_LOCAL
INSTANCE_PATH=$RUN_DIR/instance
BASE_URL=http://127.0.0.1:$PORT
TRUSTED_PROXIES=1
SECURE_COOKIES=false
SOCKETIO_ASYNC_MODE=$mode
SOCKETIO_CHANNEL=conference-prod-local-$PORT
JOBS_BACKEND=redis
JOBS_EMBEDDED=false
LOG_FORMAT=json
EOF
}

write_nginx_conf() {
  local nginx_bin="$1" user_line="" upstreams="" port mime max_body
  for port in $WORKER_PORTS; do
    upstreams+="        server 127.0.0.1:$port max_fails=1 fail_timeout=5s;"$'\n'
  done
  # As root the workers would run as nginx's default user, who may not read static/.
  [ "$(id -u)" -eq 0 ] && user_line="user $(id -un) $(id -gn);"
  mime="$(dirname "$("$nginx_bin" -V 2>&1 | sed -n 's/.*--conf-path=\([^ ]*\).*/\1/p')")/mime.types"
  [ -f "$mime" ] || mime=/etc/nginx/mime.types
  max_body="$("$PYTHON" -c 'import os; print(int(os.environ.get("MAX_CONTENT_LENGTH", 60 * 1024 * 1024)))')"
  mkdir -p "$RUN_DIR/nginx"
  UPSTREAMS="$upstreams" "$PYTHON" - "$ROOT/deploy/nginx/prod-local.conf.in" \
    "$RUN_DIR/nginx/nginx.conf" "$RUN_DIR" "$PORT" "$ROOT/static" "$max_body" "$mime" \
    "$user_line" <<'PY'
import os
import sys

template, target, run_dir, port, static, max_body, mime, user_line = sys.argv[1:]
text = open(template).read()
for name, value in {
    "@RUN_DIR@": run_dir,
    "@PORT@": port,
    "@STATIC_DIR@": static,
    "@MAX_BODY@": max_body,
    "@MIME_TYPES@": mime,
    "@USER_LINE@": user_line,
    "@UPSTREAM_SERVERS@": os.environ["UPSTREAMS"].rstrip("\n"),
}.items():
    text = text.replace(name, value)
open(target, "w").write(text)
PY
}

# spawn NAME COMMAND...: start COMMAND with the run's settings as the leader of a new
# process group, its output in logs/NAME.log and its pid in pids/NAME.pid.
spawn() {
  local name="$1"
  shift
  (
    cd "$ROOT"
    set -a
    # shellcheck source=/dev/null
    . "$RUN_DIR/env"
    set +a
    export PYTHONUNBUFFERED=1
    # shellcheck disable=SC2016 # expanded by the inner bash: its own pid, then the command
    exec setsid bash -c 'echo $$ >"$0"; exec "$@"' "$RUN_DIR/pids/$name.pid" "$@" \
      >>"$RUN_DIR/logs/$name.log" 2>&1 </dev/null
  ) &
  local waited=0
  while [ ! -s "$RUN_DIR/pids/$name.pid" ] && [ $waited -lt 50 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
}

# wait_http NAME URL: until URL answers, or fail with the end of NAME's log.
wait_http() {
  local name="$1" url="$2" deadline=$((SECONDS + READY_SECONDS))
  while [ $SECONDS -lt $deadline ]; do
    alive "$name" || break
    if "$PYTHON" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
      "$url" 2>/dev/null; then
      return 0
    fi
    sleep 0.3
  done
  echo "prod-local: $name did not answer at $url; the end of $RUN_DIR/logs/$name.log:" >&2
  tail -n 30 "$RUN_DIR/logs/$name.log" >&2 || true
  return 1
}

start() {
  [ -x "$PYTHON" ] || fail "no virtualenv in $ROOT/.venv: run 'make install' first"
  local entry name running=0 total=0
  for entry in $(processes); do
    total=$((total + 1))
    alive "${entry%%:*}" && running=$((running + 1))
  done
  if [ $running -eq "$total" ]; then
    say "already running at http://127.0.0.1:$PORT/"
    return 0
  fi
  [ $running -eq 0 ] || fail "partly running (see 'status'); run 'stop' first"

  ensure_nginx
  local nginx_bin
  nginx_bin="$(find_nginx)"
  check_services
  check_ports_free
  mkdir -p "$RUN_DIR/pids" "$RUN_DIR/logs" "$RUN_DIR/instance"
  rm -f "$RUN_DIR"/pids/*.pid
  write_env
  write_nginx_conf "$nginx_bin"
  "$nginx_bin" -t -q -p "$RUN_DIR/nginx/" -c "$RUN_DIR/nginx/nginx.conf" \
    -e "$RUN_DIR/logs/nginx-error.log" || fail "the generated nginx.conf does not load"

  say "migrating the database"
  (
    cd "$ROOT"
    set -a
    # shellcheck source=/dev/null
    . "$RUN_DIR/env"
    set +a
    "$FLASK" --app conference init-db >>"$RUN_DIR/logs/init-db.log" 2>&1
  ) || { tail -n 30 "$RUN_DIR/logs/init-db.log" >&2; fail "flask init-db failed"; }

  local port
  for port in $WORKER_PORTS; do
    spawn "web-$port" "$PYTHON" -m conference.serve --host 127.0.0.1 --port "$port"
  done
  spawn jobs "$FLASK" --app conference jobs --no-periodic --workers 2
  spawn scheduler "$FLASK" --app conference jobs --workers 1
  spawn nginx "$nginx_bin" -p "$RUN_DIR/nginx/" -c "$RUN_DIR/nginx/nginx.conf" \
    -e "$RUN_DIR/logs/nginx-error.log"

  local ok=1
  for port in $WORKER_PORTS; do
    wait_http "web-$port" "http://127.0.0.1:$port/login" || ok=0
  done
  wait_http nginx "http://127.0.0.1:$PORT/login" || ok=0
  for name in jobs scheduler; do
    alive "$name" || {
      ok=0
      echo "prod-local: $name exited; the end of its log:" >&2
      tail -n 30 "$RUN_DIR/logs/$name.log" >&2 || true
    }
  done
  if [ $ok -eq 0 ]; then
    stop || true
    fail "start failed; logs in $RUN_DIR/logs"
  fi
  say "running at http://127.0.0.1:$PORT/ (workers on $WORKER_PORTS; logs in $RUN_DIR/logs)"
}

# stop_one NAME SIGNAL: SIGNAL to NAME's process group, a wait, then SIGKILL.
stop_one() {
  local name="$1" signal="$2" pid deadline
  pid="$(pid_of "$name")"
  if [ -z "$pid" ] || ! alive "$name"; then
    rm -f "$RUN_DIR/pids/$name.pid"
    return 0
  fi
  kill -s "$signal" -- "-$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_SECONDS))
  while alive "$name" && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  if alive "$name"; then
    say "$name did not stop within $STOP_SECONDS s: SIGKILL"
    kill -s KILL -- "-$pid" 2>/dev/null || true
    deadline=$((SECONDS + 5))
    while alive "$name" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    alive "$name" && { say "$name (process group $pid) survived SIGKILL"; return 1; }
  fi
  rm -f "$RUN_DIR/pids/$name.pid"
  say "stopped $name"
}

stop() {
  local entry pids=() failed=0
  # nginx first, so no new request reaches a worker that is going away; then the rest
  # side by side.
  stop_one nginx QUIT || failed=1
  for entry in $(processes); do
    [ "${entry%%:*}" = nginx ] && continue
    stop_one "${entry%%:*}" "${entry#*:}" &
    pids+=($!)
  done
  for entry in "${pids[@]}"; do wait "$entry" || failed=1; done
  return $failed
}

status() {
  local entry name running=0 total=0 pid
  for entry in $(processes); do
    name="${entry%%:*}"
    total=$((total + 1))
    if alive "$name"; then
      pid="$(pid_of "$name")"
      running=$((running + 1))
      echo "$name: running (pid $pid)"
    else
      echo "$name: stopped"
    fi
  done
  [ $running -eq "$total" ] && echo "http://127.0.0.1:$PORT/ (env: $RUN_DIR/env)"
  [ $running -eq "$total" ]
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
