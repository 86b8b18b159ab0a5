#!/usr/bin/python3
# Turns the raw data of a benchmark run (results.json, written by run_bench.py) into
# RESULTS.md and the gnuplot chart results.png. Pure formatting: it measures nothing.
#
# Re-render an existing run without re-measuring:
#   /usr/bin/python3 bench/report.py bench/results.json [out_dir]
#
# Statistics: per (mode, server, scenario) the median of the repetitions, with min–max as
# the spread. Ratios are Redoubt/Redis of the medians; their spread is the extreme pairing
# (Redoubt min / Redis max .. Redoubt max / Redis min), i.e. deliberately pessimistic.
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

METRICS = ("rps", "avg_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms", "cpu_us_per_req",
           "server_cpu_pct", "client_cpu_pct")
REFERENCE = "redis"
CLIENT_BOUND_PCT = 95.0

# (id, title, metric, threshold, "ge" or "le") — compared per scenario against Redis.
TARGETS = (
    ("throughput", "Throughput (rps) vs Redis", "rps", 1.0, "ge"),
    ("cpu", "Server CPU per request vs Redis", "cpu_us_per_req", 0.8, "le"),
    ("p99", "Client p99 latency vs Redis", "p99_ms", 1.0, "le"),
)
MEMORY_TARGET = 0.85  # RSS bytes per key, Redoubt / Redis


# ----- statistics -------------------------------------------------------------------------------

def _stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def summarize(data):
    """{"runs": {mode: {server: {scenario: {metric: stats}}}},
        "ratios": {mode: {server: {scenario: {metric: {median, lo, hi}}}}}, "memory": {...}}"""
    grouped = {}
    for r in data["runs"]:
        if r.get("ok"):
            grouped.setdefault(r["mode"], {}).setdefault(r["server"], {}).setdefault(
                r["scenario"], []).append(r)
    runs = {}
    for mode, servers in grouped.items():
        for server, scenarios in servers.items():
            for scen, rs in scenarios.items():
                runs.setdefault(mode, {}).setdefault(server, {})[scen] = {
                    m: _stats([r.get(m) for r in rs]) for m in METRICS}

    ratios = {}
    for mode, servers in runs.items():
        ref = servers.get(REFERENCE, {})
        for server, scenarios in servers.items():
            if server == REFERENCE:
                continue
            for scen, metrics in scenarios.items():
                if scen not in ref:
                    continue
                out = {}
                for m in ("rps", "cpu_us_per_req", "p50_ms", "p99_ms"):
                    a, b = metrics.get(m), ref[scen].get(m)
                    if a and b and b["median"] > 0 and b["min"] > 0:
                        out[m] = {"median": a["median"] / b["median"],
                                  "lo": a["min"] / b["max"], "hi": a["max"] / b["min"]}
                ratios.setdefault(mode, {}).setdefault(server, {})[scen] = out

    memory = {}
    for entry in data.get("memory", []):
        if not entry.get("ok"):
            continue
        keys = entry["keys"]
        memory[entry["server"]] = {
            "delta_bytes_per_key": (entry["rss_after"] - entry["rss_before"]) / keys,
            "total_bytes_per_key": entry["rss_after"] / keys,
            "used_memory_bytes_per_key":
                ((entry["used_memory_after"] - entry["used_memory_before"]) / keys
                 if entry.get("used_memory_after") and entry.get("used_memory_before")
                 else None)}
    if "redoubt" in memory and REFERENCE in memory:
        a, b = memory["redoubt"], memory[REFERENCE]
        memory["ratio"] = {k: (a[k] / b[k] if a[k] and b[k] else None) for k in a}
    return {"runs": runs, "ratios": ratios, "memory": memory}


def evaluate_targets(data):
    """Rows of (target, threshold text, mode, result text, status) for the Targets table."""
    summary = data["summary"]
    titles = {s["key"]: s["title"] for s in data["scenarios"]}
    rows = []
    for _, title, metric, threshold, direction in TARGETS:
        for mode in data["modes"]:
            per_scen = summary["ratios"].get(mode, {}).get("redoubt", {})
            values = [(scen, v[metric]["median"]) for scen, v in per_scen.items()
                      if metric in v]
            sign = "≥" if direction == "ge" else "≤"
            threshold_text = f"{sign} {threshold:g}× in every scenario"
            if not values:
                rows.append((title, threshold_text, mode, "no data", "n/a"))
                continue
            ok = [(s, v) for s, v in values
                  if (v >= threshold if direction == "ge" else v <= threshold)]
            worst = (min if direction == "ge" else max)(values, key=lambda sv: sv[1])
            geo = math.exp(statistics.fmean(math.log(v) for _, v in values))
            result = (f"{len(ok)}/{len(values)} scenarios; worst {worst[1]:.2f}× "
                      f"({titles.get(worst[0], worst[0])}); geomean {geo:.2f}×")
            rows.append((title, threshold_text, mode, result,
                         "met" if len(ok) == len(values) else "missed"))
    ratio = summary["memory"].get("ratio", {}).get("delta_bytes_per_key")
    if ratio is None:
        rows.append(("RSS bytes per key vs Redis", f"≤ {MEMORY_TARGET:g}×", "memory",
                     "no data", "n/a"))
    else:
        m = summary["memory"]
        rows.append(("RSS bytes per key vs Redis", f"≤ {MEMORY_TARGET:g}×", "memory",
                     f"{ratio:.2f}× ({m['redoubt']['delta_bytes_per_key']:.1f} vs "
                     f"{m[REFERENCE]['delta_bytes_per_key']:.1f} B/key, RSS growth)"
                     + ("; key count not verified with DBSIZE" if any(
                         e.get("key_count_source", "DBSIZE") != "DBSIZE"
                         for e in data.get("memory", [])) else ""),
                     "met" if ratio <= MEMORY_TARGET else "missed"))
    return rows


def targets_text(data):
    lines = ["Targets:"]
    for title, threshold, mode, result, status in evaluate_targets(data):
        lines.append(f"  {status.upper():6s} {title} ({mode}, {threshold}): {result}")
    return "\n".join(lines)


# ----- formatting -------------------------------------------------------------------------------

def _rps(v):
    if v >= 1e6:
        return f"{v / 1e6:.2f}M"
    if v >= 1e3:
        return f"{v / 1e3:.1f}k"
    return f"{v:.0f}"


def _num(v, digits):
    return f"{v:.{digits}f}"


def _spread(stats, fmt):
    """'median (min–max)' or '—'."""
    if not stats:
        return "—"
    if stats["n"] == 1:
        return fmt(stats["median"])
    return f"{fmt(stats['median'])} ({fmt(stats['min'])}–{fmt(stats['max'])})"


def _ratio(r, threshold=None, direction="ge"):
    if not r:
        return "—"
    text = f"{r['median']:.2f}×"
    if threshold is not None:
        ok = r["median"] >= threshold if direction == "ge" else r["median"] <= threshold
        text += " ✓" if ok else " ✗"
    return text


def _table(header, rows, numeric=True):
    """Markdown table; columns after the first are right-aligned when numeric."""
    align = "--:" if numeric else "---"
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i == 0 else align for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _mode_tables(data, mode):
    summary = data["summary"]
    runs = summary["runs"].get(mode, {})
    ratios = summary["ratios"].get(mode, {})
    red, ref = runs.get("redoubt", {}), runs.get(REFERENCE, {})
    scenarios = [s for s in data["scenarios"] if s["key"] in red or s["key"] in ref]
    out = []

    rows = []
    for s in scenarios:
        k = s["key"]
        a, b, r = red.get(k, {}), ref.get(k, {}), ratios.get("redoubt", {}).get(k, {})
        client = []
        for side in (a, b):
            pct = side.get("client_cpu_pct")
            client.append("—" if not pct else
                          f"{pct['median']:.0f}%" + (" ⚠" if pct["median"] >= CLIENT_BOUND_PCT
                                                     else ""))
        rows.append((s["title"], _spread(a.get("rps"), _rps), _spread(b.get("rps"), _rps),
                     _ratio(r.get("rps"), 1.0, "ge"),
                     _spread(a.get("cpu_us_per_req"), lambda v: _num(v, 2)),
                     _spread(b.get("cpu_us_per_req"), lambda v: _num(v, 2)),
                     _ratio(r.get("cpu_us_per_req"), 0.8, "le"),
                     " / ".join(client)))
    out.append("Throughput and server CPU (median of reps, min–max in brackets):\n")
    out.append(_table(("Scenario", "Redoubt rps", "Redis rps", "rps R/D (≥1)",
                       "Redoubt CPU µs/req", "Redis CPU µs/req", "CPU R/D (≤0.8)",
                       "client CPU R / D"), rows))

    rows = []
    for s in scenarios:
        k = s["key"]
        a, b, r = red.get(k, {}), ref.get(k, {}), ratios.get("redoubt", {}).get(k, {})
        ms = lambda v: _num(v, 3)
        rows.append((s["title"], _spread(a.get("p50_ms"), ms), _spread(b.get("p50_ms"), ms),
                     _spread(a.get("p99_ms"), ms), _spread(b.get("p99_ms"), ms),
                     _ratio(r.get("p99_ms"), 1.0, "le")))
    out.append("\nClient-observed latency in ms (median of reps, min–max in brackets):\n")
    out.append(_table(("Scenario", "Redoubt p50", "Redis p50", "Redoubt p99", "Redis p99",
                       "p99 R/D (≤1)"), rows))

    for server in sorted(runs):
        if server in ("redoubt", REFERENCE):
            continue
        extra = runs[server]
        rows = []
        for s in scenarios:
            k = s["key"]
            if k not in extra:
                continue
            a, r = extra[k], ratios.get(server, {}).get(k, {})
            rows.append((s["title"], _spread(a.get("rps"), _rps), _ratio(r.get("rps")),
                         _spread(a.get("p50_ms"), lambda v: _num(v, 3)),
                         _spread(a.get("p99_ms"), lambda v: _num(v, 3)), _ratio(r.get("p99_ms")),
                         _spread(a.get("cpu_us_per_req"), lambda v: _num(v, 2)),
                         _ratio(r.get("cpu_us_per_req"))))
        cmd = data["modes"].get(mode, {}).get("servers", {}).get(server, {}).get("command", "")
        out.append(f"\nExtra row `{server}` (`{cmd}`), compared with the Redis runs "
                   "above:\n")
        out.append(_table(("Scenario", "rps", "rps vs Redis", "p50 ms", "p99 ms",
                           "p99 vs Redis", "CPU µs/req", "CPU vs Redis"), rows))
    return "\n".join(out)


def _memory_table(data):
    summary = data["summary"]["memory"]
    rows = []
    for e in data.get("memory", []):
        if "rss_after" not in e:
            rows.append((e["server"], f"{e['keys']:,}", "FAILED: " + e.get("error", "?"),
                         "", "", "", "", "", ""))
            continue
        s = summary.get(e["server"], {})
        used = s.get("used_memory_bytes_per_key")
        counted = "—" if e["dbsize"] is None else f"{e['dbsize']:,}"
        if e.get("key_count_source", "DBSIZE") != "DBSIZE":
            counted += " (not DBSIZE)"
        rows.append((e["server"], f"{e['keys']:,}", counted,
                     f"{e['rss_before'] / 2**20:.1f}", f"{e['rss_after'] / 2**20:.1f}",
                     f"{s['delta_bytes_per_key']:.1f}" if s else "—",
                     f"{s['total_bytes_per_key']:.1f}" if s else "—",
                     f"{used:.1f}" if used else "—",
                     f"{e['load_s']:.1f}" + ("" if e["ok"] else " (FAILED)")))
    ratio = summary.get("ratio")
    if ratio:
        f = lambda v: f"{v:.2f}×" if v else "—"
        rows.append(("**Redoubt / Redis**", "", "", "", "", f(ratio["delta_bytes_per_key"]),
                     f(ratio["total_bytes_per_key"]), f(ratio["used_memory_bytes_per_key"]),
                     ""))
    return _table(("Server", "keys loaded", "keys counted", "RSS before MiB", "RSS after MiB",
                   "Δ RSS B/key", "RSS after B/key", "Δ used_memory B/key", "load s"), rows)


def write_report(data, out_dir):
    out_dir = Path(out_dir)
    chart_ok = make_chart(data, out_dir / "results.png")
    m, sw = data["machine"], data["software"]
    la0 = " ".join(f"{x:.2f}" for x in data["load_average_start"])
    la1 = " ".join(f"{x:.2f}" for x in data["load_average_end"])
    md = ["# Redoubt vs Redis: benchmark results", ""]
    md.append(f"Generated by `bench/run_bench.py` on {data['started']} in "
              f"{data['duration_s'] / 60:.1f} min. Do not edit by hand: re-run "
              f"`make bench` (or `{data['command_line']}`).")
    md.append("")
    notes = []
    if sw.get("redoubt_is_redis"):
        notes.append(f"**Harness self-test:** the 'Redoubt' side was `{sw['redoubt_binary']}`, "
                     "a redis-server. These numbers say nothing about Redoubt.")
    if data["quick"]:
        notes.append("**Quick smoke run** (`--quick`): runs far too short to mean anything; "
                     "this only shows that the harness works.")
    if data["incomplete"]:
        notes.append(f"**Incomplete:** {data['incomplete']}.")
    for w in data["warnings"]:
        notes.append(f"Warning: {w}")
    if notes:
        md += [f"> {n}\n>" for n in notes]
        md[-1] = md[-1][:-2]
        md.append("")

    md += ["## Machine and software", ""]
    md.append(_table(("What", "Value"), [
        ("CPU", f"{m['cpu_model']}, {m['cores']} logical cores "
                f"(available: {','.join(map(str, m['cpus_available']))})"),
        ("Memory", m["mem_total"]),
        ("Kernel", m["kernel"]),
        ("Load average (1/5/15 min)", f"start {la0}; end {la1}"),
        ("tcp_tw_reuse / port range", f"{m['tcp_tw_reuse']} / "
                                      f"{'-'.join(m['ip_local_port_range'])}"),
        ("Redis", f"`{sw['redis_server_version']}`"),
        ("redis-benchmark", f"`{sw['redis_benchmark_version']}`"),
        ("Redoubt", f"`{sw['redoubt_binary']}`; git {sw['git_revision']}"
                    f"{' (dirty)' if sw['git_dirty'] else ''}"
                    + (f"; binary built {sw['redoubt_binary_info']['mtime']}, sha256 "
                       f"{sw['redoubt_binary_info']['sha256_16']}…"
                       if sw.get("redoubt_binary_info") else "")),
        ("Repetitions", f"{data['reps']} per server and scenario, alternating Redoubt, Redis, "
                        f"… ; one warm-up run each first (not counted)"),
        ("Requests per run", f"{data['sizes']['n_p1']:,} at -P 1, {data['sizes']['n_p16']:,} "
                             f"at -P 16, {data['sizes']['n_conn']:,} connections at -k 0; "
                             f"always -c 50"),
    ], numeric=False))
    md.append("")

    md += ["## How the CPUs were shared", ""]
    for mode, info in data["modes"].items():
        threads = ", ".join(f"{s['label']} {s['threads']} threads on CPUs {s['cpus_allowed']}"
                            for s in info["servers"].values())
        md.append(f"- **{mode}**: {info['description']} Observed: {threads}.")
    md.append("")

    md += ["## Targets", ""]
    md.append(_table(("Target", "Threshold", "Mode", "Result (ratio = Redoubt / Redis "
                                                     "medians)", "Status"),
                     evaluate_targets(data), numeric=False))
    md.append("")

    if chart_ok:
        md += ["## Throughput ratio chart", "",
               "![Redoubt/Redis rps ratio per scenario](results.png)", "",
               "Bars: median Redoubt rps / median Redis rps; whiskers: worst and best pairing "
               "of single runs. The dashed line is parity.", ""]

    for mode in data["modes"]:
        md += [f"## Throughput, CPU and latency: {mode}", "", _mode_tables(data, mode), ""]

    md += ["## Memory", "",
           f"Fresh server each, unpinned; {data['sizes']['keys']:,} unique keys `key:%07d` with "
           "64-byte values loaded with `redis-cli --pipe`, DBSIZE checked. RSS is VmRSS "
           "from /proc; used_memory from INFO memory (the server's own accounting).", ""]
    md.append(_memory_table(data) if data.get("memory") else "Not measured.")
    md.append("")

    md += ["## Reading these tables", "",
           "- Ratios are Redoubt / Redis of the medians; ✓/✗ compare with the target. A ratio "
           "inside the other side's min–max spread is noise, not a result.",
           "- CPU µs/req is the server's utime+stime over all its threads during the run, "
           f"divided by the requests (clock tick {1e6 / data['clk_tck']:.0f} µs).",
           "- client CPU ⚠ ≥ 95%: redis-benchmark (single-threaded) saturated its CPU, so rps "
           "measures the client; compare CPU µs/req instead.",
           "- Raw per-run data: `results.json` (same directory).", ""]
    # The engineers' analysis of missed targets lives in bench/ANALYSIS.md (hand-written,
    # versioned with the code); it is appended so RESULTS.md stays one document.
    analysis = Path(__file__).resolve().parent / "ANALYSIS.md"
    if analysis.exists():
        md += [analysis.read_text().rstrip(), ""]
    (out_dir / "RESULTS.md").write_text("\n".join(md))


# ----- chart ------------------------------------------------------------------------------------

def make_chart(data, png_path):
    """Clustered bar chart of rps ratios with gnuplot. Returns False if it could not be drawn."""
    ratios = data["summary"]["ratios"]
    series = [(mode, server) for mode in data["modes"] for server in ("redoubt", "redoubt-io1")
              if ratios.get(mode, {}).get(server)]
    if not series:
        png_path.unlink(missing_ok=True)
        return False
    fd, dat_name = tempfile.mkstemp(prefix="redoubt-bench-", suffix=".dat")
    os.close(fd)
    dat = Path(dat_name)
    lines = []
    for s in data["scenarios"]:
        cols = [f'"{s["title"]}"']
        for mode, server in series:
            r = ratios[mode][server].get(s["key"], {}).get("rps")
            cols += [f"{r['median']:.4f}", f"{r['lo']:.4f}", f"{r['hi']:.4f}"] if r else ["?"] * 3
        lines.append(" ".join(cols))
    dat.write_text("\n".join(lines) + "\n")
    plots = []
    for i, (mode, server) in enumerate(series):
        c = 2 + 3 * i
        title = mode if server == "redoubt" else f"{mode}, io-threads 1"
        src = f"'{dat}'" if i == 0 else "''"
        xtic = ":xtic(1)" if i == 0 else ""
        plots.append(f"{src} using {c}:{c + 1}:{c + 2}{xtic} title '{title}'")
    script = f"""
set terminal pngcairo size 1200,520 font 'sans,10'
set output '{png_path}'
set title 'Redoubt / Redis throughput (rps) ratio, median of {data["reps"]} runs'
set ylabel 'ratio'
set datafile missing '?'
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.75 border -1
set boxwidth 0.9
set yrange [0:*]
set grid ytics
set key outside right top
set xtics rotate by -30 scale 0
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lw 2 lc rgb 'red' front
plot {', '.join(plots)}
"""
    try:
        proc = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True,
                              timeout=60)
    except (OSError, subprocess.SubprocessError) as e:
        print(f"warning: gnuplot failed: {e}", file=sys.stderr)
        return False
    finally:
        dat.unlink(missing_ok=True)
    if proc.returncode != 0:
        print(f"warning: gnuplot failed: {proc.stderr.strip()}", file=sys.stderr)
        return False
    return True


def main(argv):
    if not argv or len(argv) > 2:
        print("usage: report.py results.json [out_dir]", file=sys.stderr)
        return 2
    src = Path(argv[0])
    data = json.loads(src.read_text())
    data["summary"] = summarize(data)
    write_report(data, Path(argv[1]) if len(argv) > 1 else src.parent)
    print(targets_text(data))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
