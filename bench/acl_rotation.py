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
#     taken; for the failure, error, re-auth and reconnect counts a row belongs to the phase in
#     force at its end (a failure is never split or lost). In the per-phase table, "seconds" is
#     the phase's wall-clock length and "ok ops" spreads each row over the seconds it covers, so
#     ok/s is the throughput of all testers together in that phase. Prefill rows (of both
#     generations in variant restart) form their own line.
#   - INFO auth/clients/stats are sampled every 0.1 s (0.05 s in phase 3) over ONE persistent
#     admin connection, so sampling adds no connections: in variant reauth connected_clients and
#     total_connections_received must not move from step 2 to the end of step 5 (no connection
#     closed or opened by the rotation). The final AUTH checks use fresh connections, after
#     that window.
#   - Passwords are random per run and never printed or written; they are named by
#     sha256(password)[:8], as INFO auth names them.
#   - Every process is started here, tracked and stopped by PID (testers: stop file, then
#     SIGTERM, then SIGKILL); the working directory (password files, reports, logs) is removed.
#
# Environment (as tests/support/servers.py): REDOUBT_SERVER, REDOUBT_SERVER_KIND (must be
# "redoubt": INFO auth is Redoubt's); REDOUBT_TOOLS_DIR for redoubt-downtime (else next to the
# server binary, build/bin, build-tools/bin; the first one that has --reauth-check-ms).
import argparse
import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
# Imported under the names tests/conftest.py uses, so that inside pytest there is one
# `servers` module (one registry of live servers). No __pycache__ from this import; the flag
# is restored because pytest imports this file as a module.
_WRITE_BYTECODE = sys.dont_write_bytecode
sys.dont_write_bytecode = True
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))
if str(REPO_ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "tests"))
from bench_util import RespError, command, parse_info, run_gnuplot  # noqa: E402
from support import servers  # noqa: E402
from support.resp_client import RespClient, unwrap  # noqa: E402
from support.resp_client import RespError as _UnwrappedError  # noqa: E402
sys.dont_write_bytecode = _WRITE_BYTECODE

USER = "app"
PHASES = ("old", "both", "move", "removed")
PHASE_TITLES = {"prefill": "prefill", "old": "1 old only", "both": "2 old + new",
                "move": "3 clients move", "removed": "4-5 old removed"}
VARIANTS = ("reauth", "restart")
DEFAULT_OUT = BENCH_DIR / "acl_rotation.json"
TOOL = "redoubt-downtime"
NEEDED_OPTION = "--reauth-check-ms"   # a redoubt-downtime that can re-AUTH in-band
DEFAULT_CONNECT_TIMEOUT_MS = 100      # redoubt-downtime's own defaults
DEFAULT_OP_TIMEOUT_MS = 250
DEFAULT_REAUTH_CHECK_MS = 200
PREFILL_SLACK_S = 0.5        # after the testers' --prefill-seconds, before the phase clock starts
SAMPLE_S = 0.1               # INFO sampling period
MOVE_SAMPLE_S = 0.05         # ... while waiting for the old credential to be released
MIN_ZERO_WAIT_S = 10.0       # give up waiting for connected_clients=0 after max(this, 2 phases)
STOP_WAIT_S = 15.0           # a tester must exit this soon after its stop file appears


class RotationError(RuntimeError):
    """The scenario could not be run (tool missing, server or tester died, ...)."""


def credential_id(password):
    """How INFO auth names a password: the first 8 hex digits of its SHA-256."""
    return hashlib.sha256(password.encode()).hexdigest()[:8]


def fields(text):
    """'a=1,b=x' -> {'a': '1', 'b': 'x'}; numbers stay strings."""
    return dict(item.partition("=")[::2] for item in (text or "").split(",") if item)


# ----- locating things --------------------------------------------------------------------------

def tool_candidates(tools_dir=None, server_binary=None):
    """Where redoubt-downtime is looked for, in order (as tests/integration/test_auth_clients.py
    looks)."""
    dirs = []
    env = tools_dir or os.environ.get("REDOUBT_TOOLS_DIR")
    if env:
        dirs.append(Path(env))
    dirs += [Path(server_binary or servers.redoubt_binary()).absolute().parent,
             REPO_ROOT / "build" / "bin", REPO_ROOT / "build-tools" / "bin"]
    unique = []
    for d in dirs:
        if d.resolve() not in [u.resolve() for u in unique]:
            unique.append(d)
    return [d / TOOL for d in unique]


def tool_supports_reauth(path):
    try:
        out = subprocess.run([str(path), "--help"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return NEEDED_OPTION in out.stdout


def find_downtime_tool(tools_dir=None, server_binary=None):
    """The first candidate that is executable and has --reauth-check-ms, else None."""
    for path in tool_candidates(tools_dir, server_binary):
        if path.is_file() and os.access(path, os.X_OK) and tool_supports_reauth(path):
            return path
    return None


# ----- the testers ------------------------------------------------------------------------------

def write_secret(path, secret):
    """As a secret store does: write a new file and rename it over the old one."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(secret + "\n")
    os.chmod(tmp, 0o600)
    tmp.replace(path)


class Tester:
    """One redoubt-downtime process authenticated as USER, stopped through its --until-file."""

    def __init__(self, tool, label, port, workdir, password_file, prefill_s, timeouts_ms,
                 reauth_check_ms, rate, key_prefix, max_seconds):
        self.label = label
        self.stop_file = workdir / f"stop-{label}"
        self.report_path = workdir / f"report-{label}.json"
        self.log_path = workdir / f"downtime-{label}.log"
        self.cmd = [str(tool), "--host", "127.0.0.1", "--port", str(port), "--user", USER,
                    "--password-file", str(password_file), "--reauth-check-ms",
                    str(reauth_check_ms), "--prefill-seconds", f"{prefill_s:g}",
                    "--key-prefix", key_prefix, "--until-file", str(self.stop_file),
                    "--report", str(self.report_path), "--label", label,
                    "--connect-timeout-ms", str(timeouts_ms[0]),
                    "--op-timeout-ms", str(timeouts_ms[1]), "--max-seconds", f"{max_seconds:g}"]
        if rate:
            self.cmd += ["--rate", f"{rate:g}"]
        self.proc = None
        self.returncode = None
        self.stopping = False   # its stop file exists: exiting is no longer "early"

    def start(self):
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=log,
                                         start_new_session=True)
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, limit=1500):
        try:
            return self.log_path.read_text(errors="replace")[-limit:]
        except OSError:
            return ""

    def check_alive(self):
        if self.proc is not None and not self.stopping and not self.alive():
            raise RotationError(f"{TOOL} ({self.label}) exited early with code "
                                f"{self.proc.returncode}\n  command: {' '.join(self.cmd)}\n"
                                f"  stderr:\n{self.log_tail()}")

    def wait_stopped(self):
        """After the stop file: waits, then SIGTERM, then SIGKILL; returns the exit code."""
        if self.proc is None:
            return None
        try:
            self.returncode = self.proc.wait(timeout=STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            for sig, grace in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 3.0)):
                try:
                    os.kill(self.proc.pid, sig)
                    self.returncode = self.proc.wait(timeout=grace)
                    break
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue
        return self.returncode

    def request_stop(self):
        self.stopping = True
        self.stop_file.touch()

    def stop(self):
        self.request_stop()
        return self.wait_stopped()

    def report(self):
        try:
            return json.loads(self.report_path.read_text())
        except (OSError, ValueError) as e:
            raise RotationError(f"{TOOL} ({self.label}) left no readable report at "
                                f"{self.report_path} ({e}); exit code {self.returncode}\n"
                                f"  stderr:\n{self.log_tail()}") from e


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

class Rotation:
    def __init__(self, variant, phase_s, prefill_s, testers, server_binary, tools_dir, log,
                 timeouts_ms, reauth_check_ms, rate):
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}")
        self.variant = variant
        self.phase_s = phase_s
        self.prefill_s = prefill_s
        self.n_testers = testers
        self.timeouts_ms = timeouts_ms
        self.reauth_check_ms = reauth_check_ms
        self.rate = rate
        self.server_binary = server_binary or servers.redoubt_binary()
        self.tool = find_downtime_tool(tools_dir, self.server_binary)
        self.log = log
        self.old_pw = "old-" + secrets.token_hex(12)
        self.new_pw = "new-" + secrets.token_hex(12)
        self.old_id, self.new_id = credential_id(self.old_pw), credential_id(self.new_pw)
        self.work = None
        self.server = None
        self.admin = None
        self.testers = {}        # label -> Tester, every generation
        self.generations = {}    # "first"/"second" -> [labels]
        self.events = []         # each step, with its unix times
        self.samples = []        # INFO auth/clients/stats over time
        self.observed = {}       # snapshots and derived facts
        self.checks = []         # {"name", "ok", "detail"}
        self.t0 = self.t_end = None
        self.server_log = ""
        self.stage = "setup"
        self._next_progress = 0.0

    # --- control

    def check(self, name, ok, detail=""):
        self.checks.append({"name": name, "ok": bool(ok), "detail": detail})

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

    def sample(self):
        t = time.time()
        auth = self.admin.info("auth")
        clients = self.admin.info("clients")
        stats = self.admin.info("stats")
        old = fields(auth.get(f"credential_{USER}_{self.old_id}"))
        new = fields(auth.get(f"credential_{USER}_{self.new_id}"))
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

    def check_alive(self):
        if not self.server.alive():
            raise RotationError(f"redoubt-server died (exit {self.server.returncode()})"
                                f"\n{self.server.log_text(3000)}")
        for tester in self.testers.values():
            tester.check_alive()

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

    def wait(self, seconds, phase, until=None, period=SAMPLE_S):
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
        for i in range(1, self.n_testers + 1):
            label = f"{name}-{i}" if self.variant == "restart" else f"t{i}"
            tester = Tester(self.tool, label, self.server.port, self.work, password_file,
                            self.prefill_s, self.timeouts_ms, self.reauth_check_ms, self.rate,
                            f"rotation:{label}:", max_s)
            self.testers[label] = tester.start()
            labels.append(label)
        self.generations[name] = labels
        self.log(f"  {time.strftime('%H:%M:%S')} started {len(labels)} {TOOL} "
                 f"({', '.join(labels)}) as {USER} with --password-file; prefill "
                 f"{self.prefill_s:g}s")
        return labels

    # --- the run

    def run(self):
        if servers.redoubt_kind() != "redoubt":
            raise RotationError("REDOUBT_SERVER_KIND is not 'redoubt': the rotation reads "
                                "INFO auth, which redis-server does not have")
        if self.tool is None:
            raise RotationError(f"no {TOOL} with {NEEDED_OPTION} found; looked at: " + ", ".join(
                str(p) for p in tool_candidates(None, self.server_binary)))
        self.work = Path(tempfile.mkdtemp(prefix="redoubt-acl-rotation-"))
        self.server = servers.Server(binary=self.server_binary, kind="redoubt",
                                     name="redoubt-server")
        try:
            self.server.start()
        except servers.ServerStartError as e:
            raise RotationError(f"redoubt-server did not start: {e}") from e
        self.t0 = time.time()
        self.admin = Admin(self.server.port)
        self.log(f"redoubt-server pid {self.server.pid} port {self.server.port}; variant "
                 f"{self.variant}; {self.n_testers} testers; phases of {self.phase_s:g}s; "
                 f"old password {self.old_id}, new {self.new_id} (sha256 prefixes)")
        self.acl_setuser("create user (old password)", ">" + self.old_pw)
        # The rest of the user, separately, so that the first call is the password alone.
        self.admin.call("ACL", "SETUSER", USER, "on", "~*", "+@all")

        self.sample()  # before any tester: the baseline of the connection counts
        first_file = self.work / "password-first"
        write_secret(first_file, self.old_pw)
        self.stage = "prefill"
        self.start_generation("first", first_file)
        self.wait(self.prefill_s + PREFILL_SLACK_S, "prefill")

        self.stage = "phase 1 (old only)"
        self.observed["run_started"] = time.time()
        self.wait(self.phase_s, "old")
        self.observed["end_old"] = self.sample()

        self.stage = "phase 2 (old and new)"
        self.acl_setuser("add new password", ">" + self.new_pw)
        self.wait(self.phase_s, "both")
        self.observed["end_both"] = self.sample()

        self.stage = "phase 3 (clients move)"
        zero_wait = max(MIN_ZERO_WAIT_S, 2 * self.phase_s)
        if self.variant == "reauth":
            move = self.event("write new password to the testers' file",
                              lambda: write_secret(first_file, self.new_pw))
            released = self.wait(zero_wait, "move", period=MOVE_SAMPLE_S,
                                 until=lambda s: s["old_connected"] == 0)
            signal_from = move
        else:
            second_file = self.work / "password-second"
            move = self.event("start testers with the new password",
                              lambda: write_secret(second_file, self.new_pw))
            self.start_generation("second", second_file)
            self.wait(self.prefill_s + PREFILL_SLACK_S, "move")
            def stop_first():
                for label in self.generations["first"]:
                    self.testers[label].request_stop()
            signal_from = self.event("stop the first testers (stop files)", stop_first)
            released = self.wait(zero_wait, "move", period=MOVE_SAMPLE_S,
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
        self.wait(max(0.0, signal_from["t_sent"] + self.phase_s - time.time()), "move")
        self.observed["end_move"] = self.sample()

        self.stage = "phase 4-5 (old removed)"
        self.acl_setuser("remove old password", "<" + self.old_pw)
        self.observed["after_remove"] = self.sample()
        self.wait(self.phase_s, "removed")
        self.observed["end_removed"] = self.sample()
        self.observed["window_end"] = time.time()

        self.stage = "fresh AUTH checks"
        self.observed["auth_old_after"] = self._fresh_auth(self.old_pw)
        self.observed["auth_new_after"] = self._fresh_auth(self.new_pw)

        self.stage = "stopping the testers"
        running = [t for t in self.testers.values() if t.returncode is None]
        for tester in running:
            tester.request_stop()  # all at once: they end in the same second
        for tester in running:
            tester.wait_stopped()
        self.t_end = time.time()
        return {label: t.report() for label, t in self.testers.items()}

    def _fresh_auth(self, password):
        try:
            return command(self.server.port, "AUTH", USER, password, timeout=5.0)
        except RespError as e:
            return f"-{e}"

    def cleanup(self):
        """Stops everything started here; returns a sanitizer report or '' (never raises)."""
        problem = ""
        for tester in self.testers.values():
            if tester.alive():
                tester.stop()
        if self.admin is not None:
            self.admin.close()
        if self.server is not None:
            try:
                self.server.stop()
            except AssertionError as e:  # servers.Server.stop: sanitizer findings
                problem = str(e)
            self.server_log = self.server.log_text(4000)
            self.server.remove_log()
        if self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)
        return problem


# ----- analysis ---------------------------------------------------------------------------------

COUNTED = ("ok", "failed", "connection_errors", "timeout_errors", "data_errors", "reconnects",
           "reauths", "reauth_failures", "downtime_ms")


def failures_of(row):
    return row.get("failed", 0) + row.get("connection_errors", 0) + row.get("timeout_errors", 0)


def switch_times(events):
    by_what = {e["what"]: e for e in events}
    move = by_what.get("write new password to the testers' file") or by_what[
        "start testers with the new password"]
    return {"both": by_what["add new password"]["t_sent"], "move": move["t_sent"],
            "removed": by_what["remove old password"]["t_sent"]}


def phase_at(t, switches):
    """The phase in force at unix time t."""
    for phase in ("removed", "move", "both"):
        if t > switches[phase]:
            return phase
    return "old"


def split_phases(report, switches):
    """{phase: totals} of a tester's per-second rows, each row in the phase at its end;
    prefill rows under "prefill"."""
    out = {}
    for row in report.get("per_second", []):
        span = row.get("duration_s") or 1.0
        phase = "prefill" if row.get("phase") == "prefill" else phase_at(row["t"] + span,
                                                                          switches)
        acc = out.setdefault(phase, {"seconds": 0.0, "failed_ops": 0,
                                     **{k: 0 for k in COUNTED}})
        acc["seconds"] += span
        acc["failed_ops"] += failures_of(row)
        for key in COUNTED:
            acc[key] += row.get(key, 0)
    return out


def server_view(samples, switches, run_started, t_end):
    """Per phase, from the INFO samples taken in it: the credential counts at its end, the range
    of connected_clients and the connections opened during it."""
    bounds = {"prefill": (float("-inf"), run_started), "old": (run_started, switches["both"]),
              "both": (switches["both"], switches["move"]),
              "move": (switches["move"], switches["removed"]),
              "removed": (switches["removed"], t_end)}
    out = {}
    for phase, (lo, hi) in bounds.items():
        inside = [s for s in samples if lo <= s["t"] < hi]
        if not inside:
            continue
        last = inside[-1]
        # Counted from the last sample before the phase, so that a connection opened between
        # that sample and the step is not lost.
        before = [s for s in samples if s["t"] < lo][-1:]
        received = [s["total_connections_received"] for s in before + inside
                    if s["total_connections_received"] is not None]
        clients = [s["connected_clients"] for s in inside if s["connected_clients"] is not None]
        out[phase] = {"old_connected": last["old_connected"], "old_state": last["old_state"],
                      "new_connected": last["new_connected"], "new_state": last["new_state"],
                      "passwords": last["user_passwords"],
                      "connected_clients_min": min(clients) if clients else None,
                      "connected_clients_max": max(clients) if clients else None,
                      "connections_opened": (received[-1] - received[0]) if received else None,
                      "samples": len(inside)}
    return out


def analyse(variant, n_testers, events, samples, observed, reports, generations):
    """The pass/fail checks on the testers' reports and the INFO samples, and the tables.

    Returns (checks, tester_rows, phase_rows, total_failed_operations)."""
    checks = []

    def check(name, ok, detail=""):
        checks.append({"name": name, "ok": bool(ok), "detail": detail})

    switches = switch_times(events)
    per_tester = {label: split_phases(rep, switches) for label, rep in reports.items()}
    expected_phases = {}
    for label in reports:
        if variant == "restart":
            expected_phases[label] = (("old", "both", "move") if label in generations["first"]
                                      else ("move", "removed"))
        else:
            expected_phases[label] = PHASES

    total_failed = 0
    for label, rep in reports.items():
        rows = rep.get("per_second", [])
        failed = sum(failures_of(r) for r in rows)
        total_failed += failed
        t = rep.get("totals", {})
        check(f"{label}: 0 failed operations", failed == 0,
              f"{failed} failed; totals {t}; first failures {rep.get('failures', [])[:3]}")
        errors = sum(r.get("data_errors", 0) for r in rows)
        check(f"{label}: 0 data errors", errors == 0, f"{errors}")
        missing = [p for p in expected_phases[label]
                   if per_tester[label].get(p, {}).get("ok", 0) == 0]
        check(f"{label}: operations succeed in phases {', '.join(expected_phases[label])}",
              not missing, f"none in {missing}")
        if variant == "reauth":
            check(f"{label}: re-authenticated in-band (reauths >= 1, none failed)",
                  t.get("reauths", 0) >= 1 and t.get("reauth_failures", 0) == 0,
                  f"reauths {t.get('reauths')}, failed {t.get('reauth_failures')}")
            check(f"{label}: never reconnected", t.get("reconnects", 0) == 0,
                  f"reconnects {t.get('reconnects')}")

    end_both = observed.get("end_both", {})
    holders = n_testers
    check(f"INFO auth with both passwords: the old credential holds all {holders} testers, the "
          "new none", end_both.get("old_connected") == holders
          and end_both.get("new_connected", 0) == 0,
          f"old {end_both.get('old_connected')}, new {end_both.get('new_connected')}")
    check(f"INFO auth with both passwords: user_{USER} passwords=2",
          end_both.get("user_passwords") == 2, f"{end_both.get('user_passwords')}")
    released = observed.get("old_released")
    removed_at = switches["removed"]
    check("the old password was removed only after its connected_clients was 0",
          released is not None and released["t"] < removed_at,
          f"released at {released and released['t']}, removed at {removed_at}")
    end_move = observed.get("end_move", {})
    check(f"INFO auth after the move: the new credential holds all {holders} testers",
          end_move.get("new_connected") == holders and end_move.get("old_connected") == 0,
          f"old {end_move.get('old_connected')}, new {end_move.get('new_connected')}")
    for key, when in (("after_remove", "right after removal"),
                      ("end_removed", "at the end")):
        s = observed.get(key, {})
        gone = s.get("old_state") is None or (s.get("old_state") == "removed"
                                             and s.get("old_connected") == 0)
        check(f"INFO auth {when}: the old credential's row is gone (or removed with 0 clients)",
              gone, f"state {s.get('old_state')}, connected {s.get('old_connected')}")
    s = observed.get("end_removed", {})
    check(f"INFO auth at the end: user_{USER} passwords=1 and the new credential holds all "
          f"{holders} testers", s.get("user_passwords") == 1 and s.get("new_connected") == holders,
          f"passwords {s.get('user_passwords')}, new {s.get('new_connected')}")
    old_reply = str(observed.get("auth_old_after"))
    check(f"a fresh AUTH {USER} <old> is refused with WRONGPASS",
          old_reply.startswith("-WRONGPASS"), old_reply)
    new_reply = str(observed.get("auth_new_after"))
    check(f"a fresh AUTH {USER} <new> is accepted", new_reply == "OK", new_reply)

    if variant == "reauth":
        window = [x for x in samples
                  if switches["both"] <= x["t"] <= observed.get("window_end", float("inf"))]
        clients = sorted({x["connected_clients"] for x in window})
        received = sorted({x["total_connections_received"] for x in window})
        check("no connection closed or opened from adding the new password to the end "
              "(connected_clients and total_connections_received constant)",
              len(window) > 0 and len(clients) == 1 and len(received) == 1,
              f"{len(window)} samples; connected_clients {clients}; "
              f"total_connections_received {received}")

    tester_rows = []
    for label, phases in per_tester.items():
        for phase in ("prefill",) + PHASES:
            if phase in phases:
                tester_rows.append({"tester": label, "phase": phase, **phases[phase]})
    view = server_view(samples, switches, observed.get("run_started", float("-inf")),
                       observed.get("window_end", float("inf")))
    bounds = phase_bounds(switches, reports)
    ok_in = ok_by_overlap(reports, bounds)
    phase_rows = []
    for phase in ("prefill",) + PHASES:
        acc = {"seconds": 0.0, "failed_ops": 0, **{k: 0 for k in COUNTED}}
        seen = False
        for phases in per_tester.values():
            if phase in phases:
                seen = True
                acc["failed_ops"] += phases[phase]["failed_ops"]
                for key in COUNTED:
                    acc[key] += phases[phase][key]
                acc["seconds"] = max(acc["seconds"], phases[phase]["seconds"])
        if phase in bounds:
            # Wall-clock length of the phase, and the ok operations of all testers in it with
            # each row spread over the seconds it covers (row-end attribution, as the failure
            # counts use, would move a whole second across a boundary).
            lo, hi = bounds[phase]
            acc["seconds"] = max(0.0, hi - lo)
            acc["ok"] = round(ok_in[phase])
        if seen or phase in view:
            phase_rows.append({"phase": phase, **acc, **view.get(phase, {})})
    return checks, tester_rows, phase_rows, total_failed


def phase_bounds(switches, reports):
    """{phase: (start, end)} in unix time: from the first tester's run start to the last
    tester's end, cut at the steps."""
    run_rows = [r for rep in reports.values() for r in rep.get("per_second", [])
                if r.get("phase") != "prefill"]
    if not run_rows:
        return {}
    start = min(min(r["t"] for r in run_rows), switches["both"])
    end = max(max(r["t"] + (r.get("duration_s") or 1.0) for r in run_rows), switches["removed"])
    return {"old": (start, switches["both"]), "both": (switches["both"], switches["move"]),
            "move": (switches["move"], switches["removed"]), "removed": (switches["removed"], end)}


def ok_by_overlap(reports, bounds):
    """{phase: ok operations} with each run row's ok spread uniformly over its span."""
    out = {phase: 0.0 for phase in bounds}
    for rep in reports.values():
        for r in rep.get("per_second", []):
            if r.get("phase") == "prefill":
                continue
            span = r.get("duration_s") or 1.0
            for phase, (lo, hi) in bounds.items():
                overlap = min(hi, r["t"] + span) - max(lo, r["t"])
                if overlap > 0:
                    out[phase] += r.get("ok", 0) * overlap / span
    return out


def _cell(v, fmt="{}"):
    return "-" if v is None else fmt.format(v)


def format_table(phase_rows):
    header = ("phase", "seconds", "ok ops", "ok/s", "failed", "conn err", "timeouts", "data err",
              "re-auths", "re-auth fail", "reconnects", "old conn", "new conn", "old state",
              "clients", "new conns")
    lines = [header]
    for r in phase_rows:
        rate = r["ok"] / r["seconds"] if r["seconds"] else 0
        clients = ("-" if r.get("connected_clients_min") is None else
                   str(r["connected_clients_min"]) if r["connected_clients_min"] ==
                   r["connected_clients_max"] else
                   f"{r['connected_clients_min']}-{r['connected_clients_max']}")
        lines.append((PHASE_TITLES[r["phase"]], f"{r['seconds']:.1f}", f"{r['ok']:,}",
                      f"{rate:,.0f}", str(r["failed_ops"]), str(r["connection_errors"]),
                      str(r["timeout_errors"]), str(r["data_errors"]), str(r["reauths"]),
                      str(r["reauth_failures"]), str(r["reconnects"]),
                      _cell(r.get("old_connected")), _cell(r.get("new_connected")),
                      (r.get("old_state") or "no row") if "old_connected" in r else "-",
                      clients, _cell(r.get("connections_opened"))))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(line, widths)))
                     for line in lines)


# ----- plot -------------------------------------------------------------------------------------

def _per_second_totals(reports, t0, key):
    """Sum over testers of `key` per second since t0, as a rate: rows are spread uniformly over
    their span, and a second only partly covered by rows (the start, the end) is divided by the
    part covered, so that it does not read as a drop. Seconds covered less than 0.2 s are left
    out."""
    bins, covered = {}, {}
    for rep in reports.values():
        for r in rep.get("per_second", []):
            span = r.get("duration_s") or 1.0
            start, end = r["t"] - t0, r["t"] - t0 + span
            k = int(start // 1)
            while k < end:
                overlap = min(end, k + 1) - max(start, k)
                if overlap > 0:
                    bins[k] = bins.get(k, 0.0) + r.get(key, 0) * overlap / span
                    covered[k] = max(covered.get(k, 0.0), overlap)
                k += 1
    return {k: v / covered[k] for k, v in bins.items() if covered[k] >= 0.2}


def plot(result, png_path):
    """Total ok ops/s and failed ops/s of all testers, and the clients holding the old and the
    new credential (INFO auth), over time, each step marked. False on failure."""
    t0 = result["t0"]
    reports = result["reports"]
    ok = _per_second_totals(reports, t0, "ok")
    failed = {}
    for key in ("failed", "connection_errors", "timeout_errors"):
        for k, v in _per_second_totals(reports, t0, key).items():
            failed[k] = failed.get(k, 0.0) + v
    fd, dat_name = tempfile.mkstemp(prefix="redoubt-acl-rotation-", suffix=".dat")
    os.close(fd)
    dat = Path(dat_name)
    seconds = sorted(ok)
    ops_block = "\n".join(f"{k + 0.5:.3f} {ok[k]:.1f} {failed.get(k, 0.0):.1f}"
                          for k in seconds) or "0 0 0"
    cred_block = "\n".join(
        f"{s['t'] - t0:.3f} {s['old_connected'] or 0} {s['new_connected'] or 0}"
        for s in result["samples"]) or "0 0 0"
    dat.write_text(ops_block + "\n\n\n" + cred_block + "\n")
    short = {"add new password": "+new", "write new password to the testers' file": "file=new",
             "start testers with the new password": "new testers",
             "stop the first testers (stop files)": "stop old testers",
             "remove old password": "-old"}
    marks = []
    shown = [e for e in result["events"] if e["what"] in short]
    for i, e in enumerate(shown):
        x = e["t_sent"] - t0
        marks.append(f"set arrow from {x:.3f}, graph 0 to {x:.3f}, graph 1 nohead dt 2 "
                     f"lc rgb 'gray30'")
        marks.append(f"set label '{short[e['what']]}' at {x + 0.1:.3f}, graph "
                     f"{0.96 - 0.05 * (i % 2)} left font ',9'")
    zero = result["observed"].get("old_released")
    if zero:
        x = zero["t"] - t0
        marks.append(f"set arrow from {x:.3f}, graph 0 to {x:.3f}, graph 0.85 nohead dt 3 "
                     f"lc rgb 'dark-orange'")
        marks.append(f"set label 'old: 0 clients' at {x + 0.1:.3f}, graph 0.84 left font ',9' "
                     "tc rgb 'dark-orange'")
    status = "passed" if result["passed"] else "FAILED"
    title = (f"ACL password rotation ({result['variant']}): {status}, "
             f"{result['total_failed_operations']} failed operations")
    # Clients and failures share the right axis: failures must show even beside 50k ok/s.
    y2_top = max([result["params"]["testers"] + 1] + [v * 1.1 for v in failed.values()])
    ok_ops = "with linespoints pt 7 ps 0.5 lc rgb 'steelblue' title 'ok ops/s'"
    failed_ops = "axes x1y2 with impulses lw 4 lc rgb 'red' title 'failed ops/s (right axis)'"
    steps = "axes x1y2 with steps lw 2"
    script = f"""
set terminal pngcairo size 1100,480 font 'sans,10'
set output '{png_path}'
set title '{title}'
set xlabel 'seconds since the server started'
set ylabel 'operations/s (all testers)'
set y2label 'clients per credential (INFO auth); failed ops/s'
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:{y2_top:g}]
set grid ytics
set key outside bottom center horizontal
{chr(10).join(marks)}
plot '{dat}' index 0 using 1:2 {ok_ops}, '' index 0 using 1:3 {failed_ops}, \\
     '' index 1 using 1:2 {steps} lc rgb 'dark-orange' title 'old password: clients', \\
     '' index 1 using 1:3 {steps} lc rgb 'forest-green' title 'new password: clients'
"""
    return run_gnuplot(script, dat)


# ----- entry points -----------------------------------------------------------------------------

def run_rotation(variant="reauth", phase_s=5.0, prefill_s=2.0, testers=4, server_binary=None,
                 tools_dir=None, json_path=None, plot_path=None, log=print,
                 connect_timeout_ms=DEFAULT_CONNECT_TIMEOUT_MS,
                 op_timeout_ms=DEFAULT_OP_TIMEOUT_MS, reauth_check_ms=DEFAULT_REAUTH_CHECK_MS,
                 rate=0):
    """Runs one variant; returns the result dict ("passed", "failures", "checks", "phases",
    "testers_by_phase", "events", "samples", "observed", "reports", ...). Writes json_path /
    plot_path when given.

    Raises RotationError when it cannot run (the result then does not exist)."""
    rotation = Rotation(variant, phase_s, prefill_s, testers, server_binary, tools_dir, log,
                        (connect_timeout_ms, op_timeout_ms), reauth_check_ms, rate)
    reports, sanitizer = None, ""
    try:
        reports = rotation.run()
    except (OSError, RespError, ConnectionError) as e:
        log_tail = rotation.server.log_text(3000) if rotation.server else ""
        raise RotationError(f"{rotation.stage}: {type(e).__name__}: {e}\n"
                            f"server log:\n{log_tail}") from e
    finally:
        sanitizer = rotation.cleanup()
    checks, tester_rows, phase_rows, total_failed = analyse(
        variant, testers, rotation.events, rotation.samples, rotation.observed, reports,
        rotation.generations)
    rotation.checks += checks
    if sanitizer:
        rotation.check("redoubt-server stopped without a sanitizer report", False, sanitizer)
    failures = [f"{c['name']}: {c['detail']}" for c in rotation.checks if not c["ok"]]
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
        "server": {"binary": rotation.server_binary, "command": rotation.server.cmd},
        "tool": str(rotation.tool),
        "testers": {label: {"command": t.cmd, "exit_code": t.returncode}
                    for label, t in rotation.testers.items()},
        "generations": rotation.generations,
        "t0": rotation.t0, "t_end": rotation.t_end,
        "reports": reports,
    }
    if failures:
        result["server_log_tail"] = rotation.server_log
    if plot_path:
        Path(plot_path).parent.mkdir(parents=True, exist_ok=True)
        result["plot"] = str(plot_path) if plot(result, plot_path) else None
    if json_path:
        Path(json_path).parent.mkdir(parents=True, exist_ok=True)
        Path(json_path).write_text(json.dumps(result, indent=1) + "\n")
    return result


def print_result(result, out=sys.stdout):
    print(f"\nvariant {result['variant']}:", file=out)
    print(format_table(result["phases"]), file=out)
    print("", file=out)
    for c in result["checks"]:
        print(f"  {'PASS' if c['ok'] else 'FAIL'}  {c['name']}"
              + ("" if c["ok"] else f"  ({c['detail']})"), file=out)
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
    p.add_argument("--server", default=None,
                   help="redoubt-server binary (default: env REDOUBT_SERVER, else "
                        "build/bin/redoubt-server)")
    p.add_argument("--tools-dir", default=None,
                   help=f"directory of {TOOL} (default: env REDOUBT_TOOLS_DIR, next to the "
                        "server, build/bin, build-tools/bin)")
    p.add_argument("--connect-timeout-ms", type=int, default=DEFAULT_CONNECT_TIMEOUT_MS,
                   help="testers' connect timeout (default %(default)s, the tool's)")
    p.add_argument("--op-timeout-ms", type=int, default=DEFAULT_OP_TIMEOUT_MS,
                   help="testers' per-operation timeout (default %(default)s, the tool's)")
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


def main(argv):
    args = parse_args(argv)

    def on_signal(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")
    # The finally blocks of run_rotation stop every process on Ctrl-C and SIGTERM too.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, on_signal)
    variants = VARIANTS if args.variant == "both" else (args.variant,)
    out = Path(args.out)
    results = {}
    try:
        for variant in variants:
            if args.no_plot:
                png = None
            elif args.plot:
                png = Path(args.plot)
                if len(variants) > 1:
                    png = png.with_name(f"{png.stem}-{variant}{png.suffix}")
            else:
                png = out.with_suffix("") if out.suffix == ".json" else out
                png = png.with_name(png.name + (f"-{variant}" if len(variants) > 1 else "")
                                    + ".png")
            print(f"\n== variant {variant} ==")
            results[variant] = run_rotation(
                variant, args.phase_seconds, args.prefill_seconds, args.testers, args.server,
                args.tools_dir, plot_path=png, connect_timeout_ms=args.connect_timeout_ms,
                op_timeout_ms=args.op_timeout_ms, reauth_check_ms=args.reauth_check_ms,
                rate=args.rate)
    except RotationError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: server and testers stopped", file=sys.stderr)
        return 130
    for result in results.values():
        print_result(result)
    passed = all(r["passed"] for r in results.values())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"generated_by": "bench/acl_rotation.py", "passed": passed,
                               "runs": results}, indent=1) + "\n")
    plots = [r["plot"] for r in results.values() if r.get("plot")]
    print(f"\nwrote {out}" + (f" and {', '.join(plots)}" if plots else ""))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
