#!/usr/bin/env bash
# A/B of two Redoubt builds: is a change free on the request path? Builds redoubt-server at a
# base revision (a git worktree in build-base/, release flags, ccache shared), then runs
# run_bench.py with the base binary in the reference slot and the current build/bin binary as
# the server under test: SET and GET of 64 B at P=1 and P=16, plaintext and TLS, pinned (server
# on CPU 1, redis-benchmark on CPU 0), alternating base/new, medians of REPS.
#
#   bench/compare_builds.sh BASE_REV [REPS] [OUT_DIR]      (defaults: 5, /tmp/redoubt-ab)
#
# In OUT_DIR/RESULTS.md the column named "Redis" is the base build: every ratio there is
# new / base. Server CPU per request within 1.02× means the change costs under 2%.
set -euo pipefail
cd "$(dirname "$0")/.."
base=${1:?usage: bench/compare_builds.sh BASE_REV [REPS] [OUT_DIR]}
reps=${2:-5}
out=${3:-/tmp/redoubt-ab}
worktree=build-base/src
rev=$(git rev-parse --verify "$base^{commit}")

if [ -d "$worktree" ]; then
  git -C "$worktree" checkout -q --detach "$rev"
else
  mkdir -p build-base
  git worktree add -q --detach "$worktree" "$rev"
fi
cmake -S "$worktree" -B build-base/build -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DREDOUBT_TESTS=OFF > build-base/cmake.log
ninja -C build-base/build redoubt-server
ninja -C build redoubt-server

echo "base: $(git log -1 --format='%h %s' "$rev")"
echo "new:  $(git log -1 --format='%h %s') $(git diff --quiet HEAD || echo '(+ uncommitted changes)')"
exec /usr/bin/python3 bench/run_bench.py \
  --redis "$PWD/build-base/build/bin/redoubt-server" --reference-kind redoubt \
  --redoubt "$PWD/build/bin/redoubt-server" \
  --scenarios set_d64_p1,get_d64_p1,set_d64_p16,get_d64_p16,tls_set_d64_p1,tls_get_d64_p1,tls_set_d64_p16,tls_get_d64_p16 \
  --modes pinned --no-io1 --skip-memory --no-migration --no-acl --no-types \
  --reps "$reps" --out-dir "$out"
