# What the client-side downtime scenarios (bench/tls_migration.py, bench/acl_rotation.py) share:
# one redoubt-server and the redoubt-downtime processes ("testers") that keep working against it
# while the scenario changes the server; stopping the testers through their stop files; reading
# their JSON reports; splitting their per-second rows into the scenario's phases; and showing the
# result (a text table, the PASS/FAIL lines, a gnuplot chart with the scenario's steps marked).
#
# Read first:
#   - A tester prefills its own keys for --prefill-seconds, then reads them until its
#     --until-file exists, and writes its report (totals, per-second rows, failures) on exit.
#     "Failed operations" = failed + connection_errors + timeout_errors, as the tester counts.
#   - DowntimeScenario is the frame a scenario runs in: it starts the server and the testers,
#     tracks them and stops them by PID (testers: stop file, then SIGTERM, then SIGKILL), and
#     removes its working directory. run_scenario() always cleans up, and turns a failing control
#     connection into the scenario's error, with the server's log.
#   - The tool is found as the tests find it (tests/support/tools.py); REDOUBT_SERVER and
#     REDOUBT_SERVER_KIND as tests/support/servers.py reads them.
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_util import RespError, interrupt_on_signals, run_gnuplot

REPO_ROOT = Path(__file__).resolve().parent.parent
# Imported under the names tests/conftest.py uses, so that inside pytest there is one `servers`
# module (one registry of live servers).
if str(REPO_ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(REPO_ROOT / "tests"))
from support import servers  # noqa: E402
from support.tools import find_redoubt_tool, redoubt_tool_candidates  # noqa: E402

TOOL = "redoubt-downtime"
DEFAULT_CONNECT_TIMEOUT_MS = 100  # redoubt-downtime's own defaults
DEFAULT_OP_TIMEOUT_MS = 250
PREFILL_SLACK_S = 0.5        # after a tester's --prefill-seconds, before the phase clock starts
STOP_WAIT_S = 15.0           # a tester must exit this soon after its stop file appears


class ScenarioError(RuntimeError):
    """The scenario could not be run (tool missing, server or tester died, ...)."""


def failures_of(row):
    """Failed operations of a tester's report row (per-second or totals)."""
    return row.get("failed", 0) + row.get("connection_errors", 0) + row.get("timeout_errors", 0)


# ----- one tester -------------------------------------------------------------------------------

class Tester:
    """One redoubt-downtime process against host:port, stopped through its --until-file.
    auth_args come right after the address, extra_args last. error: the exception type to raise (the scenario's)."""

    def __init__(self, tool, label, port, workdir, prefill_s, timeouts_ms, key_prefix,
                 auth_args=(), extra_args=(), error=ScenarioError, host="127.0.0.1"):
        self.label = label
        self.error = error
        self.stop_file = workdir / f"stop-{label}"
        self.report_path = workdir / f"report-{label}.json"
        self.log_path = workdir / f"downtime-{label}.log"
        self.cmd = [str(tool), "--host", host, "--port", str(port), *auth_args,
                    "--prefill-seconds", f"{prefill_s:g}", "--key-prefix", key_prefix,
                    "--until-file", str(self.stop_file), "--report", str(self.report_path),
                    "--label", label, "--connect-timeout-ms", str(timeouts_ms[0]),
                    "--op-timeout-ms", str(timeouts_ms[1]), *extra_args]
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
            raise self.error(f"{TOOL} ({self.label}) exited early with code "
                             f"{self.proc.returncode}\n  command: {' '.join(self.cmd)}\n"
                             f"  stderr:\n{self.log_tail()}")

    def request_stop(self):
        self.stopping = True
        self.stop_file.touch()

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

    def stop(self):
        self.request_stop()
        return self.wait_stopped()

    def report(self):
        try:
            return json.loads(self.report_path.read_text())
        except (OSError, ValueError) as e:
            raise self.error(f"{TOOL} ({self.label}) left no readable report at "
                             f"{self.report_path} ({e}); exit code {self.returncode}\n"
                             f"  stderr:\n{self.log_tail()}") from e


# ----- the frame of a scenario ------------------------------------------------------------------

class DowntimeScenario:
    """One redoubt-server and the testers run against it. A subclass writes run() (its steps,
    returning the testers' reports) with the helpers below, and may extend close() for its own
    connections. Thread: used by one thread."""

    error = ScenarioError   # what a subclass raises when it cannot run
    work_prefix = "redoubt-downtime-"

    def __init__(self, server_binary, tools_dir, log, timeouts_ms, needs_option=None,
                 extra_tool_dirs=()):
        self.server_binary = server_binary or servers.redoubt_binary()
        self.needs_option = needs_option
        self.extra_tool_dirs = extra_tool_dirs
        self.tool = find_redoubt_tool(TOOL, tools_dir, self.server_binary, extra_tool_dirs,
                                      needs_option)
        self.log = log
        self.timeouts_ms = timeouts_ms
        self.work = None
        self.server = None
        self.testers = {}      # label -> Tester
        self.events = []       # the scenario's steps, with their unix times
        self.observed = {}     # snapshots and derived facts
        self.checks = []       # {"name", "ok", "detail"}
        self.t0 = self.t_end = None
        self.server_log = ""
        self.stage = "setup"   # for error messages: where it was when something broke

    def check(self, name, ok, detail=""):
        self.checks.append({"name": name, "ok": bool(ok), "detail": detail})

    def prepare(self, needs):
        """Checks the server kind and the tool, then makes the working directory. needs: why
        the scenario needs redoubt-server (what redis-server lacks)."""
        if servers.redoubt_kind() != "redoubt":
            raise self.error(f"REDOUBT_SERVER_KIND is not 'redoubt': {needs}")
        if self.tool is None:
            looked = ", ".join(str(p) for p in redoubt_tool_candidates(
                TOOL, None, self.server_binary, self.extra_tool_dirs))
            raise self.error((f"no {TOOL} with {self.needs_option} found" if self.needs_option
                              else f"{TOOL} not found") + f"; looked at: {looked}")
        self.work = Path(tempfile.mkdtemp(prefix=self.work_prefix))

    def start_server(self, args=(), how=""):
        """Starts redoubt-server with args and sets t0; how: for the error message."""
        self.server = servers.Server(binary=self.server_binary, kind="redoubt",
                                     name="redoubt-server", args=list(args))
        try:
            self.server.start()
        except servers.ServerStartError as e:
            raise self.error(f"redoubt-server did not start{how}: {e}") from e
        self.t0 = time.time()

    def add_tester(self, label, prefill_s, key_prefix, auth_args=(), extra_args=()):
        tester = Tester(self.tool, label, self.server.port, self.work, prefill_s,
                        self.timeouts_ms, key_prefix, auth_args, extra_args, self.error)
        self.testers[label] = tester.start()
        return tester

    def check_alive(self):
        """Raises the scenario's error if the server or a tester not told to stop has died."""
        if not self.server.alive():
            raise self.error(f"redoubt-server died (exit {self.server.returncode()})"
                             f"\n{self.server.log_text(3000)}")
        for tester in self.testers.values():
            tester.check_alive()

    def stop_testers(self):
        """Stops every tester still running, all stop files at once (they end in the same
        second); sets t_end and returns {label: report} of every tester."""
        running = [t for t in self.testers.values() if t.returncode is None]
        for tester in running:
            tester.request_stop()
        for tester in running:
            tester.wait_stopped()
        self.t_end = time.time()
        return {label: t.report() for label, t in self.testers.items()}

    def close(self):
        """Closes the subclass's own connections before the server stops (never raises)."""

    def cleanup(self):
        """Stops everything started here; returns a sanitizer report or '' (never raises)."""
        problem = ""
        for tester in self.testers.values():
            if tester.alive():
                tester.stop()
        self.close()
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

    def failures(self, sanitizer):
        """The failed checks as lines, after recording the sanitizer's verdict as a check."""
        if sanitizer:
            self.check("redoubt-server stopped without a sanitizer report", False, sanitizer)
        return [f"{c['name']}: {c['detail']}" for c in self.checks if not c["ok"]]

    def processes(self):
        """The result's record of what ran: server, tool, testers and their exit codes."""
        return {"server": {"binary": self.server_binary, "command": self.server.cmd},
                "tool": str(self.tool),
                "testers": {label: {"command": t.cmd, "exit_code": t.returncode}
                            for label, t in self.testers.items()}}


def run_scenario(scenario):
    """scenario.run(), then always scenario.cleanup(); returns (reports, sanitizer report or '').

    A control connection failing (INFO, CONFIG SET, ACL SETUSER, a handshake) is the server
    misbehaving mid-scenario: it is raised as the scenario's error, with the server's log."""
    try:
        reports = scenario.run()
    except (OSError, RespError, ConnectionError) as e:
        log_tail = scenario.server.log_text(3000) if scenario.server else ""
        raise scenario.error(f"{scenario.stage}: {type(e).__name__}: {e}\n"
                             f"server log:\n{log_tail}") from e
    finally:
        sanitizer = scenario.cleanup()
    return reports, sanitizer


# ----- per-phase totals -------------------------------------------------------------------------

def phase_at(t, first_phase, starts):
    """The phase in force at unix time t: the last of starts ({phase: unix time it began}, in
    the order the phases ran) that began before t, else first_phase."""
    current = first_phase
    for phase, start in starts.items():
        if t > start:
            current = phase
    return current


def split_phases(rows, phase_of, counted, seconds_of=lambda row: 1):
    """{phase: totals} of a tester's per-second rows: phase_of(row) names the row's phase,
    counted are the row fields summed; "seconds" adds seconds_of(row), "failed_ops" the row's
    failed operations."""
    out = {}
    for row in rows:
        acc = out.setdefault(phase_of(row), {"seconds": 0, "failed_ops": 0,
                                             **{k: 0 for k in counted}})
        acc["seconds"] += seconds_of(row)
        acc["failed_ops"] += failures_of(row)
        for key in counted:
            acc[key] += row.get(key, 0)
    return out


# ----- showing a result -------------------------------------------------------------------------

def text_table(header, rows, left_columns=1):
    """Aligned plain-text table: the first left_columns columns flush left, the rest right."""
    lines = [tuple(header)] + [tuple(row) for row in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) if i < left_columns else c.rjust(w)
                               for i, (c, w) in enumerate(zip(line, widths)))
                     for line in lines)


def print_checks(checks, out=sys.stdout):
    for c in checks:
        print(f"  {'PASS' if c['ok'] else 'FAIL'}  {c['name']}"
              + ("" if c["ok"] else f"  ({c['detail']})"), file=out)


def write_json(path, data):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=1) + "\n")


def step_marks(steps, t0):
    """gnuplot commands marking each (unix time, label) of steps with a dashed line."""
    marks = []
    for i, (t, label) in enumerate(steps):
        x = t - t0
        marks.append(f"set arrow from {x:.3f}, graph 0 to {x:.3f}, graph 1 nohead dt 2 "
                     f"lc rgb 'gray30'")
        # Alternate heights: with short phases neighbouring labels would overlap.
        marks.append(f"set label '{label}' at {x + 0.1:.3f}, graph {0.96 - 0.05 * (i % 2)} "
                     "left font ',9'")
    return marks


def draw_chart(png_path, title, ylabel, y2label, blocks, series, marks=(), y2_top=None,
               xlabel="seconds since the server started"):
    """A time chart of a scenario with gnuplot; False if it could not be drawn.

    blocks: lines of data ("x y1 y2 ..."), one block per gnuplot `index`; series: the plot
    clauses after the file name ("index 0 using 1:2 with ... title '...'"), all of them on that
    file; marks: extra gnuplot commands (step_marks); y2_top: the right axis' top, else auto."""
    Path(png_path).parent.mkdir(parents=True, exist_ok=True)
    fd, dat_name = tempfile.mkstemp(prefix="redoubt-downtime-chart-", suffix=".dat")
    os.close(fd)
    dat = Path(dat_name)
    # gnuplot's `index` addresses blocks split by two blank lines.
    dat.write_text("\n\n\n".join("\n".join(b) or "0 0 0" for b in blocks) + "\n")
    plots = ", ".join((f"'{dat}' " if i == 0 else "'' ") + s for i, s in enumerate(series))
    script = f"""
set terminal pngcairo size 1100,480 font 'sans,10'
set output '{png_path}'
set title '{title}'
set xlabel '{xlabel}'
set ylabel '{ylabel}'
set y2label '{y2label}'
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:{'*' if y2_top is None else f'{y2_top:g}'}]
set grid ytics
set key outside bottom center horizontal
{chr(10).join(marks)}
plot {plots}
"""
    return run_gnuplot(script, dat)


def add_process_arguments(parser, tools_dirs):
    """The command-line options a scenario script has for its processes: --server,
    --tools-dir (tools_dirs: where it looks by default, after REDOUBT_TOOLS_DIR) and the
    testers' timeouts."""
    parser.add_argument("--server", default=None,
                        help="redoubt-server binary (default: env REDOUBT_SERVER, else "
                             "build/bin/redoubt-server)")
    parser.add_argument("--tools-dir", default=None,
                        help=f"directory of {TOOL} (default: env REDOUBT_TOOLS_DIR, "
                             f"{tools_dirs})")
    parser.add_argument("--connect-timeout-ms", type=int, default=DEFAULT_CONNECT_TIMEOUT_MS,
                        help="testers' connect timeout (default %(default)s, the tool's)")
    parser.add_argument("--op-timeout-ms", type=int, default=DEFAULT_OP_TIMEOUT_MS,
                        help="testers' per-operation timeout (default %(default)s, the tool's)")


def script_main(body):
    """Runs body(), a scenario script's main, with SIGTERM raising KeyboardInterrupt like Ctrl-C
    (run_scenario's finally then stops every process). Returns body()'s exit status, 2 when the
    scenario could not run, 130 when interrupted."""
    interrupt_on_signals(signal.SIGTERM)
    try:
        return body()
    except ScenarioError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: server and testers stopped", file=sys.stderr)
        return 130
