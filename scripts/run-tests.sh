#!/usr/bin/env bash
# Runs every test of Redoubt, as `make test` and CI do:
#   1. release build, GoogleTest unit tests (ctest)
#   2. ASan+UBSan build: unit tests, then the integration and differential suites against the
#      sanitized server (a sanitizer report fails the run)
#   3. integration and differential suites (pytest, real clients, Debian's redis-server)
#      against the release server
#   4. bounded libFuzzer runs of the RESP parser and of ACL rules over fuzz/corpus/
# Ends with one summary line "N passed, N failed" (steps), and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."

JOBS=$(nproc)
PYTHON=/usr/bin/python3
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
passed=0
failed=0
failures=()

step() {
  local name=$1
  shift
  local start=$SECONDS
  echo
  echo "==> $name"
  if "$@"; then
    passed=$((passed + 1))
    echo "<== $name: ok ($((SECONDS - start)) s)"
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "<== $name: FAILED ($((SECONDS - start)) s)"
  fi
}

build() {
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja "$@" > "$dir.cmake.log" 2>&1 || { cat "$dir.cmake.log"; return 1; }
  ninja -C "$dir" -j "$JOBS" ${TARGETS:-}
}

unit_tests() {
  (cd "$1" && ctest --output-on-failure -j "$JOBS" --timeout 120)
}

pytest_suites() {
  REDOUBT_SERVER="$PWD/$1/bin/redoubt-server" $PYTHON -m pytest -c tests/pytest.ini -q \
    -p no:cacheprovider tests/integration tests/differential
}

# fuzz <name> <seconds>: runs build-fuzz/bin/<name>_fuzzer from fuzz/corpus/<name>.
fuzz() {
  local name=$1 seconds=$2 corpus
  corpus=$(mktemp -d)
  cp "fuzz/corpus/$name"/* "$corpus"/
  # Findings (crash-*, leak-*) are written to the working directory; run it in build-fuzz.
  (cd build-fuzz && "./bin/${name}_fuzzer" -max_total_time="$seconds" -max_len=4096 \
    -print_final_stats=1 "$corpus" "../fuzz/corpus/$name" 2>&1 | tail -n 12)
  local rc=${PIPESTATUS[0]}
  rm -rf "$corpus"
  return "$rc"
}

./scripts/install-deps.sh || exit 1

step "release build" build build -DCMAKE_BUILD_TYPE=Release -DREDOUBT_TESTS=ON
step "unit tests" unit_tests build
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
step "asan/ubsan build" build build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREDOUBT_SANITIZE=ON \
  -DREDOUBT_TESTS=ON
step "asan/ubsan unit tests" unit_tests build-asan
step "asan/ubsan integration+differential" pytest_suites build-asan
unset ASAN_OPTIONS UBSAN_OPTIONS
step "integration+differential" pytest_suites build
TARGETS="resp_parser_fuzzer acl_rules_fuzzer" step "fuzzer build" build build-fuzz \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREDOUBT_FUZZ=ON -DREDOUBT_TESTS=OFF -DCMAKE_CXX_COMPILER=clang++
step "fuzz resp parser (${FUZZ_SECONDS}s)" fuzz resp_parser "$FUZZ_SECONDS"
step "fuzz acl rules ($((FUZZ_SECONDS / 2))s)" fuzz acl_rules "$((FUZZ_SECONDS / 2))"

echo
for f in "${failures[@]}"; do
  echo "failed: $f"
done
echo "steps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
