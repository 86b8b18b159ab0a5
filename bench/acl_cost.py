# The ACL phase of run_bench.py: what a restricted ACL user costs, against the default user, on
# Redoubt and on redis-server. Product requirement: "ACL checks cost less than 3% of GET/SET
# throughput"; report.py judges it (ACL_RPS_TARGET, ACL_CPU_TARGET), this file only measures.
#
# What runs: a fresh Redoubt and a fresh redis-server, pinned exactly as the pinned mode pins
# them (scenarios.build_modes: servers on --server-cpu, redis-benchmark on --client-cpu), each
# with the user `app` of ACL_RULES. Per scenario, rep and server: one redis-benchmark run as the
# default user (+@all ~*: the server skips the check) and one as `--user app -a apppw` (a
# command-bit test and key-pattern matching per key), same request count: default, app,
# default, app, ... Each run goes through Bench.run_one, so rps, latency, server CPU from
# /proc/PID/stat and client CPU are measured exactly as everywhere else.
#
# Read first:
#   - Every measured request must be ALLOWED, or the phase would measure error replies. Around
#     each run INFO commandstats and INFO stats are read: the benchmarked command must show
#     calls >= requests and no rejected or failed call, and every error reply of the run must be
#     redis-benchmark's start-up probe (CONFIG GET save / appendonly, which the app user may not
#     run: -@dangerous; 2 per run). A run that fails this is recorded with ok=false.
#   - redis-benchmark without -r uses the literal keys key:__rand_int__ (SET, GET) and
#     counter:__rand_int__ (INCR); ~key:* and ~counter:* cover them (INCR's key is matched
#     against the second pattern, after the first one fails).
#   - The app runs also carry one AUTH per connection (50 per run) that the default runs do not;
#     at >= 100k requests per run that is < 0.1% of the work.
#   - Only processes Bench.start_server started are stopped, by PID, when run() leaves
#     PinnedPhase.pinned_servers.
import time
from dataclasses import asdict, dataclass

from bench_util import RespError
from bench_servers import PinnedPhase
from scenarios import Scenario

ACL_USER = "app"
ACL_PASSWORD = "apppw"
# An application's user: its own key prefixes (and a read-only one), no channels, the read and
# write commands without the dangerous ones. The patterns cover redis-benchmark's keys (above).
ACL_RULES = ("on", f">{ACL_PASSWORD}", "resetkeys", "~key:*", "~counter:*", "~mylist*",
             "%R~ro:*", "resetchannels", "-@all", "+@read", "+@write", "+@connection",
             "-@dangerous")
USERS = ("default", ACL_USER)  # the alternation order within a rep
# redis-benchmark's start-up probe (CONFIG GET save, CONFIG GET appendonly): refused to the app
# user, and the only error replies an app run may have.
PROBE_COMMAND = "config|get"

# Requests per run. -P 16 at ~1.4M rps and -P 1 at ~90k rps (client-bound) keep a run ~1.5 s,
# so 2 x 5 scenarios x 2 users x 3 reps + warm-ups last ~1.7 min for both servers.
FULL_SIZES = {"n_acl_p1": 120_000, "n_acl_p16": 2_000_000}
QUICK_SIZES = {"n_acl_p1": 5_000, "n_acl_p16": 50_000}
# (test, pipeline, part of the GET/SET target): INCR is shown for information.
ACL_TESTS = (("set", 16, True), ("get", 16, True), ("incr", 16, False),
             ("set", 1, True), ("get", 1, True))


@dataclass(frozen=True)
class AclScenario(Scenario):
    """A Scenario run as `user`: the default user sends no AUTH, any other one
    `--user U -a PASSWORD` (redis-benchmark then AUTHs each connection first)."""
    user: str = "default"
    in_target: bool = True  # a GET/SET scenario, judged against the ACL target

    def bench_args(self, requests=None):
        args = super().bench_args(requests)
        if self.user != "default":
            args += ["--user", self.user, "-a", ACL_PASSWORD]
        return args


def build_acl_scenarios(sizes):
    """The phase's scenarios in run order, as the default user (as_user gives the other)."""
    out = []
    for test, pipeline, in_target in ACL_TESTS:
        out.append(AclScenario(
            key=f"acl_{test}_d64_p{pipeline}", title=f"{test.upper()} 64 B P={pipeline}",
            test=test, csv_name=test.upper(), data_size=64, pipeline=pipeline, clients=50,
            keepalive=True, requests=sizes[f"n_acl_p{pipeline}"], rate_class=f"p{pipeline}",
            in_target=in_target))
    return out


def as_user(scen, user):
    return AclScenario(**{**asdict(scen), "user": user})


def _commandstats(server):
    """{command: {"calls": n, "rejected_calls": n, "failed_calls": n}} and
    total_error_replies, from INFO; ({}, None) when the server does not report them."""
    stats = {}
    for key, value in server.info("commandstats").items():
        if not key.startswith("cmdstat_"):
            continue
        fields = {}
        for part in value.split(","):
            name, _, number = part.partition("=")
            try:
                fields[name] = float(number)
            except ValueError:
                pass
        stats[key[len("cmdstat_"):]] = fields
    errors = server.info("stats").get("total_error_replies")
    return stats, int(errors) if errors is not None else None


def _delta(before, after, command, field):
    return int(after.get(command, {}).get(field, 0) - before.get(command, {}).get(field, 0))


def allowed_check(scen, requests, before, after):
    """Did the server execute every request of the run, and refuse nothing but the probe?"""
    (stats0, errors0), (stats1, errors1) = before, after
    if not stats1 or errors1 is None or errors0 is None:
        return {"verified": False, "ok": True,
                "why": "no INFO commandstats / total_error_replies: not verified"}
    cmd = scen.test
    check = {"verified": True, "command": cmd,
             "calls": _delta(stats0, stats1, cmd, "calls"),
             "rejected": _delta(stats0, stats1, cmd, "rejected_calls"),
             "failed": _delta(stats0, stats1, cmd, "failed_calls"),
             "error_replies": errors1 - errors0,
             "probe_refused": _delta(stats0, stats1, PROBE_COMMAND, "rejected_calls"),
             "auth_calls": _delta(stats0, stats1, "auth", "calls")}
    check["other_errors"] = check["error_replies"] - check["probe_refused"]
    problems = []
    if check["calls"] < requests:
        problems.append(f"{cmd} calls {check['calls']:,} < {requests:,} requests")
    if check["rejected"] or check["failed"]:
        problems.append(f"{cmd}: {check['rejected']} rejected, {check['failed']} failed")
    if check["other_errors"]:
        problems.append(f"{check['other_errors']} error replies besides the CONFIG GET probe")
    check["ok"] = not problems
    if problems:
        check["why"] = "; ".join(problems)
    return check


def _acl_log(server):
    """ACL LOG as a list of {reason, context, object, username, count}."""
    entries = []
    for entry in server.command("ACL", "LOG") or []:
        fields = dict(zip(entry[::2], entry[1::2]))
        entries.append({k: fields.get(k) for k in ("reason", "context", "object", "username",
                                                    "count")})
    return entries


class AclPhase(PinnedPhase):
    """The phase as run_bench.Bench runs it: estimate_s() for the plan, run() once, info() for
    results.json. bench is the Bench (start_server, run_one, expected_run_s, warmup_n, rates,
    time_left, warn, live); out_of_time is the exception that stops a run at --time-limit."""

    def __init__(self, bench, skipped, out_of_time, server_start_s):
        super().__init__(bench, skipped, out_of_time, server_start_s)
        self.reps = bench.args.acl_reps or bench.args.reps
        self.scenarios = build_acl_scenarios(bench.sizes)
        self.started = False
        self.runs = []
        self.servers = {}   # label -> describe() + ACL LIST line of the user + ACL LOG
        self.errors = []    # a server that could not take the user

    def total_runs(self):
        return len(self.scenarios) * len(self.mode.servers) * len(USERS) * self.reps

    def estimate_s(self):
        """Seconds the phase will take; 0 once it has started (or when skipped)."""
        if self.skipped or self.started:
            return 0.0
        b = self.bench
        total = self.server_start_s * len(self.mode.servers)
        for scen in self.scenarios:
            for label, _, _ in self.mode.servers:
                total += len(USERS) * (self.reps * b.expected_run_s(label, scen)
                                       + b.expected_run_s(label, scen, b.warmup_n(scen)))
        return total

    def describe_plan(self):
        if self.skipped:
            return f"ACL phase: skipped ({self.skipped})"
        return (f"ACL phase: {len(self.scenarios)} scenarios x {len(USERS)} users "
                f"(default, {ACL_USER}) x {self.reps} reps on both servers, pinned; "
                f"{self.total_runs()} measured runs, ~{self.estimate_s() / 60:.1f} min")

    def run(self):
        b = self.bench
        if not self.warmups_fit(self.scenarios, per_server=len(USERS)):
            raise self.out_of_time("skipped the ACL phase: --time-limit reached")
        self.started = True
        print(f"\n== ACL: user '{ACL_USER}' ({' '.join(ACL_RULES[2:])}) against the default "
              f"user; {self.mode.name}: servers on CPU {self.mode.server_cpus}, redis-benchmark "
              f"on CPU {self.mode.client_cpus}", flush=True)
        with self.pinned_servers() as servers:
            for server in list(servers):
                try:
                    server.command("ACL", "SETUSER", ACL_USER, *ACL_RULES)
                    rules = next((line for line in server.command("ACL", "LIST")
                                  if line.startswith(f"user {ACL_USER} ")), None)
                except (OSError, RespError, ConnectionError) as e:
                    why = f"{server.label} refused the ACL user: {e}"
                    self.errors.append(why)
                    b.warn(f"ACL phase: {why}; its ACL numbers are not measured")
                    servers.remove(server)
                    server.stop()
                    b.live.remove(server)
                    continue
                self.servers[server.label] = dict(server.describe(), acl_list=rules)
            if not servers:
                return
            self._measure(servers)
            for server in servers:
                try:
                    self.servers[server.label]["acl_log"] = _acl_log(server)
                except (OSError, RespError, ConnectionError) as e:
                    self.servers[server.label]["acl_log_error"] = str(e)
                unexpected = [e for e in self.servers[server.label].get("acl_log", [])
                              if e.get("object") != PROBE_COMMAND]
                if unexpected:
                    b.warn(f"ACL phase: {server.label}'s ACL LOG has entries besides "
                           f"redis-benchmark's CONFIG GET probe: {unexpected[:3]}")

    def _measure(self, servers):
        b = self.bench
        t0 = time.monotonic()
        # Warm-up: each scenario once per server and user at a tenth of the size (allocator,
        # the AUTH path, the key), also measuring the rates of the refined estimate.
        for scen in self.scenarios:
            for server in servers:
                for user in USERS:
                    r = self._run(server, servers, as_user(scen, user), b.warmup_n(scen))
                    if r["ok"]:
                        b.rates[(server.label, scen.key)] = r["rps"]
                    else:
                        b.warn(f"ACL warm-up {server.label}/{scen.key}/{user} failed: "
                               f"{r['error']}")
        rest = sum(len(USERS) * self.reps * b.expected_run_s(s.label, scen)
                   for scen in self.scenarios for s in servers)
        print(f"   warm-up done in {time.monotonic() - t0:.0f}s; refined estimate for the "
              f"ACL runs: {rest / 60:.1f} min", flush=True)
        count = 0
        total = len(self.scenarios) * len(servers) * len(USERS) * self.reps
        for scen in self.scenarios:
            for rep in range(1, self.reps + 1):
                for server in servers:
                    for user in USERS:  # default, app, default, app, ...
                        if b.time_left() < b.expected_run_s(server.label, scen):
                            raise self.out_of_time(f"stopped the ACL phase at {scen.key} rep "
                                                   f"{rep}: --time-limit reached")
                        count += 1
                        r = self._run(server, servers, as_user(scen, user), scen.requests)
                        r["rep"] = rep
                        self.runs.append(r)
                        self._progress(count, total, server, scen, user, rep, r)

    def _run(self, server, servers, scen, requests):
        """One Bench.run_one run, with the allowed-request check around it."""
        before = _commandstats(server)
        r = self.bench.run_one(self.mode, server, servers, scen, requests)
        check = allowed_check(scen, requests, before, _commandstats(server))
        r.update(user=scen.user, acl_check=check)
        if r["ok"] and not check["ok"]:
            r.update(ok=False, error=f"not every request was allowed: {check['why']}")
        return r

    def _progress(self, count, total, server, scen, user, rep, r):
        head = (f"[acl {count:3d}/{total}] {server.label:8s} {user:8s} {scen.title:16s} "
                f"rep {rep}/{self.reps}")
        if not r["ok"]:
            print(f"{head}  FAILED: {r['error']}", flush=True)
            return
        check = r["acl_check"]
        allowed = ("allowed " + f"{check['calls']:,}" if check.get("verified")
                   else "unverified")
        print(f"{head}  rps={r['rps']:>11,.0f}  cpu={r['cpu_us_per_req']:.3f}us/req  "
              f"client {r['client_cpu_pct'] or 0:.0f}%  {allowed} ({r['wall_s']:.1f}s)", flush=True)

    def info(self):
        """The "acl" block of results.json (report.py summarizes and judges it)."""
        return {"skipped": self.skipped, "planned": self.planned,
                "user": ACL_USER, "rules": " ".join(("ACL", "SETUSER", ACL_USER) + ACL_RULES),
                "users": list(USERS), "reps": self.reps,
                "mode": {"name": self.mode.name, "description": self.mode.description,
                         "server_cpus": self.mode.server_cpus,
                         "client_cpus": self.mode.client_cpus},
                "sizes": {k: self.bench.sizes[k] for k in FULL_SIZES},
                "probe_command": PROBE_COMMAND,
                "scenarios": [{k: v for k, v in asdict(s).items() if k != "user"}
                              for s in self.scenarios],
                "servers": self.servers, "errors": self.errors, "runs": self.runs}
