#!/usr/bin/env bash
# Runs the tests of Redoubt, as `make test` and CI do, and ends with a table of step times:
#
#   scripts/run-tests.sh [GROUP...]     groups: checks unit tsan asan integration fuzz redis-suite
#                                       (default: all of them, in this order)
#
#   checks       the rules the build checks besides the tests (CONTRIBUTING.md, "Checked by the
#                build"): clang-format --dry-run --Werror over src tests fuzz bench (first, a
#                few seconds); then, in the background: clang-tidy with the checks of
#                .clang-tidy over src/, tests/ and bench/, with the compile commands of a clang
#                configuration with -DREDOUBT_THREAD_SAFETY=ON (-Wthread-safety -Werror), so
#                that every compiler diagnostic of clang, a field read without the mutex that
#                guards it among them, is a finding too (scripts/clang-tidy-cached.py skips
#                batches whose preprocessed text passed before), and a probe proving that the
#                analysis is on (scripts/check-thread-safety.py). clang-tidy parses every batch
#                as clang's compile would: a separate clang build would only repeat that work.
#   unit         release build (server, tools, unit tests, micro-benchmarks; -Werror),
#                GoogleTest, the layering check
#   tsan         ThreadSanitizer build of the *_concurrency_test.cc binary (threads sharing the
#                keyspace: eviction, active expiry, writers), run; a data race fails it
#   asan         ASan+UBSan build (server and unit tests only): unit tests, then the integration
#                and differential suites against the sanitized server (a report fails the run)
#   integration  the integration and differential suites (pytest: real clients, Debian's
#                redis-server as the reference) against the release server
#   fuzz         bounded libFuzzer runs of the RESP parser, ACL rules and RDB input over fuzz/corpus/
#   redis-suite  Redis 7.0.15's own Tcl suite against the release server, plaintext and TLS,
#                compared with tests/redis-suite/baseline.txt; skipped (and says so) when
#                ../shared/redis-tests/ is not next to the checkout
#
# What keeps it short on two cores: each build makes only the targets its steps run, as a
# unity build (CMAKE_UNITY_BUILD: sixteen files compiled as one, so the standard, abseil and
# OpenSSL headers are parsed once per batch; a cold release build takes a third of the time);
# the sanitizer build uses -O1 -g1 (a third less compile time than -O2 -g, same findings); the
# unit tests run as one process, not one per test under ctest (ctest costs ~2 minutes under
# ASan); pytest spreads its files over PYTEST_WORKERS processes (pytest-xdist; every test has
# its own servers on free ports); clang-tidy, and beside it the fuzzer build and the fuzz runs,
# go in the background from the start, niced, so that they take what the foreground builds
# leave and the cores the pytest suites and the Redis suite leave idle while they wait on
# sockets. clang-tidy checks the same sixteen-file batches (a quarter of the time it took file
# by file); an include that only a batch provides is found by `make UNITY=OFF`.
#
# Env: JOBS (build parallelism, default nproc), PYTEST_WORKERS (default 2; 0: one process),
#      FUZZ_SECONDS (default 60 for the RESP parser; a quarter each for the other four).
# Exits non-zero when any step failed.
set -uo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-$(nproc)}
PYTHON=/usr/bin/python3
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
PYTEST_WORKERS=${PYTEST_WORKERS:-2}
LOGS=build-logs   # background steps' output, and the step table (removed by make clean)
GROUPS_WANTED=("$@")
[ ${#GROUPS_WANTED[@]} -eq 0 ] && GROUPS_WANTED=(checks unit tsan asan integration fuzz redis-suite)

step_names=()
step_results=()
step_seconds=()
run_start=$SECONDS

wanted() {
  local g
  for g in "${GROUPS_WANTED[@]}"; do
    [ "$g" = "$1" ] && return 0
  done
  return 1
}

record() {  # record NAME RC SECONDS
  step_names+=("$1")
  step_seconds+=("$3")
  if [ "$2" -eq 0 ]; then step_results+=(ok); else step_results+=(FAILED); fi
}

# step NAME CMD...: runs in the foreground, timed.
step() {
  local name=$1 start=$SECONDS rc
  shift
  echo
  echo "==> $name"
  "$@"
  rc=$?
  record "$name" "$rc" $((SECONDS - start))
  if [ "$rc" -eq 0 ]; then
    echo "<== $name: ok ($((SECONDS - start)) s)"
  else
    echo "<== $name: FAILED ($((SECONDS - start)) s)"
  fi
  return "$rc"
}

# Background steps: bg_step NAME CMD... runs one step with its own log, status and time (in a
# background job, one after the other); collect() waits for the job and reports each step.
bg_pid=
bg_names=()
log_of() { echo "$LOGS/$(echo "$1" | tr -c 'a-zA-Z0-9\n' '-').log"; }
bg_step() {
  local name=$1 file start rc
  shift
  file=$(log_of "$name")
  start=$SECONDS
  "$@" > "$file" 2>&1
  rc=$?
  echo "$rc $((SECONDS - start))" > "$file.result"
  return "$rc"
}
# background FUNCTION STEP-NAME...: FUNCTION runs those steps with bg_step.
background() {
  local job=$1 name
  shift
  mkdir -p "$LOGS"
  bg_names=("$@")
  for name in "${bg_names[@]}"; do rm -f "$(log_of "$name")" "$(log_of "$name").result"; done
  echo
  echo "==> started in the background: ${bg_names[*]} (logs in $LOGS/)"
  # Niced, so that the foreground steps keep their share of the cores.
  (renice -n 10 "$BASHPID" > /dev/null; "$job") &
  bg_pid=$!
}

collect() {
  [ -n "$bg_pid" ] || return 0
  wait "$bg_pid"
  bg_pid=
  local name file rc secs
  for name in "${bg_names[@]}"; do
    file=$(log_of "$name")
    echo
    echo "==> $name (ran in the background)"
    if [ -f "$file.result" ]; then
      read -r rc secs < "$file.result"
      tail -n 30 "$file"
    else
      rc=1 secs=0
      echo "not run: an earlier background step failed"
    fi
    record "$name" "$rc" "$secs"
    if [ "$rc" -eq 0 ]; then echo "<== $name: ok ($secs s)"; else echo "<== $name: FAILED ($secs s)"; fi
  done
}
trap '[ -n "$bg_pid" ] && kill -- "$bg_pid" 2>/dev/null' EXIT

# build DIR TARGETS -- CMAKE ARGS...
build() {
  local dir=$1 targets=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do targets+=("$1"); shift; done
  shift
  mkdir -p "$LOGS"
  cmake -S . -B "$dir" -G Ninja "$@" > "$LOGS/$dir.cmake.log" 2>&1 ||
    { cat "$LOGS/$dir.cmake.log"; return 1; }
  ninja -C "$dir" -j "$JOBS" "${targets[@]}"
}

# One process for all unit tests (gtest); ctest would start one per test.
unit_tests() {
  timeout 900 "$1/bin/redoubt_unit_tests" --gtest_brief=1
}

pytest_suites() {
  local parallel=()
  if [ "$PYTEST_WORKERS" -gt 0 ] && $PYTHON -c 'import xdist' 2>/dev/null; then
    # Whole files per worker: the differential files share one server pair per module.
    parallel=(-n "$PYTEST_WORKERS" --dist loadfile)
  fi
  # The tools (redoubt-downtime, redoubt-tls-connect) and redoubt-control are clients: the
  # release ones serve both.
  REDOUBT_SERVER="$PWD/$1/bin/redoubt-server" REDOUBT_TOOLS_DIR="$PWD/build/bin" \
    $PYTHON -m pytest -c tests/pytest.ini -q -p no:cacheprovider "${parallel[@]}" \
    tests/integration tests/differential
}

# fuzz <name> <seconds>: runs build-fuzz/bin/<name>_fuzzer from fuzz/corpus/<name>.
fuzz() {
  local name=$1 seconds=$2 corpus rc
  corpus=$(mktemp -d)
  cp "fuzz/corpus/$name"/* "$corpus"/
  # Findings (crash-*, leak-*) are written to the working directory; run it in build-fuzz.
  (cd build-fuzz && "./bin/${name}_fuzzer" -max_total_time="$seconds" -max_len=4096 \
    -print_final_stats=1 "$corpus" "../fuzz/corpus/$name" 2>&1 | tail -n 12; exit "${PIPESTATUS[0]}")
  rc=$?
  rm -rf "$corpus"
  return "$rc"
}

fuzz_both() {  # the RESP parser on one core; ACL rules, RDB input, bus messages, control
  # plane requests on the other
  local rc1 rc2 rc3 rc4 rc5 third=$((FUZZ_SECONDS / 4))
  fuzz resp_parser "$FUZZ_SECONDS" > "$LOGS/fuzz-resp-parser.out" 2>&1 &
  local p1=$!
  fuzz acl_rules "$third" > "$LOGS/fuzz-acl-rules.out" 2>&1
  rc2=$?
  fuzz rdb_loader "$third" > "$LOGS/fuzz-rdb-loader.out" 2>&1
  rc3=$?
  fuzz cluster_bus "$third" > "$LOGS/fuzz-cluster-bus.out" 2>&1
  rc4=$?
  fuzz control_request "$third" > "$LOGS/fuzz-control-request.out" 2>&1
  rc5=$?
  wait "$p1"
  rc1=$?
  echo "--- resp_parser (${FUZZ_SECONDS}s):"
  cat "$LOGS/fuzz-resp-parser.out"
  echo "--- acl_rules (${third}s):"
  cat "$LOGS/fuzz-acl-rules.out"
  echo "--- rdb_loader (${third}s):"
  cat "$LOGS/fuzz-rdb-loader.out"
  echo "--- cluster_bus (${third}s):"
  cat "$LOGS/fuzz-cluster-bus.out"
  echo "--- control_request (${third}s):"
  cat "$LOGS/fuzz-control-request.out"
  [ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ] && [ "$rc3" -eq 0 ] && [ "$rc4" -eq 0 ] && [ "$rc5" -eq 0 ]
}

# Every C++ file as `make format` leaves it (clang-format 14, .clang-format); prints the
# offending lines, and `make format` fixes them.
format_check() {
  find src tests fuzz bench \( -name '*.cc' -o -name '*.h' \) -print0 |
    xargs -0 clang-format --dry-run --Werror
}

# clang-tidy with .clang-tidy's checks (findings are errors) over our sources, with the clang
# build's compile database. Shows the findings only.
clang_tidy() {
  # Files whose preprocessed text is that of an earlier clean check are skipped (a cache, as
  # ccache's: scripts/clang-tidy-cached.py says what the key holds).
  timeout 1500 $PYTHON scripts/clang-tidy-cached.py build-clang "$JOBS"
}

# A step that cannot run because its build did not configure: shows why and fails.
failed_configure() {
  cat "$1"
  return 1
}

load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "run-tests: $(nproc) cores, load average $(load) at start; groups: ${GROUPS_WANTED[*]}"
./scripts/install-deps.sh || exit 1
load_start=$(load)

if wanted checks; then
  step "clang-format check" format_check
fi

# Every compiled tree is a unity build (see the top); UNITY=OFF builds file by file.
UNITY_FLAGS=(-DCMAKE_UNITY_BUILD="${UNITY:-ON}" -DCMAKE_UNITY_BUILD_BATCH_SIZE=16)
# With the micro-benchmarks (bench/micro/), so that they keep compiling and linking.
RELEASE=(-DCMAKE_BUILD_TYPE=Release -DREDOUBT_TESTS=ON -DREDOUBT_BENCH=ON "${UNITY_FLAGS[@]}")

FUZZ_BUILD="fuzzer build (clang)"
FUZZ_RUN="fuzz resp parser (${FUZZ_SECONDS}s) + acl rules, rdb, cluster bus, control requests ($((FUZZ_SECONDS / 4))s each)"
THREAD_SAFETY_PROBE="thread-safety analysis probe"
TIDY="clang-tidy + clang -Wthread-safety -Werror (src tests bench)"
# Configured only, in the release build's batches: clang-tidy takes each batch as one unit.
CLANG_CHECKED=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-O0 -DCMAKE_CXX_COMPILER=clang++
               -DREDOUBT_THREAD_SAFETY=ON -DREDOUBT_TESTS=ON -DREDOUBT_BENCH=ON
               -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16)
background_job() {
  # The fuzzers keep libFuzzer's own sanitizer settings, not the ASan test run's.
  unset ASAN_OPTIONS UBSAN_OPTIONS
  local tidy_pid=
  if wanted checks; then
    # clang-tidy needs only the compile_commands.json of the clang configuration, and is the
    # longest background step: it runs beside the fuzzer build and the fuzz runs.
    mkdir -p "$LOGS"
    if cmake -S . -B build-clang -G Ninja "${CLANG_CHECKED[@]}" > "$LOGS/build-clang.cmake.log" 2>&1
    then
      bg_step "$THREAD_SAFETY_PROBE" $PYTHON scripts/check-thread-safety.py build-clang
      bg_step "$TIDY" clang_tidy &
    else
      bg_step "$THREAD_SAFETY_PROBE" failed_configure "$LOGS/build-clang.cmake.log"
      bg_step "$TIDY" failed_configure "$LOGS/build-clang.cmake.log" &
    fi
    tidy_pid=$!
  fi
  if wanted fuzz; then
    # Only the fuzzers and the libraries they link.
    # -O1 with line tables only, cheaper to compile than -O2 -g (the fuzzers link most of the
    # libraries) while a crash still names its lines; without NDEBUG, so assertions fire too.
    bg_step "$FUZZ_BUILD" build build-fuzz resp_parser_fuzzer acl_rules_fuzzer rdb_loader_fuzzer \
      cluster_bus_fuzzer control_request_fuzzer -- \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
      -DREDOUBT_FUZZ=ON -DREDOUBT_TESTS=OFF -DCMAKE_CXX_COMPILER=clang++ "${UNITY_FLAGS[@]}" &&
      bg_step "$FUZZ_RUN" fuzz_both
  fi
  [ -n "$tidy_pid" ] && wait "$tidy_pid"
}
names=()
wanted fuzz && names+=("$FUZZ_BUILD" "$FUZZ_RUN")
wanted checks && names+=("$THREAD_SAFETY_PROBE" "$TIDY")
# From the start: niced, it takes what the foreground leaves.
[ ${#names[@]} -gt 0 ] && background background_job "${names[@]}"

if wanted unit || wanted integration || wanted redis-suite || wanted asan; then
  # The release tools are used by the ASan pytest run too, so asan needs this build as well.
  if step "release build" build build redoubt-server redoubt-downtime redoubt-tls-connect redoubt-check-rdb redoubt-control \
       $(wanted unit && echo redoubt_unit_tests redoubt_micro_bench) -- "${RELEASE[@]}"; then
    wanted unit && step "unit tests" unit_tests build
    # Each library compiles against an include root of the folders it may use: prove that a
    # wrong include fails (a few seconds of -fsyntax-only).
    wanted unit && step "layering check" $PYTHON scripts/check-layering.py build
  fi
fi

if wanted tsan; then
  # Small: only the storage library and its concurrency tests are built with -fsanitize=thread.
  if step "tsan build (concurrency tests)" build build-tsan redoubt_concurrency_tests -- \
       -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREDOUBT_TSAN=ON -DREDOUBT_TESTS=ON "${UNITY_FLAGS[@]}"; then
    TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
      step "tsan concurrency tests" timeout 600 build-tsan/bin/redoubt_concurrency_tests --gtest_brief=1
  fi
fi

if wanted asan; then
  export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1:halt_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  if step "asan/ubsan build" build build-asan redoubt-server redoubt_unit_tests -- \
       -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" \
       -DREDOUBT_SANITIZE=ON -DREDOUBT_TESTS=ON "${UNITY_FLAGS[@]}"; then
    step "asan/ubsan unit tests" unit_tests build-asan
    step "asan/ubsan integration+differential" pytest_suites build-asan
  fi
  unset ASAN_OPTIONS UBSAN_OPTIONS
fi

if wanted integration; then
  step "integration+differential" pytest_suites build
fi

if wanted redis-suite; then
  step "redis 7.0.15 suite (plain, tls)" ./scripts/redis-suite.sh --server build/bin/redoubt-server
fi

collect

total=$((SECONDS - run_start))
# Counted here, not inside the braces below: a pipeline runs them in a subshell, whose count
# would never reach the exit status.
failed=0
for result in "${step_results[@]}"; do
  [ "$result" = ok ] || failed=$((failed + 1))
done
mkdir -p "$LOGS"
{
  echo
  echo "Step times ($(nproc) cores; load average $load_start at start, $(load) at the end):"
  printf '  %-44s %-7s %6s\n' step result seconds
  for i in "${!step_names[@]}"; do
    printf '  %-44s %-7s %6s\n' "${step_names[$i]}" "${step_results[$i]}" "${step_seconds[$i]}"
  done
  printf '  %-44s %-7s %6s\n' "total (wall clock; background steps overlap)" "" "$total"
  echo "steps: $(( ${#step_names[@]} - failed )) passed, $failed failed"
} | tee "$LOGS/step-times.txt"
[ "$failed" -eq 0 ]
