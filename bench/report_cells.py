# Cells and rows of RESULTS.md that report.py and its section files share: the saved JSON, rps and
# numbers, "median (min–max)" spreads, Redoubt / Redis ratios with ✓/✗, the client-CPU cell, the
# cells of a row judged on server CPU per request, and the Targets row "is every scenario on the
# right side of the threshold?". Pure formatting of the stats dicts report.summarize() makes
# ({"median", "min", "max", "n"}; ratios {"median", "lo", "hi"}); its own module so that
# report.py's sections in other files need not import report.py.
import json
import math
import statistics
from pathlib import Path

# redis-benchmark is single-threaded: at this much client CPU it, not the server, set the pace.
CLIENT_BOUND_PCT = 95.0


def fmt_rps(v):
    if v >= 1e6:
        return f"{v / 1e6:.2f}M"
    if v >= 1e3:
        return f"{v / 1e3:.1f}k"
    return f"{v:.0f}"


def fmt_num(v, digits):
    return f"{v:.{digits}f}"


def spread(stats, fmt):
    """'median (min–max)' or '—'."""
    if not stats:
        return "—"
    if stats["n"] == 1:
        return fmt(stats["median"])
    return f"{fmt(stats['median'])} ({fmt(stats['min'])}–{fmt(stats['max'])})"


def verdict(value, threshold, direction):
    """' ✓' or ' ✗': is value on the right side ("ge" or "le") of threshold? '' without one."""
    if threshold is None:
        return ""
    ok = value >= threshold if direction == "ge" else value <= threshold
    return " ✓" if ok else " ✗"


def ratio(r, threshold=None, direction="ge", with_spread=False):
    """'0.93×', with ' (lo–hi)' when with_spread and the pairing's extremes differ, then ✓/✗
    against threshold when one is given."""
    if not r:
        return "—"
    text = f"{r['median']:.2f}×"
    if with_spread and (f"{r['lo']:.2f}" != f"{r['hi']:.2f}"):
        text += f" ({r['lo']:.2f}–{r['hi']:.2f})"
    return text + verdict(r["median"], threshold, direction)


def median_ratio(a, b):
    """a / b of two median_range stats as '0.93×'; '–' when either is missing or b is 0."""
    if not a or not b or not b["median"]:
        return "–"
    return f"{a['median'] / b['median']:.2f}×"


def client_cpu_cell(pct):
    """'97% ⚠' from the stats of client_cpu_pct (⚠: the client was the bottleneck), or '—'."""
    if not pct:
        return "—"
    return f"{pct['median']:.0f}%" + (" ⚠" if pct["median"] >= CLIENT_BOUND_PCT else "")


def cpu_rps_header(cpu_target):
    """The column names of cpu_rps_cells."""
    return ("Redoubt CPU µs/req", "Redis CPU µs/req", f"CPU R/D (≤{cpu_target:.1f})",
            "Redoubt rps", "Redis rps", "rps R/D", "client CPU R / D")


def cpu_rps_cells(a, b, r, cpu_target):
    """The cells of a row judged on server CPU per request: Redoubt's and Redis's CPU µs/req
    (stats dicts a and b), their ratio (r, from the ratios) against cpu_target, both rps and
    their ratio, and both client CPU cells."""
    us = lambda v: fmt_num(v, 2)
    return (spread(a.get("cpu_us_per_req"), us), spread(b.get("cpu_us_per_req"), us),
            ratio(r.get("cpu_us_per_req"), cpu_target, "le", with_spread=True),
            spread(a.get("rps"), fmt_rps), spread(b.get("rps"), fmt_rps),
            ratio(r.get("rps"), with_spread=True),
            " / ".join(client_cpu_cell(side.get("client_cpu_pct")) for side in (a, b)))


def every_scenario_row(title, mode, values, threshold, direction, titles, threshold_text=None,
                       noun="scenarios"):
    """One Targets row (target, threshold, mode, result, status): is every (scenario, ratio) in
    values on the right side of threshold? The result names how many were (as "3/4 <noun>"), the
    worst one (by its title in titles) and the geometric mean."""
    sign = "≥" if direction == "ge" else "≤"
    threshold_text = threshold_text or f"{sign} {threshold:g}× in every scenario"
    if not values:
        return (title, threshold_text, mode, "no data", "n/a")
    ok = [(s, v) for s, v in values if (v >= threshold if direction == "ge" else v <= threshold)]
    worst = (min if direction == "ge" else max)(values, key=lambda sv: sv[1])
    # A ratio of 0 (no CPU tick counted in a very short run) has no logarithm: left out.
    positive = [v for _, v in values if v > 0]
    geo = math.exp(statistics.fmean(math.log(v) for v in positive)) if positive else 0.0
    result = (f"{len(ok)}/{len(values)} {noun}; worst {worst[1]:.2f}× "
              f"({titles.get(worst[0], worst[0])}); geomean {geo:.2f}×")
    return (title, threshold_text, mode, result, "met" if len(ok) == len(values) else "missed")


def median_min_max(stats, fmt="{:.2f}"):
    """'median (min–max)' of a {"median", "min", "max"} dict, with a format string; '–' for
    none."""
    if stats is None:
        return "–"
    low, high = fmt.format(stats["min"]), fmt.format(stats["max"])
    return f"{fmt.format(stats['median'])} ({low}–{high})"


def saved_results(out_dir, name):
    """The JSON a benchmark script saved as out_dir/name, or None when it has not run."""
    path = Path(out_dir) / name
    return json.loads(path.read_text()) if path.exists() else None
