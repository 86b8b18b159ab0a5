# The RESULTS.md section of bench/snapshot_bench.py (BGSAVE of ~1 GB on both servers), read from
# bench/snapshot.json when it exists. Pure formatting.
from report_cells import saved_results


def _cell(stat, scale=1.0, fmt="{:.1f}"):
    if not stat:
        return "–"
    return (fmt.format(stat["median"] * scale) + " (" + fmt.format(stat["min"] * scale) + "–"
            + fmt.format(stat["max"] * scale) + ")")


def snapshot_section(out_dir):
    data = saved_results(out_dir, "snapshot.json")
    if data is None:
        return []
    s = data["summary"]
    mib = 1 / 2**20
    md = ["## Snapshots (BGSAVE)", "",
          f"`bench/snapshot_bench.py`: {data['keys']:,} keys of {data['value_bytes']} B "
          f"(~{data['keys'] * data['value_bytes'] / 1e9:.1f} GB of values) loaded in both servers; "
          f"BGSAVE alternating Redis, Redoubt, {data['reps']} times each, idle and while "
          "redis-benchmark overwrites random keys (SET -P 16 -c 4). Servers pinned to CPU "
          f"{data['cpus']['server']}, probe and writer to CPU {data['cpus']['clients']}. The probe "
          "sends SET+GET one round trip at a time; *stall* is its longest round trip during the "
          "save (*before*: during the second before it), which includes the client's own "
          "scheduling on a shared CPU. *All wait*: the pause every client waits for (Redis: "
          "fork, INFO latest_fork_usec; Redoubt: the start, every shard held, INFO "
          "rdb_last_snapshot_begin_usec). *Shard hold*: the longest a Redoubt walk step held one "
          "of its 64 shards (rdb_last_snapshot_max_step_usec). Extra RSS: peak RSS of the "
          "server and its children during the save minus before (for Redis it counts the "
          "child's pages shared with the parent, so its COW column is the cost); COW: INFO rdb_last_cow_size "
          "(Redis: the child's copied pages; Redoubt: the encoded keys kept before a change). "
          "*redoubt-encrypted*: the same server saving with `rdb-encryption-key-file` set "
          "(AES-256-GCM in 64 KiB chunks). Medians (min–max).", "",
          "| server | load | save s | all wait ms | shard hold ms | probe stall ms | before ms | "
          "extra RSS MiB | COW MiB | file MiB |", "|---|---|---|---|---|---|---|---|---|---|"]
    for label in ("redis", "redoubt", "redoubt-encrypted"):
        for load in ("idle", "writes"):
            r = s.get(f"{label}/{load}")
            if not r:
                continue
            md.append(f"| {label} | {load} | {_cell(r['seconds'], fmt='{:.2f}')} | "
                      f"{_cell(r['world_pause_ms'], fmt='{:.2f}')} | "
                      f"{_cell(r['shard_hold_ms'], fmt='{:.2f}')} | "
                      f"{_cell(r['probe_worst_ms'])} | {_cell(r['probe_baseline_worst_ms'])} | "
                      f"{_cell(r['rss_peak_extra'], mib, '{:.0f}')} | "
                      f"{_cell(r['cow_bytes'], mib, '{:.0f}')} | "
                      f"{_cell(r['file_bytes'], mib, '{:.0f}')} |")
    md.append("")
    return md
