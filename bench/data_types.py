# The data-types phases of run_bench.py. Requests: redis-benchmark's default tests (PING_INLINE,
# PING_MBULK, SET, GET, INCR, LPUSH, RPUSH, LPOP, RPOP, SADD, HSET, SPOP, ZADD, ZPOPMIN,
# LRANGE_100, LRANGE_600, MSET) at -P 1 and at -P 16 against a fresh Redoubt and a fresh
# redis-server, pinned as the pinned mode pins them, with server CPU per request per test.
# Also XADD (a generated id), XREADGROUP of a consumer's 10 pending entries and EVALSHA of a
# one-line INCR script, as custom commands.
# Memory: bytes per element of a million small hashes and of one big hash, set, sorted set,
# list and stream of a million members, each on fresh unpinned servers loaded with redis-cli --pipe.
# report_types.py judges and lays them out (server CPU per request ≤ 1.0× Redis in every test;
# memory ≤ 0.8× Redis for the small hashes, ≤ 1.0× for each big aggregate); this file measures.
#
# Read first:
#   - One redis-benchmark invocation per test, so that each test has its own server CPU figure
#     (one invocation of many tests gives only their total). `-t ping` would be two tests; both
#     run, as ping_inline and ping_mbulk.
#   - redis-benchmark's `-t lrange_100` first runs an LPUSH of -n requests in the same
#     invocation, whose CPU would count as LRANGE's. Here the two LRANGE tests send the command
#     that -t lrange_100 / lrange_600 send, byte for byte, as a custom command (`LRANGE mylist 0
#     99`, `LRANGE mylist 0 599`), after `mylist` has been topped up to LIST_LEN elements of the
#     same -d 3 value outside the measured window.
#   - No -r, as redis-benchmark's defaults: each test has its one literal key (key:__rand_int__,
#     counter:__rand_int__, mylist, myset, myhash, myzset), so SADD, HSET and ZADD add the same
#     member again and again, and SPOP and ZPOPMIN mostly find the key gone. LPOP and RPOP never
#     do: they have the request count of LPUSH and RPUSH and run after them (warm-ups too).
#   - Every run goes through Bench.run_one, so rps, latency, server CPU from /proc/PID/stat and
#     client CPU are measured as everywhere else. redis-benchmark 7.0 exits with status 1 at the
#     first error reply ("Error from server: ..."): that test is a failed run with the message.
#   - Only processes Bench.start_server started are stopped, by PID.
import hashlib
import time
from dataclasses import asdict, dataclass

from bench_util import RespError
from bench_servers import PinnedPhase
from scenarios import Scenario

PIPELINES = (1, 16)
# Requests per run, before a test's divisor. At the rates measured on the 2-core guest (Redis,
# pinned: ~50k rps at -P 1, client bound; 0.5-0.8M at -P 16) a run lasts about 2 s; the whole
# phase (2 x 17 tests x 2 servers x 3 reps, warm-ups, the memory loads) about 10 min.
FULL_SIZES = {"n_types_p1": 100_000, "n_types_p16": 1_000_000, "type_elements": 1_000_000}
QUICK_SIZES = {"n_types_p1": 5_000, "n_types_p16": 50_000, "type_elements": 100_000}
LIST_KEY = "mylist"
# The XREADGROUP test's stream, group and consumer (prepared before each run: 10 entries, all
# delivered to the consumer and pending).
GROUP_STREAM = "groupstream"
GROUP = "bench-group"
CONSUMER = "bench-consumer"
# The EVALSHA test's script and its SHA1.
EVALSHA_SCRIPT = "return redis.call('INCR', KEYS[1])"
EVALSHA_SHA1 = hashlib.sha1(EVALSHA_SCRIPT.encode()).hexdigest()
LIST_LEN = 10_000  # elements in mylist before an LRANGE run; redis-benchmark's own LPUSH adds -n

# (id and -t name, title, CSV row name, custom command or None, requests divisor at -P 1 and
# at -P 16), in redis-benchmark's order. The divisors keep the slow tests' runs near the others'
# length: LRANGE_600 runs at ~20k rps at -P 1 and ~35k at -P 16 (the client decodes 600 bulk
# strings a reply), LRANGE_100 at ~220k at -P 16.
TESTS = (
    ("ping_inline", "PING (inline)", "PING_INLINE", None, (1, 1)),
    ("ping_mbulk", "PING (multibulk)", "PING_MBULK", None, (1, 1)),
    ("set", "SET", "SET", None, (1, 1)),
    ("get", "GET", "GET", None, (1, 1)),
    ("incr", "INCR", "INCR", None, (1, 1)),
    ("lpush", "LPUSH", "LPUSH", None, (1, 1)),
    ("rpush", "RPUSH", "RPUSH", None, (1, 1)),
    ("lpop", "LPOP", "LPOP", None, (1, 1)),
    ("rpop", "RPOP", "RPOP", None, (1, 1)),
    ("sadd", "SADD", "SADD", None, (1, 1)),
    ("hset", "HSET", "HSET", None, (1, 1)),
    ("spop", "SPOP", "SPOP", None, (1, 1)),
    ("zadd", "ZADD", "ZADD", None, (1, 1)),
    ("zpopmin", "ZPOPMIN", "ZPOPMIN", None, (1, 1)),
    ("lrange_100", "LRANGE_100", "LRANGE mylist 0 99", ("LRANGE", LIST_KEY, "0", "99"), (1, 4)),
    ("lrange_600", "LRANGE_600", "LRANGE mylist 0 599", ("LRANGE", LIST_KEY, "0", "599"),
     (2, 20)),
    ("mset", "MSET (10 keys)", "MSET (10 keys)", None, (1, 1)),
    # Not redis-benchmark defaults: a stream append with a generated id, and a small script by
    # its SHA1 (loaded with SCRIPT LOAD before each run), as the libraries that wrap Lua send it.
    ("xadd", "XADD", "XADD mystream * myfield myvalue",
     ("XADD", "mystream", "*", "myfield", "myvalue"), (1, 1)),
    ("evalsha", "EVALSHA (INCR)", f"EVALSHA {EVALSHA_SHA1} 1 counter:evalsha",
     ("EVALSHA", EVALSHA_SHA1, "1", "counter:evalsha"), (1, 1)),
    # A consumer re-reading its 10 pending entries (a recovering worker's history read): the
    # same work every request, so a run's length does not change what it measures.
    ("xreadgroup", "XREADGROUP (10 pending)",
     f"XREADGROUP GROUP {GROUP} {CONSUMER} COUNT 10 STREAMS {GROUP_STREAM} 0",
     ("XREADGROUP", "GROUP", GROUP, CONSUMER, "COUNT", "10", "STREAMS", GROUP_STREAM, "0"),
     (1, 2)),
)
# Rate classes (run_bench.py's NOMINAL_RPS) of the duration estimate: the LRANGE tests have
# their own, the other tests share types_p<pipeline>.
RATE_CLASSES = tuple(f"types_p{p}" for p in PIPELINES) + tuple(
    f"types_{test}_p{p}" for test, _, _, command, _ in TESTS if command for p in PIPELINES)


@dataclass(frozen=True)
class TypeScenario(Scenario):
    """A Scenario of the data-types phase: -t <test>, or a custom command (the LRANGE tests),
    and how many elements LIST_KEY needs before a run."""
    command: tuple = ()
    list_len: int = 0

    def bench_args(self, requests=None):
        args = super().bench_args(requests)
        return args[2:] + list(self.command) if self.command else args  # [2:]: no -t


def build_type_scenarios(sizes):
    """The phase's scenarios: every test at -P 1, then every test at -P 16."""
    out = []
    for index, pipeline in enumerate(PIPELINES):
        for test, title, csv_name, command, divisors in TESTS:
            out.append(TypeScenario(
                key=f"types_{test}_p{pipeline}", title=f"{title} P={pipeline}", test=test,
                csv_name=csv_name, data_size=3, pipeline=pipeline, clients=50, keepalive=True,
                requests=max(100, sizes[f"n_types_p{pipeline}"] // divisors[index]),
                rate_class=f"types_{test}_p{pipeline}" if command else f"types_p{pipeline}",
                command=command or (),
                list_len=LIST_LEN if command and command[0] == "LRANGE" else 0))
    return out


# ----- memory per element -----------------------------------------------------------------------

BATCH = 100  # elements per command when loading one big aggregate


@dataclass(frozen=True)
class Dataset:
    key: str         # id in results.json
    title: str
    per: str         # what one element is, in "B/<per>"
    small: bool      # judged against the small-aggregate target, else the big-aggregate one
    count: tuple     # the command whose reply must be the element count
    target: str      # the big aggregate's key; "" for the small hashes (h:0000000, ...)

    def first_key(self, n):
        """The key whose OBJECT ENCODING is recorded: the aggregate, or the first small hash."""
        return self.target or "h:%0*d" % (max(7, len(str(n - 1))), 0)

    def commands(self, n):
        """The commands that load n elements (argument lists of bytes)."""
        width = max(7, len(str(n - 1)))
        if self.small:
            # Four short fields, well under hash-max-listpack-entries (128) and -value (64).
            return ((b"HSET", b"h:%0*d" % (width, i), b"name", b"user:%0*d" % (width, i),
                     b"age", b"%d" % (18 + i % 80), b"city", b"city-%03d" % (i % 500),
                     b"visits", b"%d" % (i * 7919 % 100_000)) for i in range(n))
        verb, element = {
            "big_hash": (b"HSET", lambda i: (b"field:%0*d" % (width, i),
                                             b"value:%0*d" % (width, i))),
            "big_set": (b"SADD", lambda i: (b"member:%0*d" % (width, i),)),
            "big_zset": (b"ZADD", lambda i: (b"%d" % (i * 7919 % 1_000_003),
                                             b"member:%0*d" % (width, i))),
            "big_list": (b"RPUSH", lambda i: (b"item:%0*d" % (width, i),)),
        }.get(self.key, (None, None))
        if verb is None:  # the stream: one XADD per entry, ids as a fast producer's
            return ([b"XADD", self.target.encode(),
                     b"%d-%d" % (1_700_000_000_000 + i // 50, i % 50), b"field", b"%d" % i]
                    for i in range(n))
        return ([verb, self.target.encode()]
                + [word for i in range(start, min(n, start + BATCH)) for word in element(i)]
                for start in range(0, n, BATCH))

    def command_count(self, n):
        return n if self.small or self.key == "big_stream" else -(-n // BATCH)


DATASETS = (
    Dataset("small_hashes", "small hashes (4 fields)", "hash", True, ("DBSIZE",), ""),
    Dataset("big_hash", "one big hash", "field", False, ("HLEN", "bighash"), "bighash"),
    Dataset("big_set", "one big set", "member", False, ("SCARD", "bigset"), "bigset"),
    Dataset("big_zset", "one big sorted set", "member", False, ("ZCARD", "bigzset"), "bigzset"),
    Dataset("big_list", "one big list", "element", False, ("LLEN", "biglist"), "biglist"),
    Dataset("big_stream", "one big stream", "entry", False, ("XLEN", "bigstream"), "bigstream"),
)
# Nominal rates of the duration estimate (measured on the 2-core guest while busy): Python
# writes ~270k small-hash commands or 1-2M big-aggregate elements a second; the servers load
# 160-300k small hashes and 0.2-3M elements of a big aggregate a second through redis-cli --pipe
# (the sorted set the slowest). ~50 s for the five data sets of a million.
WRITE_RATE = {True: 250_000, False: 1_000_000}
LOAD_RATE = {True: 200_000, False: 400_000}
SETTLE_S = 1.0  # load_and_measure's two 0.5 s pauses


def object_encoding(server, key):
    """OBJECT ENCODING of key, or None when the server does not answer it."""
    try:
        return server.command("OBJECT", "ENCODING", key)
    except (OSError, RespError, ConnectionError):
        return None


class TypesPhase(PinnedPhase):
    """Both phases as run_bench.Bench runs them: estimate_s() for the plan, run() once, info()
    for results.json. bench is the Bench (start_server, run_one, warm_up, alternate, progress,
    write_load_file, on_fresh_server, load_and_measure, sizes, time_left, warn, live);
    out_of_time is the exception that stops a run at --time-limit. The memory phase runs
    unpinned, on fresh servers (Bench.on_fresh_server)."""

    def __init__(self, bench, skipped, out_of_time, server_start_s):
        super().__init__(bench, skipped, out_of_time, server_start_s)
        self.reps = bench.args.reps
        self.scenarios = build_type_scenarios(bench.sizes)
        self.elements = bench.sizes["type_elements"]
        self.started = False
        self.count = [0]    # measured runs so far, for the progress lines
        self.runs = []
        self.servers = {}   # "p1", "p16" -> {label: Server.describe()}
        self.memory = []    # one entry per data set and server

    def total_runs(self):
        return len(self.scenarios) * len(self.mode.servers) * self.reps

    def pipeline_s(self, scenarios, include_warmup=True):
        b = self.bench
        total = self.server_start_s * len(self.mode.servers)
        for scen in scenarios:
            for label, _, _ in self.mode.servers:
                total += self.reps * b.expected_run_s(label, scen)
                if include_warmup:
                    total += b.expected_run_s(label, scen, b.warmup_n(scen))
        return total

    def dataset_s(self, ds):
        n, servers = self.elements, len(self.bench.memory_servers())
        return (n / WRITE_RATE[ds.small]
                + servers * (self.server_start_s + SETTLE_S + n / LOAD_RATE[ds.small]))

    def estimate_s(self):
        """Seconds the phases will take; 0 once they have started (or when skipped)."""
        if self.skipped or self.started:
            return 0.0
        return (sum(self.pipeline_s(self.at(p)) for p in PIPELINES)
                + sum(self.dataset_s(ds) for ds in DATASETS))

    def at(self, pipeline):
        return [s for s in self.scenarios if s.pipeline == pipeline]

    def describe_plan(self):
        if self.skipped:
            return f"data types: skipped ({self.skipped})"
        return (f"data types: {len(TESTS)} redis-benchmark tests at P=1 and P=16 x {self.reps} "
                f"reps on both servers, pinned ({self.total_runs()} measured runs); memory of "
                f"{len(DATASETS)} data sets of {self.elements:,} elements; "
                f"~{self.estimate_s() / 60:.1f} min")

    def run(self):
        self.started = True
        for pipeline in PIPELINES:
            self.run_requests(pipeline)
        self.run_memory()

    # --- requests

    def run_requests(self, pipeline):
        b = self.bench
        scenarios = self.at(pipeline)
        if not self.warmups_fit(scenarios):
            raise self.out_of_time(f"skipped the data-type tests at P={pipeline} on: "
                                   "--time-limit reached")
        print(f"\n== data types, P={pipeline}: {len(scenarios)} redis-benchmark tests, fresh "
              f"servers on CPU {self.mode.server_cpus}, redis-benchmark on CPU "
              f"{self.mode.client_cpus}", flush=True)
        with self.pinned_servers() as servers:
            t0 = time.monotonic()
            b.warm_up(self.mode, servers, scenarios, run=self._run)
            self.servers[f"p{pipeline}"] = {s.label: s.describe() for s in servers}
            rest = (self.pipeline_s(scenarios, include_warmup=False)
                    + sum(self.pipeline_s(self.at(p)) for p in PIPELINES if p > pipeline)
                    + sum(self.dataset_s(ds) for ds in DATASETS))
            print(f"   warm-up done in {time.monotonic() - t0:.0f}s; refined estimate for the "
                  f"rest of the data-types phases: {rest / 60:.1f} min", flush=True)
            b.alternate(self.mode, servers, scenarios, self._record,
                        f"in the data-type tests at P={pipeline}", run=self._run)

    def _run(self, mode, server, servers, scen, requests):
        """Bench.run_one, after topping LIST_KEY up to scen.list_len elements (and loading the
        EVALSHA test's script)."""
        try:
            self._fill_list(server, scen)
            if scen.test == "evalsha":
                server.command("SCRIPT", "LOAD", EVALSHA_SCRIPT)
            if scen.test == "xreadgroup":
                self._prepare_group(server)
        except (OSError, RespError, ConnectionError) as e:
            return {"mode": mode.name, "server": server.label, "scenario": scen.key,
                    "requests": requests, "ok": False,
                    "error": f"could not fill {LIST_KEY} before the run: {e}"}
        return self.bench.run_one(mode, server, servers, scen, requests)

    @staticmethod
    def _prepare_group(server):
        server.command("DEL", GROUP_STREAM)
        for i in range(10):
            server.command("XADD", GROUP_STREAM, "*", "field", f"value-{i}")
        server.command("XGROUP", "CREATE", GROUP_STREAM, GROUP, "0")
        server.command("XREADGROUP", "GROUP", GROUP, CONSUMER, "COUNT", "10", "STREAMS",
                       GROUP_STREAM, ">")

    @staticmethod
    def _fill_list(server, scen):
        have = server.command("LLEN", LIST_KEY) if scen.list_len else 0
        value = b"x" * scen.data_size  # what redis-benchmark pushes
        while have < scen.list_len:
            have = server.command("LPUSH", LIST_KEY,
                                  *[value] * min(1000, scen.list_len - have))

    def _record(self, server, scen, rep, r):
        self.count[0] += 1
        self.runs.append(r)
        self.bench.progress(self.count, self.mode, server, scen, rep, r,
                            total=self.total_runs(), tag="types ")

    # --- memory

    def run_memory(self):
        b, n = self.bench, self.elements
        print(f"\n== data-type memory: {n:,} elements per data set, a fresh server each, "
              "unpinned, loaded with redis-cli --pipe", flush=True)
        for ds in DATASETS:
            if b.time_left() < self.dataset_s(ds):
                raise self.out_of_time(f"stopped the data-type memory phase at {ds.key}: "
                                       "--time-limit reached")
            load = b.write_load_file(f"{ds.key}-{n}", ds.commands(n))
            try:
                for label, kind in b.memory_servers():
                    entry = b.on_fresh_server(
                        label, kind, lambda server: self._measure(server, ds, load),
                        {"dataset": ds.key, "elements": n})
                    self.memory.append(entry)
                    self._memory_progress(ds, entry)
            finally:
                load.unlink()  # up to ~100 MB each

    def _measure(self, server, ds, load):
        n = self.elements
        m = self.bench.load_and_measure(
            server, load, ds.command_count(n),
            lambda s: (s.command(*ds.count), " ".join(ds.count)), n)
        return {"dataset": ds.key, "server": server.label, "binary": server.binary,
                "elements": n, "commands": ds.command_count(n),
                "encoding": object_encoding(server, ds.first_key(n)), **m}

    def _memory_progress(self, ds, e):
        head = f"   {ds.title:24s} {e['server']:8s}"
        if not e["ok"]:
            self.bench.warn(f"data-type memory, {ds.key} on {e['server']}: {e['error']}")
            return
        used = ("—" if e["used_memory_after"] is None or e["used_memory_before"] is None else
                f"{(e['used_memory_after'] - e['used_memory_before']) / e['elements']:6.1f}")
        print(f"{head} RSS {e['rss_before'] / 2**20:7.1f} -> {e['rss_after'] / 2**20:7.1f} MiB"
              f"  delta {(e['rss_after'] - e['rss_before']) / e['elements']:6.1f} B/{ds.per}"
              f"  used_memory delta {used} B/{ds.per}  {e['count_source']} {e['counted']:,}"
              f"  encoding {e['encoding'] or '?'}  load {e['load_s']:.1f}s", flush=True)

    def info(self):
        """The "types" block of results.json (report.py summarizes it, report_types.py judges
        and lays it out)."""
        return {"skipped": self.skipped, "planned": self.planned, "reps": self.reps,
                "mode": {"name": self.mode.name, "description": self.mode.description,
                         "server_cpus": self.mode.server_cpus,
                         "client_cpus": self.mode.client_cpus},
                "sizes": {k: self.bench.sizes[k] for k in FULL_SIZES},
                "list_len": LIST_LEN, "batch": BATCH,
                "scenarios": [asdict(s) for s in self.scenarios],
                "datasets": [dict(asdict(ds), commands=ds.command_count(self.elements))
                             for ds in DATASETS],
                "servers": self.servers, "runs": self.runs, "memory": self.memory}
