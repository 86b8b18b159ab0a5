# What a run of bench/acl_rotation.py showed: the pass/fail checks on the testers' reports and
# the INFO samples, the per-phase tables, and the chart. Pure: it runs nothing and reads only
# the data run_rotation() collected, so it can be tested on synthetic reports.
#
# Read first:
#   - A tester row's failures, errors, re-auths and reconnects belong to the phase in force at
#     the row's end (a failure is never split or lost). In the per-phase table, "seconds" is
#     the phase's wall-clock length and "ok ops" spreads each row over the seconds it covers, so
#     ok/s is the throughput of all testers together in that phase. Prefill rows (of both
#     generations in variant restart) form their own line.
#   - The phase of an INFO sample is the one in force when it was taken; "connections opened"
#     counts from the last sample before the phase.
import downtime_testers as dt

USER = "app"
PHASES = ("old", "both", "move", "removed")
PHASE_TITLES = {"prefill": "prefill", "old": "1 old only", "both": "2 old + new",
                "move": "3 clients move", "removed": "4-5 old removed"}


# ----- analysis ---------------------------------------------------------------------------------

COUNTED = ("ok", "failed", "connection_errors", "timeout_errors", "data_errors", "reconnects",
           "reauths", "reauth_failures", "downtime_ms")


def switch_times(events):
    by_what = {e["what"]: e for e in events}
    move = by_what.get("write new password to the testers' file") or by_what[
        "start testers with the new password"]
    return {"both": by_what["add new password"]["t_sent"], "move": move["t_sent"],
            "removed": by_what["remove old password"]["t_sent"]}


def split_phases(report, switches):
    """{phase: totals} of a tester's per-second rows, each row in the phase in force at its end
    ("seconds" adds each row's span); prefill rows under "prefill"."""
    def phase_of(row):
        if row.get("phase") == "prefill":
            return "prefill"
        return dt.phase_at(row["t"] + _span(row), "old", switches)
    return dt.split_phases(report.get("per_second", []), phase_of, COUNTED, seconds_of=_span)


def _span(row):
    return row.get("duration_s") or 1.0


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
        failed = sum(dt.failures_of(r) for r in rows)
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
    lines = []
    for r in phase_rows:
        rate = r["ok"] / r["seconds"] if r["seconds"] else 0
        lines.append((PHASE_TITLES[r["phase"]], f"{r['seconds']:.1f}", f"{r['ok']:,}",
                      f"{rate:,.0f}", str(r["failed_ops"]), str(r["connection_errors"]),
                      str(r["timeout_errors"]), str(r["data_errors"]), str(r["reauths"]),
                      str(r["reauth_failures"]), str(r["reconnects"]),
                      _cell(r.get("old_connected")), _cell(r.get("new_connected")),
                      old_state(r), clients_range(r), _cell(r.get("connections_opened"))))
    return dt.text_table(header, lines)


def old_state(phase_row):
    """The old credential's INFO auth state at the phase's end: "no row" once it is gone, "-"
    when no INFO sample fell in the phase."""
    if "old_connected" not in phase_row:
        return "-"
    return phase_row.get("old_state") or "no row"


def clients_range(phase_row):
    """connected_clients during the phase: "5", "5-9", or "-" without samples."""
    lo, hi = phase_row.get("connected_clients_min"), phase_row.get("connected_clients_max")
    if lo is None:
        return "-"
    return str(lo) if lo == hi else f"{lo}-{hi}"


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
    ops_block = [f"{k + 0.5:.3f} {ok[k]:.1f} {failed.get(k, 0.0):.1f}" for k in sorted(ok)]
    cred_block = [f"{s['t'] - t0:.3f} {s['old_connected'] or 0} {s['new_connected'] or 0}"
                  for s in result["samples"]]
    short = {"add new password": "+new", "write new password to the testers' file": "file=new",
             "start testers with the new password": "new testers",
             "stop the first testers (stop files)": "stop old testers",
             "remove old password": "-old"}
    marks = dt.step_marks([(e["t_sent"], short[e["what"]]) for e in result["events"]
                           if e["what"] in short], t0)
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
    steps = "axes x1y2 with steps lw 2"
    return dt.draw_chart(
        png_path, title, "operations/s (all testers)",
        "clients per credential (INFO auth); failed ops/s", [ops_block, cred_block],
        ["index 0 using 1:2 with linespoints pt 7 ps 0.5 lc rgb 'steelblue' title 'ok ops/s'",
         "index 0 using 1:3 axes x1y2 with impulses lw 4 lc rgb 'red' "
         "title 'failed ops/s (right axis)'",
         f"index 1 using 1:2 {steps} lc rgb 'dark-orange' title 'old password: clients'",
         f"index 1 using 1:3 {steps} lc rgb 'forest-green' title 'new password: clients'"],
        marks, y2_top)
