# Small helpers for integration tests: run the redis command-line tools with a bounded time,
# find Redoubt's own tools (redoubt-downtime, redoubt-tls-connect) and the bench scripts, read a
# process's resident memory, and poll a condition (or counters) without fixed sleeps.
#
# The tool finder is also the bench's (bench/run_bench.py, tls_migration.py, acl_rotation.py put
# tests/ on sys.path), so a test and the bench it drives look in the same places.
import importlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from support import servers

REPO_ROOT = Path(__file__).resolve().parents[2]
BENCH_DIR = REPO_ROOT / "bench"

REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
REDIS_BENCHMARK = shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"


def run_tool(cmd, input=None, timeout=60):
    """Run a command; returns CompletedProcess with text stdout/stderr."""
    return subprocess.run(cmd, input=input, capture_output=True, timeout=timeout,
                          text=not isinstance(input, bytes))


def redoubt_tool_candidates(name, tools_dir=None, server_binary=None, extra_dirs=()):
    """Where the Redoubt tool `name` is looked for, in order, each directory once: tools_dir
    (else env REDOUBT_TOOLS_DIR), next to the server under test (so an ASan server gets the ASan
    tools), <repo>/build/bin, then extra_dirs."""
    dirs = []
    env = tools_dir or os.environ.get("REDOUBT_TOOLS_DIR")
    if env:
        dirs.append(Path(env))
    dirs += [Path(server_binary or servers.redoubt_binary()).absolute().parent,
             REPO_ROOT / "build" / "bin", *(Path(d) for d in extra_dirs)]
    unique = []
    for d in dirs:
        if d.resolve() not in [u.resolve() for u in unique]:
            unique.append(d)
    return [d / name for d in unique]


def tool_has_option(path, option):
    """Does `path --help` list option? A tool built before the option was added does not."""
    try:
        out = subprocess.run([str(path), "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return option in out.stdout


def find_redoubt_tool(name, tools_dir=None, server_binary=None, extra_dirs=(),
                      needs_option=None):
    """The first candidate (redoubt_tool_candidates) that is an executable file and, with
    needs_option, lists that option in its --help; None if there is none."""
    for path in redoubt_tool_candidates(name, tools_dir, server_binary, extra_dirs):
        if path.is_file() and os.access(path, os.X_OK) and (
                needs_option is None or tool_has_option(path, needs_option)):
            return path
    return None


def redoubt_tool_or_skip(name, needs_option=None, extra_dirs=()):
    """For a fixture: the path of the tool. Skips the test when no candidate exists (the reason
    lists where it looked); fails it when candidates exist but none has needs_option, because a
    stale build must be rebuilt, not passed over."""
    import pytest
    candidates = redoubt_tool_candidates(name, extra_dirs=extra_dirs)
    found = [p for p in candidates if p.is_file() and os.access(p, os.X_OK)]
    if not found:
        pytest.skip(f"{name} not built; looked at: " + ", ".join(str(p) for p in candidates))
    tool = find_redoubt_tool(name, extra_dirs=extra_dirs, needs_option=needs_option)
    if tool is None:
        pytest.fail(f"no {name} with {needs_option} among {[str(p) for p in found]}: rebuild "
                    f"it (ninja {name})", pytrace=False)
    return tool


def import_bench_script(name):
    """bench/<name>.py as a module. bench/ is not a package: it is put on sys.path for the
    import only, and no __pycache__ is left behind."""
    saved = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(BENCH_DIR))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(BENCH_DIR))
        sys.dont_write_bytecode = saved


def cpu_seconds(pid):
    """User + system CPU time of the process so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wait_until(predicate, timeout, interval=0.05):
    """Poll predicate() until it is truthy or `timeout` seconds pass; returns its last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value


def wait_for(predicate, what, timeout=60):
    """Polls a condition the servers report (no fixed sleeps) every 20 ms; fails with `what`
    when it does not hold within `timeout` seconds."""
    if not wait_until(predicate, timeout, interval=0.02):
        raise AssertionError(f"timed out waiting for {what}")


def wait_for_values(read, want, timeout=10.0, interval=0.05):
    """Polls read() (a dict, e.g. INFO counters or their change since a test began) until every
    key of `want` has its value there, or `timeout` seconds pass; returns the last dict read, for
    the test to assert on (so a miss shows every value).

    For counters the server bumps after the client has already seen the outcome: a refused TLS
    handshake sends its alert before the failure is counted, a refused connection is closed
    before network-allow counts it. Reading once right after the outcome races with that."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if all(value.get(k) == v for k, v in want.items()) or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def ipv6_loopback_available():
    import socket
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def cpu_count():
    return os.cpu_count() or 1
