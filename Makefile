# Redoubt build entry points. `make run` and `make test` work on a fresh Debian 12 machine:
# both install missing packages first (scripts/install-deps.sh).
#
#   make          release build, binaries in build/bin/
#   make run      build and start redoubt-server on 127.0.0.1:6379 in the foreground
#   make test     unit tests, ASan/UBSan unit tests, integration and differential tests, fuzzing
#   make bench    redis-benchmark against redoubt-server and redis-server, writes bench/RESULTS.md
#   make format   clang-format every C++ file

JOBS ?= $(shell nproc)
PYTHON := /usr/bin/python3

.PHONY: all build deps run test unit-test asan-test integration-test differential-test fuzz-test bench format clean

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	@cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
	@ninja -C build -j $(JOBS)

run: build
	@echo "Starting redoubt-server on 127.0.0.1:6379 — connect with: redis-cli -p 6379"
	@echo "(stop with Ctrl-C; configuration: redoubt.conf.example, README.md)"
	@./build/bin/redoubt-server --port 6379 --bind 127.0.0.1

test: deps
	@./scripts/run-tests.sh

bench: build
	@$(PYTHON) bench/run_bench.py

format:
	@find src tests fuzz bench -name '*.cc' -o -name '*.h' | xargs clang-format -i

clean:
	rm -rf build build-asan build-fuzz
