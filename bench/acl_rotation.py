#!/usr/bin/python3
# Password rotation of an ACL user without downtime, measured from the clients' side: several
# redoubt-downtime processes authenticated as `app` keep reading while the operator walks the
# rotation the product promises -- the user holds the old and the new password at once, the
# clients move to the new one, the old one is removed -- and the claim under test is that no
# client sees a single failed operation, and that INFO auth tells the operator when the old
# password may go (its connected_clients reaches 0).
#
#   bench/acl_rotation.py                         # both variants, 5 s phases, table + JSON + PNG
#   bench/acl_rotation.py --quick --variant reauth --out /tmp/rot.json
#   tests/integration/test_acl_rotation.py        # the same via run_rotation(), 1 s phases
#
# Steps (one redoubt-server on loopback, `ACL SETUSER app on >OLD ~* +@all`, N testers with
# --user app --password-file F, each prefilling its own keys, then reading them):
#   1 old      only OLD exists; the testers authenticated with it
#   2 both     ACL SETUSER app >NEW: both passwords are valid
#   3 move     variant reauth:  NEW is written to F (by rename); every tester notices within
#                               --reauth-check-ms and sends AUTH app NEW on its open connection.
#              variant restart: a second generation of testers starts with a file holding NEW,
#                               then the first generation is stopped through its stop files.
#              Either way INFO auth is polled until credential_app_<id(OLD)> has
#              connected_clients=0 -- the operator's signal -- and the time it took is recorded.
#              Ids are opaque (keyed with the server's secret): id(OLD) is the row that appeared
#              with step 1's ACL SETUSER, id(NEW) the one step 2's added, as an operator finds
#              them (or by their `added` times) without hashing anything.
#   4 removed  ACL SETUSER app <OLD; the testers keep running for a phase (step 5 of the
#              runbook), then a fresh `AUTH app OLD` must get WRONGPASS and `AUTH app NEW` OK.
# CLIENT KILL is never used: a killed connection is a failed operation for its client, and the
# point is a rotation in which no connection is closed at all (variant reauth).
#
# Read first:
#   - "Failed operations" = failed + connection_errors + timeout_errors, as the tester counts
#     them (a refused in-band re-AUTH is one of them). Pass requires 0 for every tester, in every
#     phase, prefill included, and 0 data errors.
#   - Per-second rows of the testers are split into phases by the unix time each step was
#     taken (bench/acl_rotation_analysis.py, which also judges the run and draws the chart).
#   - INFO auth/clients/stats are sampled every 0.1 s (0.05 s in phase 3) over ONE persistent
#     admin connection, so sampling adds no connections: in variant reauth connected_clients and
#     total_connections_received must not move from step 2 to the end of step 5 (no connection
#     closed or opened by the rotation). The final AUTH checks use fresh connections, after
#     that window.
#   - Passwords are random per run and never printed or written; they are named by the ids
#     INFO auth gives them.
#   - Every process is started here, tracked and stopped by PID (testers: stop file, then
#     SIGTERM, then SIGKILL); the working directory (password files, reports, logs) is removed.
#     That frame and the testers are bench/downtime_testers.py's, shared with tls_migration.py.
#
# Environment (as tests/support/servers.py): REDOUBT_SERVER, REDOUBT_SERVER_KIND (must be
# "redoubt": INFO auth is Redoubt's); REDOUBT_TOOLS_DIR for redoubt-downtime (else next to the
# server binary, build/bin, build-tools/bin; the first one that has --reauth-check-ms).
import argparse
import os
import secrets
import sys
import time
from pathlib import Path

# No __pycache__ from these imports; the flag is restored because pytest imports this file as a
# module.
_WRITE_BYTECODE = sys.dont_write_bytecode
sys.dont_write_bytecode = True
import downtime_testers as dt  # noqa: E402  (puts tests/ on sys.path)
from acl_rotation_analysis import USER, analyse, format_table, plot  # noqa: E402
from bench_util import RespError, command, parse_info  # noqa: E402
from support.resp_client import RespClient, unwrap  # noqa: E402
from support.resp_client import RespError as _UnwrappedError  # noqa: E402
sys.dont_write_bytecode = _WRITE_BYTECODE

VARIANTS = ("reauth", "restart")
DEFAULT_OUT = Path(__file__).resolve().parent / "acl_rotation.json"
NEEDED_OPTION = "--reauth-check-ms"   # a redoubt-downtime that can re-AUTH in-band
# Also searched for the tool, after build/bin: a build of the tools alone.
EXTRA_TOOL_DIRS = (dt.REPO_ROOT / "build-tools" / "bin",)
DEFAULT_REAUTH_CHECK_MS = 200
SAMPLE_S = 0.1               # INFO sampling period
MOVE_SAMPLE_S = 0.05         # ... while waiting for the old credential to be released
MIN_ZERO_WAIT_S = 10.0       # give up waiting for connected_clients=0 after max(this, 2 phases)


class RotationError(dt.ScenarioError):
    """The scenario could not be run (tool missing, server or tester died, ...)."""


def fields(text):
    """'a=1,b=x' -> {'a': '1', 'b': 'x'}; numbers stay strings."""
    return dict(item.partition("=")[::2] for item in (text or "").split(",") if item)


def password_credentials(auth, user=USER):
    """INFO auth (parsed) -> {id: fields} of user's password rows (nopass and certificate left
    out). The ids are opaque, so a password's row is the one that appears with the ACL SETUSER
    adding it (new_credential_id), and the older of two rows has the smaller `added`."""
    prefix = f"credential_{user}_"
    return {key[len(prefix):]: fields(value) for key, value in auth.items()
            if key.startswith(prefix) and key[len(prefix):] not in ("nopass", "certificate")}


def new_credential_id(known, rows):
    """The one id of rows (password_credentials) that is not in known; ValueError otherwise."""
    added = sorted(set(rows) - set(known))
    if len(added) != 1:
        raise ValueError(f"expected one new credential row besides {sorted(known)}, "
                         f"got {sorted(rows)}")
    return added[0]


def write_secret(path, secret):
    """As a secret store does: write a new file and rename it over the old one."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(secret + "\n")
    os.chmod(tmp, 0o600)
    tmp.replace(path)


# ----- the admin connection ---------------------------------------------------------------------

class Admin:
    """One persistent connection as the default user: ACL SETUSER and INFO sampling go over it,
    so that watching the server adds no connection of its own."""

    def __init__(self, port):
        self.client = RespClient("127.0.0.1", port, timeout=5.0)

    def call(self, *args):
        value = unwrap(self.client.call(*args))
        if isinstance(value, _UnwrappedError):
            raise RespError(str(value))
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else value

    def info(self, section):
        return parse_info(self.call("INFO", section))

    def close(self):
        self.client.close()


# ----- the scenario -----------------------------------------------------------------------------

class Rotation(dt.DowntimeScenario):
    """The steps of one variant. testers: every generation's; events: each step with its unix
    times; samples: INFO auth/clients/stats over time."""

    error = RotationError
    work_prefix = "redoubt-acl-rotation-"

    def __init__(self, variant, phase_s, prefill_s, testers, server_binary, tools_dir, log,
                 timeouts_ms, reauth_check_ms, rate):
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}")
        super().__init__(server_binary, tools_dir, log, timeouts_ms,
                         needs_option=NEEDED_OPTION, extra_tool_dirs=EXTRA_TOOL_DIRS)
        self.variant, self.n_testers = variant, testers
        self.phase_s, self.prefill_s = phase_s, prefill_s
        self.reauth_check_ms, self.rate = reauth_check_ms, rate
        self.old_pw = "old-" + secrets.token_hex(12)
        self.new_pw = "new-" + secrets.token_hex(12)
        self.old_id = self.new_id = None   # learnt from INFO auth when each is added
        self.admin = None
        self.generations = {}    # "first"/"second" -> [labels]
        self.samples = []
        self._next_progress = 0.0

    # --- control

    def event(self, what, action):
        """Runs action() (a server command or a local step) with its times recorded."""
        t_sent = time.time()
        try:
            reply = action()
        except (OSError, RespError, ConnectionError) as e:
            reply = f"{type(e).__name__}: {e}"
        e = {"what": what, "t_sent": t_sent, "t_reply": time.time(),
             "reply": reply if reply is None or isinstance(reply, (str, int)) else str(reply)}
        self.events.append(e)
        self.log(f"  {time.strftime('%H:%M:%S')} +{t_sent - self.t0:6.2f}s  {what}"
                 + ("" if reply is None else f" -> {reply}"))
        return e

    def acl_setuser(self, what, rule):
        e = self.event(what, lambda: self.admin.call("ACL", "SETUSER", USER, rule))
        self.check(f"{what}: ACL SETUSER replies OK", e["reply"] == "OK", repr(e["reply"]))
        return e

    def learn_id(self, what, known):
        """The id of the password just added: the credential row of USER that is new."""
        try:
            return new_credential_id(known, password_credentials(self.admin.info("auth")))
        except ValueError as e:
            raise RotationError(f"{what}: {e}") from None

    def sample(self):
        t = time.time()
        auth = self.admin.info("auth")
        clients = self.admin.info("clients")
        stats = self.admin.info("stats")
        rows = password_credentials(auth)
        old = rows.get(self.old_id, {})
        new = rows.get(self.new_id, {})
        user = fields(auth.get(f"user_{USER}"))

        def num(d, key):
            try:
                return int(d[key])
            except (KeyError, ValueError):
                return None
        s = {"t": t,
             "old_connected": num(old, "connected_clients") if old else 0,
             "old_state": old.get("state") if old else None,   # None: no row
             "new_connected": num(new, "connected_clients") if new else 0,
             "new_state": new.get("state") if new else None,
             "user_connected": num(user, "connected_clients"),
             "user_passwords": num(user, "passwords"),
             "connected_clients": num(clients, "connected_clients"),
             "total_connections_received": num(stats, "total_connections_received")}
        self.samples.append(s)
        return s

    def progress(self, s, phase):
        now = time.monotonic()
        if now < self._next_progress:
            return
        self._next_progress = now + 1.0
        self.log(f"  {time.strftime('%H:%M:%S')} +{s['t'] - self.t0:6.2f}s  [{phase}] "
                 f"old credential: {s['old_connected']} client(s) ({s['old_state'] or 'no row'}), "
                 f"new: {s['new_connected']} ({s['new_state'] or 'no row'}); "
                 f"connected_clients={s['connected_clients']} "
                 f"total_connections_received={s['total_connections_received']}")

    def watch(self, seconds, phase, until=None, period=SAMPLE_S):
        """Samples INFO every `period` for `seconds`, failing early if a process dies. With
        until(sample): returns the first sample for which it holds (or None at the end)."""
        deadline = time.monotonic() + seconds
        while True:
            self.check_alive()
            s = self.sample()
            self.progress(s, phase)
            if until is not None and until(s):
                return s
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            time.sleep(min(period, left))

    def start_generation(self, name, password_file):
        labels = []
        max_s = self.prefill_s + 6 * self.phase_s + MIN_ZERO_WAIT_S + 120
        auth = ["--user", USER, "--password-file", str(password_file), "--reauth-check-ms",
                str(self.reauth_check_ms)]
        extra = ["--max-seconds", f"{max_s:g}"] + (["--rate", f"{self.rate:g}"] if self.rate
                                                     else [])
        for i in range(1, self.n_testers + 1):
            label = f"{name}-{i}" if self.variant == "restart" else f"t{i}"
            self.add_tester(label, self.prefill_s, f"rotation:{label}:", auth, extra)
            labels.append(label)
        self.generations[name] = labels
        self.log(f"  {time.strftime('%H:%M:%S')} started {len(labels)} {dt.TOOL} "
                 f"({', '.join(labels)}) as {USER} with --password-file; prefill "
                 f"{self.prefill_s:g}s")
        return labels

    # --- the run

    def run(self):
        self.prepare("the rotation reads INFO auth, which redis-server does not have")
        self.start_server()
        self.admin = Admin(self.server.port)
        self.log(f"redoubt-server pid {self.server.pid} port {self.server.port}; variant "
                 f"{self.variant}; {self.n_testers} testers; phases of {self.phase_s:g}s")
        self.acl_setuser("create user (old password)", ">" + self.old_pw)
        self.old_id = self.learn_id("create user (old password)", ())
        self.log(f"  old password: credential_{USER}_{self.old_id}")
        # The rest of the user, separately, so that the first call is the password alone.
        self.admin.call("ACL", "SETUSER", USER, "on", "~*", "+@all")

        self.sample()  # before any tester: the baseline of the connection counts
        first_file = self.work / "password-first"
        write_secret(first_file, self.old_pw)
        self.stage = "prefill"
        self.start_generation("first", first_file)
        self.watch(self.prefill_s + dt.PREFILL_SLACK_S, "prefill")

        self.stage = "phase 1 (old only)"
        self.observed["run_started"] = time.time()
        self.watch(self.phase_s, "old")
        self.observed["end_old"] = self.sample()

        self.stage = "phase 2 (old and new)"
        self.acl_setuser("add new password", ">" + self.new_pw)
        self.new_id = self.learn_id("add new password", (self.old_id,))
        self.log(f"  new password: credential_{USER}_{self.new_id}")
        self.watch(self.phase_s, "both")
        self.observed["end_both"] = self.sample()

        self.stage = "phase 3 (clients move)"
        zero_wait = max(MIN_ZERO_WAIT_S, 2 * self.phase_s)
        if self.variant == "reauth":
            move = self.event("write new password to the testers' file",
                              lambda: write_secret(first_file, self.new_pw))
            released = self.watch(zero_wait, "move", period=MOVE_SAMPLE_S,
                                 until=lambda s: s["old_connected"] == 0)
            signal_from = move
        else:
            second_file = self.work / "password-second"
            move = self.event("start testers with the new password",
                              lambda: write_secret(second_file, self.new_pw))
            self.start_generation("second", second_file)
            self.watch(self.prefill_s + dt.PREFILL_SLACK_S, "move")
            def stop_first():
                for label in self.generations["first"]:
                    self.testers[label].request_stop()
            signal_from = self.event("stop the first testers (stop files)", stop_first)
            released = self.watch(zero_wait, "move", period=MOVE_SAMPLE_S,
                                 until=lambda s: s["old_connected"] == 0)
            for label in self.generations["first"]:
                self.testers[label].wait_stopped()
        if released is not None:
            self.observed["old_released"] = released
            self.observed["seconds_until_old_released"] = released["t"] - signal_from["t_sent"]
            self.log(f"  {time.strftime('%H:%M:%S')} +{released['t'] - self.t0:6.2f}s  INFO auth: "
                     f"credential_{USER}_{self.old_id} connected_clients=0, "
                     f"{released['t'] - signal_from['t_sent']:.3f}s after "
                     f"'{signal_from['what']}'")
        self.check(f"INFO auth: the old credential's connected_clients reached 0 within "
                   f"{zero_wait:g}s of '{signal_from['what']}'", released is not None,
                   "" if released else f"last sample {self.samples[-1]}")
        # The phase lasts at least phase_s after the clients were told to move (restart: after
        # the new testers' prefill, when the old ones were stopped), however fast they moved.
        self.watch(max(0.0, signal_from["t_sent"] + self.phase_s - time.time()), "move")
        self.observed["end_move"] = self.sample()

        self.stage = "phase 4-5 (old removed)"
        self.acl_setuser("remove old password", "<" + self.old_pw)
        self.observed["after_remove"] = self.sample()
        self.watch(self.phase_s, "removed")
        self.observed["end_removed"] = self.sample()
        self.observed["window_end"] = time.time()

        self.stage = "fresh AUTH checks"
        self.observed["auth_old_after"] = self._fresh_auth(self.old_pw)
        self.observed["auth_new_after"] = self._fresh_auth(self.new_pw)

        self.stage = "stopping the testers"
        return self.stop_testers()

    def _fresh_auth(self, password):
        try:
            return command(self.server.port, "AUTH", USER, password, timeout=5.0)
        except RespError as e:
            return f"-{e}"

    def close(self):
        if self.admin is not None:
            self.admin.close()


# ----- entry points -----------------------------------------------------------------------------

def run_rotation(variant="reauth", phase_s=5.0, prefill_s=2.0, testers=4, server_binary=None,
                 tools_dir=None, json_path=None, plot_path=None, log=print,
                 connect_timeout_ms=dt.DEFAULT_CONNECT_TIMEOUT_MS,
                 op_timeout_ms=dt.DEFAULT_OP_TIMEOUT_MS, reauth_check_ms=DEFAULT_REAUTH_CHECK_MS,
                 rate=0):
    """Runs one variant; returns the result dict ("passed", "failures", "checks", "phases",
    "testers_by_phase", "events", "samples", "observed", "reports", ...). Writes json_path /
    plot_path when given.

    Raises RotationError when it cannot run (the result then does not exist)."""
    rotation = Rotation(variant, phase_s, prefill_s, testers, server_binary, tools_dir, log,
                        (connect_timeout_ms, op_timeout_ms), reauth_check_ms, rate)
    reports, sanitizer = dt.run_scenario(rotation)
    checks, tester_rows, phase_rows, total_failed = analyse(
        variant, testers, rotation.events, rotation.samples, rotation.observed, reports,
        rotation.generations)
    rotation.checks += checks
    failures = rotation.failures(sanitizer)
    result = {
        "generated_by": "bench/acl_rotation.py",
        "variant": variant,
        "passed": not failures,
        "failures": failures,
        "total_failed_operations": total_failed,
        "seconds_until_old_released": rotation.observed.get("seconds_until_old_released"),
        "checks": rotation.checks,
        "phases": phase_rows,
        "testers_by_phase": tester_rows,
        "events": rotation.events,
        "samples": rotation.samples,
        "observed": rotation.observed,
        "credentials": {"old": rotation.old_id, "new": rotation.new_id},
        "params": {"variant": variant, "phase_seconds": phase_s, "prefill_seconds": prefill_s,
                   "testers": testers, "connect_timeout_ms": connect_timeout_ms,
                   "op_timeout_ms": op_timeout_ms, "reauth_check_ms": reauth_check_ms,
                   "rate": rate},
        **rotation.processes(),
        "generations": rotation.generations,
        "t0": rotation.t0, "t_end": rotation.t_end,
        "reports": reports,
    }
    if failures:
        result["server_log_tail"] = rotation.server_log
    if plot_path:
        result["plot"] = str(plot_path) if plot(result, plot_path) else None
    if json_path:
        dt.write_json(json_path, result)
    return result


def print_result(result, out=sys.stdout):
    print(f"\nvariant {result['variant']}:", file=out)
    print(format_table(result["phases"]), file=out)
    print("", file=out)
    dt.print_checks(result["checks"], out)
    released = result.get("seconds_until_old_released")
    print(f"\n{'PASSED' if result['passed'] else 'FAILED'}: ACL password rotation "
          f"({result['variant']}), {result['total_failed_operations']} failed operations; old "
          "credential released "
          + (f"{released:.3f}s after the move began" if released is not None else "never"),
          file=out)


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Password rotation of an ACL user (add new, move clients, remove old) "
                    "under redoubt-downtime load; checks that no client fails and that INFO auth "
                    "shows when the old password is no longer held.")
    p.add_argument("--variant", choices=VARIANTS + ("both",), default="both",
                   help="reauth: the testers re-AUTH in-band when their password file changes; "
                        "restart: new testers with the new password replace the old ones; "
                        "both (default)")
    p.add_argument("--phase-seconds", type=float, default=None,
                   help="length of each phase (default 5, --quick 1)")
    p.add_argument("--prefill-seconds", type=float, default=None,
                   help="--prefill-seconds of each redoubt-downtime (default 2, --quick 0.5)")
    p.add_argument("--quick", action="store_true", help="1 s phases, 0.5 s prefill")
    p.add_argument("--testers", type=int, default=4,
                   help="redoubt-downtime processes, one connection each (default %(default)s)")
    p.add_argument("--rate", type=float, default=0,
                   help="--rate of each tester, ops/s (default 0: as fast as it goes)")
    dt.add_process_arguments(p, "next to the server, build/bin, build-tools/bin")
    p.add_argument("--reauth-check-ms", type=int, default=DEFAULT_REAUTH_CHECK_MS,
                   help="testers' --reauth-check-ms (default %(default)s)")
    p.add_argument("--out", default=str(DEFAULT_OUT),
                   help="where to write the JSON result (default %(default)s)")
    p.add_argument("--plot", default=None, metavar="PNG",
                   help="chart (gnuplot); default: beside --out, as <out>.png, or "
                        "<out>-<variant>.png for both variants")
    p.add_argument("--no-plot", action="store_true", help="no chart")
    args = p.parse_args(argv)
    if args.phase_seconds is None:
        args.phase_seconds = 1.0 if args.quick else 5.0
    if args.prefill_seconds is None:
        args.prefill_seconds = 0.5 if args.quick else 2.0
    if args.phase_seconds < 1 or args.prefill_seconds < 0 or args.testers < 1:
        p.error("--phase-seconds must be >= 1, --prefill-seconds >= 0, --testers >= 1")
    return args


def chart_path(args, variant, n_variants):
    """--plot, else beside --out; with more than one variant, each with its name appended."""
    if args.no_plot:
        return None
    if args.plot:
        png = Path(args.plot)
        return png.with_name(f"{png.stem}-{variant}{png.suffix}") if n_variants > 1 else png
    out = Path(args.out)
    png = out.with_suffix("") if out.suffix == ".json" else out
    return png.with_name(png.name + (f"-{variant}" if n_variants > 1 else "") + ".png")


def main(argv):
    args = parse_args(argv)
    variants = VARIANTS if args.variant == "both" else (args.variant,)

    def body():
        results = {}
        for variant in variants:
            print(f"\n== variant {variant} ==")
            results[variant] = run_rotation(
                variant, args.phase_seconds, args.prefill_seconds, args.testers, args.server,
                args.tools_dir, plot_path=chart_path(args, variant, len(variants)),
                connect_timeout_ms=args.connect_timeout_ms,
                op_timeout_ms=args.op_timeout_ms, reauth_check_ms=args.reauth_check_ms,
                rate=args.rate)
        for result in results.values():
            print_result(result)
        passed = all(r["passed"] for r in results.values())
        dt.write_json(args.out, {"generated_by": "bench/acl_rotation.py", "passed": passed,
                                 "runs": results})
        plots = [r["plot"] for r in results.values() if r.get("plot")]
        print(f"\nwrote {args.out}" + (f" and {', '.join(plots)}" if plots else ""))
        return 0 if passed else 1
    return dt.script_main(body)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
