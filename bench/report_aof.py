# The RESULTS.md section of bench/aof_bench.py (what the append-only file costs on the write
# path, on both servers), read from bench/aof.json when it exists. Pure formatting.
from report_cells import median_ratio, saved_results
from report_snapshot import _cell

MODES = ("off", "everysec", "everysec+rewrite", "always")


def aof_section(out_dir):
    data = saved_results(out_dir, "aof.json")
    if data is None:
        return []
    s = data["summary"]
    md = ["## Append-only file (write path)", "",
          f"`bench/aof_bench.py`: redis-benchmark `-t set -c 50 -r 1000000 -d 64`, "
          f"{data['requests_p16']:,} requests at -P 16 and {data['requests_p1']:,} at -P 1, "
          "on a fresh server per run in a fresh directory: without AOF, with `appendonly yes` "
          "and `appendfsync everysec`, and with `appendfsync always`, these two with automatic "
          "rewrites off (`auto-aof-rewrite-percentage 0`: the write path alone); "
          "*everysec+rewrite* keeps the default automatic rewrite (100%, 64 MB), which the -P 16 "
          "run reaches once: a rewrite is one pass over the dataset each time the AOF doubles, "
          "so its share depends on how long the run is, not on the write path. Servers pinned "
          f"to CPU {data['cpus']['server']} (Redoubt's AOF writer and rewrite threads share it; "
          "Redis's fork child too), redis-benchmark "
          f"to CPU {data['cpus']['clients']}; runs alternate Redis, Redoubt, {data['reps']} "
          "times per mode. Medians (min–max); *vs off* is the server against itself without "
          "AOF, *vs Redis* Redoubt against Redis in the same mode; *CPU µs/req* is the server's "
          "CPU time over the requests, a rewrite's included (Redis's child once reaped). The "
          "disk is the machine's virtual disk: `always` measures its fdatasync.", "",
          "| P | mode | Redoubt rps | Redis rps | Redoubt vs Redis | Redoubt vs off | "
          "Redis vs off | Redoubt CPU µs/req | Redis CPU µs/req | rewrites | Redoubt p99 ms | "
          "Redis p99 ms |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for pipeline in (16, 1):
        for mode in MODES:
            ours = s.get(f"redoubt/{mode}/P{pipeline}", {})
            theirs = s.get(f"redis/{mode}/P{pipeline}", {})
            ours_off = s.get(f"redoubt/off/P{pipeline}", {})
            theirs_off = s.get(f"redis/off/P{pipeline}", {})
            rewrites = "–"
            if ours.get("rewrites") and theirs.get("rewrites"):
                rewrites = (f"{ours['rewrites']['median']:.0f} / "
                            f"{theirs['rewrites']['median']:.0f}")
            md.append(
                f"| {pipeline} | {mode} | {_cell(ours.get('rps'), fmt='{:,.0f}')} | "
                f"{_cell(theirs.get('rps'), fmt='{:,.0f}')} | "
                f"{median_ratio(ours.get('rps'), theirs.get('rps'))} | "
                f"{median_ratio(ours.get('rps'), ours_off.get('rps'))} | "
                f"{median_ratio(theirs.get('rps'), theirs_off.get('rps'))} | "
                f"{_cell(ours.get('server_cpu_us'), fmt='{:.2f}')} | "
                f"{_cell(theirs.get('server_cpu_us'), fmt='{:.2f}')} | {rewrites} | "
                f"{_cell(ours.get('p99_ms'), fmt='{:.2f}')} | "
                f"{_cell(theirs.get('p99_ms'), fmt='{:.2f}')} |")
    every = s.get("redoubt/everysec/P16", {}).get("rps")
    off = s.get("redoubt/off/P16", {}).get("rps")
    if every and off:
        ratio = every["median"] / off["median"]
        md += ["", f"Target: SET P16 with `appendfsync everysec` ≥ 0.9× without AOF (the "
                   f"write path, rewrites apart): {ratio:.2f}× {'✓' if ratio >= 0.9 else '✗'}."]
        with_rewrite = s.get("redoubt/everysec+rewrite/P16", {}).get("rps")
        if with_rewrite:
            md[-1] += (f" With the run's automatic rewrite: "
                       f"{with_rewrite['median'] / off['median']:.2f}×.")
    md.append("")
    return md
