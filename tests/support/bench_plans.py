# What the tests of run_bench.py's phases (test_bench_large.py, test_bench_types.py) share: a
# Bench built from a command line to look at its plan (no process started), one synthetic run
# record for report tests, and the command line of a short real run against the servers under
# test.
import sys

from support import servers
from support.tools import BENCH_DIR, import_bench_script


def bench_for(argv, tmp_path):
    """run_bench.Bench for the options argv. The redoubt-server path is never started (the plan
    needs only its name), so that the phases only Redoubt runs are skipped by the options
    alone."""
    run_bench = import_bench_script("run_bench")
    args = run_bench.parse_args(argv + ["--redoubt", str(tmp_path / "redoubt-server"),
                                        "--out-dir", str(tmp_path)])
    bench = run_bench.Bench(args)
    bench.tmp.rmdir()  # made by Bench() for its runs; the plan does not use it
    return bench


def fake_run(mode, server, key, rep, cpu_us):
    """A successful run record as run_bench.py writes it, with cpu_us µs of CPU per request."""
    return {"mode": mode, "server": server, "scenario": key, "rep": rep, "ok": True,
            "requests": 1000, "rps": 5000.0 + rep, "avg_ms": 1.0, "min_ms": 0.1, "p50_ms": 1.0,
            "p95_ms": 2.0, "p99_ms": 3.0, "max_ms": 4.0, "cpu_us_per_req": cpu_us,
            "server_cpu_pct": 50.0, "client_cpu_pct": 97.0, "wall_s": 0.2}


def run_bench_command(tmp_path, *options):
    """The command of a run_bench.py run with options against the server under test
    (REDOUBT_SERVER, its kind) and the reference redis-server, writing into tmp_path."""
    cmd = [sys.executable, str(BENCH_DIR / "run_bench.py"), *options,
           "--redoubt", servers.redoubt_binary(), "--redis", servers.redis_binary(),
           "--out-dir", str(tmp_path)]
    if servers.redoubt_kind() == "redis":
        cmd += ["--redoubt-kind", "redis"]
    return cmd
