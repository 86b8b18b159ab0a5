# Small helpers for integration tests: run the redis command-line tools with a bounded time,
# read a process's resident memory, and poll a condition without fixed sleeps.
import os
import shutil
import subprocess
import time

REDIS_CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
REDIS_BENCHMARK = shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"


def run_tool(cmd, input=None, timeout=60):
    """Run a command; returns CompletedProcess with text stdout/stderr."""
    return subprocess.run(cmd, input=input, capture_output=True, timeout=timeout,
                          text=not isinstance(input, bytes))


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
