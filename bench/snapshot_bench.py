#!/usr/bin/python3
# BGSAVE of a ~1 GB dataset on Redoubt and on Debian's redis-server 7.0, in one run: the pause
# every client waits for (Redis: fork, INFO latest_fork_usec; Redoubt: the start, when every
# shard is held, INFO rdb_last_snapshot_begin_usec) and the longest a Redoubt walk step holds one
# shard (rdb_last_snapshot_max_step_usec); what a probe client sees (its longest round trip
# during the save, against the same probe before it); how long the save takes; the memory it
# costs while clients overwrite keys; the file it writes. Redoubt walks its keyspace in steps
# while commands go on (docs/architecture.md, "Snapshots").
#
# CPUs: each server pinned to CPU 0; the probe, the writer (redis-benchmark) and this script on
# CPU 1. Both servers are loaded once (redis-cli --pipe, the same keys and values) and stay up;
# the saves alternate Redis, Redoubt, Redoubt encrypted (rdb-encryption-key-file set by CONFIG
# SET before its save and cleared after: the cost of AES-256-GCM at rest), Redis, … REPS times
# each, and the tables give medians and min–max. Writes results to bench/snapshot.json and regenerates bench/RESULTS.md (report.py adds
# the section from snapshot.json).
#
#   bench/snapshot_bench.py [--keys 1000000] [--value-bytes 1000] [--reps 3]
import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_servers import Server  # noqa: E402
from bench_util import median_range, save_and_report  # noqa: E402

SERVER_CPU = "0"
CLIENT_CPU = "1"


def write_load_file(path, keys, value_bytes):
    """SET key:%08d <value> for every key, as RESP; 256 different values that compress a little
    (as real payloads do), so LZF has work but does not shrink them to nothing."""
    alphabet = bytes(range(33, 127))
    values = []
    for v in range(256):
        block = bytes(alphabet[(v * 31 + j * j * 7 + j) % len(alphabet)] for j in range(251))
        values.append((block * (value_bytes // len(block) + 1))[:value_bytes])
    with open(path, "wb") as f:
        for i in range(keys):
            key = b"key:%08d" % i
            value = values[i % 256]
            f.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(key), key,
                                                                         len(value), value))


def load(server, path, keys):
    with open(path, "rb") as f:
        subprocess.run(["taskset", "-c", CLIENT_CPU, "redis-cli", "-p", str(server.port),
                        "--pipe"], stdin=f, stdout=subprocess.DEVNULL, check=True)
    n = int(server.command("DBSIZE"))
    if n != keys:
        raise RuntimeError(f"{server.label}: DBSIZE {n}, expected {keys}")


class Probe(threading.Thread):
    """One request at a time (SET then GET of its own key), every round trip timed."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.samples = []  # (start monotonic s, seconds)
        self.stop = threading.Event()

    def run(self):
        import socket
        s = socket.create_connection(("127.0.0.1", self.port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        req = b"*3\r\n$3\r\nSET\r\n$5\r\nprobe\r\n$1\r\nx\r\n*2\r\n$3\r\nGET\r\n$5\r\nprobe\r\n"
        want = b"+OK\r\n$1\r\nx\r\n"
        while not self.stop.is_set():
            t0 = time.monotonic()
            s.sendall(req)
            got = b""
            while len(got) < len(want):
                chunk = s.recv(64)
                if not chunk:
                    return
                got += chunk
            self.samples.append((t0, time.monotonic() - t0))
            time.sleep(0.0005)
        s.close()

    def worst(self, start, end):
        window = [d for t, d in self.samples if start <= t <= end]
        return (max(window) if window else 0.0), len(window)


def rss_sum(pid):
    """RSS of a process and its children (Redis's fork child), bytes."""
    total = 0
    pids = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            kids = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
            pids += [int(k) for k in kids]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def one_save(server, keys, writes):
    """One BGSAVE with the probe running (and a writer when `writes`); returns its figures."""
    probe = Probe(server.port)
    probe.start()
    time.sleep(1.0)
    baseline_start = time.monotonic()
    time.sleep(1.0)
    baseline_worst, _ = probe.worst(baseline_start, time.monotonic())
    writer = None
    if writes:
        writer = subprocess.Popen(
            ["taskset", "-c", CLIENT_CPU, "redis-benchmark", "-p", str(server.port), "-t", "set",
             "-r", str(keys), "-d", "1000", "-n", "100000000", "-P", "16", "-c", "4", "-q"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
    rss_before = rss_sum(server.proc.pid)
    saves_before = int(server.info("persistence").get("rdb_saves", 0))
    t0 = time.monotonic()
    reply = server.command("BGSAVE")
    if "started" not in str(reply):
        raise RuntimeError(f"{server.label}: BGSAVE answered {reply!r}")
    peak = rss_before
    while True:
        peak = max(peak, rss_sum(server.proc.pid))
        info = server.info("persistence")
        if (int(info.get("rdb_bgsave_in_progress", 1)) == 0
                and int(info.get("rdb_saves", 0)) > saves_before):
            break
        if time.monotonic() - t0 > 600:
            raise RuntimeError(f"{server.label}: BGSAVE still running after 600 s")
        time.sleep(0.02)
    t1 = time.monotonic()
    if writer:
        writer.terminate()
        writer.wait()
    time.sleep(0.3)
    probe.stop.set()
    probe.join(5)
    worst, n = probe.worst(t0, t1)
    stats = server.info("stats")
    persistence = server.info("persistence")
    rdb = Path(server.log_dir) / "dump.rdb"
    return {
        "seconds": t1 - t0,
        "probe_worst_ms": worst * 1000,
        "probe_baseline_worst_ms": baseline_worst * 1000,
        "probe_requests": n,
        "status": persistence.get("rdb_last_bgsave_status"),
        # Every client waits: Redis during fork(), Redoubt while Begin holds every shard.
        "world_pause_ms": (int(stats["latest_fork_usec"]) / 1000 if server.kind == "redis" else
                           int(persistence["rdb_last_snapshot_begin_usec"]) / 1000),
        # Redoubt: the longest a walk step held one shard (the clients of that shard wait).
        "shard_hold_ms": (int(persistence["rdb_last_snapshot_max_step_usec"]) / 1000
                          if server.kind == "redoubt" else None),
        "cow_bytes": int(persistence.get("rdb_last_cow_size", 0)) or None,
        "rss_before": rss_before,
        "rss_peak_extra": peak - rss_before,
        "file_bytes": rdb.stat().st_size if rdb.exists() else None,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--keys", type=int, default=1_000_000)
    p.add_argument("--value-bytes", type=int, default=1000)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--redoubt", default=str(ROOT / "build/bin/redoubt-server"))
    p.add_argument("--redis", default="/usr/bin/redis-server")
    p.add_argument("--out", default=str(HERE))
    args = p.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="snapshot-bench-"))
    ports = set()
    servers = []
    try:
        load_file = tmp / "load.resp"
        print(f"writing the load file ({args.keys:,} keys of {args.value_bytes} B)...",
              flush=True)
        write_load_file(load_file, args.keys, args.value_bytes)
        for label, kind, binary in (("redis", "redis", args.redis),
                                    ("redoubt", "redoubt", args.redoubt)):
            d = tmp / label
            d.mkdir()
            s = Server(label, kind, binary, ["--dir", str(d)], SERVER_CPU, d, ports)
            s.start()
            # Redis's reference arguments turn saving off; a BGSAVE still works.
            print(f"loading {label}...", flush=True)
            load(s, load_file, args.keys)
            servers.append(s)
        load_file.unlink()
        key_file = tmp / "rdb.key"
        key_file.write_text(os.urandom(32).hex() + "\n")
        key_file.chmod(0o600)
        # (label, server, encrypted): the Redoubt server saves once plain, once encrypted.
        saves = [(s.label, s, False) for s in servers] + [
            ("redoubt-encrypted", s, True) for s in servers if s.kind == "redoubt"]
        results = {"keys": args.keys, "value_bytes": args.value_bytes, "reps": args.reps,
                   "cpus": {"server": SERVER_CPU, "clients": CLIENT_CPU}, "runs": []}
        for writes in (False, True):
            for rep in range(args.reps):
                for label, s, encrypted in saves:
                    if encrypted:
                        s.command("CONFIG", "SET", "rdb-encryption-key-file", str(key_file))
                    try:
                        r = one_save(s, args.keys, writes)
                    finally:
                        if encrypted:
                            s.command("CONFIG", "SET", "rdb-encryption-key-file", "")
                    r.update({"server": label, "writes": writes, "rep": rep})
                    results["runs"].append(r)
                    print(f"  {label:17} {'writes' if writes else 'idle':6} rep {rep}: "
                          f"{r['seconds']:.2f} s, probe worst {r['probe_worst_ms']:.1f} ms "
                          f"(before {r['probe_baseline_worst_ms']:.1f}), world pause "
                          f"{r['world_pause_ms']:.2f} ms, shard hold {r['shard_hold_ms']} ms, "
                          f"extra RSS {r['rss_peak_extra'] / 2**20:.0f} MiB",
                          flush=True)
        results["used_rss"] = {s.label: s.rss_bytes() for s in servers}
        summary = {}
        for label in ("redis", "redoubt", "redoubt-encrypted"):
            for writes in (False, True):
                rows = [r for r in results["runs"] if r["server"] == label and r["writes"] == writes]
                summary[f"{label}/{'writes' if writes else 'idle'}"] = {
                    k: median_range([r[k] for r in rows])
                    for k in ("seconds", "probe_worst_ms", "probe_baseline_worst_ms",
                              "world_pause_ms", "shard_hold_ms",
                              "cow_bytes", "rss_peak_extra", "file_bytes")}
        results["summary"] = summary
        save_and_report(args.out, "snapshot.json", results)
    finally:
        for s in servers:
            s.stop(grace=30)
        subprocess.run(["rm", "-rf", str(tmp)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
