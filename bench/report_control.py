# The RESULTS.md section of bench/control_bench.py (the control plane: create to first write,
# Describe latency under concurrent callers) and of bench/control_migration.py (the seeds'
# migration of a 3×2 group under load), read from their JSON files when they exist. Pure
# formatting.
from report_cells import median_min_max as _cell
from report_cells import saved_results

CREATE_TARGET_S = 3.0
DESCRIBE_P99_TARGET_MS = 20.0
DIP_TARGET = 0.05


def control_section(out_dir):
    data = saved_results(out_dir, "control.json")
    if data is None:
        return []
    md = ["## Control plane", "",
          "`bench/control_bench.py`: boto3 CreateReplicationGroup (cluster mode) then a redis-py "
          "`RedisCluster` on the configuration endpoint and its first SET, "
          f"{data['reps']} times per size; then {data['callers']} callers replaying one signed "
          f"DescribeReplicationGroups over HTTP ({data['requests_per_caller']} requests each per "
          "rep) against a control plane running one 3×2 group. Client, control plane and nodes "
          "share the two cores unpinned. Medians (min–max) of the reps.", "",
          "| shards × replicas | nodes | create call (s) | create to first write (s) | "
          f"target < {CREATE_TARGET_S:.0f} s | delete (s) |",
          "|---|---|---|---|---|---|"]
    for size, c in data["create"].items():
        ok = "met" if c["first_write_s"]["median"] < CREATE_TARGET_S else "not met"
        md.append(f"| {size.replace('x', ' × ')} | {c['nodes']} | {_cell(c['create_s'])} | "
                  f"{_cell(c['first_write_s'])} | {ok} | {_cell(c['delete_s'])} |")
    d = data["describe"]
    ok = "met" if d["p99_ms"]["median"] < DESCRIBE_P99_TARGET_MS else "not met"
    md += ["", f"| Describe, {data['callers']} callers | p50 (ms) | p99 (ms) | max (ms) | "
               f"target p99 < {DESCRIBE_P99_TARGET_MS:.0f} ms | errors |",
           "|---|---|---|---|---|---|",
           f"| DescribeReplicationGroups | {_cell(d['p50_ms'], '{:.1f}')} | "
           f"{_cell(d['p99_ms'], '{:.1f}')} | {_cell(d['max_ms'], '{:.1f}')} | {ok} | "
           f"{data['describe_errors']} |", "",
           "Where the time goes: spawning the nodes until each answers PING, meeting every node "
           "directly, assigning slots and replicas, and waiting until every node sees every "
           "replica. Redis Cluster's 2 s writable delay applies to a primary restarted from its "
           "nodes.conf only (a new node has no configuration its peers could have moved on "
           "from), so a new group's primaries take writes once their slots are assigned. "
           "A single caller's Describe takes 0.2 ms "
           f"(p50); the {data['callers']} callers are "
           + (f"{data['caller_processes']} processes of {data['callers'] // data['caller_processes']} "
              "threads each" if data.get("caller_processes") else "threads of one process")
           + ", on the same two cores as the control plane.", ""]
    return md + migration_section(out_dir)


def migration_section(out_dir):
    data = saved_results(out_dir, "control_migration.json")
    if data is None:
        return []
    s = data["summary"]

    def cell(key, fmt):
        v = {k: (0.0 if abs(x) < 5e-4 else x) for k, x in s[key].items()}  # no "-0.0%"
        return f"{fmt.format(v['median'])} ({fmt.format(v['min'])}–{fmt.format(v['max'])})"

    def dip_ok(key):
        return "met" if s[key]["max"] < DIP_TARGET else "not met"
    failed = s["tls_failed_ops"]["max"] + s["plain_failed_ops_before_required"]["max"]
    return [
        "### The seeds' migration, 3 × 2 under load", "",
        "`bench/control_migration.py`: a cluster-mode group of 3 shards × 2 replicas created "
        "with TLS off; redoubt-downtime `--cluster` on the configuration endpoint at "
        f"{data['rate']:,} reads/s (plaintext from the start; TLS, verified with the control "
        "plane's CA, from preferred on); ModifyReplicationGroup to preferred, then to required, "
        f"each after {data['baseline_s']:g} s of steady load, polled every 0.25 s. Dwell "
        f"{data['dwell_s']:g} s. {data['reps']} reps, medians (min–max); control plane, nine "
        "nodes and the testers share the two cores unpinned.", "",
        "| | preferred | required | target |",
        "|---|---|---|---|",
        f"| time `modifying` beyond the dwell (s) | {cell('preferred_beyond_dwell_s', '{:.2f}')} | "
        f"{cell('required_beyond_dwell_s', '{:.2f}')} | |",
        f"| throughput dip while `modifying` | {cell('preferred_dip', '{:.1%}')} (plaintext "
        f"client) | {cell('required_dip', '{:.1%}')} (TLS client) | < 5%: "
        f"{dip_ok('preferred_dip')}, {dip_ok('required_dip')} |",
        f"| slowest second while `modifying`, against the baseline | "
        f"{cell('preferred_worst_second_dip', '{:.1%}')} | "
        f"{cell('required_worst_second_dip', '{:.1%}')} | < 5%: "
        f"{dip_ok('preferred_worst_second_dip')}, {dip_ok('required_worst_second_dip')} |",
        f"| failed operations | plaintext before required: "
        f"{s['plain_failed_ops_before_required']['max']:.0f} | TLS: "
        f"{s['tls_failed_ops']['max']:.0f} | 0: {'met' if failed == 0 else 'not met'} |", "",
        f"![migration of a 3×2 group]({data['chart']})", "",
        "The testers offer a fixed rate, so a dip of 0.0% means that every second of the step "
        "was served in full: no failure and no stall of a second or more (a shorter one that "
        "the tester made up within its second does not show; a negative dip is a catch-up). "
        "The plaintext client's failures after required are the point of required and are not "
        "counted.", ""]
