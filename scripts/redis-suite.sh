#!/usr/bin/env bash
# Runs Redis 7.0.15's own Tcl test suite against redoubt-server, plaintext and over TLS, and
# compares each unit with tests/redis-suite/baseline.txt (the fewest tests each unit must pass).
#
#   scripts/redis-suite.sh [--server PATH] [--modes plain,tls] [UNIT...]
#
# Both modes run at the same time when the script may create a network namespace (root, `ip
# netns`): the TLS run goes into a namespace of its own, whose loopback has its own ports, so
# the two Tcl runners (each picks a port for its test server) and the two servers never meet.
# They mostly wait (the units' timeouts for commands Redoubt lacks), so this halves the step.
#
# The suite is not part of the project: it is looked for in ../shared/redis-tests/ next to the
# checkout (REDIS_TESTS_DIR overrides). Where it is absent the script says so and exits 0, so
# nothing else depends on it. Needs tclsh (+ tcl-tls for TLS) and redis-cli.
#
# Fails (exit 1) when a unit aborts (does not run to its end: an exception, a lost connection,
# the time limit) or passes fewer tests than its baseline; prints a hint to raise the baseline
# when a unit passes more. Per mode it prints a table of units and writes it, with the logs, to
# build/redis-suite/<mode>/ (REDIS_SUITE_OUT overrides build/redis-suite).
#
# Env: UNIT_TIMEOUT seconds per unit (default 300: unit/type/list needs ~200 s while blocking
#      commands are missing, each of its blocking tests waiting out its timeout).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SERVER=$ROOT/build/bin/redoubt-server
MODES=plain,tls
SEQUENTIAL=0
while [ $# -gt 0 ]; do
  case $1 in
    --server) SERVER=$2; shift 2 ;;
    --modes) MODES=$2; shift 2 ;;
    --sequential) SEQUENTIAL=1; shift ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
done
UNITS=("$@")

SUITE_DIR=${REDIS_TESTS_DIR:-$ROOT/../shared/redis-tests}
RUNNER=$SUITE_DIR/run-external.sh
if [ ! -x "$RUNNER" ]; then
  echo "redis-suite: skipped: $RUNNER not found (Redis's suite is not part of this repository)"
  exit 0
fi
[ -x "$SERVER" ] || { echo "redis-suite: no server at $SERVER (build it: ninja -C build redoubt-server)" >&2; exit 2; }
BASELINE=$ROOT/tests/redis-suite/baseline.txt
OUT=${REDIS_SUITE_OUT:-$ROOT/build/redis-suite}
export UNIT_TIMEOUT=${UNIT_TIMEOUT:-300}
PYTHON=/usr/bin/python3

server_pid=
stop_server() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  server_pid=
}
trap stop_server EXIT

# start_server LOG ARGS...: starts the server on loopback port PORT (free_port), waits for PING.
free_port() {
  (cd tests && $PYTHON -c 'from support.servers import free_port; print(free_port())')
}
start_server() {
  local log=$1 cli_tls=()
  shift
  # One I/O thread: the suite's tests assume Redis's single event loop, which runs the commands
  # of several clients in the order they arrived (a test sends BRPOPLPUSH on two deferring
  # clients and then LPUSH without waiting, and expects the first to be served first). With
  # several threads that order is not promised, and such a test would pass or hang by chance.
  # Redoubt's behaviour across threads is tested by its own multi-client tests.
  "$SERVER" --port "$PORT" --bind 127.0.0.1 --logfile "" --io-threads 1 "$@" > "$log" 2>&1 &
  server_pid=$!
  [ "$MODE" = tls ] && cli_tls=(--tls --cacert "$CERTS/ca.crt" --cert "$CERTS/client.crt"
                                --key "$CERTS/client.key")
  for _ in $(seq 300); do
    if redis-cli -h 127.0.0.1 -p "$PORT" "${cli_tls[@]}" PING 2>/dev/null | grep -q PONG; then
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "redis-suite: the server did not start; its log ($log):" >&2
  tail -20 "$log" >&2
  return 1
}

# baseline UNIT MODE: the minimum number of passed tests recorded for UNIT in MODE (0 if none).
baseline() {
  awk -v u="$1" -v col="$([ "$2" = tls ] && echo 3 || echo 2)" \
    '$1 == u { print $col; found = 1 } END { if (!found) print 0 }' "$BASELINE"
}

# units MODE: the units to run in MODE: those named on the command line, or else every unit of
# the baseline except those marked "-" in MODE's column (not run in that mode).
units() {
  if [ ${#UNITS[@]} -gt 0 ]; then
    printf '%s\n' "${UNITS[@]}"
    return
  fi
  awk -v col="$([ "$1" = tls ] && echo 3 || echo 2)" \
    '$1 ~ /^unit\// && $col != "-" { print $1 }' "$BASELINE"
}

IFS=, read -ra mode_list <<< "$MODES"

# Both modes at once: each in a child of this script (the TLS one in its own network namespace),
# output kept apart and shown in order once both are done.
if [ "$SEQUENTIAL" = 0 ] && [ ${#mode_list[@]} -eq 2 ] && [ "$(id -u)" = 0 ] &&
   command -v ip > /dev/null; then
  NS=redoubt-suite-$$
  if ip netns add "$NS" 2> /dev/null; then
    trap 'ip netns del "$NS" 2> /dev/null' EXIT
    mkdir -p "$OUT"
    "$0" --sequential --server "$SERVER" --modes plain "${UNITS[@]}" > "$OUT/plain.out" 2>&1 &
    plain_pid=$!
    ip netns exec "$NS" bash -c 'ip link set lo up && exec "$0" "$@"' "$0" --sequential \
      --server "$SERVER" --modes tls "${UNITS[@]}" > "$OUT/tls.out" 2>&1
    tls_status=$?
    wait "$plain_pid"
    plain_status=$?
    cat "$OUT/plain.out" "$OUT/tls.out"
    [ "$plain_status" -eq 0 ] && [ "$tls_status" -eq 0 ]
    exit $?
  fi
fi

status=0
for MODE in "${mode_list[@]}"; do
  WORK_DIR=$OUT/work-$MODE
  dir=$OUT/$MODE
  rm -rf "$dir"
  mkdir -p "$dir"
  args=()
  PORT=$(free_port)
  if [ "$MODE" = tls ]; then
    # The suite's own CA and certificates (its TLS tests expect them), made once per work dir.
    CERTS=$(WORK=$WORK_DIR "$RUNNER" certs) || { echo "redis-suite: certificates failed" >&2; exit 2; }
    # As the suite starts Redis for TLS: port 0 and the port as tls-port (its "switch between
    # tcp and tls ports" moves that port between the two), and client certificates required
    # (Redis's default tls-auth-clients yes; Redoubt's default is no, README).
    args=(--port 0 --tls-port "$PORT" --tls-auth-clients yes --tls-cert-file "$CERTS/redis.crt"
          --tls-key-file "$CERTS/redis.key" --tls-ca-cert-file "$CERTS/ca.crt")
  fi
  start_server "$dir/server.log" "${args[@]}" || { status=1; continue; }
  echo "redis-suite ($MODE): redoubt-server pid $server_pid on 127.0.0.1:$PORT"
  start=$SECONDS
  mapfile -t mode_units < <(units "$MODE")
  if [ "$MODE" = tls ]; then
    TLS=1 WORK=$WORK_DIR "$RUNNER" "$PORT" "${mode_units[@]}" > "$dir/run.log" 2>&1
  else
    WORK=$WORK_DIR "$RUNNER" "$PORT" "${mode_units[@]}" > "$dir/run.log" 2>&1
  fi
  alive=yes
  kill -0 "$server_pid" 2>/dev/null || alive=no
  stop_server
  cp "$WORK_DIR"/unit_*.log "$dir"/ 2>/dev/null
  rm -f "$WORK_DIR"/unit_*.log

  # "unit/x: N passed, M failed (Ts)" per unit, preceded by "unit/x: ABORTED: why" if it aborted.
  table=$dir/results.md
  {
    echo "| unit | passed | failed | baseline | result | time |"
    echo "|---|---:|---:|---:|---|---:|"
  } > "$table"
  units_seen=0
  declare -A aborted=()
  while IFS= read -r line; do
    unit=${line%%:*}
    rest=${line#*: }
    if [[ $rest == ABORTED:* ]]; then
      aborted[$unit]=${rest#ABORTED: }
      continue
    fi
    [[ $rest =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed\ \(([0-9]+)s\)$ ]] || continue
    units_seen=$((units_seen + 1))
    passed=${BASH_REMATCH[1]} failed=${BASH_REMATCH[2]} secs=${BASH_REMATCH[3]}
    min=$(baseline "$unit" "$MODE")
    [[ $min =~ ^[0-9]+$ ]] || min=0
    result=ok
    if [ -n "${aborted[$unit]:-}" ]; then
      result="ABORTED (${aborted[$unit]})"
      status=1
    elif [ "$passed" -lt "$min" ]; then
      result="REGRESSION: fewer than $min"
      status=1
    elif [ "$passed" -gt "$min" ]; then
      result="passes more: raise its $MODE baseline to $passed"
    fi
    echo "| $unit | $passed | $failed | $min | $result | ${secs}s |" >> "$table"
    printf '%-22s %6s %6s %8s %5ss  %s\n' "$unit" "$passed" "$failed" "$min" "$secs" \
      "$result" >> "$dir/results.txt"
  done < <(grep -E '^unit/[^ ]+: (ABORTED: |[0-9]+ passed, )' "$dir/run.log")
  if [ "$units_seen" -eq 0 ]; then
    echo "redis-suite ($MODE): no unit reported a result; see $dir/run.log" >&2
    tail -20 "$dir/run.log" >&2
    status=1
  fi
  if [ "$alive" = no ]; then
    echo "redis-suite ($MODE): the server died during the run; see $dir/server.log" >&2
    tail -20 "$dir/server.log" >&2
    status=1
  fi
  echo
  echo "Redis 7.0.15 suite, $MODE ($((SECONDS - start)) s; logs: $dir):"
  printf '%-22s %6s %6s %8s %6s  %s\n' unit passed failed baseline time result
  cat "$dir/results.txt" 2>/dev/null
  tail -n 1 "$dir/run.log" | sed 's/^/total: /'
done

if [ "$status" -ne 0 ]; then
  echo "redis-suite: FAILED (an aborted unit, a unit below $BASELINE, or a server that died)"
else
  echo "redis-suite: every unit ran to its end at or above its baseline"
fi
exit "$status"
