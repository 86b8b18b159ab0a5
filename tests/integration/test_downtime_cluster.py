# redoubt-downtime --cluster against six Redoubt nodes (three primaries, three replicas), each on
# a loopback address of its own (127.0.14.x):
#   - left alone: keys on every shard, every shard read, nothing fails;
#   - a primary killed (SIGKILL) during the run: failures and downtime on its shard's row only,
#     the tool follows the replica that takes over, and no value acknowledged before the run is
#     lost (--wait-replicas 1: the replica had every prefilled key before the kill);
#   - slots migrated during the run, by hand (SETSLOT IMPORTING/MIGRATING, MIGRATE, SETSLOT NODE)
#     and by redis-cli --cluster reshard: ASK and MOVED followed, no failed operation.
# The tests wait on what the tool and the nodes report (its progress lines, INFO commandstats),
# never a fixed time.
import json
import os
import signal
import subprocess
import time

import pytest

from support.cluster_nodes import agree, all_ok, create, text
from support.resp_client import RespClient, unwrap
from support.tools import REDIS_CLI, redoubt_tool_or_skip, run_tool, wait_for

# Six nodes, a failover or a resharding; several times slower under ASan on two loaded cores.
pytestmark = pytest.mark.redoubt_timeout(300)


@pytest.fixture
def downtime_tool():
    return redoubt_tool_or_skip("redoubt-downtime", "--cluster")


def create_six(cluster, base, extra=()):
    nodes = [cluster(f"{base}.{i}", extra=extra) for i in range(1, 7)]
    out = create(nodes, replicas=1)
    assert "[ERR]" not in out, out
    return nodes


def layout(nodes):
    """{primary node: its replica node}"""
    by_name = {n.name(): n for n in nodes}
    out = {}
    for n in nodes:
        primary = n.primary_of()
        if primary is not None:
            out[by_name[primary]] = n
    assert len(out) == 3, out
    return out


def get_calls(node):
    """GETs the node has executed (a GET it answered with MOVED or ASK is not counted)."""
    row = node.info("commandstats").get("cmdstat_get", "")
    return int(row.split("calls=")[1].split(",")[0]) if "calls=" in row else 0


def slot_ranges(node):
    """{primary endpoint: "first-last,..."} as CLUSTER SLOTS gives them, in slot order."""
    ranges = {}
    for first, last, primary, *_ in sorted(text(node.call("CLUSTER", "SLOTS"))):
        endpoint = f"{primary[0]}:{primary[1]}"
        name = str(first) if first == last else f"{first}-{last}"
        ranges[endpoint] = ranges[endpoint] + "," + name if endpoint in ranges else name
    return ranges


class ClusterDowntime:
    """redoubt-downtime --cluster in the background until its stop file appears. Its progress
    lines (stderr, one a second) go to a file the test reads for the tool's own counters."""

    def __init__(self, tool, seed, workdir, label, extra=()):
        self.stop_file = workdir / f"stop-{label}"
        self.report_path = workdir / f"report-{label}.json"
        self.progress_path = workdir / f"progress-{label}.txt"
        self.summary_path = workdir / f"summary-{label}.txt"
        with open(self.progress_path, "w") as err, open(self.summary_path, "w") as out:
            self.proc = subprocess.Popen(
                [str(tool), "--cluster", "--host", seed.address, "--port", str(seed.port),
                 "--prefill-seconds", "1", "--key-prefix", f"dt:{label}:", "--until-file",
                 str(self.stop_file), "--max-seconds", "280", "--connect-timeout-ms", "1000",
                 "--op-timeout-ms", "5000", "--report", str(self.report_path), "--label",
                 label, *extra],
                stdout=out, stderr=err, start_new_session=True)

    def progress(self):
        """The last progress line's fields ({"phase": "run", "ok": "123", ...}); {} before the
        first line."""
        lines = [line for line in self.progress_path.read_text().splitlines()
                 if line.startswith("[")]
        if not lines:
            return {}
        return dict(f.split("=", 1) for f in lines[-1].split() if "=" in f)

    def counter(self, name):
        return int(self.progress().get(name, "0").rstrip("ms"))

    def lines(self):
        return sum(1 for line in self.progress_path.read_text().splitlines()
                   if line.startswith("["))

    def wait_lines(self, count):
        """Until `count` more progress lines were printed (each has the totals of its moment)."""
        target = self.lines() + count
        wait_for(lambda: self.proc.poll() is None and self.lines() >= target,
                 f"{count} more progress lines")

    def wait_progress(self, predicate, what, timeout=60):
        wait_for(lambda: self.proc.poll() is None and predicate(self.progress()), what, timeout)

    def wait_for_run_phase(self):
        self.wait_progress(lambda p: p.get("phase") == "run", "redoubt-downtime's read phase")

    def stop(self):
        self.stop_file.touch()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()
        output = self.summary_path.read_text() + self.progress_path.read_text()[-3000:]
        assert self.proc.returncode == 0, f"exit {self.proc.returncode}\n{output}"
        report = json.loads(self.report_path.read_text())
        report["_summary"] = self.summary_path.read_text()
        return report

    def kill(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


FAILURE_COUNTERS = ("failed", "connection_errors", "timeout_errors", "data_errors")


def failures_of(counters):
    return sum(counters[k] for k in FAILURE_COUNTERS)


def shard_of(report, endpoint):
    """The report's shard whose first primary was `endpoint`."""
    (shard,) = [s for s in report["shards"] if s["primaries"][0]["address"] == endpoint]
    return shard


def explain(report):
    return report["_summary"] + json.dumps(
        {k: report[k] for k in ("totals", "shards", "stop_reason")}, indent=1) + "\n" + \
        json.dumps(report["failures"][:5], indent=1)


def test_undisturbed_cluster_every_shard_is_read_and_nothing_fails(cluster, tmp_path,
                                                                   downtime_tool):
    nodes = create_six(cluster, "127.0.14")
    primaries = list(layout(nodes))
    ranges = slot_ranges(nodes[0])
    run = ClusterDowntime(downtime_tool, nodes[0], tmp_path, "calm")
    try:
        run.wait_for_run_phase()
        wait_for(lambda: all(get_calls(p) >= 200 for p in primaries), "reads on every primary")
        report = run.stop()
    finally:
        run.kill()

    print(report["_summary"])
    totals = report["totals"]
    assert report["cluster"] is True and report["prefill_keys"] > 0, explain(report)
    assert failures_of(totals) == 0 and totals["downtime_ms"] == 0, explain(report)
    assert totals["moved"] == 0 and totals["asks"] == 0, explain(report)
    assert report["failures"] == [], explain(report)
    # One shard per primary, named by the slots CLUSTER SLOTS gives it, each written and read.
    assert len(report["shards"]) == 3, explain(report)
    assert {s["primaries"][0]["address"]: s["slots"] for s in report["shards"]} == ranges
    for shard in report["shards"]:
        assert len(shard["primaries"]) == 1, explain(report)
        assert shard["totals"]["ok"] > 0 and failures_of(shard["totals"]) == 0, explain(report)
    assert sum(s["totals"]["ok"] for s in report["shards"]) == totals["ok"]
    for p in primaries:
        assert unwrap(p.call("DBSIZE")) > 0, p.endpoint
    # Each row of the per-second table carries the redirection counters.
    assert all("moved" in row and "asks" in row for row in report["per_second"])


def test_a_killed_primary_fails_only_its_shard_and_its_replica_takes_over(cluster, tmp_path,
                                                                         downtime_tool):
    # With cluster-require-full-coverage yes (Redis's default) every node answers CLUSTERDOWN
    # from the moment the primary is marked failed until its replica is elected, so every shard
    # would fail for that second; with "no" the other shards serve on, which is what a cluster
    # that must stay available runs with, and what this test is about.
    nodes = create_six(cluster, "127.0.14", extra=["--cluster-require-full-coverage", "no"])
    shards = layout(nodes)
    for replica in shards.values():
        wait_for(lambda r=replica: r.info("replication").get("master_link_status") == "up",
                 "replication links")
    # The seed itself dies: the tool must find the map elsewhere.
    seed = nodes[0]
    victim = seed if seed in shards else next(iter(shards))
    heir = shards[victim]
    others = [n for n in nodes if n is not victim]
    run = ClusterDowntime(downtime_tool, seed, tmp_path, "kill", extra=["--wait-replicas", "1"])
    try:
        run.wait_for_run_phase()
        wait_for(lambda: get_calls(victim) >= 200, "reads on the victim")
        killed_at = time.time()
        os.kill(victim.server.pid, signal.SIGKILL)
        victim.server.proc.wait()
        wait_for(lambda: heir.role() == "master", "the replica's promotion")
        promoted_at = time.time()
        wait_for(lambda: all_ok(others), "cluster_state ok")
        # The tool reads the lost shard's keys from its new primary (a replica executes no GET
        # of the tool's: it reads only from the primaries of its slot map).
        wait_for(lambda: get_calls(heir) >= 200, "reads on the new primary")
        report = run.stop()
    finally:
        run.kill()

    print(report["_summary"])
    assert report["replicas_acked"] >= 1, explain(report)
    lost = shard_of(report, victim.endpoint)
    kept = [s for s in report["shards"] if s is not lost]
    print(f"failover: promoted {promoted_at - killed_at:.2f} s after the kill; shard "
          f"{lost['slots']}: {failures_of(lost['totals'])} failed operations, downtime "
          f"{lost['totals']['downtime_ms']:.0f} ms; client downtime "
          f"{report['totals']['downtime_ms']:.0f} ms; other shards: "
          + ", ".join(f"{s['slots']} failed {failures_of(s['totals'])} downtime "
                      f"{s['totals']['downtime_ms']:.0f} ms" for s in kept))
    # The lost shard failed, then was served by the replica that took over.
    assert [p["address"] for p in lost["primaries"]] == [victim.endpoint, heir.endpoint], \
        explain(report)
    assert lost["primaries"][1]["since_unix"] > killed_at - 1, explain(report)
    assert failures_of(lost["totals"]) > 0 and lost["totals"]["downtime_ms"] > 0, explain(report)
    assert lost["totals"]["ok"] > 0, explain(report)
    # The other shards never failed.
    for shard in kept:
        assert failures_of(shard["totals"]) == 0, explain(report)
        assert shard["totals"]["downtime_ms"] == 0 and shard["totals"]["ok"] > 0, explain(report)
        assert len(shard["primaries"]) == 1, explain(report)
    assert all(f["shard"] == lost["slots"] for f in report["failures"]), explain(report)
    assert all(f["t"] > killed_at - 1 for f in report["failures"]), explain(report)
    # The client was failing only while operations on the lost shard were.
    assert 0 < report["totals"]["downtime_ms"] <= lost["totals"]["downtime_ms"] + 1, \
        explain(report)
    # Every prefilled value had reached the replica before the run (WAIT): none may read wrong.
    assert report["totals"]["data_errors"] == 0, explain(report)


def migrate_by_hand(source, target, slots):
    """Redis's resharding steps for `slots`, up to the last: IMPORTING on the target, MIGRATING
    on the source, then every key moved with MIGRATE. Reads of those slots now get ASK."""
    source_id, target_id = source.name(), target.name()
    with RespClient(source.address, source.port) as src, \
            RespClient(target.address, target.port) as dst:
        for slot in slots:
            assert text(dst.call("CLUSTER", "SETSLOT", slot, "IMPORTING", source_id)) == "OK"
            assert text(src.call("CLUSTER", "SETSLOT", slot, "MIGRATING", target_id)) == "OK"
        for slot in slots:
            keys = text(src.call("CLUSTER", "GETKEYSINSLOT", slot, 1000))
            if keys:
                reply = text(src.call("MIGRATE", target.address, target.port, "", 0, 10000,
                                      "KEYS", *keys))
                assert reply == "OK", reply


def finish_migration(source, target, bystanders, slots):
    """The last step: the target, the source, then the other primaries learn the slots' new
    owner (the order redis-cli uses). Reads of those slots at the source now get MOVED."""
    target_id = target.name()
    for node in (target, source, *bystanders):
        with RespClient(node.address, node.port) as c:
            for slot in slots:
                assert text(c.call("CLUSTER", "SETSLOT", slot, "NODE", target_id)) == "OK"


def test_migrating_slots_are_followed_with_ask_and_moved_and_nothing_fails(cluster, tmp_path,
                                                                          downtime_tool):
    nodes = create_six(cluster, "127.0.14")
    a, b, c = layout(nodes)
    first_of_a = int(slot_ranges(nodes[0])[a.endpoint].split("-")[0].split(",")[0])
    # 200 slots are about 1.2% of the keys, so the tool reads some of them many times a second.
    slots = list(range(first_of_a, first_of_a + 200))
    run = ClusterDowntime(downtime_tool, nodes[0], tmp_path, "reshard")
    try:
        run.wait_for_run_phase()
        migrate_by_hand(a, b, slots)
        run.wait_progress(lambda p: int(p.get("asks", 0)) > 0, "an ASK followed")
        finish_migration(a, b, [c], slots)
        run.wait_progress(lambda p: int(p.get("moved", 0)) > 0, "a MOVED followed")
        wait_for(lambda: agree(nodes), "every node agreeing on the slots")
        # The MOVED above made the tool read the whole map again (within 100 ms): after two
        # more progress lines, a MOVED can only come from what follows.
        run.wait_lines(2)
        moved_before = run.counter("moved")
        # The operator's tool: 300 of c's slots to a, under the same load.
        out = run_tool([REDIS_CLI, "--cluster", "reshard", a.endpoint, "--cluster-from",
                        c.name(), "--cluster-to", a.name(), "--cluster-slots", "300",
                        "--cluster-yes"], timeout=180)
        assert out.returncode == 0 and "[ERR]" not in out.stdout, out.stdout + out.stderr
        run.wait_progress(lambda p: int(p.get("moved", 0)) > moved_before,
                          "a MOVED after the resharding")
        ok_before = run.counter("ok")
        run.wait_progress(lambda p: int(p.get("ok", 0)) > ok_before + 1000, "reads go on")
        report = run.stop()
    finally:
        run.kill()

    print(report["_summary"])
    totals = report["totals"]
    assert failures_of(totals) == 0 and totals["downtime_ms"] == 0, explain(report)
    assert totals["moved"] > 0 and totals["asks"] > 0, explain(report)
    # Redirections are counted on the shard whose slots moved; the shards keep their slots and
    # list the primaries that served them.
    shard_a, shard_c = shard_of(report, a.endpoint), shard_of(report, c.endpoint)
    assert shard_a["totals"]["asks"] > 0 and shard_a["totals"]["moved"] > 0, explain(report)
    assert [p["address"] for p in shard_a["primaries"]] == [a.endpoint, b.endpoint]
    assert [p["address"] for p in shard_c["primaries"]] == [c.endpoint, a.endpoint]
    assert sum(s["totals"]["moved"] for s in report["shards"]) == totals["moved"]
    assert sum(s["totals"]["asks"] for s in report["shards"]) == totals["asks"]
    assert report["slot_map_refreshes"] > 1, explain(report)
