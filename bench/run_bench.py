#!/usr/bin/python3
# Redoubt-vs-Redis benchmark driver: starts redoubt-server and Debian's redis-server on free
# loopback ports, runs the same redis-benchmark command against each (alternating R, D, R, D,
# ...), measures server CPU time per request and RSS per key, then writes results.json and,
# through report.py, RESULTS.md and results.png (gnuplot). `make bench` runs this file.
#
# Read first:
#   - Every number in RESULTS.md comes from a run of this script; never edit it by hand.
#   - Server CPU comes from /proc/PID/stat utime+stime (all threads, clock ticks), read
#     before and after each redis-benchmark run, so nothing else may talk to the servers.
#   - Only processes this script started are ever signalled, by PID; they also get
#     PR_SET_PDEATHSIG so they die if this script is killed with SIGKILL.
#   - Wall time is bounded: an estimate is printed first, and --time-limit stops starting
#     new runs once it would be exceeded (the report then says it is incomplete).
#
# Environment (same names as tests/support/servers.py):
#   REDOUBT_SERVER       server under test (default <repo>/build/bin/redoubt-server)
#   REDOUBT_SERVER_KIND  "redoubt" or "redis"; guessed from the file name when unset
#   REDIS_SERVER         reference server (default /usr/bin/redis-server)
import argparse
import csv
import ctypes
import datetime
import hashlib
import io
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

sys.dont_write_bytecode = True  # keep bench/ free of __pycache__
import report  # noqa: E402  (after the line above on purpose)

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DEFAULT_REDOUBT = REPO_ROOT / "build" / "bin" / "redoubt-server"
DEFAULT_REDIS = Path("/usr/bin/redis-server")
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Request counts: on the 2-core EPYC guest redis-server measured ~100k rps at -P 1 (client
# bound), ~1.5M rps at -P 16 and ~28k connections/s at -k 0, so a full-size run lasts 1-3 s.
# The connection scenario stays under the 28k ephemeral ports of one destination: every
# connection leaves a client-side TIME_WAIT socket, and loopback TIME_WAIT reuse
# (tcp_tw_reuse=2, the kernel default) only recycles those older than about a second.
FULL_SIZES = {"n_p1": 300_000, "n_p16": 4_000_000, "n_conn": 25_000, "keys": 1_000_000}
QUICK_SIZES = {"n_p1": 20_000, "n_p16": 200_000, "n_conn": 5_000, "keys": 100_000}

# Guesses used only for the first duration estimate (before warm-up measures real rates);
# deliberately a little pessimistic.
NOMINAL_RPS = {"p1": 80_000, "p16": 1_000_000, "conn": 15_000}
RUN_OVERHEAD_S = 0.4     # process start, CSV parsing, /proc reads
SERVER_START_S = 1.0
WARMUP_FRACTION = 10     # warm-up runs use n / WARMUP_FRACTION requests
CLIENT_BOUND_PCT = 95.0  # client CPU above this means redis-benchmark was the bottleneck


class BenchError(RuntimeError):
    """A failure that stops the benchmark (a server died, a tool is missing, ...)."""


class OutOfTime(Exception):
    """Raised when the next step would run past --time-limit."""


# ----- small helpers ----------------------------------------------------------------------------

def _die_with_parent():
    """preexec_fn: ask the kernel to SIGKILL the child if this script dies (PR_SET_PDEATHSIG).

    Survives the execve done by taskset, so it covers the server itself."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # 1 == PR_SET_PDEATHSIG


def free_port(taken):
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in taken:
            taken.add(port)
            return port


def read_text(path, default=""):
    try:
        return Path(path).read_text()
    except OSError:
        return default


def loadavg():
    return [float(x) for x in read_text("/proc/loadavg", "0 0 0").split()[:3]]


def run_quiet(cmd, **kw):
    """Output of a short informational command, or '' when it fails."""
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=20,
                              **kw).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def time_wait_sockets():
    """Number of IPv4 TCP sockets in TIME_WAIT (state 06 in /proc/net/tcp)."""
    count = 0
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                parts = line.split(None, 4)
                if len(parts) > 3 and parts[3] == "06":
                    count += 1
    except OSError:
        return None
    return count


class RespError(Exception):
    pass


def resp_command(port, *args, timeout=10.0):
    """Sends one command to 127.0.0.1:port and returns the decoded RESP2 reply."""
    parts = [a if isinstance(a, bytes) else str(a).encode() for a in args]
    payload = b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(payload)
        with sock.makefile("rb") as f:
            return _read_reply(f)


def _read_reply(f):
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("connection closed mid-reply")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RespError(rest.decode())
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        return None if n < 0 else f.read(n + 2)[:-2].decode("utf-8", "replace")
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_read_reply(f) for _ in range(n)]
    raise RespError(f"unexpected reply type {line[:40]!r}")


def key_count(server):
    """(number of keys, how it was obtained): DBSIZE, else INFO keyspace, else (None, why)."""
    try:
        return resp_command(server.port, "DBSIZE"), "DBSIZE"
    except RespError as e:
        why = f"DBSIZE failed: {e}"
    db0 = server.info("keyspace").get("db0", "")
    for part in db0.split(","):
        if part.startswith("keys="):
            return int(part[5:]), f"INFO keyspace ({why})"
    return None, f"unverified: {why}; no INFO keyspace"


def parse_info(text):
    fields = {}
    for line in (text or "").splitlines():
        if ":" in line and not line.startswith("#"):
            key, _, value = line.partition(":")
            fields[key.strip()] = value.strip()
    return fields


# ----- servers ----------------------------------------------------------------------------------

class Server:
    """One server process started by this script, optionally pinned with taskset.

    kind 'redis' adds the reference invocation's persistence-off arguments; 'redoubt' passes
    only the common ones (Redoubt has no persistence yet and ignores nothing silently)."""

    def __init__(self, label, kind, binary, extra_args, cpus, log_dir, ports):
        self.label = label
        self.kind = kind
        self.binary = str(binary)
        self.extra_args = list(extra_args)
        self.cpus = cpus
        self.log_dir = Path(log_dir)
        self.ports = ports
        self.proc = None
        self.port = None
        self.log_path = None
        self.cmd = None

    def start(self, timeout=15.0):
        self.port = free_port(self.ports)
        cmd = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        if self.kind == "redis":
            cmd += ["--save", "", "--appendonly", "no", "--daemonize", "no"]
        cmd += ["--logfile", ""] + self.extra_args
        if self.cpus is not None:
            cmd = ["taskset", "-c", self.cpus] + cmd
        self.cmd = cmd
        self.log_path = self.log_dir / f"{self.label}-{self.port}.log"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, cwd=self.log_dir,
                                         start_new_session=True, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        last = "no attempt"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(self.failure(f"exited with code {self.proc.returncode} "
                                              "before answering PING"))
            try:
                if resp_command(self.port, "PING", timeout=1.0) == "PONG":
                    return self
                last = "no PONG"
            except (OSError, RespError) as e:
                last = repr(e)
            time.sleep(0.05)
        raise BenchError(self.failure(f"did not answer PING within {timeout:.0f}s ({last})"))

    def failure(self, what):
        tail = read_text(self.log_path)[-3000:] if self.log_path else ""
        return (f"{self.label} ({self.binary}) {what}\n  command: {shlex.join(self.cmd or [])}"
                f"\n  log {self.log_path}:\n{tail}")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def check_alive(self):
        if not self.alive():
            raise BenchError(self.failure(f"died (exit code {self.proc.returncode})"))

    def cpu_ticks(self):
        """utime + stime of the whole process (every thread, dead ones too), in clock ticks."""
        data = Path(f"/proc/{self.proc.pid}/stat").read_text()
        fields = data[data.rindex(")") + 2:].split()  # fields[0] is field 3 (state)
        return int(fields[14 - 3]) + int(fields[15 - 3])

    def status(self):
        fields = {}
        for line in read_text(f"/proc/{self.proc.pid}/status").splitlines():
            key, _, value = line.partition(":")
            fields[key] = value.strip()
        return fields

    def rss_bytes(self):
        return int(self.status()["VmRSS"].split()[0]) * 1024

    def describe(self):
        st = self.status()
        return {"label": self.label, "kind": self.kind, "binary": self.binary,
                "command": shlex.join(self.cmd), "pid": self.proc.pid, "port": self.port,
                "threads": int(st.get("Threads", "0")),
                "cpus_allowed": st.get("Cpus_allowed_list", "?")}

    def info(self, section):
        try:
            return parse_info(resp_command(self.port, "INFO", section))
        except (OSError, RespError):
            return {}

    def stop(self, grace=5.0):
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.kill(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=grace)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=grace)


# ----- scenarios and modes ----------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    key: str          # stable id used in results.json, e.g. "set_d64_p1"
    title: str        # what the report shows, e.g. "SET 64 B P=1"
    test: str         # redis-benchmark -t value
    csv_name: str     # row name in redis-benchmark --csv output
    data_size: int
    pipeline: int
    clients: int
    keepalive: bool
    requests: int
    rate_class: str   # "p1", "p16" or "conn": which nominal rate the estimate uses

    def bench_args(self, requests=None):
        args = ["-t", self.test, "-n", str(requests or self.requests), "-c", str(self.clients),
                "-d", str(self.data_size), "-P", str(self.pipeline), "--csv"]
        if not self.keepalive:
            args += ["-k", "0"]
        return args


def build_scenarios(sizes, wanted):
    scenarios = []
    # GET always follows SET of the same size, so GET reads a value of the size it claims.
    for size in (64, 1024):
        for pipeline in (1, 16):
            for test in ("set", "get"):
                n = sizes["n_p1"] if pipeline == 1 else sizes["n_p16"]
                scenarios.append(Scenario(
                    key=f"{test}_d{size}_p{pipeline}",
                    title=f"{test.upper()} {size} B P={pipeline}", test=test,
                    csv_name=test.upper(), data_size=size, pipeline=pipeline, clients=50,
                    keepalive=True, requests=n, rate_class=f"p{pipeline}"))
    scenarios.append(Scenario(
        key="conn_ping", title="new conn/s (PING, -k 0)", test="ping_mbulk",
        csv_name="PING_MBULK", data_size=3, pipeline=1, clients=50, keepalive=False,
        requests=sizes["n_conn"], rate_class="conn"))
    if wanted:
        unknown = set(wanted) - {s.key for s in scenarios}
        if unknown:
            raise SystemExit(f"unknown scenario(s): {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(s.key for s in scenarios)}")
        scenarios = [s for s in scenarios if s.key in wanted]
    return scenarios


@dataclass
class Mode:
    name: str
    server_cpus: str | None
    client_cpus: str | None
    servers: list          # (label, kind, io_threads or None): in the alternation order
    description: str


def build_modes(args, redoubt_kind):
    modes = []
    wanted = [m.strip() for m in args.modes.split(",") if m.strip()]
    for name in wanted:
        if name == "pinned":
            servers = [("redoubt", redoubt_kind, None), ("redis", "redis", None)]
            if not args.no_io1:
                servers.append(("redoubt-io1", redoubt_kind, 1))
            desc = (f"Every server thread pinned to CPU {args.server_cpu} (taskset at start; "
                    f"Redoubt keeps its default io-threads, which is the number of CPUs it may "
                    f"run on, so one I/O thread); redis-benchmark pinned to CPU {args.client_cpu}."
                    + ("" if args.no_io1 else
                       " Extra row 'redoubt-io1': Redoubt with an explicit --io-threads 1, same pinning."))
            modes.append(Mode(name, args.server_cpu, args.client_cpu, servers, desc))
        elif name == "unpinned":
            servers = [("redoubt", redoubt_kind, None), ("redis", "redis", None)]
            desc = ("No taskset: the kernel places server and client threads on any CPU. "
                    "Redoubt runs its default io-threads (= the 2 cores); Redis runs its default "
                    "(io-threads 1: one thread does all I/O and commands).")
            modes.append(Mode(name, None, None, servers, desc))
        else:
            raise SystemExit(f"unknown mode {name!r} (known: pinned, unpinned)")
    return modes


# ----- the benchmark ----------------------------------------------------------------------------

class Bench:
    def __init__(self, args):
        self.args = args
        self.start_wall = time.time()
        self.start_mono = time.monotonic()
        self.deadline = self.start_mono + args.time_limit * 60
        self.tmp = Path(tempfile.mkdtemp(prefix="redoubt-bench-"))
        self.ports = set()
        self.live = []       # every Server started, for cleanup
        self.runs = []
        self.warnings = []
        self.mode_info = {}
        self.memory = []
        self.incomplete = None
        self.aborted = False
        self.rates = {}      # (server label, scenario key) -> warm-up rps, for estimates

        self.redoubt_bin = Path(args.redoubt)
        self.redis_bin = Path(args.redis)
        self.redoubt_kind = args.redoubt_kind or self._guess_kind(self.redoubt_bin)
        self.sizes = dict(QUICK_SIZES if args.quick else FULL_SIZES)
        for key in self.sizes:
            if getattr(args, key) is not None:
                self.sizes[key] = getattr(args, key)
        self.scenarios = build_scenarios(self.sizes, args.scenarios)
        self.modes = build_modes(args, self.redoubt_kind)

    @staticmethod
    def _guess_kind(binary):
        names = {binary.name, Path(os.path.realpath(binary)).name}
        return "redis" if any(n.startswith("redis-") for n in names) else "redoubt"

    # --- helpers for the plan and its duration

    def time_left(self):
        return self.deadline - time.monotonic()

    def expected_run_s(self, label, scen, requests=None):
        n = requests or scen.requests
        rps = self.rates.get((label, scen.key)) or NOMINAL_RPS[scen.rate_class]
        return n / rps + RUN_OVERHEAD_S

    def estimate_s(self, from_mode=0, include_warmup=True):
        total = 0.0
        for mode in self.modes[from_mode:]:
            total += SERVER_START_S * len(mode.servers)
            for scen in self.scenarios:
                for label, _, _ in mode.servers:
                    run = self.expected_run_s(label, scen)
                    total += run * self.args.reps
                    if include_warmup:
                        total += self.expected_run_s(label, scen, self.warmup_n(scen))
        if not self.args.skip_memory:
            # Generating the load file, two loads (~250k SET/s through redis-cli --pipe).
            total += 2 * (SERVER_START_S + self.sizes["keys"] / 250_000) + \
                self.sizes["keys"] / 500_000
        return total

    def warmup_n(self, scen):
        return max(1000, scen.requests // WARMUP_FRACTION)

    def total_runs(self):
        return sum(len(m.servers) for m in self.modes) * len(self.scenarios) * self.args.reps

    # --- lifecycle

    def check_tools(self):
        for tool in ("redis-benchmark", "redis-cli", "taskset"):
            if not run_quiet(["which", tool]):
                raise BenchError(f"{tool} not found in PATH")
        for binary, what in ((self.redoubt_bin, "REDOUBT_SERVER / --redoubt"),
                             (self.redis_bin, "REDIS_SERVER / --redis")):
            if not (binary.is_file() and os.access(binary, os.X_OK)):
                raise BenchError(f"server binary {binary} not found or not executable "
                                 f"(set {what}; build Redoubt with `make`)")
        cpus = os.sched_getaffinity(0)
        for mode in self.modes:
            for c in (mode.server_cpus, mode.client_cpus):
                if c is not None and any(int(x) not in cpus for x in c.split(",")):
                    raise BenchError(f"CPU {c} is not available to this process ({cpus})")

    def start_server(self, label, kind, io_threads, cpus):
        if label == "redis":
            binary, extra = self.redis_bin, shlex.split(self.args.redis_args)
        else:
            binary, extra = self.redoubt_bin, shlex.split(self.args.redoubt_args)
        if io_threads is not None:
            extra = ["--io-threads", str(io_threads)] + extra
        server = Server(label, kind, binary, extra, cpus, self.tmp, self.ports)
        self.live.append(server)
        return server.start()

    def stop_all(self):
        for server in self.live:
            try:
                server.stop()
            except Exception as e:  # cleanup must go on for the other servers
                print(f"warning: could not stop {server.label} pid {server.proc.pid}: {e}",
                      file=sys.stderr)
        self.live = []

    # --- one redis-benchmark run

    def run_one(self, mode, server, servers, scen, requests):
        """Runs redis-benchmark once against server; returns a result dict (ok or not)."""
        cmd = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(server.port)]
        cmd += scen.bench_args(requests)
        if mode.client_cpus is not None:
            cmd = ["taskset", "-c", mode.client_cpus] + cmd
        timeout = max(60.0, 10 * self.expected_run_s(server.label, scen, requests))
        tw = time_wait_sockets() if not scen.keepalive else None

        ticks_before = {s.label: s.cpu_ticks() for s in servers}
        rusage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        error = None
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            out, err, rc = proc.stdout, proc.stderr, proc.returncode
        except subprocess.TimeoutExpired as e:
            out, err, rc = "", str(e.stderr or ""), None
            error = f"redis-benchmark timed out after {timeout:.0f}s"
        wall = time.monotonic() - t0
        rusage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        for s in servers:
            s.check_alive()
        ticks_after = {s.label: s.cpu_ticks() for s in servers}

        result = {"mode": mode.name, "server": server.label, "scenario": scen.key,
                  "requests": requests, "command": shlex.join(cmd), "wall_s": round(wall, 3),
                  "time_wait_before": tw}
        row = None
        if error is None:
            for rec in csv.DictReader(io.StringIO(
                    "\n".join(l for l in out.splitlines() if l.startswith('"')))):
                if rec.get("test") == scen.csv_name:
                    row = rec
            if rc != 0 or row is None:
                error = (f"redis-benchmark exit {rc}, no {scen.csv_name} CSV row; "
                         f"stderr: {err.strip()[-300:]} stdout: {out.strip()[-300:]}")
        if error:
            result.update(ok=False, error=error)
            return result

        cpu_s = (ticks_after[server.label] - ticks_before[server.label]) / CLK_TCK
        others_s = sum(ticks_after[l] - ticks_before[l] for l in ticks_after
                       if l != server.label) / CLK_TCK
        client_s = ((rusage_after.ru_utime - rusage_before.ru_utime)
                    + (rusage_after.ru_stime - rusage_before.ru_stime))
        result.update(
            ok=True,
            rps=float(row["rps"]), avg_ms=float(row["avg_latency_ms"]),
            min_ms=float(row["min_latency_ms"]), p50_ms=float(row["p50_latency_ms"]),
            p95_ms=float(row["p95_latency_ms"]), p99_ms=float(row["p99_latency_ms"]),
            max_ms=float(row["max_latency_ms"]),
            server_cpu_s=round(cpu_s, 3),
            cpu_us_per_req=round(cpu_s * 1e6 / requests, 4),
            server_cpu_pct=round(100 * cpu_s / wall, 1) if wall > 0 else None,
            client_cpu_s=round(client_s, 3),
            client_cpu_pct=round(100 * client_s / wall, 1) if wall > 0 else None,
            idle_servers_cpu_s=round(others_s, 3))
        return result

    # --- phases

    def run_mode(self, index, mode, counter):
        warmup_s = sum(self.expected_run_s(label, scen, self.warmup_n(scen))
                       for scen in self.scenarios for label, _, _ in mode.servers)
        if self.time_left() < warmup_s + SERVER_START_S * len(mode.servers):
            raise OutOfTime(f"skipped mode {mode.name} and later phases: --time-limit reached")
        print(f"\n== mode {mode.name}: {mode.description}", flush=True)
        servers = [self.start_server(label, kind, io, mode.server_cpus)
                   for label, kind, io in mode.servers]
        try:
            # Warm-up: each scenario once per server at a tenth of the size. Fills allocator
            # pools and connection paths, and measures rates for the refined estimate.
            t0 = time.monotonic()
            for scen in self.scenarios:
                for server in servers:
                    r = self.run_one(mode, server, servers, scen, self.warmup_n(scen))
                    if r["ok"]:
                        self.rates[(server.label, scen.key)] = r["rps"]
                    else:
                        self.warn(f"warm-up {mode.name}/{server.label}/{scen.key} failed: "
                                  f"{r['error']}")
            self.mode_info[mode.name] = {
                "description": mode.description, "server_cpus": mode.server_cpus,
                "client_cpus": mode.client_cpus,
                "servers": {s.label: s.describe() for s in servers}}
            remaining = self.estimate_s(index, include_warmup=False)
            print(f"   warm-up done in {time.monotonic() - t0:.0f}s; refined estimate for "
                  f"the rest: {fmt_duration(remaining)} "
                  f"(time left under --time-limit: {fmt_duration(self.time_left())})",
                  flush=True)

            for scen in self.scenarios:
                for rep in range(1, self.args.reps + 1):
                    for server in servers:  # alternate: R, D, R, D, ...
                        if self.time_left() < self.expected_run_s(server.label, scen):
                            raise OutOfTime(f"stopped in mode {mode.name} at {scen.key} "
                                            f"rep {rep}: --time-limit reached")
                        counter[0] += 1
                        r = self.run_one(mode, server, servers, scen, scen.requests)
                        r["rep"] = rep
                        self.runs.append(r)
                        self.progress(counter, mode, server, scen, rep, r)
        finally:
            for server in servers:
                server.stop()
                self.live.remove(server)

    def progress(self, counter, mode, server, scen, rep, r):
        head = (f"[{counter[0]:3d}/{self.total_runs()}] {mode.name:8s} {server.label:11s} "
                f"{scen.title:24s} rep {rep}/{self.args.reps}")
        if not r["ok"]:
            print(f"{head}  FAILED: {r['error']}", flush=True)
            return
        flag = ""
        if r["client_cpu_pct"] and r["client_cpu_pct"] >= CLIENT_BOUND_PCT:
            flag = "  (client-bound)"
        if r["idle_servers_cpu_s"] > 0.05 * r["wall_s"] + 0.02:
            flag += f"  (idle servers used {r['idle_servers_cpu_s']:.2f}s CPU)"
        print(f"{head}  rps={r['rps']:>11,.0f}  p50={r['p50_ms']:.3f}ms "
              f"p99={r['p99_ms']:.3f}ms  cpu={r['cpu_us_per_req']:.2f}us/req "
              f"({r['wall_s']:.1f}s){flag}", flush=True)

    def write_load_file(self, keys):
        """RESP stream of `keys` SETs: key:%07d -> 64-byte value unique to the key."""
        path = self.tmp / f"load-{keys}.resp"
        if path.exists():
            return path
        width = max(7, len(str(keys - 1)))
        klen = 4 + width
        head = b"*3\r\n$3\r\nSET\r\n$%d\r\n" % klen
        with open(path, "wb") as f:
            chunk = []
            for i in range(keys):
                chunk.append(b"%skey:%0*d\r\n$64\r\n%064d\r\n" % (head, width, i, i))
                if len(chunk) == 10_000:
                    f.write(b"".join(chunk))
                    chunk = []
            f.write(b"".join(chunk))
        return path

    def run_memory(self):
        keys = self.sizes["keys"]
        need = 2 * (SERVER_START_S + keys / 250_000) + 5
        if self.time_left() < need:
            raise OutOfTime("skipped the memory phase: --time-limit reached")
        print(f"\n== memory: {keys:,} unique keys (key:%07d -> 64-byte values), fresh "
              f"servers, unpinned", flush=True)
        load = self.write_load_file(keys)
        for label, kind in (("redoubt", self.redoubt_kind), ("redis", "redis")):
            server = self.start_server(label, kind, None, None)
            try:
                entry = self.measure_memory(server, load, keys)
            except (OSError, RespError, subprocess.SubprocessError) as e:
                entry = {"server": label, "binary": server.binary, "keys": keys, "ok": False,
                         "error": f"{type(e).__name__}: {e}"}
            finally:
                server.stop()
                self.live.remove(server)
            self.memory.append(entry)
            if not entry["ok"]:
                self.warn(f"memory phase on {label} failed: {entry['error']}")
                continue
            if entry["key_count_source"] != "DBSIZE":
                self.warn(f"{label}: key count not checked with DBSIZE "
                          f"({entry['key_count_source']})")
            print(f"   {label:8s} RSS {entry['rss_before'] / 2**20:7.1f} -> "
                  f"{entry['rss_after'] / 2**20:7.1f} MiB  delta "
                  f"{(entry['rss_after'] - entry['rss_before']) / keys:6.1f} B/key  total "
                  f"{entry['rss_after'] / keys:6.1f} B/key  keys {entry['dbsize']} "
                  f"({entry['key_count_source']})  load {entry['load_s']:.1f}s", flush=True)

    def measure_memory(self, server, load, keys):
        time.sleep(0.5)
        rss0 = server.rss_bytes()
        used0 = server.info("memory").get("used_memory")
        t0 = time.monotonic()
        with open(load, "rb") as stdin:
            proc = subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(server.port),
                                   "--pipe"], stdin=stdin, capture_output=True, text=True,
                                  timeout=600)
        load_s = time.monotonic() - t0
        server.check_alive()
        dbsize, source = key_count(server)
        time.sleep(0.5)  # let the allocator settle before reading RSS
        rss1 = server.rss_bytes()
        used1 = server.info("memory").get("used_memory")
        # redis-cli --pipe ends with "errors: E, replies: R".
        summary = (proc.stdout.strip().splitlines() or [""])[-1]
        pipe_ok = (proc.returncode == 0 and summary.startswith("errors: 0,")
                   and summary.endswith(f"replies: {keys}"))
        count_ok = dbsize == keys if dbsize is not None else True
        entry = {"server": server.label, "binary": server.binary, "keys": keys,
                 "dbsize": dbsize, "key_count_source": source,
                 "rss_before": rss0, "rss_after": rss1,
                 "used_memory_before": int(used0) if used0 else None,
                 "used_memory_after": int(used1) if used1 else None,
                 "load_s": round(load_s, 2), "pipe_output": summary,
                 "ok": pipe_ok and count_ok}
        if not entry["ok"]:
            entry["error"] = (f"redis-cli --pipe exit {proc.returncode} ({summary!r}), "
                              f"{source} {dbsize} (want {keys}); "
                              f"stderr: {proc.stderr.strip()[-300:]}")
        return entry

    def warn(self, text):
        self.warnings.append(text)
        print(f"warning: {text}", file=sys.stderr, flush=True)

    # --- metadata

    def machine(self):
        cpuinfo = read_text("/proc/cpuinfo")
        model = next((l.split(":", 1)[1].strip() for l in cpuinfo.splitlines()
                      if l.startswith("model name")), platform.processor() or "?")
        mem = parse_info(read_text("/proc/meminfo")).get("MemTotal", "?")
        uname = platform.uname()
        return {"cpu_model": model, "cores": os.cpu_count(),
                "cpus_available": sorted(os.sched_getaffinity(0)),
                "kernel": f"{uname.system} {uname.release} {uname.version}",
                "hostname": uname.node, "mem_total": mem,
                "tcp_tw_reuse": read_text("/proc/sys/net/ipv4/tcp_tw_reuse").strip(),
                "ip_local_port_range": read_text(
                    "/proc/sys/net/ipv4/ip_local_port_range").split()}

    def software(self):
        def git(*a):
            # --no-optional-locks: read-only, never refreshes the index.
            return run_quiet(["git", "--no-optional-locks", "-C", str(REPO_ROOT), *a])
        rev = git("rev-parse", "--short", "HEAD") or "no commits"
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
        binary_info = {}
        try:
            st = self.redoubt_bin.stat()
            with open(self.redoubt_bin, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()[:16]
            binary_info = {"mtime": datetime.datetime.fromtimestamp(st.st_mtime).isoformat(
                timespec="seconds"), "sha256_16": digest, "size": st.st_size}
        except OSError:
            pass
        return {"redis_server_version": run_quiet([str(self.redis_bin), "--version"]),
                "redis_benchmark_version": run_quiet(["redis-benchmark", "--version"]),
                "redoubt_binary": str(self.redoubt_bin),
                "redoubt_kind": self.redoubt_kind,
                "redoubt_is_redis": self.redoubt_kind == "redis",
                "redoubt_binary_info": binary_info,
                "git_revision": rev, "git_dirty": dirty,
                "python": platform.python_version()}

    def run(self):
        self.check_tools()
        load_start = loadavg()
        print(f"Redoubt: {self.redoubt_bin} (kind {self.redoubt_kind})  Redis: {self.redis_bin}")
        print(f"plan: modes {', '.join(m.name for m in self.modes)}; {len(self.scenarios)} "
              f"scenarios x {self.args.reps} reps; {self.total_runs()} measured runs; "
              f"memory phase with {self.sizes['keys']:,} keys"
              + (" (skipped)" if self.args.skip_memory else ""))
        print(f"estimated duration: {fmt_duration(self.estimate_s())} (nominal rates; refined "
              f"after warm-up); hard limit --time-limit {self.args.time_limit:g} min")
        if self.args.dry_run:
            return None
        if load_start[0] > 0.5:
            self.warn(f"1-minute load average is {load_start[0]:.2f} at start: something else "
                      "is using the CPUs, so the numbers will be noisy")
        if self.redoubt_kind == "redis":
            print("note: the 'Redoubt' side is a redis-server: this is a harness self-test",
                  file=sys.stderr)

        counter = [0]
        try:
            for index, mode in enumerate(self.modes):
                self.run_mode(index, mode, counter)
            if not self.args.skip_memory:
                self.run_memory()
        except OutOfTime as e:
            self.incomplete = str(e)
            self.warn(f"incomplete: {e}")
        except BenchError as e:
            # Keep what was measured so far: a crash report with numbers beats none.
            self.aborted = True
            self.incomplete = f"aborted: {str(e).splitlines()[0]}"
            print(f"\nerror: {e}", file=sys.stderr, flush=True)
        finally:
            self.stop_all()

        failed = [r for r in self.runs if not r["ok"]]
        if failed:
            self.warn(f"{len(failed)} run(s) failed; see results.json")
        data = {
            "format": 1,
            "generated_by": "bench/run_bench.py",
            "command_line": shlex.join([sys.executable] + sys.argv),
            "started": datetime.datetime.fromtimestamp(self.start_wall).astimezone().isoformat(
                timespec="seconds"),
            "duration_s": round(time.monotonic() - self.start_mono, 1),
            "quick": self.args.quick,
            "reps": self.args.reps,
            "sizes": self.sizes,
            "clk_tck": CLK_TCK,
            "incomplete": self.incomplete,
            "warnings": self.warnings,
            "load_average_start": load_start,
            "load_average_end": loadavg(),
            "machine": self.machine(),
            "software": self.software(),
            "modes": self.mode_info,
            "scenarios": [asdict(s) for s in self.scenarios],
            "runs": self.runs,
            "memory": self.memory,
        }
        data["summary"] = report.summarize(data)
        return data


def fmt_duration(seconds):
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}m{seconds % 60:02d}s"


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Benchmark redoubt-server against redis-server with redis-benchmark "
                    "and write bench/RESULTS.md, results.json and results.png.")
    p.add_argument("--redoubt", default=os.environ.get("REDOUBT_SERVER") or str(DEFAULT_REDOUBT),
                   help="server under test (env REDOUBT_SERVER; default %(default)s)")
    p.add_argument("--redoubt-kind", choices=("redoubt", "redis"),
                   default=os.environ.get("REDOUBT_SERVER_KIND") or None,
                   help="argument style of the server under test (env REDOUBT_SERVER_KIND; "
                        "default: 'redis' if the file is a redis-server, else 'redoubt')")
    p.add_argument("--redis", default=os.environ.get("REDIS_SERVER") or str(DEFAULT_REDIS),
                   help="reference server (env REDIS_SERVER; default %(default)s)")
    p.add_argument("--redoubt-args", default="", help="extra arguments for Redoubt (shell words)")
    p.add_argument("--redis-args", default="", help="extra arguments for Redis (shell words)")
    p.add_argument("--reps", type=int, default=3, help="measured runs per server and scenario "
                   "(default 3; medians and min-max are reported)")
    p.add_argument("--quick", action="store_true",
                   help="smoke test: 20k/200k/5k requests per run, 100k keys (numbers not "
                        "meaningful)")
    p.add_argument("--n-p1", type=int, help="requests per run at -P 1 (default 300000)")
    p.add_argument("--n-p16", type=int, help="requests per run at -P 16 (default 4000000)")
    p.add_argument("--n-conn", type=int, help="connections per -k 0 run (default 25000, "
                   "keep <= 50000: TIME_WAIT)")
    p.add_argument("--keys", type=int, help="keys loaded by the memory phase (default 1000000)")
    p.add_argument("--modes", default="pinned,unpinned",
                   help="comma list of pinned, unpinned (default %(default)s)")
    p.add_argument("--scenarios", type=lambda s: [x for x in s.split(",") if x],
                   help="comma list of scenario ids to run (default all), e.g. set_d64_p1")
    p.add_argument("--no-io1", action="store_true",
                   help="skip the extra pinned row with Redoubt --io-threads 1")
    p.add_argument("--skip-memory", action="store_true", help="skip the 1M-key memory phase")
    p.add_argument("--server-cpu", default="1", help="CPU for servers in pinned mode (default 1)")
    p.add_argument("--client-cpu", default="0", help="CPU for the client in pinned mode "
                   "(default 0)")
    p.add_argument("--time-limit", type=float, default=40,
                   help="minutes; no run starts that would end after it (default %(default)s)")
    p.add_argument("--out-dir", default=str(BENCH_DIR),
                   help="where RESULTS.md, results.json, results.png go (default bench/)")
    p.add_argument("--keep-logs", action="store_true", help="keep server logs and the load file")
    p.add_argument("--dry-run", action="store_true",
                   help="print the plan and the estimated duration, then exit")
    args = p.parse_args(argv)
    if args.reps < 1:
        p.error("--reps must be at least 1")
    return args


def main(argv):
    args = parse_args(argv)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    # Explicit, because a shell that starts us in the background sets SIGINT to ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    bench = Bench(args)
    try:
        data = bench.run()
    except KeyboardInterrupt:
        bench.stop_all()
        print("\ninterrupted: servers stopped; RESULTS.md left unchanged", file=sys.stderr)
        return 130
    except BenchError as e:
        bench.stop_all()
        print(f"\nerror: {e}", file=sys.stderr)
        return 1
    finally:
        bench.stop_all()
        if not args.keep_logs:
            shutil.rmtree(bench.tmp, ignore_errors=True)
        else:
            print(f"logs kept in {bench.tmp}")

    if data is None:  # --dry-run
        return 0
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(data, indent=1) + "\n")
    report.write_report(data, out)
    print(f"\nwrote {out / 'RESULTS.md'}, {out / 'results.json'}, {out / 'results.png'} "
          f"in {fmt_duration(data['duration_s'])}")
    print(report.targets_text(data))
    return 1 if bench.aborted else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
