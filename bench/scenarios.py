# What the benchmark runs: the redis-benchmark and redoubt-tls-connect scenarios (Scenario,
# build_scenarios) with their request counts (FULL_SIZES, QUICK_SIZES), the large-value group
# (LARGE_GROUP: SET/GET from 64 B to 1 MB at 10 and 50 clients), and the CPU modes they run in
# (Mode, build_modes, pinned_mode). Pure data: nothing here starts a process or measures
# anything; run_bench.py runs the plan.
#
# Read first:
#   - Scenario keys are the stable ids of results.json ("set_d64_p1", ...) and of report.py; a
#     renamed key breaks the comparison with older runs.
#   - build_scenarios returns the run order: GET always follows SET of the same size, so GET
#     reads values of the size it claims.
#   - Scenario.rate_class names an entry of run_bench.py's NOMINAL_RPS (the duration estimate).
import argparse
from dataclasses import dataclass

# Request counts: on the 2-core EPYC guest redis-server measured ~100k rps at -P 1 (client
# bound), ~1.5M rps at -P 16 and ~28k connections/s at -k 0, so a full-size run lasts 1-3 s.
# The connection scenario stays under the 28k ephemeral ports of one destination: every
# connection leaves a client-side TIME_WAIT socket, and loopback TIME_WAIT reuse
# (tcp_tw_reuse=2, the kernel default) only recycles those older than about a second.
# TLS, same machine, Redis, RSA-2048: ~60k rps at -P 1, ~0.6-1M at -P 16, ~850 new TLS
# connections/s (each a full handshake: RSA signature + ECDHE); the TLS sizes below keep those
# runs at 2-4 s too. Handshakes are counted separately (n_handshakes per redoubt-tls-connect run;
# four runs per server and rep: full and resumed, TLS 1.3 and TLS 1.2).
# Large values (LARGE_GROUP): a run moves about large_bytes of values, capped at n_large
# requests, so its length follows the bytes copied rather than the request count. Redis here:
# ~50k rps at 64 B-16 KB (client bound), ~5-15k at 256 KB, ~0.6-3k at 1 MB; the full sizes
# (100k, 100k, 100k, 8k, 2k requests) keep a run at 1-4 s, and a 1 MB run still has ~2,000
# requests (~0.5 s of server CPU), so the 10 ms CPU tick stays small against its CPU time.
# The cap is lower than n_p1 because the group has 20 scenarios per mode.
FULL_SIZES = {"n_p1": 300_000, "n_p16": 4_000_000, "n_conn": 25_000, "keys": 1_000_000,
              "n_tls_p1": 200_000, "n_tls_p16": 2_000_000, "n_tls_conn": 3_000,
              "n_handshakes": 1_500, "large_bytes": 2 << 30, "n_large": 100_000}
QUICK_SIZES = {"n_p1": 20_000, "n_p16": 200_000, "n_conn": 5_000, "keys": 100_000,
               "n_tls_p1": 10_000, "n_tls_p16": 100_000, "n_tls_conn": 300,
               "n_handshakes": 200, "large_bytes": (2 << 30) // 10, "n_large": 10_000}

# The large-value group: SET and GET at every value size, with 10 and with 50 clients, -P 1.
# Its keys are large_{set|get}_d{bytes}_c{clients}; run_bench.py runs it as its own phase after
# the plaintext scenarios, report.py gives it its own table and Targets row.
LARGE_GROUP = "large"
LARGE_SIZES = (64, 1024, 16 << 10, 256 << 10, 1 << 20)
LARGE_CLIENTS = (10, 50)


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
    rate_class: str   # key of run_bench.py's NOMINAL_RPS: the nominal rate of the estimate
    tls: bool = False             # runs in the TLS phase, against TLS-only servers
    tool: str = "redis-benchmark"  # or "tls-connect" (redoubt-tls-connect: handshakes)
    resume: bool = False          # tls-connect: resume the previous session
    tls_version: str | None = None  # tls-connect: --tls-version ("1.3" or "1.2")
    plain_key: str | None = None  # TLS scenario: its plaintext twin, for the TLS/plain ratio
    group: str | None = None      # LARGE_GROUP for the large-value scenarios, else None

    def bench_args(self, requests=None):
        args = ["-t", self.test, "-n", str(requests or self.requests), "-c", str(self.clients),
                "-d", str(self.data_size), "-P", str(self.pipeline), "--csv"]
        if not self.keepalive:
            args += ["-k", "0"]
        return args


# The plaintext scenarios a TLS-only run (--only tls) still needs, for Redoubt's own
# TLS/plaintext throughput ratio.
TLS_TWINS = ("set_d64_p1", "get_d64_p1", "set_d64_p16", "get_d64_p16")
HANDSHAKE_KEYS = ("tls_handshake_full", "tls_handshake_resumed")          # TLS 1.3
TLS12_HANDSHAKE_KEYS = ("tls12_handshake_full", "tls12_handshake_resumed")  # TLS 1.2
# (protocol version, (full key, resumed key), resumed rate class), in run order. report.py has
# the same pairs (HANDSHAKE_PAIRS); results.json files from before TLS 1.2 lack the second.
HANDSHAKE_PAIRS = (("1.3", HANDSHAKE_KEYS, "hs_resumed"),
                   ("1.2", TLS12_HANDSHAKE_KEYS, "hs12_resumed"))


def size_text(size):
    """64 -> "64 B", 16384 -> "16 KB", 1048576 -> "1 MB" (powers of 1024, as redis-benchmark)."""
    for unit, scale in (("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    return f"{size} B"


def large_requests(sizes, size):
    """Requests per run of a large-value scenario: about sizes["large_bytes"] of values, at
    most sizes["n_large"] requests, and at least one per client."""
    return max(max(LARGE_CLIENTS), min(sizes["n_large"], sizes["large_bytes"] // size))


def build_large_scenarios(sizes):
    """The large-value group in run order: for each size and client count, SET then GET (GET
    reads the values the SET just before it wrote)."""
    scenarios = []
    for size in LARGE_SIZES:
        for clients in LARGE_CLIENTS:
            for test in ("set", "get"):
                scenarios.append(Scenario(
                    key=f"large_{test}_d{size}_c{clients}",
                    title=f"{test.upper()} {size_text(size)} c={clients}", test=test,
                    csv_name=test.upper(), data_size=size, pipeline=1, clients=clients,
                    keepalive=True, requests=large_requests(sizes, size),
                    rate_class=f"large_d{size}", group=LARGE_GROUP))
    return scenarios


def build_scenarios(sizes, wanted, tls="yes", large_only=False):
    """Scenarios in run order: the plaintext core, the large-value group, then TLS.
    tls: "yes", "no" or "only" (TLS, plus the plaintext twins of its ratio; never the large
    group). large_only: just the large-value group (with tls "no")."""
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
    scenarios += build_large_scenarios(sizes)
    # TLS: 64-byte values only (the twins of set/get_d64_*); a second value size would double
    # the TLS phase and say little more, since TLS cost grows with bytes the same on both sides.
    for pipeline in (1, 16):
        for test in ("set", "get"):
            scenarios.append(Scenario(
                key=f"tls_{test}_d64_p{pipeline}", title=f"TLS {test.upper()} 64 B P={pipeline}",
                test=test, csv_name=test.upper(), data_size=64, pipeline=pipeline, clients=50,
                keepalive=True, requests=sizes[f"n_tls_p{pipeline}"],
                rate_class=f"tls_p{pipeline}", tls=True,
                plain_key=f"{test}_d64_p{pipeline}"))
    # Every -k 0 connection is a full handshake: redis-benchmark (hiredis) never resumes.
    scenarios.append(Scenario(
        key="tls_conn_ping", title="TLS new conn/s (PING, -k 0)", test="ping_mbulk",
        csv_name="PING_MBULK", data_size=3, pipeline=1, clients=50, keepalive=False,
        requests=sizes["n_tls_conn"], rate_class="tls_conn", tls=True, plain_key="conn_ping"))
    # The protocol is always pinned (--tls-version), also for TLS 1.3, the tool's default
    # outcome: a server that could not do it fails the run instead of silently falling back.
    for version, keys, resumed_class in HANDSHAKE_PAIRS:
        for key, resume in zip(keys, (False, True)):
            scenarios.append(Scenario(
                key=key, title=f"TLS {version} handshake, {'resumed' if resume else 'full'}",
                test="connect+PING", csv_name="", data_size=0, pipeline=1, clients=1,
                keepalive=False, requests=sizes["n_handshakes"],
                rate_class=resumed_class if resume else "hs_full", tls=True,
                tool="tls-connect", resume=resume, tls_version=version))
    if wanted:
        unknown = set(wanted) - {s.key for s in scenarios}
        if unknown:
            raise SystemExit(f"unknown scenario(s): {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(s.key for s in scenarios)}")
        scenarios = [s for s in scenarios if s.key in wanted]
    if tls == "no":
        scenarios = [s for s in scenarios if not s.tls]
    elif tls == "only":
        scenarios = [s for s in scenarios if s.tls or s.key in TLS_TWINS]
    if tls == "only":
        scenarios = [s for s in scenarios if s.group != LARGE_GROUP]
    elif large_only:
        scenarios = [s for s in scenarios if s.group == LARGE_GROUP]
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
            servers = [("redoubt", redoubt_kind, None), ("redis", args.reference_kind, None)]
            if not args.no_io1:
                servers.append(("redoubt-io1", redoubt_kind, 1))
            desc = (f"Every server thread pinned to CPU {args.server_cpu} (taskset at start; "
                    f"Redoubt keeps its default io-threads, which is the number of CPUs it may "
                    f"run on, so one I/O thread); redis-benchmark pinned to CPU {args.client_cpu}."
                    + ("" if args.no_io1 else
                       " Extra row 'redoubt-io1': Redoubt with an explicit --io-threads 1, "
                       "same pinning."))
            modes.append(Mode(name, args.server_cpu, args.client_cpu, servers, desc))
        elif name == "unpinned":
            servers = [("redoubt", redoubt_kind, None), ("redis", args.reference_kind, None)]
            desc = ("No taskset: the kernel places server and client threads on any CPU. "
                    "Redoubt runs its default io-threads (= the 2 cores); Redis runs its default "
                    "(io-threads 1: one thread does all I/O and commands).")
            modes.append(Mode(name, None, None, servers, desc))
        else:
            raise SystemExit(f"unknown mode {name!r} (known: pinned, unpinned)")
    return modes


def pinned_mode(args, redoubt_kind):
    """The pinned mode without the io-threads-1 row: what the phases with their own pinned
    servers (ACL, data types) run in, whatever --modes says."""
    pinned = argparse.Namespace(modes="pinned", no_io1=True, server_cpu=args.server_cpu,
                                client_cpu=args.client_cpu, reference_kind=args.reference_kind)
    return build_modes(pinned, redoubt_kind)[0]

