# The RESULTS.md section of bench/replication_bench.py (what replication costs a primary, and a
# full sync, on both servers), read from bench/replication.json when it exists. Pure formatting.
from report_cells import median_ratio, saved_results
from report_snapshot import _cell


def replication_section(out_dir):
    data = saved_results(out_dir, "replication.json")
    if data is None:
        return []
    s = data["summary"]
    md = ["## Replication", "",
          "`bench/replication_bench.py`: redis-benchmark `-t set -c 50 -r 1000000 -d 64`, "
          f"{data['requests_p16']:,} requests at -P 16 and {data['requests_p1']:,} at -P 1, on "
          "a primary with no replica and with two replicas of the same server attached. The "
          f"primary is pinned to CPU {data['cpus']['primary']}; the two replicas and "
          f"redis-benchmark share CPU {data['cpus']['replicas_and_client']}, the replicas at "
          f"nice {data.get('replica_niceness', 0)}: they stand in for the separate hosts "
          "replicas run on, taking the CPU the client leaves. *Primary CPU/request* (its "
          "user+system time over the requests) is what replication costs the primary itself; "
          "*catch-up s* is how long after the run the replicas took to reach the primary's "
          f"offset (what their lower priority deferred). Runs alternate Redis, Redoubt, "
          f"{data['reps']} times; medians (min–max).", "",
          "| P | replicas | Redoubt rps | Redis rps | Redoubt vs Redis | Redoubt vs none | "
          "Redis vs none | Redoubt primary µs/req | Redis primary µs/req | Redoubt CPU vs none | "
          "Redoubt catch-up s | Redis catch-up s |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for pipeline in (16, 1):
        for replicas in (0, 2):
            ours = s.get(f"redoubt/{replicas}/P{pipeline}", {})
            theirs = s.get(f"redis/{replicas}/P{pipeline}", {})
            ours0 = s.get(f"redoubt/0/P{pipeline}", {})
            theirs0 = s.get(f"redis/0/P{pipeline}", {})
            md.append(
                f"| {pipeline} | {replicas} | {_cell(ours.get('rps'), fmt='{:,.0f}')} | "
                f"{_cell(theirs.get('rps'), fmt='{:,.0f}')} | "
                f"{median_ratio(ours.get('rps'), theirs.get('rps'))} | "
                f"{median_ratio(ours.get('rps'), ours0.get('rps'))} | "
                f"{median_ratio(theirs.get('rps'), theirs0.get('rps'))} | "
                f"{_cell(ours.get('primary_cpu_us'), fmt='{:.2f}')} | "
                f"{_cell(theirs.get('primary_cpu_us'), fmt='{:.2f}')} | "
                f"{median_ratio(ours.get('primary_cpu_us'), ours0.get('primary_cpu_us'))} | "
                f"{_cell(ours.get('catch_up_s'), fmt='{:.2f}') if replicas else '–'} | "
                f"{_cell(theirs.get('catch_up_s'), fmt='{:.2f}') if replicas else '–'} |")
    two = s.get("redoubt/2/P16", {}).get("rps")
    none = s.get("redoubt/0/P16", {}).get("rps")
    if two and none:
        ratio = two["median"] / none["median"]
        def cpu(server, pipeline):
            return median_ratio(s.get(f"{server}/2/P{pipeline}", {}).get("primary_cpu_us"),
                                s.get(f"{server}/0/P{pipeline}", {}).get("primary_cpu_us"))

        md += ["", f"Target: SET P16 with two replicas ≥ 0.9× without: {ratio:.2f}× "
                   f"{'✓' if ratio >= 0.9 else '✗'}. The primary's own CPU per request with two "
                   f"replicas, against none: {cpu('redoubt', 16)} at P16 (Redis "
                   f"{cpu('redis', 16)}), {cpu('redoubt', 1)} at P1 (Redis {cpu('redis', 1)})."]
    ours, theirs = s.get("redoubt/sync"), s.get("redis/sync")
    if ours and theirs:
        mib = 1 << 20
        md += ["", f"Full sync of about {data['sync_gb']:g} GiB (`used_memory` Redoubt "
                   f"{ours['used_memory']['median'] / mib:,.0f} MiB, Redis "
                   f"{theirs['used_memory']['median'] / mib:,.0f} MiB): from the replica's start "
                   "to its link being up (snapshot streamed and loaded), and the primary's peak "
                   "extra memory meanwhile (RSS growth, plus the private pages of Redis's forked "
                   "child).", "",
               "| | Redoubt | Redis | Redoubt vs Redis |", "|---|---|---|---|",
               f"| seconds | {_cell(ours['seconds'], fmt='{:.2f}')} | "
               f"{_cell(theirs['seconds'], fmt='{:.2f}')} | "
               f"{median_ratio(ours['seconds'], theirs['seconds'])} |",
               f"| peak extra MiB | {ours['peak_extra_bytes']['median'] / mib:,.0f} | "
               f"{theirs['peak_extra_bytes']['median'] / mib:,.0f} | "
               f"{median_ratio(ours['peak_extra_bytes'], theirs['peak_extra_bytes'])} |"]
    md.append("")
    return md
