#!/usr/bin/python3
# The seeds' migration through the control plane, measured (issue 16's benchmark): a
# cluster-mode replication group of 3 shards × 2 replicas created with TLS off, moved online
# to preferred then required by ModifyReplicationGroup while clients read.
#
#  - Load: redoubt-downtime --cluster on the configuration endpoint (the seeds' tester: random
#    GETs over prefilled keys, following MOVED), at a fixed rate (--rate, ops/s), so that a dip
#    is what the migration costs the clients, not the CPU share of a tester that takes all it
#    can. The plaintext tester runs from the start; a TLS tester (CA from aws-env's
#    SSL_CERT_FILE) joins once the group is in preferred.
#  - Steps: ModifyReplicationGroup to preferred, then to required, each polled with Describe
#    every 0.25 s until `available`, with --baseline seconds of steady load before each.
#  - Measured per rep: the time each step stays `modifying` beyond the dwell (--modify-dwell),
#    the failed operations (TLS tester: all; plaintext tester: before required was asked for),
#    and the throughput dip of each step: 1 - (ok ops/s while modifying) / (ok ops/s in the
#    baseline before it), for the tester that is connected throughout the step (plaintext for
#    preferred, TLS for required), and the same for the step's slowest whole second (a stall
#    the fixed-rate tester made up for later shows there). Targets: 0 failed operations, dip
#    < 5%.
#  - The last rep is drawn (gnuplot): ok and failed ops/s of both testers over time, the steps
#    marked.
#
# Control plane, nodes (9 redoubt-server) and testers share the two cores unpinned. Writes
# bench/control_migration.json and the chart, and regenerates bench/RESULTS.md.
#
#   bench/control_migration.py [--reps 3] [--rate 2000] [--baseline 8]
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import downtime_testers as dt  # noqa: E402
from bench_util import save_and_report  # noqa: E402
from support.control_plane import ControlPlane  # noqa: E402
from support.tools import find_redoubt_tool  # noqa: E402

NODE_BLOCK = "127.0.25.0/24"
GROUP = "seeds"
DWELL_MS = 5000
PREFILL_S = 3.0
TIMEOUTS_MS = (1000, 1000)  # a tester's connect and per-command timeouts
DIP_TARGET = 0.05


def log(message):
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def wait_status(client, want, timeout=300):
    """Polls Describe every 0.25 s until the group's status is want; returns the time it was
    first seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        group = client.describe_replication_groups(ReplicationGroupId=GROUP)["ReplicationGroups"][0]
        if group["Status"] == want:
            return time.time()
        time.sleep(0.25)
    raise RuntimeError(f"{GROUP} was not {want} within {timeout} s")


def rate_between(report, start, end):
    """ok ops/s of a tester's per-second rows that lie within [start, end] (unix times)."""
    ops = seconds = 0.0
    for row in report.get("per_second", []):
        span = row.get("duration_s") or 1.0
        if row["t"] >= start and row["t"] + span <= end and row.get("phase") != "prefill":
            ops += row.get("ok", 0)
            seconds += span
    return ops / seconds if seconds else 0.0


def failures_before(report, t):
    """A tester's failed operations before unix time t: the per-second rows that end by t,
    and, in the row that straddles t, the failures the report lists with their times."""
    count = 0
    for row in report.get("per_second", []):
        span = row.get("duration_s") or 1.0
        if row["t"] + span <= t:
            count += dt.failures_of(row)
        elif row["t"] < t:
            count += sum(1 for f in report.get("failures", []) if row["t"] <= f["t"] < t)
    return count


def one_rep(plane, client, tool, work, rate, baseline_s, rep):
    """One migration; returns its measurements and what the chart needs."""
    client.create_replication_group(ReplicationGroupId=GROUP, ReplicationGroupDescription="seeds",
                                    NumNodeGroups=3, ReplicasPerNodeGroup=2)
    t0 = time.time()
    common = ["--cluster", "--rate", str(rate)]
    testers = {}

    def start_tester(label, extra):
        # The endpoint as Describe gives it now: from preferred on, its TLS-era name, which the
        # nodes' certificates carry.
        endpoint = client.describe_replication_groups(ReplicationGroupId=GROUP)[
            "ReplicationGroups"][0]["ConfigurationEndpoint"]
        tester = dt.Tester(tool, label, endpoint["Port"], work, PREFILL_S, TIMEOUTS_MS,
                           f"seeds:{label}:{rep}:", extra_args=common + extra,
                           host=endpoint["Address"])
        testers[label] = tester.start()
        return tester

    steps = []  # (unix time, label)
    try:
        start_tester("plain", [])
        time.sleep(PREFILL_S + dt.PREFILL_SLACK_S + baseline_s)
        results = {}
        for mode in ("preferred", "required"):
            for tester in testers.values():
                tester.check_alive()
            sent = time.time()
            steps.append((sent, f"{mode} asked"))
            client.modify_replication_group(ReplicationGroupId=GROUP,
                                            TransitEncryptionEnabled=True,
                                            TransitEncryptionMode=mode, ApplyImmediately=True)
            done = wait_status(client, "available")
            steps.append((done, f"{mode} done"))
            results[mode] = {"sent": sent, "available": done,
                             "beyond_dwell_s": done - sent - DWELL_MS / 1000}
            log(f"rep {rep + 1}: {mode} took {done - sent:.1f} s")
            if mode == "preferred":
                start_tester("tls", ["--tls", "--cacert", plane.env["SSL_CERT_FILE"]])
                time.sleep(PREFILL_S + dt.PREFILL_SLACK_S + baseline_s)
            else:
                time.sleep(baseline_s)
    finally:
        for tester in testers.values():
            tester.request_stop()
        for tester in testers.values():
            tester.wait_stopped()
    reports = {label: t.report() for label, t in testers.items()}
    client.delete_replication_group(ReplicationGroupId=GROUP)
    wait_gone(client)

    plain, tls = reports["plain"], reports["tls"]
    pref, req = results["preferred"], results["required"]
    measured = {
        "preferred_beyond_dwell_s": pref["beyond_dwell_s"],
        "required_beyond_dwell_s": req["beyond_dwell_s"],
        "tls_failed_ops": dt.failures_of(tls["totals"]),
        "plain_failed_ops_before_required": failures_before(plain, req["sent"]),
        "plain_ok_ops": plain["totals"].get("ok", 0),
        "tls_ok_ops": tls["totals"].get("ok", 0),
        "preferred_dip": dip(plain, pref["sent"], pref["available"], baseline_s),
        "required_dip": dip(tls, req["sent"], req["available"], baseline_s),
        "preferred_worst_second_dip": worst_second_dip(plain, pref["sent"], pref["available"],
                                                       baseline_s),
        "required_worst_second_dip": worst_second_dip(tls, req["sent"], req["available"],
                                                      baseline_s),
        # What the first failures were, with their time since the step that preceded them.
        "first_failures": [
            {"tester": label, "kind": f["kind"], "message": f["message"][:200],
             "after": next((f"{f['t'] - t:.2f} s after {what}" for t, what in reversed(steps)
                            if t <= f["t"]), "before the first step")}
            for label, report in reports.items() for f in report.get("failures", [])[:5]],
    }
    return measured, {"t0": t0, "reports": reports, "steps": steps}


def dip(report, sent, available, baseline_s):
    before = rate_between(report, sent - baseline_s, sent)
    during = rate_between(report, sent, available)
    return 1 - during / before if before else None


def worst_second_dip(report, sent, available, baseline_s):
    """The dip of the slowest whole second while modifying: a stall that the fixed-rate tester
    made up for later shows here, not in the step's average."""
    before = rate_between(report, sent - baseline_s, sent)
    rates = [row.get("ok", 0) / (row.get("duration_s") or 1.0)
             for row in report.get("per_second", [])
             if row["t"] >= sent and row["t"] + (row.get("duration_s") or 1.0) <= available]
    return 1 - min(rates) / before if before and rates else None


def wait_gone(client, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not client.describe_replication_groups()["ReplicationGroups"]:
            return
        time.sleep(0.25)


def plot(chart, png_path):
    t0 = chart["t0"]
    blocks = []
    for label in ("plain", "tls"):
        block = []
        for r in chart["reports"][label].get("per_second", []):
            if r.get("phase") == "prefill":
                continue  # writes as fast as it can: not the load under test
            span = r.get("duration_s") or 1.0
            block.append(f"{r['t'] + span / 2 - t0:.3f} {r.get('ok', 0) / span:.1f} "
                         f"{dt.failures_of(r) / span:.1f}")
        blocks.append(block)
    line = "with linespoints pt 7 ps 0.5"
    bar = "axes x1y2 with impulses lw 4"
    return dt.draw_chart(
        png_path, "3 × 2 cluster-mode group: none → preferred → required through "
        "ModifyReplicationGroup", "successful ops/s", "failed ops/s", blocks,
        [f"index 0 using 1:2 {line} lc rgb 'steelblue' title 'plaintext client ok/s'",
         f"index 1 using 1:2 {line} lc rgb 'forest-green' title 'TLS client ok/s'",
         f"index 0 using 1:3 {bar} lc rgb 'red' title 'plaintext failed/s'",
         f"index 1 using 1:3 {bar} lc rgb 'orange' title 'TLS failed/s'"],
        dt.step_marks(chart["steps"], t0), xlabel="seconds since the group was created")


def summary(values):
    values = [v for v in values if v is not None]
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--rate", type=int, default=2000, help="ops/s of each tester")
    ap.add_argument("--baseline", type=float, default=8.0,
                    help="seconds of steady load before each step")
    ap.add_argument("--control", default=str(HERE.parent / "build/bin/redoubt-control"))
    ap.add_argument("--out", default=str(HERE))
    args = ap.parse_args()
    tool = find_redoubt_tool(dt.TOOL)
    if tool is None:
        sys.exit(f"{dt.TOOL} is not built")

    reps = []
    with tempfile.TemporaryDirectory(prefix="control-migration-") as tmp:
        plane = ControlPlane(args.control, Path(tmp) / "data", NODE_BLOCK,
                             ["--modify-dwell", str(DWELL_MS)]).start()
        try:
            client = plane.boto3_client()
            for rep in range(args.reps):
                work = Path(tmp) / f"rep-{rep + 1}"  # its testers' stop files and reports
                work.mkdir()
                measured, chart = one_rep(plane, client, tool, work, args.rate, args.baseline,
                                          rep)
                reps.append(measured)
                log(f"rep {rep + 1}/{args.reps}: " + ", ".join(
                    f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}"
                    for k, v in measured.items() if k != "first_failures"))
                for failure in measured["first_failures"]:
                    log(f"  failure: {failure}")
        finally:
            plane.stop_all()
    png = Path(args.out) / "control-migration.png"
    plot(chart, png)
    results = {
        "reps": args.reps, "rate": args.rate, "baseline_s": args.baseline, "dwell_s": DWELL_MS / 1000,
        "summary": {k: summary([r[k] for r in reps]) for k in reps[0] if k != "first_failures"},
        "runs": reps, "chart": png.name,
    }
    save_and_report(args.out, "control_migration.json", results)


if __name__ == "__main__":
    main()
