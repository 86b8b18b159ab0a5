#!/bin/sh
# Thin wrapper: runs the Redoubt-vs-Redis benchmark with Debian's Python (the only Python whose
# libraries we use). All options go to run_bench.py; see bench/README.md.
exec /usr/bin/python3 "$(dirname "$0")/run_bench.py" "$@"
