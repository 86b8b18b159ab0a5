# The client-side downtime phases of run_bench.py: the online TLS migration
# (bench/tls_migration.py, variants plain and rotation) and the ACL password rotation
# (bench/acl_rotation.py, variants reauth and restart). Each runs its script's variants one after
# the other against Redoubt alone (no Redis, no taskset) and keeps the results for results.json;
# report.py (report_downtime.py) lays them out. The scripts judge their runs: this file only
# runs them, records what could not run, and keeps the charts until the run is written.
#
# Read first:
#   - A variant that cannot run (tool missing, server died) becomes a warning and an entry with
#     its error, and the next one still runs; a variant that fails its checks is a result, with a
#     warning. Neither changes run_bench's exit status.
#   - The charts are drawn into the Bench's temporary directory and copied beside RESULTS.md
#     only when the whole run is written (publish_plots), so an interrupted run changes no file.
#   - The scripts' processes are theirs: stopped by PID on exit, Ctrl-C and SIGTERM, but not
#     covered by PR_SET_PDEATHSIG if run_bench.py is killed with SIGKILL.
#   - Durations are fixed by each scenario's design (phases, prefills), not by any rate.
import shutil
import sys
import time
from pathlib import Path

import acl_rotation
import downtime_testers as dt
import tls_migration
from support.tools import find_redoubt_tool

FAILURES_KEPT = 10  # per tester: the rest of its failure list is only counted


def slim_result(result):
    """A scenario result for results.json. A tester's report lists every failed operation
    (thousands once the migration shuts plaintext out): keep the first FAILURES_KEPT and a count
    per distinct message. Per-second rows stay: the charts are drawn from them."""
    out = dict(result)
    reports = {}
    for label, rep in (result.get("reports") or {}).items():
        rep = dict(rep)
        failures = rep.get("failures") or []
        counts = {}
        for f in failures:
            key = (f.get("kind"), f.get("phase"), f.get("message"))
            counts[key] = counts.get(key, 0) + 1
        rep["failure_counts"] = [{"kind": k, "phase": p, "message": m, "count": n}
                                 for (k, p, m), n in sorted(counts.items(),
                                                            key=lambda kv: -kv[1])]
        if len(failures) > FAILURES_KEPT:
            rep["failures"] = failures[:FAILURES_KEPT]
            rep["failures_not_kept"] = len(failures) - FAILURES_KEPT
        reports[label] = rep
    out["reports"] = reports
    return out


class DowntimePhase:
    """One downtime script's variants as a run_bench phase. A subclass describes them with the
    class attributes below and implements run_variant, format_table and info_extra.

    bench: the Bench (args, redoubt_bin, redoubt_kind, time_left, warn, tmp); out_of_time: the
    exception that stops a run at --time-limit."""

    title = ""           # in messages
    VARIANTS = ()        # (id, chart file, title), in run order
    SIZES = {}           # "full" and "quick": (phase s, prefill s)
    SHAPE = {}           # variant id: (phases, tester prefills), what its duration is made of
    # Server start, certificates, stopping the testers, gnuplot: measured ~1 s on the 2-core
    # guest.
    OVERHEAD_S = 2.0
    SKIP_FLAGS = ()      # run_bench options (argparse names) that skip the phase
    ONLY = None          # the --only choice that includes the phase (any other skips it)
    NEEDS = ""           # what of redoubt-server's the phase needs (redis-server lacks)
    error = dt.ScenarioError

    def __init__(self, bench, out_of_time):
        self.bench = bench
        self.out_of_time = out_of_time
        self.skipped = self.skip_reason(bench.args, bench.redoubt_kind)
        self.phase_s, self.prefill_s = self.SIZES["quick" if bench.args.quick else "full"]
        self.runs = []    # one entry per variant run (or that could not run)
        self.plots = {}   # chart file name -> where the script drew it (in bench.tmp)

    def skip_reason(self, args, redoubt_kind):
        """Why the phase does not run, or None."""
        for flag in self.SKIP_FLAGS:
            if getattr(args, flag):
                return "--" + flag.replace("_", "-")
        if args.only and args.only != self.ONLY:
            return f"--only {args.only}"
        if redoubt_kind != "redoubt":
            return f"the server under test is a redis-server, which has no {self.NEEDS}"
        return None

    def run_s(self, variant):
        """Expected wall time of a variant, fixed by its design, not by any rate: its phases,
        its testers' prefills (each followed by the tool's slack) and the overhead."""
        phases, prefills = self.SHAPE[variant]
        return (phases * self.phase_s + prefills * (self.prefill_s + dt.PREFILL_SLACK_S)
                + self.OVERHEAD_S)

    @property
    def planned(self):
        return self.skipped is None

    def estimate_s(self):
        """Seconds the variants not yet run will take; 0 when skipped."""
        if self.skipped:
            return 0.0
        done = {r["variant"] for r in self.runs}
        return sum(self.run_s(v) for v, _, _ in self.VARIANTS if v not in done)

    def describe_plan(self):
        if self.skipped:
            return f"{self.title}: skipped ({self.skipped})"
        tool = find_redoubt_tool(dt.TOOL, self.bench.args.tools_dir, self.bench.redoubt_bin,
                                 *self.tool_requirements())
        times = [self.run_s(v) for v, _, _ in self.VARIANTS]
        each = (f"~{times[0]:.0f}s each" if len(set(times)) == 1
                else " and ".join(f"~{t:.0f}s" for t in times))
        return (f"{self.title}: {len(self.VARIANTS)} variants "
                f"({', '.join(v[0] for v in self.VARIANTS)}), {self.phase_s:g}s phases, "
                f"{each}; {dt.TOOL}: {tool or 'not found'}")

    def run(self):
        """Every variant in turn; raises out_of_time when the next would pass --time-limit."""
        b = self.bench
        for variant, chart, title in self.VARIANTS:
            if b.time_left() < self.run_s(variant):
                raise self.out_of_time(f"skipped the {self.title} from variant {variant} on: "
                                       "--time-limit reached")
            print(f"\n== {self.title} ({variant}): {title}; {self.phase_s:g}s phases after "
                  f"{self.prefill_s:g}s prefill; Redoubt only, unpinned", flush=True)
            entry = {"variant": variant, "title": title}
            t0 = time.monotonic()
            try:
                result = self.run_variant(variant, b.tmp / chart,
                                          lambda line: print(f"   {line}", flush=True))
            except self.error as e:
                entry.update(error=str(e)[-3000:], wall_s=round(time.monotonic() - t0, 1))
                self.runs.append(entry)
                print(str(e), file=sys.stderr, flush=True)
                b.warn(f"{self.title} ({variant}) could not run: {str(e).splitlines()[0]}")
                continue
            entry.update(slim_result(result), wall_s=round(time.monotonic() - t0, 1))
            entry["plot"] = chart if result.get("plot") else None
            if entry["plot"]:
                self.plots[chart] = b.tmp / chart
            self.runs.append(entry)
            print("\n".join("   " + line
                            for line in self.format_table(result["phases"]).splitlines()))
            print(f"   {'PASSED' if result['passed'] else 'FAILED'} in {entry['wall_s']:.0f}s",
                  flush=True)
            for failure in result["failures"]:
                print(f"   FAIL {failure}", flush=True)
            if not result["passed"]:
                b.warn(f"{self.title} ({variant}) FAILED {len(result['failures'])} check(s); "
                       "see its section")

    def info(self):
        """The phase's block of results.json."""
        return {"skipped": self.skipped,
                "planned": [] if self.skipped else [v[0] for v in self.VARIANTS],
                "phase_seconds": self.phase_s, "prefill_seconds": self.prefill_s,
                "pinned": False, **self.info_extra(), "runs": self.runs}

    def publish_plots(self, out_dir):
        for name, path in self.plots.items():
            shutil.copyfile(path, Path(out_dir) / name)

    def tool_requirements(self):
        """(extra_dirs, needs_option) for finding the tool, as the script finds it."""
        return (), None


class MigrationPhase(DowntimePhase):
    """bench/tls_migration.py, plain and with a certificate rotation, with the --tls-key-type
    certificates and the tool's own timeouts."""

    title = "online TLS migration"
    VARIANTS = (
        ("plain", "migration.png", "tls-mode none → preferred → required"),
        ("rotation", "migration-rotation.png",
         "tls-mode none → preferred → required, certificate rotated in preferred"),
    )
    SIZES = {"full": (10.0, 5.0), "quick": (4.0, 1.5)}
    # Three phases; the plaintext tester's prefill, and the TLS tester's (it starts in
    # preferred).
    SHAPE = {"plain": (3, 2), "rotation": (3, 2)}
    SKIP_FLAGS = ("no_tls", "no_migration")
    ONLY = "tls"
    NEEDS = "tls-mode"
    error = tls_migration.MigrationError

    def run_variant(self, variant, plot_path, log):
        return tls_migration.run_migration(
            phase_s=self.phase_s, prefill_s=self.prefill_s, rotate_cert=variant == "rotation",
            server_binary=str(self.bench.redoubt_bin), tools_dir=self.bench.args.tools_dir,
            key_type=self.bench.args.tls_key_type, plot_path=plot_path, log=log)

    @staticmethod
    def format_table(phases):
        return tls_migration.format_table(phases)

    def info_extra(self):
        return {"key_type": self.bench.args.tls_key_type}


class RotationPhase(DowntimePhase):
    """bench/acl_rotation.py, both variants, with the script's defaults: 4 testers, its phase
    length, the tool's own timeouts, --reauth-check-ms 200."""

    title = "ACL password rotation"
    VARIANTS = (
        ("reauth", "rotation-reauth.png",
         "clients re-AUTH in-band when their password file changes"),
        ("restart", "rotation-restart.png",
         "new clients with the new password replace the old ones"),
    )
    SIZES = {"full": (5.0, 2.0), "quick": (1.0, 0.5)}  # acl_rotation.py's default and --quick
    # Four phases; the testers' prefill, and in restart the second generation's in phase 3.
    SHAPE = {"reauth": (4, 1), "restart": (4, 2)}
    SKIP_FLAGS = ("no_acl", "no_rotation")
    ONLY = "acl"
    NEEDS = "INFO auth"
    TESTERS = 4
    error = acl_rotation.RotationError

    def run_variant(self, variant, plot_path, log):
        return acl_rotation.run_rotation(
            variant, phase_s=self.phase_s, prefill_s=self.prefill_s, testers=self.TESTERS,
            server_binary=str(self.bench.redoubt_bin), tools_dir=self.bench.args.tools_dir,
            plot_path=plot_path, log=log)

    @staticmethod
    def format_table(phases):
        return acl_rotation.format_table(phases)

    def info_extra(self):
        return {"testers": self.TESTERS}

    def tool_requirements(self):
        return acl_rotation.EXTRA_TOOL_DIRS, acl_rotation.NEEDED_OPTION
