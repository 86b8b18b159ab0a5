# The RESULTS.md section and the Targets rows of the large-value group (scenarios.py's
# LARGE_GROUP): SET and GET with redis-benchmark -P 1 at 64 B, 1 KB, 16 KB, 256 KB and 1 MB,
# with 10 and with 50 clients. The target: Redoubt's server CPU per request ≤ 1.0× Redis's in
# every one of those scenarios, in each mode. Pure formatting of report.summarize()'s medians
# and ratios; report.py calls it.
#
# Read first:
#   - A results.json without the group (every file before it) gets no section and no row, so it
#     renders as before.
#   - The group is left out of report.py's generic Targets rows, per-mode tables and chart,
#     whose thresholds are about the 64 B / 1 KB core scenarios.
from bench_util import markdown_table
from report_cells import cpu_rps_cells, cpu_rps_header, every_scenario_row
# Data only (no process, no measurement): the group's id in results.json and the size names.
from scenarios import LARGE_GROUP, size_text

LARGE_CPU_TARGET = 1.0
TARGET_TITLE = "Large values: server CPU per request vs Redis"
THRESHOLD_TEXT = f"≤ {LARGE_CPU_TARGET:.1f}× in every scenario"
REFERENCE = "redis"


def is_large(scenario):
    return scenario.get("group") == LARGE_GROUP


def large_targets(data):
    """One Targets row per mode: Redoubt / Redis server CPU per request in every large-value
    scenario; no rows when the file has no large-value scenario."""
    titles = {s["key"]: s["title"] for s in data["scenarios"] if is_large(s)}
    if not titles:
        return []
    rows = []
    for mode in data["modes"]:
        per_scen = data["summary"]["ratios"].get(mode, {}).get("redoubt", {})
        values = [(k, per_scen[k]["cpu_us_per_req"]["median"]) for k in titles
                  if "cpu_us_per_req" in per_scen.get(k, {})]
        rows.append(every_scenario_row(TARGET_TITLE, mode, values, LARGE_CPU_TARGET, "le",
                                       titles, THRESHOLD_TEXT))
    return rows


def large_section(data):
    """Markdown lines of the "Large values" section: what ran, then one table per mode; [] when
    the file has no large-value scenario."""
    scenarios = [s for s in data["scenarios"] if is_large(s)]
    if not scenarios:
        return []
    requests = {}
    for s in scenarios:
        requests.setdefault(s["data_size"], s["requests"])
    sizes = data.get("sizes", {})
    md = ["## Large values", ""]
    md.append(
        "SET and GET with `redis-benchmark -P 1` at value sizes "
        + ", ".join(size_text(size) for size in requests)
        + ", each with `-c 10` and `-c 50` (GET right after SET of the same size and clients, so "
        "it reads values of that size). In every mode the servers are restarted for this group "
        "after the plaintext scenarios; no io-threads-1 row. Requests per run: "
        + ", ".join(f"{size_text(size)} {n:,}" for size, n in requests.items())
        + (f" (about {sizes['large_bytes'] / 2**30:g} GiB of values per run, at most "
           f"{sizes['n_large']:,} requests)" if "large_bytes" in sizes else "")
        + f". Target: Redoubt's server CPU per request ≤ {LARGE_CPU_TARGET:.1f}× Redis's in "
        "every scenario and mode. Cells are medians of the reps with min–max in brackets; a "
        "ratio's brackets are the extreme pairing of single runs.")
    md.append("")
    for mode in data["modes"]:
        md += [f"### {mode}", "", _mode_table(data, mode, scenarios), ""]
    return md


def _mode_table(data, mode, scenarios):
    runs = data["summary"]["runs"].get(mode, {})
    ratios = data["summary"]["ratios"].get(mode, {}).get("redoubt", {})
    red, ref = runs.get("redoubt", {}), runs.get(REFERENCE, {})
    rows = []
    for s in scenarios:
        k = s["key"]
        if k not in red and k not in ref:
            continue
        rows.append((s["test"].upper(), size_text(s["data_size"]), s["clients"])
                    + cpu_rps_cells(red.get(k, {}), ref.get(k, {}), ratios.get(k, {}),
                                    LARGE_CPU_TARGET))
    if not rows:
        return "No successful runs."
    return markdown_table(("Op", "Value", "Clients") + cpu_rps_header(LARGE_CPU_TARGET), rows,
                          text_columns=2)
