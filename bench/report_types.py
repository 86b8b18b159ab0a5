# The RESULTS.md section and the Targets rows of the data-types phases (data_types.py):
# redis-benchmark's default tests at P=1 and P=16, pinned, judged on server CPU per request
# (≤ 1.0× Redis in every test), and memory per element of a million small hashes (≤ 0.8× Redis)
# and of one big hash, set, sorted set and list (≤ 1.0× in each). Pure formatting of the "types"
# block of results.json and of report.summarize()'s "types" entry; report.py calls it.
#
# Read first:
#   - A results.json without a "types" block (format 5 and older) gets a one-line note in place
#     of the section and no Targets row; one whose phases were skipped gets "Not run".
#   - The memory target metric is the growth of VmRSS while loading, per element, as the 1M-key
#     memory phase's; INFO used_memory is shown beside it where the server reports it.
from bench_util import markdown_section_start, markdown_table
from report_cells import cpu_rps_cells, cpu_rps_header, every_scenario_row

CPU_TARGET = 1.0
SMALL_MEMORY_TARGET = 0.8   # small hashes, Redoubt / Redis RSS growth per element
BIG_MEMORY_TARGET = 1.0     # each big aggregate, the same
CPU_TITLE = "Data-type tests: server CPU per request vs Redis"
SMALL_TITLE = "Memory per element, small hashes"
BIG_TITLE = "Memory per element, big aggregates"
REFERENCE = "redis"
RSS_METRIC = "delta_bytes_per_element"
USED_METRIC = "used_memory_bytes_per_element"


def _planned(data):
    types = data.get("types") or {}
    return types if types.get("planned") else None


def _pipelines(types):
    """[(pipeline, its scenarios)] in run order."""
    out = {}
    for s in types["scenarios"]:
        out.setdefault(s["pipeline"], []).append(s)
    return list(out.items())


def types_targets(data):
    """Targets rows: CPU per request at P=1 and at P=16, memory of the small hashes, memory of
    the big aggregates; none when the phases were not planned."""
    types = _planned(data)
    if not types:
        return []
    summary = data["summary"].get("types") or {}
    mode = types["mode"]["name"]
    ratios = (summary.get("ratios") or {}).get(mode, {}).get("redoubt", {})
    rows = []
    for pipeline, scenarios in _pipelines(types):
        titles = {s["key"]: s["title"] for s in scenarios}
        values = [(k, ratios[k]["cpu_us_per_req"]["median"]) for k in titles
                  if "cpu_us_per_req" in ratios.get(k, {})]
        rows.append(every_scenario_row(CPU_TITLE, f"{mode} P={pipeline}", values, CPU_TARGET,
                                       "le", titles, f"≤ {CPU_TARGET:.1f}× in every test",
                                       noun="tests"))
    memory = summary.get("memory") or {}
    small = [ds for ds in types["datasets"] if ds["small"]]
    big = [ds for ds in types["datasets"] if not ds["small"]]
    for ds in small:
        ratio = (memory.get(ds["key"], {}).get("ratio") or {}).get(RSS_METRIC)
        if ratio is None:
            rows.append((SMALL_TITLE, f"≤ {SMALL_MEMORY_TARGET:.1f}×", "memory", "no data", "n/a"))
            continue
        m = memory[ds["key"]]
        rows.append((SMALL_TITLE, f"≤ {SMALL_MEMORY_TARGET:.1f}×", "memory",
                     f"{ratio:.2f}× ({m['redoubt'][RSS_METRIC]:.1f} vs "
                     f"{m[REFERENCE][RSS_METRIC]:.1f} B/{ds['per']}, RSS growth)",
                     "met" if ratio <= SMALL_MEMORY_TARGET else "missed"))
    values = [(ds["key"], memory[ds["key"]]["ratio"][RSS_METRIC]) for ds in big
              if (memory.get(ds["key"], {}).get("ratio") or {}).get(RSS_METRIC) is not None]
    rows.append(every_scenario_row(BIG_TITLE, "memory", values, BIG_MEMORY_TARGET, "le",
                                   {ds["key"]: ds["title"] for ds in big},
                                   f"≤ {BIG_MEMORY_TARGET:.1f}× in every aggregate",
                                   noun="aggregates"))
    return rows


def types_section(data):
    """Markdown lines of the "Data types" section: the tests per pipeline, then memory."""
    md, types = markdown_section_start(
        "Data types", data.get("types"),
        "it predates the data-types phases (run_bench.py before results format 6)")
    if types is None:
        return md
    summary = data["summary"].get("types") or {}
    sizes, mode = types["sizes"], types["mode"]
    md.append(
        "redis-benchmark's default tests, one invocation per test so that each has its own "
        f"server CPU figure, against a fresh Redoubt and a fresh Redis per pipeline depth, "
        f"pinned (servers on CPU {mode['server_cpus']}, redis-benchmark on CPU "
        f"{mode['client_cpus']}), alternating, {types['reps']} runs each after an unrecorded "
        f"warm-up; `-c 50 -d 3`, no `-r` (each test's one literal key, as redis-benchmark's "
        f"defaults: SADD, HSET and ZADD re-add one member, SPOP and ZPOPMIN mostly find the key "
        f"gone). {sizes['n_types_p1']:,} requests per run at -P 1 and "
        f"{sizes['n_types_p16']:,} at -P 16, fewer for the LRANGE tests (see the runs in "
        "`results.json`). LRANGE_100 and LRANGE_600 send `LRANGE mylist 0 99` / `0 599` as a "
        "custom command, what `-t lrange_100` sends, on a list topped up to "
        f"{types['list_len']:,} elements first: `-t lrange_*` would run an LPUSH in the same "
        "invocation and mix its CPU in. Target: Redoubt's server CPU per request ≤ "
        f"{CPU_TARGET:.1f}× Redis's in every test. Cells are medians with min–max in brackets; "
        "a ratio's brackets are the extreme pairing of single runs.")
    md.append("")
    runs = (summary.get("runs") or {}).get(mode["name"], {})
    ratios = (summary.get("ratios") or {}).get(mode["name"], {}).get("redoubt", {})
    red, ref = runs.get("redoubt", {}), runs.get(REFERENCE, {})
    for pipeline, scenarios in _pipelines(types):
        rows = [(s["title"].rsplit(" P=", 1)[0], f"{s['requests']:,}")
                + cpu_rps_cells(red.get(s["key"], {}), ref.get(s["key"], {}),
                                ratios.get(s["key"], {}), CPU_TARGET)
                for s in scenarios if s["key"] in red or s["key"] in ref]
        md += [f"### P={pipeline}", ""]
        md.append(markdown_table(("Test", "requests") + cpu_rps_header(CPU_TARGET), rows)
                  if rows else "No successful runs.")
        md.append("")
    failed = [r for r in types.get("runs", []) if not r.get("ok")]
    if failed:
        titles = {s["key"]: s["title"] for s in types["scenarios"]}
        md += ["Failed runs:", ""] + [
            f"- {r['server']} {titles.get(r['scenario'], r['scenario'])} rep {r.get('rep')}: "
            f"{r.get('error', '?')[:300]}" for r in failed] + [""]
    md += _memory_lines(types, summary.get("memory") or {})
    return md


def _memory_lines(types, memory):
    n = types["sizes"]["type_elements"]
    md = ["### Memory per element", ""]
    md.append(
        f"A fresh server each (Redoubt, then Redis), unpinned; {n:,} elements loaded with "
        "`redis-cli --pipe`: small hashes `h:%07d` of 4 short fields (`HSET` each; listpack in "
        f"Redis), or one key of {n:,} members in commands of {types['batch']} (`HSET bighash`, "
        "`SADD bigset` of non-integer members, `ZADD bigzset`, `RPUSH biglist`), or a stream of "
        f"{n:,} entries of one small field (`XADD bigstream <id> field <n>` each, 50 ids per "
        "millisecond), then the count checked (DBSIZE, HLEN, SCARD, ZCARD, LLEN, XLEN) and "
        "OBJECT ENCODING read. Δ RSS is the "
        "growth of VmRSS while loading, per element (the target metric: small hashes ≤ "
        f"{SMALL_MEMORY_TARGET:.1f}× Redis, each big aggregate ≤ {BIG_MEMORY_TARGET:.1f}×); "
        "Δ used_memory is INFO memory's, where the server reports it.")
    md.append("")
    entries = {(e.get("dataset"), e["server"]): e for e in types.get("memory", [])}
    rows = []
    for ds in types["datasets"]:
        a, b = entries.get((ds["key"], "redoubt")), entries.get((ds["key"], REFERENCE))
        if not a and not b:
            continue
        m = memory.get(ds["key"], {})
        per = lambda server, metric: (f"{m[server][metric]:.1f}"
                                      if (m.get(server) or {}).get(metric) is not None else "—")
        ratio = m.get("ratio") or {}
        target = SMALL_MEMORY_TARGET if ds["small"] else BIG_MEMORY_TARGET
        rss_ratio = ratio.get(RSS_METRIC)
        rows.append((
            ds["title"], f"B/{ds['per']}",
            " / ".join(_counted(e) for e in (a, b)),
            " / ".join((e or {}).get("encoding") or "—" for e in (a, b)),
            per("redoubt", RSS_METRIC), per(REFERENCE, RSS_METRIC),
            (f"{rss_ratio:.2f}× {'✓' if rss_ratio <= target else '✗'} (≤{target:.1f})"
             if rss_ratio is not None else "—"),
            per("redoubt", USED_METRIC), per(REFERENCE, USED_METRIC),
            f"{ratio[USED_METRIC]:.2f}×" if ratio.get(USED_METRIC) else "—",
            " / ".join(f"{e['rss_after'] / 2**20:.1f}" if e and "rss_after" in e else "—"
                       for e in (a, b)),
            " / ".join(f"{e['load_s']:.1f}" if e and "load_s" in e else "—" for e in (a, b))))
    md.append(markdown_table(
        ("Data set", "unit", "counted R / D", "encoding R / D", "Redoubt Δ RSS", "Redis Δ RSS",
         "Δ RSS R/D", "Redoubt Δ used_memory", "Redis Δ used_memory", "used_memory R/D",
         "RSS after MiB R / D", "load s R / D"), rows, text_columns=2)
              if rows else "Not measured.")
    failed = [e for e in types.get("memory", []) if not e.get("ok")]
    if failed:
        md += ["", "Failed loads:", ""] + [
            f"- {e.get('dataset')} on {e['server']}: {e.get('error', '?')[:300]}"
            for e in failed]
    md.append("")
    return md


def _counted(entry):
    if not entry:
        return "—"
    if entry.get("counted") is None:
        return "FAILED" if not entry.get("ok") else "—"
    return f"{entry['counted']:,}" + ("" if entry.get("ok") else " (FAILED)")
