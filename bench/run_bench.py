#!/usr/bin/python3
# Redoubt-vs-Redis benchmark driver: starts redoubt-server and Debian's redis-server on free
# loopback ports, runs the same redis-benchmark command against each (alternating R, D, R, D,
# ...), measures server CPU time per request and RSS per key, then writes results.json and,
# through report.py, RESULTS.md and results.png (gnuplot). `make bench` runs this file.
#
# TLS: in every mode, after the plaintext scenarios, both servers are restarted TLS-only
# (Redis: --port 0 --tls-port P; Redoubt: --port P --tls-mode required) with certificates from
# tests/support/tls_certs.py, and the same method measures redis-benchmark --tls SET/GET and
# new TLS connections per second, then full and resumed handshakes over TLS 1.3 and over TLS 1.2
# with build/bin/redoubt-tls-connect --tls-version. --no-tls skips all of it; --only tls runs only
# it (plus the four plaintext scenarios its TLS/plaintext ratio needs).
#
# Online TLS migration: after the TLS phases, bench/tls_migration.py runs twice against Redoubt
# alone (tls-mode none -> preferred -> required under a plaintext and a TLS redoubt-downtime;
# then the same with a certificate rotation), unpinned, with the tool's own 100/250 ms
# timeouts. Pass/fail, per-phase table and a chart per variant go into the report. Skipped
# with --no-tls or --no-migration, and when the server under test is a redis-server.
#
# Large values: in every mode, after the plaintext scenarios and before TLS, both servers are
# restarted for the large-value group (SET and GET at 64 B ... 1 MB with 10 and 50 clients,
# scenarios.py's LARGE_GROUP); no io-threads-1 row. --only large runs only it.
#
# ACL cost: after the modes, fresh pinned servers get a restricted user `app`, and every
# SET/GET/INCR scenario runs as the default user and as app, alternating (bench/acl_cost.py).
# --no-acl skips it; --only acl runs only it.
#
# ACL password rotation: after the migration, bench/acl_rotation.py runs both variants (clients
# re-AUTH in-band; clients restarted with the new password) against Redoubt alone, unpinned,
# with its default 5 s phases (--quick: 1 s). Skipped with --no-rotation, --no-acl or --only
# tls, and when the server under test is a redis-server; --only acl runs it.
#
# Data types: last, after the memory phase, bench/data_types.py runs redis-benchmark's default
# tests (PING_INLINE ... MSET, one invocation per test for its own CPU figure) at -P 1 and -P 16
# on fresh pinned servers, then loads a million small hashes and one big hash, set, sorted set
# and list of a million members each into fresh unpinned servers (redis-cli --pipe) for memory
# per element. --no-types skips it; --only types runs only it.
#
# Read first:
#   - This file is the orchestration: the Bench (plan, duration estimate, phases, one run of
#     redis-benchmark or redoubt-tls-connect, memory phase, metadata), the command line and
#     main(). What runs is in scenarios.py (Scenario, build_scenarios, FULL_SIZES /
#     QUICK_SIZES, Mode, build_modes); the server processes in bench_servers.py (Server,
#     TlsFiles); RESP, INFO parsing and gnuplot in bench_util.py; the report in report.py;
#     the ACL phase (its scenarios, the user, the allowed-request check) in acl_cost.py; the
#     migration and rotation phases in downtime_phases.py; the data-types phases (tests, data
#     sets, the LRANGE list) in data_types.py.
#   - Every number in RESULTS.md comes from a run of this script; never edit it by hand.
#   - Server CPU comes from /proc/PID/stat utime+stime (all threads, clock ticks), read
#     before and after each redis-benchmark run, so nothing else may talk to the servers.
#   - Only processes this script started are ever signalled, by PID; they also get
#     PR_SET_PDEATHSIG (bench_servers.py) so they die if this script is killed with SIGKILL.
#     (The migration's and the rotation's servers and testers are their scripts': stopped by
#     PID on exit, Ctrl-C and SIGTERM, but without PR_SET_PDEATHSIG.)
#   - Wall time is bounded: an estimate is printed first, and --time-limit stops starting
#     new runs once it would be exceeded (the report then says it is incomplete).
#
# Environment (same names as tests/support/servers.py):
#   REDOUBT_SERVER       server under test (default <repo>/build/bin/redoubt-server)
#   REDOUBT_SERVER_KIND  "redoubt" or "redis"; guessed from the file name when unset
#   REDIS_SERVER         reference server (default /usr/bin/redis-server)
#   REDOUBT_TOOLS_DIR    where redoubt-tls-connect and redoubt-downtime are (default: next to
#                        REDOUBT_SERVER, else <repo>/build/bin)
import argparse
import csv
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
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

# Before any sibling import: keeps bench/ (report, bench_util, bench_servers, scenarios,
# downtime_phases and the scripts it runs) and tests/support free of __pycache__.
sys.dont_write_bytecode = True
BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
# The certificate factory of the test suites, imported under the name the tests use
# (tests/conftest.py puts tests/ on sys.path), so there is one copy of it.
sys.path.insert(0, str(REPO_ROOT / "tests"))
import acl_cost  # noqa: E402  (after the lines above on purpose)
import data_types  # noqa: E402
import report  # noqa: E402
import report_downtime  # noqa: E402
from bench_servers import BenchError, Server, TlsFiles  # noqa: E402
from bench_util import (RespError, encode_command, interrupt_on_signals,  # noqa: E402
                        parse_info, read_text)
from downtime_phases import MigrationPhase, RotationPhase  # noqa: E402
from scenarios import (FULL_SIZES, LARGE_GROUP, LARGE_SIZES, QUICK_SIZES,  # noqa: E402
                       build_modes, build_scenarios)
from support.tls_certs import CertError, CertFactory  # noqa: E402
from support.tools import find_redoubt_tool  # noqa: E402

DEFAULT_REDOUBT = REPO_ROOT / "build" / "bin" / "redoubt-server"
DEFAULT_REDIS = Path("/usr/bin/redis-server")
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Guesses used only for the first duration estimate (before warm-up measures real rates);
# deliberately a little pessimistic.
# Handshakes (one sequential client, RSA-2048; measured ~700 full and ~1,700 resumed TLS 1.3
# connections/s): a full handshake costs about the same in TLS 1.2 and 1.3, but a resumed TLS 1.2
# one skips the key exchange that TLS 1.3 resumption (psk_dhe_ke) still does, so it is faster.
# Large values (rate class large_d<bytes>): Redis measured ~50k rps up to 16 KB at -P 1 (client
# bound), ~5-15k at 256 KB and ~0.6-3k at 1 MB; the slower end of each, since the server under
# test may cost more per byte.
# Data types (types_*): Redis pinned measured ~50k rps at -P 1 and ~0.5-0.8M at -P 16 for most
# tests; LRANGE_100 ~36k / ~220k, LRANGE_600 ~22k / ~34k (the client decodes the replies).
NOMINAL_RPS = {"p1": 80_000, "p16": 1_000_000, "conn": 15_000,
               "tls_p1": 50_000, "tls_p16": 500_000, "tls_conn": 700,
               "hs_full": 400, "hs_resumed": 1_500, "hs12_resumed": 2_500,
               "large_d64": 50_000, "large_d1024": 45_000, "large_d16384": 35_000,
               "large_d262144": 5_000, "large_d1048576": 1_000,
               "types_p1": 45_000, "types_p16": 500_000,
               "types_lrange_100_p1": 30_000, "types_lrange_600_p1": 18_000,
               "types_lrange_100_p16": 180_000, "types_lrange_600_p16": 28_000,
               "types_xadd_p1": 60_000, "types_xadd_p16": 400_000,
               "types_evalsha_p1": 60_000, "types_evalsha_p16": 300_000,
               "types_xreadgroup_p1": 50_000, "types_xreadgroup_p16": 150_000}
assert all(f"large_d{size}" in NOMINAL_RPS for size in LARGE_SIZES)
assert all(rate_class in NOMINAL_RPS for rate_class in data_types.RATE_CLASSES)
HANDSHAKE_RATE_CLASSES = ("hs_full", "hs_resumed", "hs12_resumed")
RUN_OVERHEAD_S = 0.4     # process start, CSV parsing, /proc reads
SERVER_START_S = 1.0
WARMUP_FRACTION = 10     # warm-up runs use n / WARMUP_FRACTION requests
CLIENT_BOUND_PCT = 95.0  # client CPU above this means redis-benchmark was the bottleneck

class OutOfTime(Exception):
    """Raised when the next step would run past --time-limit."""


# ----- small helpers ----------------------------------------------------------------------------

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


def key_count(server):
    """(number of keys, how it was obtained): DBSIZE, else INFO keyspace, else (None, why)."""
    try:
        return server.command("DBSIZE"), "DBSIZE"
    except RespError as e:
        why = f"DBSIZE failed: {e}"
    db0 = server.info("keyspace").get("db0", "")
    for part in db0.split(","):
        if part.startswith("keys="):
            return int(part[5:]), f"INFO keyspace ({why})"
    return None, f"unverified: {why}; no INFO keyspace"


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
        self.tls_files = None  # TlsFiles, made in run() when a TLS scenario is planned
        self.tls_skipped = []  # why a TLS phase or scenario did not run

        self.redoubt_bin = Path(args.redoubt)
        self.redis_bin = Path(args.redis)
        self.redoubt_kind = args.redoubt_kind or self._guess_kind(self.redoubt_bin)
        self.sizes = dict(QUICK_SIZES if args.quick else FULL_SIZES)
        self.sizes.update(acl_cost.QUICK_SIZES if args.quick else acl_cost.FULL_SIZES)
        self.sizes.update(data_types.QUICK_SIZES if args.quick else data_types.FULL_SIZES)
        for key in self.sizes:
            if getattr(args, key) is not None:
                self.sizes[key] = getattr(args, key)
        tls = ("only" if args.only == "tls" else
               "no" if args.no_tls or args.only in ("acl", "large", "types") else "yes")
        if args.only:
            # A TLS-, ACL-, large- or types-only run stays short: no memory phase, no
            # io-threads-1 row.
            args.skip_memory = args.no_io1 = True
        self.scenarios = build_scenarios(self.sizes, args.scenarios, tls,
                                         large_only=args.only == "large")
        self.modes = build_modes(args, self.redoubt_kind)
        if args.only in ("acl", "types"):
            self.scenarios, self.modes = [], []
        self.acl = acl_cost.AclPhase(
            self, skipped=self.skip_reason(args.no_acl, "--no-acl", "acl"),
            out_of_time=OutOfTime, server_start_s=SERVER_START_S)
        self.types = data_types.TypesPhase(
            self, skipped=self.skip_reason(args.no_types, "--no-types", "types"),
            out_of_time=OutOfTime, server_start_s=SERVER_START_S)
        self.tls_connect = find_redoubt_tool("redoubt-tls-connect", args.tools_dir,
                                             self.redoubt_bin)
        self.migration = MigrationPhase(self, out_of_time=OutOfTime)
        self.rotation = RotationPhase(self, out_of_time=OutOfTime)

    def skip_reason(self, skip, flag, only):
        """Why a phase with its own --no-X flag and --only choice does not run, or None."""
        if skip:
            return flag
        if self.args.only and self.args.only != only:
            return f"--only {self.args.only}"
        return None

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

    def phases(self, mode):
        """[(name, servers, scenarios)]: the plaintext core scenarios, the large-value group on
        restarted servers, then TLS ones on servers restarted TLS-only. The io-threads-1 row is
        left out of the large and TLS phases to keep them short."""
        plain = [s for s in self.scenarios if not s.tls and s.group != LARGE_GROUP]
        large = [s for s in self.scenarios if s.group == LARGE_GROUP]
        tls = [s for s in self.scenarios if s.tls]
        default_io = [srv for srv in mode.servers if srv[2] is None]
        out = []
        if plain:
            out.append(("plain", mode.servers, plain))
        if large:
            out.append((LARGE_GROUP, default_io, large))
        if tls:
            out.append(("tls", default_io, tls))
        return out

    def estimate_s(self, from_mode=0, include_warmup=True, skip_phases=0):
        """Seconds left for modes from_mode on, leaving out the first skip_phases phases of
        from_mode (the ones already done) and the memory phase if skipped."""
        total = 0.0
        for i, mode in enumerate(self.modes[from_mode:]):
            for _, servers, scenarios in self.phases(mode)[skip_phases if i == 0 else 0:]:
                total += SERVER_START_S * len(servers)
                for scen in scenarios:
                    for label, _, _ in servers:
                        run = self.expected_run_s(label, scen)
                        total += run * self.args.reps
                        if include_warmup:
                            total += self.expected_run_s(label, scen, self.warmup_n(scen))
        if not self.args.skip_memory:
            # Generating the load file, two loads (~250k SET/s through redis-cli --pipe).
            total += 2 * (SERVER_START_S + self.sizes["keys"] / 250_000) + \
                self.sizes["keys"] / 500_000
        return (total + self.acl.estimate_s() + self.migration.estimate_s()
                + self.rotation.estimate_s() + self.types.estimate_s())

    def warmup_n(self, scen):
        # Handshakes and TLS connections cost ~1 ms each: 1000 of them would be a long
        # warm-up; a few dozen fill the session cache and the allocator just as well. Large
        # values: a tenth of the bytes, one request per client at least (1000 requests of
        # 1 MB would be half a full run).
        floor = 100 if scen.rate_class in ("tls_conn",) + HANDSHAKE_RATE_CLASSES else 1000
        if scen.group == LARGE_GROUP:
            floor = scen.clients
        return max(floor, scen.requests // WARMUP_FRACTION)

    def total_runs(self):
        return sum(len(servers) * len(scenarios) for m in self.modes
                   for _, servers, scenarios in self.phases(m)) * self.args.reps

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
        pinned = [c for mode in self.modes for c in (mode.server_cpus, mode.client_cpus)]
        for c in pinned + self.acl.cpus() + self.types.cpus():
            if c is not None and any(int(x) not in cpus for x in c.split(",")):
                raise BenchError(f"CPU {c} is not available to this process ({cpus})")
        if not run_quiet(["which", "openssl"]) and any(s.tls for s in self.scenarios):
            raise BenchError("openssl not found in PATH (it makes the TLS certificates)")

    def drop_unrunnable_handshakes(self):
        """Without redoubt-tls-connect the handshake scenarios cannot run: say so, go on."""
        if self.tls_connect or not any(s.tool == "tls-connect" for s in self.scenarios):
            return
        why = ("redoubt-tls-connect not found (REDOUBT_TOOLS_DIR, next to the Redoubt binary, "
               f"{REPO_ROOT / 'build' / 'bin'}): full/resumed handshake costs not measured")
        self.tls_skipped.append(why)
        self.warn(why)
        self.scenarios = [s for s in self.scenarios if s.tool != "tls-connect"]

    def make_certs(self):
        """CA + server certificate for the TLS phase (tests/support/tls_certs.py)."""
        factory = CertFactory(self.tmp / "certs")
        key_type = self.args.tls_key_type
        try:
            ca = factory.ca(key_type=key_type)
            server = factory.server_cert("server", key_type=key_type)
        except CertError as e:
            raise BenchError(f"could not make TLS certificates: {e}") from e
        context = ssl.create_default_context(cafile=ca.cert)
        return TlsFiles(cert=server.cert, key=server.key, ca=ca.cert, key_type=key_type,
                        context=context)

    def start_server(self, label, kind, io_threads, cpus, tls=None):
        if label == "redis":
            binary, extra = self.redis_bin, shlex.split(self.args.redis_args)
        else:
            binary, extra = self.redoubt_bin, shlex.split(self.args.redoubt_args)
        if io_threads is not None:
            extra = ["--io-threads", str(io_threads)] + extra
        server = Server(label, kind, binary, extra, cpus, self.tmp, self.ports, tls)
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
        if scen.tool == "tls-connect":
            return self.run_handshakes(mode, server, servers, scen, requests)
        cmd = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(server.port)]
        cmd += scen.bench_args(requests)
        if scen.tls:
            cmd += ["--tls", "--cacert", self.tls_files.ca]
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

        cpu_s, others_s, client_s = cpu_seconds(server.label, ticks_before, ticks_after,
                                                rusage_before, rusage_after)
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

    def run_handshakes(self, mode, server, servers, scen, connections):
        """One redoubt-tls-connect run: `connections` sequential TLS connect + PING + close,
        each resuming the previous session if scen.resume, with only TLS scen.tls_version
        allowed. Server CPU per connection is the figure compared (cpu_us_per_req); rps is
        connections/s of this one sequential client, p50/p99 the client-side handshake time."""
        cmd = [str(self.tls_connect), "--host", "127.0.0.1", "--port", str(server.port),
               "--cacert", self.tls_files.ca, "--connections", str(connections), "--json",
               "--quiet"]
        if scen.tls_version:
            cmd += ["--tls-version", scen.tls_version]
        if scen.resume:
            cmd.append("--resume")
        if mode.client_cpus is not None:
            cmd = ["taskset", "-c", mode.client_cpus] + cmd
        timeout = max(60.0, 10 * self.expected_run_s(server.label, scen, connections))
        tw = time_wait_sockets()
        ticks_before = {s.label: s.cpu_ticks() for s in servers}
        rusage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        error, out = None, {}
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
            try:
                out = json.loads(proc.stdout.strip().splitlines()[-1])
            except (ValueError, IndexError):
                error = (f"redoubt-tls-connect exit {proc.returncode}, no JSON; stderr: "
                         f"{proc.stderr.strip()[-300:]} stdout: {proc.stdout.strip()[-300:]}")
            if error is None and (proc.returncode != 0 or out.get("failures")):
                error = (f"redoubt-tls-connect exit {proc.returncode}, "
                         f"{out.get('failures')} failed connections; stderr: "
                         f"{proc.stderr.strip()[-300:]}")
        except subprocess.TimeoutExpired:
            error = f"redoubt-tls-connect timed out after {timeout:.0f}s"
        wall = time.monotonic() - t0
        rusage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        for s in servers:
            s.check_alive()
        ticks_after = {s.label: s.cpu_ticks() for s in servers}

        result = {"mode": mode.name, "server": server.label, "scenario": scen.key,
                  "requests": connections, "command": shlex.join(cmd),
                  "wall_s": round(wall, 3), "time_wait_before": tw}
        if error:
            result.update(ok=False, error=error)
            return result
        cpu_s, others_s, client_s = cpu_seconds(server.label, ticks_before, ticks_after,
                                                rusage_before, rusage_after)
        # The tool stops at its own --duration cap (60 s): divide by what it really opened.
        done = int(out.get("connections") or connections)
        # The first connection of a resumed run has no session to resume.
        resumable = max(1, done - 1) if scen.resume else done
        result.update(
            ok=True, rps=float(out["conn_per_s"]),
            p50_ms=out["handshake_us_p50"] / 1000.0, p99_ms=out["handshake_us_p99"] / 1000.0,
            server_cpu_s=round(cpu_s, 3),
            cpu_us_per_req=round(cpu_s * 1e6 / done, 3), connections_done=done,
            server_cpu_pct=round(100 * cpu_s / wall, 1) if wall > 0 else None,
            client_cpu_s=round(client_s, 3),
            client_cpu_pct=round(100 * client_s / wall, 1) if wall > 0 else None,
            idle_servers_cpu_s=round(others_s, 3),
            resumed=out.get("resumed"), full=out.get("full"),
            resumed_fraction=round((out.get("resumed") or 0) / resumable, 4),
            tool_elapsed_s=out.get("elapsed_s"), tls_version=out.get("tls_version"))
        negotiated = out.get("tls_version") or ""
        if scen.tls_version and negotiated != f"TLSv{scen.tls_version}":
            self.warn(f"{mode.name}/{server.label} {scen.key}: negotiated {negotiated or '?'}, "
                      f"expected TLSv{scen.tls_version}")
        if scen.resume and result["resumed_fraction"] < 0.9:
            self.warn(f"{mode.name}/{server.label}: only {out.get('resumed')} of "
                      f"{done} connections resumed their session")
        return result

    # --- phases

    def run_mode(self, index, mode, counter):
        print(f"\n== mode {mode.name}: {mode.description}", flush=True)
        self.mode_info[mode.name] = {
            "description": mode.description, "server_cpus": mode.server_cpus,
            "client_cpus": mode.client_cpus}
        for number, (phase, servers, scenarios) in enumerate(self.phases(mode)):
            self.run_phase(index, number, mode, phase, servers, scenarios, counter)

    def run_phase(self, index, number, mode, phase, specs, scenarios, counter):
        warmup_s = sum(self.expected_run_s(label, scen, self.warmup_n(scen))
                       for scen in scenarios for label, _, _ in specs)
        if self.time_left() < warmup_s + SERVER_START_S * len(specs):
            raise OutOfTime(f"skipped mode {mode.name} from its {phase} phase on: "
                            "--time-limit reached")
        tls = self.tls_files if phase == "tls" else None
        if tls:
            print(f"   -- TLS phase: servers restarted TLS-only ({tls.key_type} certificate)",
                  flush=True)
        servers = []
        try:
            try:
                for label, kind, io_threads in specs:
                    servers.append(self.start_server(label, kind, io_threads, mode.server_cpus,
                                                     tls))
            except BenchError as e:
                if not tls:
                    raise
                # A server that does not start with the TLS directives (e.g. a Redoubt built
                # before TLS) costs the TLS numbers of this mode, not the rest of the run.
                failed = self.live[-1]  # start_server registers a server before starting it
                failed.stop()
                self.live.remove(failed)
                why = f"TLS phase of mode {mode.name} skipped: {str(e).splitlines()[0]}"
                self.tls_skipped.append(why)
                print(str(e), file=sys.stderr, flush=True)
                self.warn(why)
                return
            t0 = time.monotonic()
            self.warm_up(mode, servers, scenarios)
            # The plain phase's servers stay under "servers" (report.py finds the io-threads-1
            # row's command there); the other phases' under "<phase>_servers".
            servers_key = "servers" if phase == "plain" else f"{phase}_servers"
            self.mode_info[mode.name][servers_key] = {s.label: s.describe() for s in servers}
            remaining = self.estimate_s(index, include_warmup=False, skip_phases=number)
            print(f"   warm-up done in {time.monotonic() - t0:.0f}s; refined estimate for "
                  f"the rest: {fmt_duration(remaining)} "
                  f"(time left under --time-limit: {fmt_duration(self.time_left())})",
                  flush=True)

            def record(server, scen, rep, r):
                counter[0] += 1
                self.runs.append(r)
                self.progress(counter, mode, server, scen, rep, r)
            self.alternate(mode, servers, scenarios, record, f"in mode {mode.name}")
        finally:
            for server in servers:
                server.stop()
                self.live.remove(server)

    def warm_up(self, mode, servers, scenarios, run=None):
        """Each scenario once per server at a tenth of the size, not recorded: fills allocator
        pools, connection paths and session caches, and measures the rates of the refined
        estimate. run: what runs one (default run_one, same arguments)."""
        run = run or self.run_one
        for scen in scenarios:
            for server in servers:
                r = run(mode, server, servers, scen, self.warmup_n(scen))
                if r["ok"]:
                    self.rates[(server.label, scen.key)] = r["rps"]
                else:
                    self.warn(f"warm-up {mode.name}/{server.label}/{scen.key} failed: "
                              f"{r['error']}")

    def alternate(self, mode, servers, scenarios, record, where, run=None):
        """The measured runs: per scenario, --reps runs on each server in turn (R, D, R, D,
        ...), each handed to record(server, scen, rep, result). Raises OutOfTime ("stopped
        <where> at ...") rather than start a run that would end after --time-limit. run: as in
        warm_up."""
        run = run or self.run_one
        for scen in scenarios:
            for rep in range(1, self.args.reps + 1):
                for server in servers:
                    if self.time_left() < self.expected_run_s(server.label, scen):
                        raise OutOfTime(f"stopped {where} at {scen.key} rep {rep}: "
                                        "--time-limit reached")
                    r = run(mode, server, servers, scen, scen.requests)
                    r["rep"] = rep
                    record(server, scen, rep, r)

    def progress(self, counter, mode, server, scen, rep, r, total=None, tag=""):
        """The line of one measured run; tag and total: another phase's prefix and run count."""
        head = (f"[{tag}{counter[0]:3d}/{total or self.total_runs()}] {mode.name:8s} "
                f"{server.label:11s} {scen.title:28s} rep {rep}/{self.args.reps}")
        if not r["ok"]:
            print(f"{head}  FAILED: {r['error']}", flush=True)
            return
        if scen.tool == "tls-connect":
            print(f"{head}  conn/s={r['rps']:>8,.0f}  handshake p50={r['p50_ms'] * 1e3:.0f}us "
                  f"p99={r['p99_ms'] * 1e3:.0f}us  cpu={r['cpu_us_per_req']:.1f}us/conn  "
                  f"resumed={r['resumed']}/{r['requests']} ({r['wall_s']:.1f}s)", flush=True)
            return
        flag = ""
        if r["client_cpu_pct"] and r["client_cpu_pct"] >= CLIENT_BOUND_PCT:
            flag = "  (client-bound)"
        if r["idle_servers_cpu_s"] > 0.05 * r["wall_s"] + 0.02:
            flag += f"  (idle servers used {r['idle_servers_cpu_s']:.2f}s CPU)"
        print(f"{head}  rps={r['rps']:>11,.0f}  p50={r['p50_ms']:.3f}ms "
              f"p99={r['p99_ms']:.3f}ms  cpu={r['cpu_us_per_req']:.2f}us/req "
              f"({r['wall_s']:.1f}s){flag}", flush=True)

    def write_load_file(self, name, commands):
        """A RESP stream of commands (argument lists) for redis-cli --pipe, written once per
        name into the temporary directory."""
        path = self.tmp / f"load-{name}.resp"
        if path.exists():
            return path
        with open(path, "wb") as f:
            chunk = []
            for args in commands:
                chunk.append(encode_command(args))
                if len(chunk) == 10_000:
                    f.write(b"".join(chunk))
                    chunk = []
            f.write(b"".join(chunk))
        return path

    def memory_servers(self):
        """(label, kind) of the servers a memory measurement loads, in order."""
        return (("redoubt", self.redoubt_kind), ("redis", self.args.reference_kind))

    def on_fresh_server(self, label, kind, measure, failed):
        """measure(server) on a fresh unpinned server, stopped afterwards. A failed load or
        count becomes dict(failed, server, binary, ok=False, error)."""
        server = self.start_server(label, kind, None, None)
        try:
            return measure(server)
        except (OSError, RespError, subprocess.SubprocessError) as e:
            return dict(failed, server=label, binary=server.binary, ok=False,
                        error=f"{type(e).__name__}: {e}")
        finally:
            server.stop()
            self.live.remove(server)

    def run_memory(self):
        keys = self.sizes["keys"]
        need = 2 * (SERVER_START_S + keys / 250_000) + 5
        if self.time_left() < need:
            raise OutOfTime("skipped the memory phase: --time-limit reached")
        print(f"\n== memory: {keys:,} unique keys (key:%07d -> 64-byte values), fresh "
              f"servers, unpinned", flush=True)
        width = max(7, len(str(keys - 1)))
        load = self.write_load_file(f"keys-{keys}", ((b"SET", b"key:%0*d" % (width, i),
                                                      b"%064d" % i) for i in range(keys)))
        for label, kind in self.memory_servers():
            entry = self.on_fresh_server(
                label, kind, lambda server: self.measure_memory(server, load, keys),
                {"keys": keys})
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
        m = self.load_and_measure(server, load, keys, key_count, keys)
        return {"server": server.label, "binary": server.binary, "keys": keys,
                "dbsize": m.pop("counted"), "key_count_source": m.pop("count_source"), **m}

    def load_and_measure(self, server, load, commands, count, expected):
        """Pipes the RESP stream `load` of `commands` commands into server with redis-cli
        --pipe; returns VmRSS and INFO used_memory (None when not reported) before and after,
        the load time, redis-cli's summary, and count(server) -> (what was counted, how). ok:
        every command answered without an error, and the count is `expected` (or None: not
        countable, which the caller reports)."""
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
        counted, source = count(server)
        time.sleep(0.5)  # let the allocator settle before reading RSS
        rss1 = server.rss_bytes()
        used1 = server.info("memory").get("used_memory")
        # redis-cli --pipe ends with "errors: E, replies: R".
        summary = (proc.stdout.strip().splitlines() or [""])[-1]
        pipe_ok = (proc.returncode == 0 and summary.startswith("errors: 0,")
                   and summary.endswith(f"replies: {commands}"))
        count_ok = counted == expected if counted is not None else True
        entry = {"counted": counted, "count_source": source,
                 "rss_before": rss0, "rss_after": rss1,
                 "used_memory_before": int(used0) if used0 else None,
                 "used_memory_after": int(used1) if used1 else None,
                 "load_s": round(load_s, 2), "pipe_output": summary,
                 "ok": pipe_ok and count_ok}
        if not entry["ok"]:
            entry["error"] = (f"redis-cli --pipe exit {proc.returncode} ({summary!r}), "
                              f"{source} {counted} (want {expected}); "
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

    def tls_info(self):
        files = self.tls_files
        # Certificate paths are in the deleted temp directory: keep only their names.
        example = {kind: [os.path.basename(a) if a.startswith(str(self.tmp)) else a
                          for a in files.server_args(kind, "PORT")] if files else None
                   for kind in ("redis", "redoubt")}
        return {"planned": any(s.tls for s in self.scenarios),
                "key_type": self.args.tls_key_type,
                "redis_args": example["redis"], "redoubt_args": example[self.redoubt_kind],
                "tls_connect": str(self.tls_connect) if self.tls_connect else None,
                "skipped": self.tls_skipped}

    def run(self):
        self.check_tools()
        self.drop_unrunnable_handshakes()
        load_start = loadavg()
        print(f"Redoubt: {self.redoubt_bin} (kind {self.redoubt_kind})  Redis: {self.redis_bin}")
        n_tls = sum(s.tls for s in self.scenarios)
        n_large = sum(s.group == LARGE_GROUP for s in self.scenarios)
        if self.modes:
            print(f"plan: modes {', '.join(m.name for m in self.modes)}; {len(self.scenarios)} "
                  f"scenarios ({n_tls} TLS, {n_large} large-value) x {self.args.reps} reps; "
                  f"{self.total_runs()} measured runs; memory phase with "
                  f"{self.sizes['keys']:,} keys"
                  + (" (skipped)" if self.args.skip_memory else ""))
        else:
            print(f"plan: no mode, no memory phase (--only {self.args.only})")
        if n_tls:
            print(f"TLS: {self.args.tls_key_type} certificate; redoubt-tls-connect: "
                  f"{self.tls_connect or 'not found'}")
        print(self.migration.describe_plan())
        print(self.acl.describe_plan())
        print(self.rotation.describe_plan())
        print(self.types.describe_plan())
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
        if any(s.tls for s in self.scenarios):
            self.tls_files = self.make_certs()

        counter = [0]
        try:
            for index, mode in enumerate(self.modes):
                self.run_mode(index, mode, counter)
            if self.acl.planned:
                self.acl.run()
            for phase in (self.migration, self.rotation):
                if phase.planned:
                    phase.run()
            if not self.args.skip_memory:
                self.run_memory()
            if self.types.planned:
                self.types.run()
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
            # 2: TLS scenarios, "tls" block; 3: "migration" block; 4: "acl" block;
            # 5: "rotation" block; 6: "types" block. report.py reads 1 to 6.
            "format": 6,
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
            "tls": self.tls_info(),
            "migration": self.migration.info(),
            "acl": self.acl.info(),
            "rotation": self.rotation.info(),
            "types": self.types.info(),
        }
        data["summary"] = report.summarize(data)
        return data


def cpu_seconds(label, ticks_before, ticks_after, rusage_before, rusage_after):
    """CPU seconds during one run: the measured server's, the idle servers' together, and the
    client's (children of this script, from getrusage)."""
    server_s = (ticks_after[label] - ticks_before[label]) / CLK_TCK
    others_s = sum(ticks_after[l] - ticks_before[l] for l in ticks_after if l != label) / CLK_TCK
    client_s = ((rusage_after.ru_utime - rusage_before.ru_utime)
                + (rusage_after.ru_stime - rusage_before.ru_stime))
    return server_s, others_s, client_s


def fmt_duration(seconds):
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}m{seconds % 60:02d}s"


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Benchmark redoubt-server against redis-server with redis-benchmark "
                    "and write bench/RESULTS.md, results.json and results.png.")
    p.add_argument("--redoubt", default=os.environ.get("REDOUBT_SERVER") or str(DEFAULT_REDOUBT),
                   help="server under test (env REDOUBT_SERVER; default %(default)s)")
    p.add_argument("--reference-kind", choices=("redis", "redoubt"), default="redis",
                   help="argument style of the reference server (--redis): 'redoubt' to compare "
                        "two Redoubt builds (bench/compare_builds.sh); default redis")
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
                   help="smoke test: 20k/200k/5k requests per run, 100k keys, ACL phase "
                        "5k/50k, data types 5k/50k and 100k elements (numbers not meaningful)")
    p.add_argument("--n-p1", type=int, help="requests per run at -P 1 (default 300000)")
    p.add_argument("--n-p16", type=int, help="requests per run at -P 16 (default 4000000)")
    p.add_argument("--n-conn", type=int, help="connections per -k 0 run (default 25000, "
                   "keep <= 50000: TIME_WAIT)")
    p.add_argument("--keys", type=int, help="keys loaded by the memory phase (default 1000000)")
    p.add_argument("--large-bytes", type=int,
                   help="value bytes per large-value run: requests = this / value size, capped "
                        "at --n-large (default 2 GiB; --quick a tenth)")
    p.add_argument("--n-large", type=int,
                   help="most requests per large-value run (default 100000; --quick 10000)")
    p.add_argument("--modes", default="pinned,unpinned",
                   help="comma list of pinned, unpinned (default %(default)s)")
    p.add_argument("--scenarios", type=lambda s: [x for x in s.split(",") if x],
                   help="comma list of scenario ids to run (default all), e.g. set_d64_p1")
    p.add_argument("--no-io1", action="store_true",
                   help="skip the extra pinned row with Redoubt --io-threads 1")
    p.add_argument("--skip-memory", action="store_true", help="skip the 1M-key memory phase")
    p.add_argument("--no-tls", action="store_true",
                   help="skip the TLS phase (TLS SET/GET, new TLS connections, handshakes) "
                        "and the online TLS migration")
    p.add_argument("--no-migration", action="store_true",
                   help="skip the online TLS migration (bench/tls_migration.py, plain and with "
                        "certificate rotation; ~1.5 min, ~40 s with --quick)")
    p.add_argument("--only", choices=("tls", "acl", "large", "types"),
                   help="'tls': only the TLS phase plus the 4 plaintext 64 B SET/GET scenarios "
                        "its TLS/plaintext ratio needs, and the online TLS migration; no memory "
                        "phase, no io-threads-1 row, no ACL phase, no ACL rotation. 'acl': only "
                        "the ACL phase and the ACL password rotation. 'large': only the "
                        "large-value group (SET/GET 64 B to 1 MB, 10 and 50 clients) in every "
                        "mode; no TLS, ACL, memory, migration, rotation or io-threads-1 row. "
                        "'types': only the data-types phases (redis-benchmark's default tests "
                        "at P=1 and P=16, pinned; memory per element of small hashes and big "
                        "aggregates)")
    p.add_argument("--no-acl", action="store_true",
                   help="skip the ACL phase (restricted user vs default user, pinned, both "
                        "servers; ~2 min, ~30 s with --quick) and the ACL password rotation")
    p.add_argument("--no-rotation", action="store_true",
                   help="skip the ACL password rotation (bench/acl_rotation.py, variants reauth "
                        "and restart; ~1 min, ~15 s with --quick)")
    p.add_argument("--acl-reps", type=int,
                   help="measured runs per server, scenario and user in the ACL phase "
                        "(default: --reps)")
    p.add_argument("--n-acl-p1", type=int,
                   help="requests per ACL-phase run at -P 1 (default 120000)")
    p.add_argument("--n-acl-p16", type=int,
                   help="requests per ACL-phase run at -P 16 (default 2000000)")
    p.add_argument("--no-types", action="store_true",
                   help="skip the data-types phases (redis-benchmark's default tests at P=1 "
                        "and P=16, memory per element of small hashes and big aggregates; "
                        "~10 min, ~1.5 min with --quick)")
    p.add_argument("--n-types-p1", type=int,
                   help="requests per data-type test at -P 1 (default 100000; LRANGE_600 a "
                        "half)")
    p.add_argument("--n-types-p16", type=int,
                   help="requests per data-type test at -P 16 (default 1000000; LRANGE_100 a "
                        "quarter, LRANGE_600 a twentieth)")
    p.add_argument("--type-elements", type=int,
                   help="small hashes, and members of each big aggregate, in the data-type "
                        "memory phase (default 1000000)")
    p.add_argument("--tls-key-type", default="rsa", choices=("rsa", "ec"),
                   help="server and CA key: rsa (RSA-2048) or ec (ECDSA P-256); default rsa")
    p.add_argument("--n-tls-p1", type=int, help="requests per TLS run at -P 1 (default 200000)")
    p.add_argument("--n-tls-p16", type=int,
                   help="requests per TLS run at -P 16 (default 2000000)")
    p.add_argument("--n-tls-conn", type=int,
                   help="connections per TLS -k 0 run (default 3000; each a full handshake)")
    p.add_argument("--n-handshakes", type=int,
                   help="connections per redoubt-tls-connect run: full and resumed, TLS 1.3 "
                        "and TLS 1.2 (default 1500)")
    p.add_argument("--tools-dir", default=os.environ.get("REDOUBT_TOOLS_DIR") or None,
                   help="directory of redoubt-tls-connect and redoubt-downtime (env "
                        "REDOUBT_TOOLS_DIR; default: next to the Redoubt binary, else build/bin)")
    p.add_argument("--server-cpu", default="1", help="CPU for servers in pinned mode (default 1)")
    p.add_argument("--client-cpu", default="0", help="CPU for the client in pinned mode "
                   "(default 0)")
    # About twice the full run's estimate (~43 min with the large-value group and the data
    # types).
    p.add_argument("--time-limit", type=float, default=90,
                   help="minutes; no run starts that would end after it (default %(default)s)")
    p.add_argument("--out-dir", default=str(BENCH_DIR),
                   help="where RESULTS.md, results.json, results.png go (default bench/)")
    p.add_argument("--keep-logs", action="store_true", help="keep server logs and the load file")
    p.add_argument("--dry-run", action="store_true",
                   help="print the plan and the estimated duration, then exit")
    args = p.parse_args(argv)
    if args.reps < 1 or (args.acl_reps is not None and args.acl_reps < 1):
        p.error("--reps and --acl-reps must be at least 1")
    if args.only == "tls" and (args.no_tls or args.scenarios):
        p.error("--only tls cannot be combined with --no-tls or --scenarios")
    if args.only == "acl" and (args.no_acl or args.scenarios):
        p.error("--only acl cannot be combined with --no-acl or --scenarios")
    if args.only == "types" and (args.no_types or args.scenarios):
        p.error("--only types cannot be combined with --no-types or --scenarios")
    if args.only == "large" and args.scenarios:
        p.error("--only large cannot be combined with --scenarios")
    if any(n is not None and n < 1 for n in (args.large_bytes, args.n_large)):
        p.error("--large-bytes and --n-large must be at least 1")
    if any(n is not None and n < 1 for n in (args.n_types_p1, args.n_types_p16,
                                             args.type_elements)):
        p.error("--n-types-p1, --n-types-p16 and --type-elements must be at least 1")
    return args


def main(argv):
    args = parse_args(argv)

    interrupt_on_signals(signal.SIGTERM, signal.SIGHUP)

    bench = Bench(args)
    out = Path(args.out_dir)
    try:
        data = bench.run()
        if data is not None:
            bench.stop_all()
            out.mkdir(parents=True, exist_ok=True)
            # The migration and rotation charts wait in bench.tmp until now (see
            # downtime_phases.py); they go first, so that RESULTS.md finds the files it links.
            bench.migration.publish_plots(out)
            bench.rotation.publish_plots(out)
            (out / "results.json").write_text(json.dumps(data, indent=1) + "\n")
            report.write_report(data, out)
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
    # No results.png when no mode ran (--only acl): report.py draws it from the mode ratios.
    charts = "".join(f", {out / name}" for name in ["results.png"] + list(bench.migration.plots)
                     + list(bench.rotation.plots) if (out / name).exists())
    print(f"\nwrote {out / 'RESULTS.md'}, {out / 'results.json'}{charts} "
          f"in {fmt_duration(data['duration_s'])}")
    print(report.targets_text(data))
    for line in (report_downtime.migration_text(data), report_downtime.rotation_text(data)):
        if line:
            print(line)
    return 1 if bench.aborted else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
