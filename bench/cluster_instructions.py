#!/usr/bin/python3
"""Cluster mode's cost per command in instructions, which unlike throughput on this machine
does not move from run to run: redoubt-server with one I/O thread under valgrind's callgrind,
with cluster mode off and on (serving every slot), counts the instructions of its I/O thread
(where every command runs; callgrind counts each thread apart) for N GETs or SETs
(redis-benchmark -P 16 -c 4 -r 100000 -d 64, keys of 16 bytes), as the difference between a
run with them and a run with only the warm-up (100,000 SETs), so that start-up and shutdown
cancel out. The crons and the cluster bus run on other threads, by the clock: valgrind's
slowdown would multiply them.

Writes bench/cluster_instructions.json; report_cluster.py puts the table in RESULTS.md.
Takes about a minute on an idle machine; needs valgrind (Debian's `valgrind`).
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_servers import free_port  # noqa: E402
from bench_util import save_and_report  # noqa: E402

def run(binary, cluster, test, requests, tmp):
    """The instructions of the I/O thread (the busiest thread) over one server life: the
    warm-up, then `requests` of test (none: the warm-up only)."""
    d = Path(tempfile.mkdtemp(dir=tmp))
    port = free_port(set())
    out = d / "callgrind.out"
    args = [binary, "--port", str(port), "--io-threads", "1", "--save", "", "--appendonly", "no",
            "--dir", str(d)]
    if cluster:
        args += ["--cluster-enabled", "yes", "--cluster-config-file", str(d / "nodes.conf"),
                 "--cluster-port", str(free_port({port}))]
    server = subprocess.Popen(["valgrind", "--tool=callgrind", "--separate-threads=yes",
                               f"--callgrind-out-file={out}", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    cli = ["redis-cli", "-p", str(port)]
    deadline = time.monotonic() + 120
    while subprocess.run([*cli, "ping"], capture_output=True).stdout.strip() != b"PONG":
        if time.monotonic() > deadline or server.poll() is not None:
            raise RuntimeError("the server under valgrind did not start")
        time.sleep(0.2)
    if cluster:
        subprocess.run([*cli, "cluster", "addslotsrange", "0", "16383"], check=True,
                       capture_output=True)
        while b"cluster_state:ok" not in subprocess.run([*cli, "cluster", "info"],
                                                        capture_output=True).stdout:
            if time.monotonic() > deadline:
                raise RuntimeError("the cluster did not come up")
            time.sleep(0.2)
    bench = ["redis-benchmark", "-p", str(port), "-P", "16", "-c", "4", "-r", "100000", "-d", "64",
             "-q"]
    subprocess.run([*bench, "-t", "set", "-n", "100000"], check=True, capture_output=True)
    if test != "none":
        subprocess.run([*bench, "-t", test, "-n", str(requests)], check=True, capture_output=True)
    subprocess.run([*cli, "shutdown", "nosave"], capture_output=True)
    server.wait(timeout=300)
    totals = []
    for dump in d.glob("callgrind.out*"):  # one per thread: callgrind.out-01, -02, …
        for line in dump.read_text(errors="replace").splitlines():
            if line.startswith("totals:") or line.startswith("summary:"):
                totals.append(int(line.split()[1]))
                break
    return max(totals)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--requests", type=int, default=200_000)
    ap.add_argument("--redoubt", default=str(HERE.parent / "build/bin/redoubt-server"))
    ap.add_argument("--out", default=str(HERE))
    a = ap.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install valgrind)")
    results = {"requests": a.requests, "per_command": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for cluster in (False, True):
            mode = "cluster" if cluster else "plain"
            base = run(a.redoubt, cluster, "none", a.requests, tmp)
            for test in ("get", "set"):
                n = (run(a.redoubt, cluster, test, a.requests, tmp) - base) / a.requests
                results["per_command"][f"{mode}/{test.upper()}"] = n
                print(f"{mode:8} {test.upper()}: {n:,.0f} instructions per command", flush=True)
    save_and_report(a.out, "cluster_instructions.json", results)


if __name__ == "__main__":
    main()
