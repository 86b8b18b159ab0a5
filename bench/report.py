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
#
# TLS (results.json format 2): scenarios with "tls": true ran against TLS-only servers and have
# their own targets (TLS_TARGETS); the plaintext targets look at plaintext scenarios only.
# Format-1 files (no TLS) render as before. Handshakes: full and resumed over TLS 1.3 (the
# target) and over TLS 1.2 (informational); files from before the TLS 1.2 pair render without
# its rows.
#
# Online TLS migration (format 3, "migration" block) and ACL password rotation (format 5,
# "rotation" block): bench/tls_migration.py's and bench/acl_rotation.py's results, already
# judged by them (passed, failures); report_downtime.py lays them out, links the charts
# (migration.png, migration-rotation.png, rotation-reauth.png, rotation-restart.png) that
# run_bench.py put beside RESULTS.md, and gives the rotation's Targets rows ("ACL rotation: 0
# failed operations", one per variant). Older files get a one-line note in place of a section.
#
# Large values (scenarios with "group": "large"): SET/GET at 64 B ... 1 MB with 10 and 50
# clients; report_large.py gives them their own section and Targets row (server CPU per request
# ≤ 1.0× Redis), and they stay out of the generic rows, tables and chart below. Files without
# them render as before.
#
# ACL cost (format 4, "acl" block; bench/acl_cost.py): per server and scenario, runs as the
# default user and as a restricted one, alternating. The ratio restricted / default is taken
# per rep (each app run over the default run just before it); its median is judged against
# ACL_RPS_TARGET / ACL_CPU_TARGET (Redoubt, SET and GET scenarios), min–max is the spread.
# Older files render with a one-line note.
#
# Data types (format 6, "types" block; bench/data_types.py): redis-benchmark's default tests at
# P=1 and P=16 and memory per element of small hashes and big aggregates. summarize() gives them
# the same stats and ratios as the modes ("types" entry); report_types.py lays them out and gives
# their Targets rows. Older files render with a one-line note.
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

# _table: the Markdown table helper, shared with report_downtime.py.
from bench_util import markdown_section_start, run_gnuplot
from bench_util import markdown_table as _table
from report_cells import client_cpu_cell
from report_cells import every_scenario_row as _every_scenario
from report_cells import fmt_num as _num
from report_cells import fmt_rps as _rps
from report_cells import ratio as _ratio
from report_cells import spread as _spread
from report_cells import verdict
from report_downtime import migration_section, rotation_section, rotation_targets
from report_large import is_large, large_section, large_targets
from report_aof import aof_section
from report_cluster import cluster_section
from report_control import control_section
from report_secrets import secrets_section
from report_replication import replication_section
from report_snapshot import snapshot_section
from report_types import types_section, types_targets

METRICS = ("rps", "avg_ms", "p50_ms", "p95_ms", "p99_ms", "max_ms", "cpu_us_per_req",
           "server_cpu_pct", "client_cpu_pct", "resumed_fraction")
REFERENCE = "redis"

# (id, title, metric, threshold, "ge" or "le") — compared per scenario against Redis.
TARGETS = (
    ("throughput", "Throughput (rps) vs Redis", "rps", 1.0, "ge"),
    ("cpu", "Server CPU per request vs Redis", "cpu_us_per_req", 0.8, "le"),
    ("p99", "Client p99 latency vs Redis", "p99_ms", 1.0, "le"),
)
MEMORY_TARGET = 0.85  # RSS bytes per key, Redoubt / Redis

# TLS targets (see evaluate_tls_targets).
TLS_RPS_TARGET = 1.1          # TLS SET/GET rps, Redoubt / Redis, at P1 and P16
TLS_CPU_TARGET = 0.8          # server CPU per TLS request, Redoubt / Redis
TLS_OWN_TARGET = 0.85         # Redoubt TLS rps / Redoubt plaintext rps, same scenario and mode
TLS_CONN_TARGET = 1.0         # new TLS connections/s, Redoubt / Redis ...
TLS_CONN_CPU_US = 500.0       # ... at no more than this server CPU per (full-handshake) connection
RESUME_SAVING_TARGET = 5.0    # full / resumed handshake server CPU, Redoubt, TLS 1.3 only
HANDSHAKE_FULL, HANDSHAKE_RESUMED = "tls_handshake_full", "tls_handshake_resumed"
# (protocol version, full key, resumed key), as scenarios.py's HANDSHAKE_PAIRS. The target
# (RESUME_SAVING_TARGET) is about TLS 1.3; TLS 1.2 is shown beside it for information. The
# TLS 1.3 keys have no version in their name: they predate the TLS 1.2 pair.
HANDSHAKE_PAIRS = (("1.3", HANDSHAKE_FULL, HANDSHAKE_RESUMED),
                   ("1.2", "tls12_handshake_full", "tls12_handshake_resumed"))
RESUME_TARGET_VERSION = "1.3"

# ACL: "ACL checks cost less than 3% of GET/SET throughput". Restricted user / default user,
# Redoubt, every SET and GET scenario of the ACL phase.
ACL_RPS_TARGET = 0.97
ACL_CPU_TARGET = 1.03
ACL_METRICS = ("rps", "cpu_us_per_req", "p50_ms", "p99_ms", "client_cpu_pct")


def is_tls(scenario):
    return bool(scenario.get("tls"))


def is_tls_request(scenario):
    """A TLS redis-benchmark scenario on kept-alive connections (SET/GET, not -k 0)."""
    return (is_tls(scenario) and scenario.get("tool", "redis-benchmark") == "redis-benchmark"
            and scenario.get("keepalive", True))


# ----- statistics -------------------------------------------------------------------------------

def _stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "n": len(values)}


def summarize(data):
    """{"runs": {mode: {server: {scenario: {metric: stats}}}},
        "ratios": {mode: {server: {scenario: {metric: {median, lo, hi}}}}}, "memory": {...},
        "types": {"runs", "ratios" (the same for the data-type tests), "memory": {data set:
        memory summary}}, ...}"""
    runs = _run_stats(data["runs"])
    return {"runs": runs, "ratios": _ratios(runs),
            "memory": _memory_summary(data.get("memory", []), "keys", "key"),
            "tls_own": _tls_own(data, runs), "handshake": _handshakes(runs),
            "acl": _acl_summary(data), "types": _types_summary(data)}


def _run_stats(runs):
    """{mode: {server: {scenario: {metric: stats}}}} of the successful runs."""
    grouped = {}
    for r in runs:
        if r.get("ok"):
            grouped.setdefault(r["mode"], {}).setdefault(r["server"], {}).setdefault(
                r["scenario"], []).append(r)
    out = {}
    for mode, servers in grouped.items():
        for server, scenarios in servers.items():
            for scen, rs in scenarios.items():
                out.setdefault(mode, {}).setdefault(server, {})[scen] = {
                    m: _stats([r.get(m) for r in rs]) for m in METRICS}
    return out


def _ratios(runs):
    """{mode: {server: {scenario: {metric: {median, lo, hi}}}}}: every server but the reference
    over the reference, from _run_stats."""
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
    return ratios


def _memory_summary(entries, count, per):
    """{server: {"delta_bytes_per_<per>", "total_bytes_per_<per>", "used_memory_bytes_per_<per>"
    (None when the server does not report used_memory)}, "ratio": the same, Redoubt / Redis}
    from the successful memory entries; entry[count] is how many units were loaded."""
    memory = {}
    names = [f"{what}_bytes_per_{per}" for what in ("delta", "total", "used_memory")]
    for entry in entries:
        if not entry.get("ok"):
            continue
        n = entry[count]
        memory[entry["server"]] = dict(zip(names, (
            (entry["rss_after"] - entry["rss_before"]) / n, entry["rss_after"] / n,
            # 0 is a value (Redoubt's empty server has allocated nothing); None is absent.
            ((entry["used_memory_after"] - entry["used_memory_before"]) / n
             if entry.get("used_memory_after") is not None
             and entry.get("used_memory_before") is not None else None))))
    if "redoubt" in memory and REFERENCE in memory:
        a, b = memory["redoubt"], memory[REFERENCE]
        memory["ratio"] = {k: (a[k] / b[k] if a[k] and b[k] else None) for k in a}
    return memory


def _types_summary(data):
    """The data-type tests' stats and ratios as summarize()'s, and a memory summary per data
    set (per element); {} for a file without the phase."""
    types = data.get("types") or {}
    if not types.get("planned"):
        return {}
    runs = _run_stats(types.get("runs", []))
    memory = {ds["key"]: _memory_summary([e for e in types.get("memory", [])
                                          if e.get("dataset") == ds["key"]], "elements",
                                         "element")
              for ds in types.get("datasets", [])}
    return {"runs": runs, "ratios": _ratios(runs), "memory": memory}


def _quotient(a, b):
    """Ratio of two stats dicts: medians, and the extreme pairing as lo..hi."""
    if not a or not b or b["median"] <= 0 or b["min"] <= 0 or a["min"] < 0:
        return None
    return {"median": a["median"] / b["median"], "lo": a["min"] / b["max"],
            "hi": a["max"] / b["min"]}


def _tls_own(data, runs):
    """{mode: {server: {tls scenario: {"rps": TLS/plain, "cpu_us_per_req": TLS/plain}}}}
    for every TLS scenario whose plaintext twin ran in the same mode on the same server."""
    out = {}
    for s in data["scenarios"]:
        twin = s.get("plain_key")
        if not is_tls(s) or not twin:
            continue
        for mode, servers in runs.items():
            for server, scenarios in servers.items():
                tls, plain = scenarios.get(s["key"]), scenarios.get(twin)
                if not tls or not plain:
                    continue
                out.setdefault(mode, {}).setdefault(server, {})[s["key"]] = {
                    m: _quotient(tls.get(m), plain.get(m)) for m in ("rps", "cpu_us_per_req")}
    return out


def _handshakes(runs):
    """{mode: {server: {version: {"full_over_resumed": ratio of server CPU per connection}}}},
    version "1.3" or "1.2"; only (server, version) pairs with both runs are present."""
    out = {}
    for mode, servers in runs.items():
        for server, scenarios in servers.items():
            for version, full_key, resumed_key in HANDSHAKE_PAIRS:
                full, resumed = scenarios.get(full_key), scenarios.get(resumed_key)
                if full and resumed:
                    out.setdefault(mode, {}).setdefault(server, {})[version] = {
                        "full_over_resumed": _quotient(full.get("cpu_us_per_req"),
                                                       resumed.get("cpu_us_per_req"))}
    return out


def _acl_summary(data):
    """{server: {scenario: {"users": {user: {metric: stats}},
                            "ratio": {"rps"|"cpu_us_per_req": stats of the per-rep ratios
                                      restricted / default, plus "of_medians"}}}}."""
    acl = data.get("acl") or {}
    users = acl.get("users") or ["default", "app"]
    base, restricted = users[0], users[1]
    grouped = {}
    for r in acl.get("runs", []):
        if r.get("ok"):
            grouped.setdefault(r["server"], {}).setdefault(r["scenario"], {}).setdefault(
                r["user"], {})[r["rep"]] = r
    out = {}
    for server, scenarios in grouped.items():
        for scen, by_user in scenarios.items():
            stats = {u: {m: _stats([r.get(m) for r in by_user.get(u, {}).values()])
                         for m in ACL_METRICS} for u in users}
            a, b = by_user.get(restricted, {}), by_user.get(base, {})
            ratio = {}
            for m in ("rps", "cpu_us_per_req"):
                pairs = _stats([a[rep][m] / b[rep][m] for rep in sorted(a)
                                if rep in b and a[rep].get(m) is not None and b[rep].get(m)])
                if pairs:
                    medians = stats[restricted][m], stats[base][m]
                    pairs["of_medians"] = (medians[0]["median"] / medians[1]["median"]
                                           if medians[0] and medians[1]
                                           and medians[1]["median"] else None)
                ratio[m] = pairs
            out.setdefault(server, {})[scen] = {"users": stats, "ratio": ratio}
    return out


def _handshake_versions(data):
    """The HANDSHAKE_PAIRS whose scenarios this results.json planned, in order."""
    keys = {s["key"] for s in data["scenarios"]}
    return [pair for pair in HANDSHAKE_PAIRS if pair[1] in keys or pair[2] in keys]


def evaluate_targets(data):
    """Rows of (target, threshold text, mode, result text, status) for the Targets table."""
    summary = data["summary"]
    titles = {s["key"]: s["title"] for s in data["scenarios"]}
    # The core plaintext scenarios: the large-value group has its own row (large_targets), and
    # a run of that group alone (--only large) has none of these rows.
    plain = {s["key"] for s in data["scenarios"] if not is_tls(s) and not is_large(s)}
    only_large = not plain and any(map(is_large, data["scenarios"]))
    rows = []
    for _, title, metric, threshold, direction in TARGETS:
        for mode in [] if only_large else data["modes"]:
            per_scen = summary["ratios"].get(mode, {}).get("redoubt", {})
            values = [(scen, v[metric]["median"]) for scen, v in per_scen.items()
                      if metric in v and scen in plain]
            rows.append(_every_scenario(title, mode, values, threshold, direction, titles))
    rows += large_targets(data)
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
    if any(is_tls(s) for s in data["scenarios"]) or data.get("tls", {}).get("planned"):
        rows += evaluate_tls_targets(data)
    if (data.get("acl") or {}).get("planned"):
        rows += evaluate_acl_targets(data)
    return rows + rotation_targets(data) + types_targets(data)


def evaluate_acl_targets(data):
    """Two Targets rows (throughput, CPU per request) for the ACL phase: Redoubt's restricted /
    default ratio in every SET and GET scenario; Redis's for context in the result text."""
    acl = data["acl"]
    summary = data["summary"].get("acl", {})
    titles = {s["key"]: s["title"] for s in acl["scenarios"]}
    keys = [s["key"] for s in acl["scenarios"] if s.get("in_target", True)]
    user = acl.get("user", "app")
    rows = []
    for title, metric, threshold, direction in (
            (f"ACL: user '{user}' / default user throughput (SET, GET)", "rps",
             ACL_RPS_TARGET, "ge"),
            (f"ACL: user '{user}' / default user server CPU per request (SET, GET)",
             "cpu_us_per_req", ACL_CPU_TARGET, "le")):
        def values(server):
            per = summary.get(server, {})
            return [(k, per[k]["ratio"][metric]["median"]) for k in keys
                    if k in per and per[k]["ratio"].get(metric)]
        row = list(_every_scenario(title, acl["mode"]["name"], values("redoubt"), threshold,
                                   direction, titles))
        ref = values(REFERENCE)
        if ref and row[3] != "no data":
            worst = (min if direction == "ge" else max)(ref, key=lambda kv: kv[1])
            row[3] += f"; Redis worst {worst[1]:.2f}× ({titles.get(worst[0], worst[0])})"
        rows.append(tuple(row))
    return rows


def evaluate_tls_targets(data):
    """Targets rows for the TLS phase, one per target and mode."""
    summary = data["summary"]
    titles = {s["key"]: s["title"] for s in data["scenarios"]}
    requests = {s["key"] for s in data["scenarios"] if is_tls_request(s)}
    conn = [s["key"] for s in data["scenarios"]
            if is_tls(s) and not s.get("keepalive", True)
            and s.get("tool", "redis-benchmark") == "redis-benchmark"]
    rows = []
    for title, metric, threshold, direction in (
            ("TLS throughput (rps) vs Redis TLS", "rps", TLS_RPS_TARGET, "ge"),
            ("Server CPU per TLS request vs Redis TLS", "cpu_us_per_req", TLS_CPU_TARGET, "le")):
        for mode in data["modes"]:
            per_scen = summary["ratios"].get(mode, {}).get("redoubt", {})
            values = [(k, v[metric]["median"]) for k, v in per_scen.items()
                      if metric in v and k in requests]
            rows.append(_every_scenario(title, mode, values, threshold, direction, titles))
    for mode in data["modes"]:
        own = summary.get("tls_own", {}).get(mode, {}).get("redoubt", {})
        values = [(k, v["rps"]["median"]) for k, v in own.items() if k in requests and v["rps"]]
        rows.append(_every_scenario("Redoubt TLS / plaintext throughput", mode, values,
                                    TLS_OWN_TARGET, "ge", titles))
    threshold_text = f"≥ {TLS_CONN_TARGET:g}× at ≤ {TLS_CONN_CPU_US:g} µs CPU/conn"
    for mode in data["modes"]:
        ratio = summary["ratios"].get(mode, {}).get("redoubt", {}).get(
            conn[0] if conn else "", {}).get("rps")
        cpu = summary["runs"].get(mode, {}).get("redoubt", {}).get(
            conn[0] if conn else "", {}).get("cpu_us_per_req")
        if not ratio or not cpu:
            rows.append(("New TLS connections/s vs Redis", threshold_text, mode, "no data",
                         "n/a"))
            continue
        met = ratio["median"] >= TLS_CONN_TARGET and cpu["median"] <= TLS_CONN_CPU_US
        rows.append(("New TLS connections/s vs Redis", threshold_text, mode,
                     f"{ratio['median']:.2f}× at {cpu['median']:.0f} µs server CPU per "
                     "connection (full handshake + PING)", "met" if met else "missed"))
    # The target is TLS 1.3's (always a row when TLS ran, as before); TLS 1.2 gets an
    # informational row per mode, only if this file planned its scenarios.
    versions = [RESUME_TARGET_VERSION] + [v for v, _, _ in _handshake_versions(data)
                                          if v != RESUME_TARGET_VERSION]
    for version in versions:
        target = version == RESUME_TARGET_VERSION
        title = (f"Resumed TLS handshake cost (TLS {version})" if target else
                 f"Resumed TLS handshake cost (TLS {version}, informational)")
        threshold_text = (f"full / resumed server CPU ≥ {RESUME_SAVING_TARGET:g}×" if target
                          else "full / resumed server CPU; no target")
        for mode in data["modes"]:
            hs = summary.get("handshake", {}).get(mode, {})
            mine = ((hs.get("redoubt") or {}).get(version) or {}).get("full_over_resumed")
            ref = ((hs.get(REFERENCE) or {}).get(version) or {}).get("full_over_resumed")
            if not mine:
                rows.append((title, threshold_text, mode, "no data", "n/a"))
                continue
            result = (f"{mine['median']:.1f}× cheaper ({mine['lo']:.1f}–{mine['hi']:.1f})"
                      + (f"; Redis {ref['median']:.1f}×" if ref else ""))
            status = ("info" if not target else
                      "met" if mine["median"] >= RESUME_SAVING_TARGET else "missed")
            rows.append((title, threshold_text, mode, result, status))
    return rows


def targets_text(data):
    lines = ["Targets:"]
    for title, threshold, mode, result, status in evaluate_targets(data):
        lines.append(f"  {status.upper():6s} {title} ({mode}, {threshold}): {result}")
    return "\n".join(lines)


# ----- formatting -------------------------------------------------------------------------------

def _mode_tables(data, mode):
    summary = data["summary"]
    runs = summary["runs"].get(mode, {})
    ratios = summary["ratios"].get(mode, {})
    red, ref = runs.get("redoubt", {}), runs.get(REFERENCE, {})
    scenarios = [s for s in data["scenarios"] if not is_tls(s) and not is_large(s)
                 and (s["key"] in red or s["key"] in ref)]
    out = []
    if not scenarios:
        return ""

    rows = []
    for s in scenarios:
        k = s["key"]
        a, b, r = red.get(k, {}), ref.get(k, {}), ratios.get("redoubt", {}).get(k, {})
        client = [client_cpu_cell(side.get("client_cpu_pct")) for side in (a, b)]
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


def _tls_tables(data, mode):
    """The TLS section of one mode: TLS vs Redis TLS, TLS vs own plaintext, handshakes."""
    summary = data["summary"]
    runs = summary["runs"].get(mode, {})
    ratios = summary["ratios"].get(mode, {}).get("redoubt", {})
    red, ref = runs.get("redoubt", {}), runs.get(REFERENCE, {})
    bench = [s for s in data["scenarios"] if is_tls(s)
             and s.get("tool", "redis-benchmark") == "redis-benchmark"
             and (s["key"] in red or s["key"] in ref)]
    out = []
    us = lambda v: _num(v, 2)
    ms = lambda v: _num(v, 3)
    if bench:
        rows = []
        for s in bench:
            k = s["key"]
            a, b, r = red.get(k, {}), ref.get(k, {}), ratios.get(k, {})
            request = is_tls_request(s)
            client = [client_cpu_cell(side.get("client_cpu_pct")) for side in (a, b)]
            cpu_a = _spread(a.get("cpu_us_per_req"), us)
            if not request and a.get("cpu_us_per_req"):
                ok = a["cpu_us_per_req"]["median"] <= TLS_CONN_CPU_US
                cpu_a += f" {'✓' if ok else '✗'} (≤{TLS_CONN_CPU_US:g})"
            rows.append((s["title"], _spread(a.get("rps"), _rps), _spread(b.get("rps"), _rps),
                         _ratio(r.get("rps"), TLS_RPS_TARGET if request else TLS_CONN_TARGET),
                         cpu_a, _spread(b.get("cpu_us_per_req"), us),
                         _ratio(r.get("cpu_us_per_req"), TLS_CPU_TARGET if request else None,
                                "le"),
                         _spread(a.get("p99_ms"), ms), _spread(b.get("p99_ms"), ms),
                         " / ".join(client)))
        out.append("TLS throughput and server CPU against Redis over TLS (median of reps, "
                   "min–max in brackets; for -k 0 rps is connections/s and CPU is per "
                   "connection, each a full handshake):\n")
        out.append(_table(("Scenario", "Redoubt rps", "Redis rps",
                           f"rps R/D (≥{TLS_RPS_TARGET:g}; conn ≥{TLS_CONN_TARGET:g})",
                           "Redoubt CPU µs/req", "Redis CPU µs/req",
                           f"CPU R/D (≤{TLS_CPU_TARGET:g})", "Redoubt p99 ms",
                           "Redis p99 ms", "client CPU R / D"), rows))

    own = summary.get("tls_own", {}).get(mode, {})
    if own:
        titles = {s["key"]: s for s in data["scenarios"]}
        rows = []
        for k in [s["key"] for s in bench]:
            mine, theirs = own.get("redoubt", {}).get(k), own.get(REFERENCE, {}).get(k)
            if not mine and not theirs:
                continue
            twin = titles[k].get("plain_key")
            plain = red.get(twin, {})
            f = lambda q: f"{q['median']:.2f}×" if q else "—"
            rows.append((titles[k]["title"], _spread(red.get(k, {}).get("rps"), _rps),
                         _spread(plain.get("rps"), _rps),
                         _ratio((mine or {}).get("rps"),
                                TLS_OWN_TARGET if is_tls_request(titles[k]) else None),
                         f((mine or {}).get("cpu_us_per_req")),
                         f((theirs or {}).get("rps")), f((theirs or {}).get("cpu_us_per_req"))))
        out.append("\nTLS against plaintext, same server, same run (rps ratio = TLS / "
                   "plaintext; CPU ratio = how much more server CPU a TLS request costs):\n")
        out.append(_table(("Scenario", "Redoubt TLS rps", "Redoubt plaintext rps",
                           f"Redoubt TLS/plain rps (≥{TLS_OWN_TARGET:g})",
                           "Redoubt TLS/plain CPU", "Redis TLS/plain rps",
                           "Redis TLS/plain CPU"), rows))

    hs = summary.get("handshake", {}).get(mode, {})
    rows = []
    us0 = lambda v: _num(v * 1000, 0)
    cpu0 = lambda v: _num(v, 0)
    # One row group per protocol version (TLS 1.3 first: the target's), each a row per server
    # and a Redoubt / Redis row; a version without runs in this mode has no rows.
    for version, full_key, resumed_key in HANDSHAKE_PAIRS:
        target = version == RESUME_TARGET_VERSION
        protocol = f"TLS {version}"
        servers = [srv for srv in ("redoubt", REFERENCE)
                   if full_key in runs.get(srv, {}) or resumed_key in runs.get(srv, {})]
        for srv in servers:
            full, res = runs[srv].get(full_key, {}), runs[srv].get(resumed_key, {})
            saving = ((hs.get(srv) or {}).get(version) or {}).get("full_over_resumed")
            frac = res.get("resumed_fraction")
            rows.append((srv, protocol, _spread(full.get("rps"), _rps),
                         _spread(full.get("cpu_us_per_req"), cpu0),
                         _spread(full.get("p50_ms"), us0),
                         _spread(res.get("rps"), _rps),
                         _spread(res.get("cpu_us_per_req"), cpu0),
                         _spread(res.get("p50_ms"), us0),
                         f"{frac['median'] * 100:.0f}%" if frac else "—",
                         _ratio(saving, RESUME_SAVING_TARGET
                                if srv == "redoubt" and target else None)))
        r_full = ratios.get(full_key, {}).get("cpu_us_per_req")
        r_res = ratios.get(resumed_key, {}).get("cpu_us_per_req")
        if r_full or r_res:
            rows.append(("**Redoubt / Redis**", protocol, "", _ratio(r_full), "", "",
                         _ratio(r_res), "", "", ""))
    if rows:
        n = next((s["requests"] for s in data["scenarios"]
                  if s.get("tool") == "tls-connect"), 0)
        pinned = any(s.get("tls_version") for s in data["scenarios"])
        out.append(f"\nTLS handshakes: `redoubt-tls-connect`, {n:,} sequential connections "
                   "per run (connect, handshake, PING, close)"
                   + (", protocol fixed with `--tls-version`" if pinned else
                      " (TLS 1.3, the tool's and both servers' default)")
                   + "; server CPU per connection from /proc/PID/stat; the resumed runs offer "
                   "the previous connection's session. The ≥ "
                   f"{RESUME_SAVING_TARGET:g}× target is Redoubt's over TLS "
                   f"{RESUME_TARGET_VERSION}"
                   + ("; the other protocol is for information" if len(
                       {row[1] for row in rows}) > 1 else "") + ":\n")
        out.append(_table(("Server", "Protocol", "full conn/s", "full CPU µs/conn",
                           "full handshake p50 µs", "resumed conn/s", "resumed CPU µs/conn",
                           "resumed handshake p50 µs", "resumed",
                           f"full/resumed CPU (≥{RESUME_SAVING_TARGET:g} for TLS "
                           f"{RESUME_TARGET_VERSION})"), rows, text_columns=2))
    return "\n".join(out)


def _tls_setup_text(data):
    tls, sizes = data.get("tls") or {}, data["sizes"]
    key = {"rsa": "RSA-2048", "ec": "ECDSA P-256"}.get(tls.get("key_type"), tls.get("key_type"))
    text = (f"{key} server certificate from a test CA (tests/support/tls_certs.py); "
            f"TLS-only servers: Redis `{' '.join(tls.get('redis_args') or [])}`, Redoubt "
            f"`{' '.join(tls.get('redoubt_args') or [])}`; "
            f"{sizes.get('n_tls_p1', 0):,} requests at -P 1, {sizes.get('n_tls_p16', 0):,} at "
            f"-P 16, {sizes.get('n_tls_conn', 0):,} connections at -k 0 "
            f"(redis-benchmark --tls), {sizes.get('n_handshakes', 0):,} connections per "
            f"redoubt-tls-connect run (full and resumed; "
            + " and ".join(f"TLS {v}" for v, _, _ in _handshake_versions(data) or
                           HANDSHAKE_PAIRS[:1]) + ")")
    if not tls.get("tls_connect"):
        text += " (redoubt-tls-connect not found: no handshake runs)"
    return text


def _acl_section(data):
    """Markdown lines of the "ACL" section: what ran, whether every request was allowed, and
    one row per server and scenario."""
    md, acl = markdown_section_start(
        "ACL: restricted user against the default user", data.get("acl"),
        "it predates the ACL phase (run_bench.py before results format 4)")
    if acl is None:
        return md
    summary = data["summary"].get("acl", {})
    sizes, user = acl["sizes"], acl["user"]
    base, restricted = acl["users"][0], acl["users"][1]
    md.append(
        f"Fresh Redoubt and Redis, pinned (servers on CPU {acl['mode']['server_cpus']}, "
        f"redis-benchmark on CPU {acl['mode']['client_cpus']}), each with the user "
        f"`{acl['rules']}`. Every scenario runs as the default user (`+@all ~*`: no check) and "
        f"as `--user {user}` (a command-bit test and key-pattern matching per key), alternating "
        f"{base}, {restricted}, {base}, {restricted} … on each server, {acl['reps']} runs each "
        f"after an unrecorded warm-up; {sizes['n_acl_p16']:,} requests per run at -P 16, "
        f"{sizes['n_acl_p1']:,} at -P 1, -c 50, 64-byte values, redis-benchmark's keys "
        "`key:__rand_int__` and `counter:__rand_int__`. "
        f"Ratio = {restricted} / {base}: the median of the per-rep ratios (each {restricted} run "
        f"over the {base} run just before it), min–max of those ratios in brackets. "
        f"Target (Redoubt, SET and GET): throughput ratio ≥ {ACL_RPS_TARGET:g} and CPU per "
        f"request ratio ≤ {ACL_CPU_TARGET:g}; Redis's own ratios are shown for context, INCR "
        "for information.")
    md.append("")
    runs = acl.get("runs", [])
    checked = [r for r in runs if (r.get("acl_check") or {}).get("verified")]
    allowed = [r for r in checked if r["acl_check"]["ok"]]
    probe = sum(r["acl_check"].get("probe_refused", 0) for r in checked
                if r.get("user") == restricted)
    other = sum(max(0, r["acl_check"].get("other_errors", 0)) for r in checked)
    text = (f"Every request allowed: {len(allowed)}/{len(runs)} measured runs checked with "
            "INFO commandstats (calls ≥ requests, no rejected or failed call of the measured "
            f"command) and INFO stats (error replies); {other} unexpected error replies. The "
            f"only refusals were redis-benchmark's start-up probe `CONFIG GET save` / "
            f"`appendonly` (`-@dangerous`): {probe} in the {restricted} runs of both servers, "
            "2 per run.")
    if len(checked) < len(runs):
        text += f" {len(runs) - len(checked)} run(s) could not be checked (see results.json)."
    md.append(text)
    logs = []
    for label, info in (acl.get("servers") or {}).items():
        entries = info.get("acl_log")
        if entries is None:
            continue
        logs.append(f"{label}: " + (", ".join(
            f"{e['reason']} `{e['object']}` ×{e['count']}" for e in entries) or "empty"))
    if logs:
        md.append("")
        md.append("ACL LOG at the end of the phase (warm-up runs included): "
                  + "; ".join(logs) + ".")
    for error in acl.get("errors", []):
        md += ["", f"Not measured: {error}."]
    md.append("")

    titles = {s["key"]: s for s in acl["scenarios"]}
    us = lambda v: _num(v, 3)
    rows = []
    for server in [s for s in ("redoubt", REFERENCE) if s in summary] + sorted(
            s for s in summary if s not in ("redoubt", REFERENCE)):
        for key, scen in titles.items():
            entry = summary[server].get(key)
            if not entry:
                continue
            judged = server == "redoubt" and scen.get("in_target", True)
            ratio = entry["ratio"]
            client = [client_cpu_cell(entry["users"][u].get("client_cpu_pct"))
                      for u in (base, restricted)]
            rows.append((server, scen["title"],
                         _spread(entry["users"][base].get("rps"), _rps),
                         _spread(entry["users"][restricted].get("rps"), _rps),
                         _acl_ratio(ratio.get("rps"), ACL_RPS_TARGET if judged else None,
                                    "ge"),
                         _spread(entry["users"][base].get("cpu_us_per_req"), us),
                         _spread(entry["users"][restricted].get("cpu_us_per_req"), us),
                         _acl_ratio(ratio.get("cpu_us_per_req"),
                                    ACL_CPU_TARGET if judged else None, "le"),
                         " / ".join(client)))
    if rows:
        md.append(_table(("Server", "Scenario", f"{base} rps", f"{restricted} rps",
                          f"rps {restricted}/{base} (≥{ACL_RPS_TARGET:g})",
                          f"{base} CPU µs/req", f"{restricted} CPU µs/req",
                          f"CPU {restricted}/{base} (≤{ACL_CPU_TARGET:g})",
                          f"client CPU {base} / {restricted}"), rows, text_columns=2))
        md.append("")
        md.append("✓/✗ only on Redoubt's SET and GET rows (the target). A ratio whose "
                  "min–max crosses 1.00 is within the noise of this machine; at -P 1 the "
                  "client (⚠) sets the rate, so the CPU ratio is the one that can show a cost.")
    else:
        md.append("No successful runs.")
    failed = [r for r in runs if not r.get("ok")]
    if failed:
        md += ["", "Failed runs:", ""] + [
            f"- {r['server']} {r.get('user')} {titles.get(r['scenario'], {}).get('title', '?')}"
            f" rep {r.get('rep')}: {r.get('error', '?')[:300]}" for r in failed]
    md.append("")
    return md


def _acl_ratio(r, threshold, direction):
    """'0.99× (0.97–1.01) ✓' for a per-rep ratio stats dict."""
    if not r:
        return "—"
    text = f"{r['median']:.3f}×"
    if r["n"] > 1:
        text += f" ({r['min']:.3f}–{r['max']:.3f})"
    return text + verdict(r["median"], threshold, direction)


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
    out_dir.mkdir(parents=True, exist_ok=True)  # gnuplot would write the PNG to stdout
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
    tls = data.get("tls") or {}
    has_tls = any(is_tls(s) for s in data["scenarios"])
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
    ] + ([
        ("Requests per run", f"{data['sizes']['n_p1']:,} at -P 1, {data['sizes']['n_p16']:,} "
                             f"at -P 16, {data['sizes']['n_conn']:,} connections at -k 0; "
                             f"always -c 50"
                             + ("; large values: see their section"
                                if any(map(is_large, data["scenarios"])) else "")),
    ] if any(not is_large(s) for s in data["scenarios"]) else []) + ([
        ("TLS", _tls_setup_text(data)),
    ] if tls.get("planned") else []), numeric=False))
    md.append("")

    md += ["## How the CPUs were shared", ""]
    for mode, info in data["modes"].items():
        threads = ", ".join(f"{s['label']}{suffix} {s['threads']} threads on CPUs "
                            f"{s['cpus_allowed']}"
                            for key, suffix in (("servers", ""), ("large_servers", " (large)"),
                                                ("tls_servers", " (TLS)"))
                            for s in info.get(key, {}).values())
        md.append(f"- **{mode}**: {info['description']} Observed: {threads}.")
    acl = data.get("acl") or {}
    if acl.get("servers"):
        threads = ", ".join(f"{s['label']} {s['threads']} threads on CPUs {s['cpus_allowed']}"
                            for s in acl["servers"].values())
        md.append(f"- **ACL phase** ({acl['mode']['name']}): fresh servers pinned as in the "
                  f"pinned mode (servers on CPU {acl['mode']['server_cpus']}, redis-benchmark "
                  f"on CPU {acl['mode']['client_cpus']}). Observed: {threads}.")
    types = data.get("types") or {}
    if types.get("servers"):
        threads = ", ".join(f"{s['label']} ({depth.upper()}) {s['threads']} threads on CPUs "
                            f"{s['cpus_allowed']}" for depth, servers in types["servers"].items()
                            for s in servers.values())
        md.append(f"- **Data-type tests** ({types['mode']['name']}): fresh servers per pipeline "
                  f"depth, pinned as in the pinned mode (servers on CPU "
                  f"{types['mode']['server_cpus']}, redis-benchmark on CPU "
                  f"{types['mode']['client_cpus']}); the memory loads unpinned. Observed: "
                  f"{threads}.")
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
               "of single runs. The dashed line is parity."
               + (" Right of the grey line are the TLS scenarios, whose SET/GET target is "
                  f"{TLS_RPS_TARGET:g}× (dotted)." if has_tls else ""), ""]

    for mode in data["modes"]:
        tables = _mode_tables(data, mode)
        if tables:
            md += [f"## Throughput, CPU and latency: {mode}", "", tables, ""]
    md += large_section(data)
    for mode in data["modes"]:
        tables = _tls_tables(data, mode)
        if tables:
            md += [f"## TLS: {mode}", "", tables, ""]
    if tls.get("skipped"):
        md += ["## TLS: not measured", ""] + [f"- {why}" for why in tls["skipped"]] + [""]
    md += _acl_section(data)
    md += migration_section(data, out_dir)
    md += rotation_section(data, out_dir)

    md += ["## Memory", "",
           f"Fresh server each, unpinned; {data['sizes']['keys']:,} unique keys `key:%07d` with "
           "64-byte values loaded with `redis-cli --pipe`, DBSIZE checked. RSS is VmRSS "
           "from /proc; used_memory from INFO memory (the server's own accounting).", ""]
    md.append(_memory_table(data) if data.get("memory") else "Not measured.")
    md.append("")
    md += types_section(data)
    md += snapshot_section(out_dir)
    md += aof_section(out_dir)
    md += replication_section(out_dir)
    md += cluster_section(out_dir)
    md += control_section(out_dir)
    md += secrets_section(out_dir)

    md += ["## Reading these tables", "",
           "- Ratios are Redoubt / Redis of the medians; ✓/✗ compare with the target. A ratio "
           "inside the other side's min–max spread is noise, not a result.",
           "- CPU µs/req is the server's utime+stime over all its threads during the run, "
           f"divided by the requests (clock tick {1e6 / data['clk_tck']:.0f} µs).",
           "- client CPU ⚠ ≥ 95%: redis-benchmark (single-threaded) saturated its CPU, so rps "
           "measures the client; compare CPU µs/req instead.",
           *(["- TLS: the client encrypts too, so at -P 1 it saturates earlier than in "
              "plaintext; a TLS/plaintext rps ratio with ⚠ on both rows measures "
              "redis-benchmark, and the CPU ratio beside it is the server's own cost of TLS."]
             if has_tls else []),
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
    # Plaintext first, then the redis-benchmark TLS scenarios (handshake runs are a single
    # sequential client: their rate is latency, not throughput, so they stay out of the chart;
    # the large-value group is judged on CPU, in its own table).
    scenarios = ([s for s in data["scenarios"] if not is_tls(s) and not is_large(s)]
                 + [s for s in data["scenarios"] if is_tls(s)
                    and s.get("tool", "redis-benchmark") == "redis-benchmark"])
    if not scenarios:  # --only large: nothing for this chart
        png_path.unlink(missing_ok=True)
        return False
    n_plain = sum(not is_tls(s) for s in scenarios)
    fd, dat_name = tempfile.mkstemp(prefix="redoubt-bench-", suffix=".dat")
    os.close(fd)
    dat = Path(dat_name)
    lines = []
    for s in scenarios:
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
    tls_marks = ""
    if 0 < n_plain < len(scenarios):
        # Histogram clusters sit at x = 0, 1, 2, ...: the TLS block starts at n_plain - 0.5.
        edge = n_plain - 0.5
        end = edge + sum(is_tls_request(s) for s in scenarios)  # the 1.1× target's extent
        tls_marks = (f"set arrow from first {edge}, graph 0 to first {edge}, graph 1 nohead "
                     f"lw 2 lc rgb 'gray40' back\n"
                     f"set arrow from first {edge}, first {TLS_RPS_TARGET} to first {end}, "
                     f"first {TLS_RPS_TARGET} nohead dt 3 lw 2 lc rgb 'dark-red' front\n"
                     f"set label 'TLS' at first {edge + 0.1}, graph 0.95 left\n")
    elif n_plain == 0:
        tls_marks = (f"set arrow from graph 0, first {TLS_RPS_TARGET} to graph 1, "
                     f"first {TLS_RPS_TARGET} nohead dt 3 lw 2 lc rgb 'dark-red' front\n")
    width = max(1200, 80 * len(scenarios) + 300)
    script = f"""
set terminal pngcairo size {width},520 font 'sans,10'
set output '{png_path}'
set title 'Redoubt / Redis throughput (rps) ratio, median of {data["reps"]} runs'
{tls_marks}set ylabel 'ratio'
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
    return run_gnuplot(script, dat)


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
