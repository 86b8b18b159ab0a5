# The RESULTS.md section of bench/cluster_bench.py (cluster mode's cost on one node, three
# shards, and failover time, on both servers), read from bench/cluster.json when it exists.
# Pure formatting.
from report_cells import median_ratio, saved_results
from report_snapshot import _cell

OVERHEAD_TARGET = 0.97  # cluster mode costs at most 3% of SET/GET throughput
CPU_TARGET = 1 / OVERHEAD_TARGET  # ... so at most 1/0.97 of the server CPU per request


def _ratio_cell(paired, a, b):
    """The median of the paired ratios with their range, or (older results) a / b of medians."""
    if paired:
        return (f"{paired['median']:.2f}× ({paired['min']:.2f}–{paired['max']:.2f})")
    return median_ratio(a, b)


def _cost_rows(s, suffix, fmt, vs_redis):
    """The one-node table's rows for a measure (suffix "" for throughput, "/cpu" for CPU per
    request), and Redoubt's cluster / plain ratio of each row that has both."""
    rows, ratios = [], []
    for pipeline in (16, 1):
        for test in ("SET", "GET"):
            ours_c, ours_p, theirs_c, theirs_p = (
                s.get(f"{kind}/{mode}/P{pipeline}/{test}{suffix}")
                for kind, mode in (("redoubt", "cluster"), ("redoubt", "plain"),
                                   ("redis", "cluster"), ("redis", "plain")))
            ours_r, theirs_r = (s.get(f"{kind}/paired/P{pipeline}/{test}{suffix}")
                                for kind in ("redoubt", "redis"))
            if ours_r:
                ratios.append(ours_r["median"])
            elif ours_c and ours_p:  # results from before the runs were paired
                ratios.append(ours_c["median"] / ours_p["median"])
            row = (f"| {test} | {pipeline} | {_cell(ours_c, fmt=fmt)} | {_cell(ours_p, fmt=fmt)} | "
                   f"{_ratio_cell(ours_r, ours_c, ours_p)} | "
                   f"{_ratio_cell(theirs_r, theirs_c, theirs_p)} |")
            if vs_redis:
                row += f" {median_ratio(ours_c, theirs_c)} |"
            rows.append(row)
    return rows, ratios


def _instruction_rows(out_dir):
    """The instructions per command of bench/cluster_instructions.py, when it has run."""
    data = saved_results(out_dir, "cluster_instructions.json")
    if data is None:
        return []
    per = data["per_command"]
    md = ["", "Instructions per command (`bench/cluster_instructions.py`: callgrind, the count "
              f"of the server's one I/O thread over {data['requests']:,} requests at -P 16, "
              "less that of the warm-up alone; keys of 16 bytes; the crons and the bus run on "
              "other threads): the same work counted exactly, where throughput on this machine "
              "spreads ten times wider than the target.", "",
          "| test | Redoubt cluster | Redoubt plain | cluster mode adds | target ≤ 3% |",
          "|---|---|---|---|---|"]
    for test in ("SET", "GET"):
        cluster, plain = per[f"cluster/{test}"], per[f"plain/{test}"]
        extra = cluster / plain - 1
        md.append(f"| {test} | {cluster:,.0f} | {plain:,.0f} | {cluster - plain:,.0f} "
                  f"({extra:+.1%}) | {'met' if extra <= 0.03 else 'not met'} |")
    return md


def cluster_section(out_dir):
    data = saved_results(out_dir, "cluster.json")
    if data is None:
        return []
    s = data["summary"]
    rps = "{:,.0f}"
    md = ["## Cluster mode", "",
          "`bench/cluster_bench.py`. **Cost on one node**: redis-benchmark `-c 50 -r 1000000 -d 64`"
          f", {data['requests_p16']:,} requests at -P 16 and {data['requests_p1']:,} at -P 1, "
          "on a node with `cluster-enabled yes` serving all 16,384 slots and on the same server "
          f"with cluster mode off; server pinned to CPU {data['cpus']['server']}, "
          f"redis-benchmark to CPU {data['cpus']['client']}. Runs alternate Redis, Redoubt, "
          f"{data['reps']} times, each server's plain and cluster runs back to back (in turns "
          "first); medians (min–max), and cluster / plain as the median (min–max) of each "
          "rep's pair, in which this machine's slow swings of speed cancel out.", "",
          "| test | P | Redoubt cluster rps | Redoubt plain rps | Redoubt cluster / plain | "
          "Redis cluster / plain | Redoubt vs Redis (cluster) |", "|---|---|---|---|---|---|---|"]
    rows, ratios = _cost_rows(s, "", rps, vs_redis=True)
    md += rows
    if ratios:
        worst = min(ratios)
        verdict = "✓" if worst >= OVERHEAD_TARGET else "✗"
        md += ["", f"Target: cluster mode ≥ {OVERHEAD_TARGET:.2f}× of the same node without, "
                   f"in every row: worst {worst:.2f}× {verdict}."]
    if s.get("redoubt/plain/P16/SET/cpu"):
        md += ["", "Server CPU per request (µs; the server process's utime + stime over each "
                   "run, divided by its requests): the same runs seen from the server, which "
                   "counts what cluster mode adds to each request whether or not the client "
                   "was the bottleneck. On this virtual machine it spreads as widely as "
                   "throughput does.", "",
               "| test | P | Redoubt cluster | Redoubt plain | Redoubt cluster / plain | "
               "Redis cluster / plain |", "|---|---|---|---|---|---|"]
        rows, ratios = _cost_rows(s, "/cpu", "{:.2f}", vs_redis=False)
        md += rows
        if ratios:
            worst = max(ratios)
            verdict = "✓" if worst <= CPU_TARGET else "✗"
            md += ["", f"Target in CPU: at most {CPU_TARGET:.2f}× the CPU per request of the same "
                       f"node without: worst {worst:.2f}× {verdict}."]
    md += _instruction_rows(out_dir)
    md += ["", "**Three shards**: three primaries of each server, `redis-benchmark --cluster -t "
               f"set,get -P 16 -n {data['requests_p16']:,}`; unpinned (three servers and the "
               "client on two cores).", "",
           "| test | Redoubt rps | Redis rps | Redoubt vs Redis |", "|---|---|---|---|"]
    for test in ("SET", "GET"):
        ours, theirs = s.get(f"redoubt/shards/{test}"), s.get(f"redis/shards/{test}")
        md.append(f"| {test} | {_cell(ours, fmt=rps)} | {_cell(theirs, fmt=rps)} | "
                  f"{median_ratio(ours, theirs)} |")
    ours, theirs = s.get("redoubt/failover"), s.get("redis/failover")
    md += ["", "**Failover**: three primaries with a replica each, `cluster-node-timeout "
               f"{data['node_timeout_ms']}`; a primary is killed (SIGKILL) and a client retries "
               "SET on its replica every 5 ms: the time from the kill to the first OK. Failure "
               "detection takes the node timeout; the election waits 500–1,000 ms more, as "
               "Redis's does. Unpinned.", "",
           "| | Redoubt | Redis | Redoubt vs Redis |", "|---|---|---|---|",
           f"| seconds to the first write on the new primary | {_cell(ours, fmt='{:.2f}')} | "
           f"{_cell(theirs, fmt='{:.2f}')} | {median_ratio(ours, theirs)} |", ""]
    return md
