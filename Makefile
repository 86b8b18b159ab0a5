# Redoubt build entry points. `make run` and `make test` work on a fresh Debian 12 machine:
# both install missing packages first (scripts/install-deps.sh).
#
#   make                   release build of the server and tools, binaries in build/bin/
#   make run               build the server only and start it on 127.0.0.1:6379 in the foreground
#   make test              every test below, then a table of step times (scripts/run-tests.sh)
#   make checks            what the build checks besides tests: clang-format, clang-tidy
#                          (.clang-tidy) with clang's -Wthread-safety -Werror (lock annotations)
#   make unit-test         release build (-Werror) + GoogleTest unit tests
#   make asan-test         ASan/UBSan build: unit tests, integration and differential suites
#   make integration-test  integration and differential suites (pytest) on the release server
#   make fuzz-test         bounded libFuzzer runs (RESP parser, ACL rules, RDB loader, cluster bus)
#   make redis-suite       Redis 7.0.15's own Tcl suite on the release server, plaintext and TLS,
#                          against tests/redis-suite/baseline.txt (needs ../shared/redis-tests)
#   make bench             redis-benchmark against redoubt-server and redis-server, writes bench/RESULTS.md
#   make format            clang-format every C++ file
#   make clean             remove the build trees and the build logs

JOBS ?= $(shell nproc)
# Unity builds (sixteen files per compile) build from nothing in a third of the time;
# `make UNITY=OFF` builds file by file, quicker to rebuild after a one-file change.
UNITY ?= ON
PYTHON := /usr/bin/python3
TOOLS := redoubt-server redoubt-downtime redoubt-tls-connect redoubt-control

.PHONY: all build deps configure run test checks unit-test asan-test integration-test fuzz-test \
	redis-suite bench format clean

all: build

deps:
	@./scripts/install-deps.sh

configure: deps
	@cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_UNITY_BUILD=$(UNITY) \
	  -DCMAKE_UNITY_BUILD_BATCH_SIZE=16 > /dev/null

build: configure
	@ninja -C build -j $(JOBS) $(TOOLS)

# Only the server: the unit tests and tools are not needed to run it.
run: configure
	@test -x build/bin/redoubt-server || \
	  echo "Building redoubt-server (the first build takes a few minutes; later ones are quick)"
	@ninja -C build -j $(JOBS) redoubt-server
	@echo "Starting redoubt-server on 127.0.0.1:6379 — connect with: redis-cli -p 6379"
	@echo "(stop with Ctrl-C; configuration: redoubt.conf.example, README.md)"
	@./build/bin/redoubt-server --port 6379 --bind 127.0.0.1

test: deps
	@UNITY=$(UNITY) ./scripts/run-tests.sh

checks: deps
	@UNITY=$(UNITY) ./scripts/run-tests.sh checks

unit-test: deps
	@UNITY=$(UNITY) ./scripts/run-tests.sh unit

asan-test: deps
	@UNITY=$(UNITY) ./scripts/run-tests.sh asan

integration-test: deps
	@UNITY=$(UNITY) ./scripts/run-tests.sh integration

fuzz-test: deps
	@UNITY=$(UNITY) ./scripts/run-tests.sh fuzz

redis-suite: build
	@./scripts/redis-suite.sh --server build/bin/redoubt-server

bench: build
	@$(PYTHON) bench/run_bench.py

format:
	@find src tests fuzz bench -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf build build-asan build-fuzz build-tsan build-clang build-base build-logs build*.cmake.log
	git worktree prune
