# A network partition inside a network namespace of its own (test_cluster_partition.py makes the
# namespace and runs this there): six Redoubt nodes, three primaries with a replica each, on
# 127.0.10.1-6; routing rules then cut one primary off every other node (its cluster bus and
# its replica's link, not the test's own connections to it, which then leave from
# 127.0.11.200). The
# primary, alone on its side, must stop taking writes (-CLUSTERDOWN) once it has missed the
# others for the node timeout; the majority side elects its replica; when the partition heals,
# the old primary becomes the new one's replica. Prints one summary line; exits non-zero with
# the reason when a step does not hold.
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.cluster_nodes import Cluster, agree, all_ok, create, text  # noqa: E402
from support.tools import wait_until  # noqa: E402

TEST_SOURCE = "127.0.11.200"


def ip(*args):
    subprocess.run(["ip", *args], check=True)


def partition(victim):
    """Packets between the victim and the other nodes (or anything leaving from 127.0.0.1, as
    its replica's link does) are refused, both ways."""
    ip("rule", "add", "pref", "50", "from", victim, "to", "127.0.10.0/24", "prohibit")
    ip("rule", "add", "pref", "51", "from", "127.0.10.0/24", "to", victim, "prohibit")
    ip("rule", "add", "pref", "52", "from", victim, "to", "127.0.0.1", "prohibit")
    ip("rule", "add", "pref", "53", "from", "127.0.0.1", "to", victim, "prohibit")


def heal():
    for pref in ("50", "51", "52", "53"):
        subprocess.run(["ip", "rule", "del", "pref", pref], check=False)


def check(condition, why):
    if not condition:
        print(f"FAILED: {why}", flush=True)
        sys.exit(1)


def main():
    ip("link", "set", "lo", "up")
    # Rules must come before the local table's, which otherwise answers every loopback lookup.
    ip("rule", "add", "pref", "100", "lookup", "local")
    ip("rule", "del", "pref", "0")
    cluster = Cluster(Path(tempfile.mkdtemp(prefix="partition-")))
    try:
        # The test connects from another loopback address than 127.0.0.1, which protected
        # mode refuses, as Redis does.
        nodes = [cluster(f"127.0.10.{i}", extra=["--protected-mode", "no"]) for i in range(1, 7)]
        create(nodes, replicas=1)
        by_name = {n.name(): n for n in nodes}
        replica = next(n for n in nodes if n.primary_of() is not None)
        victim = by_name[replica.primary_of()]
        others = [n for n in nodes if n is not victim]
        # A key of the victim's slots, written and acknowledged by its replica.
        slot = int(victim.nodes()[victim.name()][2][0].split("-")[0])
        key = next(f"k{i}" for i in range(100000)
                   if text(victim.call("CLUSTER", "KEYSLOT", f"k{i}")) == slot)
        check(text(victim.call("SET", key, "v")) == "OK", "SET before the partition")
        check(text(victim.call("WAIT", "1", "10000")) == 1, "WAIT before the partition")

        cut = time.monotonic()
        partition(victim.address)
        victim.client_source = TEST_SOURCE  # 127.0.0.1 can no longer reach it
        refused = wait_until(
            lambda: str(text(victim.call("SET", key, "w"))).startswith("CLUSTERDOWN"), timeout=60)
        check(refused, "the isolated primary still takes writes")
        refused_after = time.monotonic() - cut
        check(wait_until(lambda: replica.role() == "master", timeout=60),
              "the majority side did not elect the replica")
        failed_over_after = time.monotonic() - cut
        check(wait_until(lambda: all_ok(others), timeout=60), "the majority side is not ok")
        check(text(replica.call("SET", key, "after")) == "OK", "SET on the new primary")
        check(victim.info()["cluster_state"] == "fail", "the isolated primary's state is not fail")

        heal()
        check(wait_until(lambda: victim.primary_of() == replica.name(), timeout=60),
              "the old primary did not become the new one's replica")
        check(wait_until(lambda: agree(nodes) and all_ok(nodes), timeout=60),
              "the nodes do not agree after the partition healed")
        check(wait_until(lambda: text(victim.call("READONLY")) == "OK" and
                         text(victim.call("INFO", "replication")).find("master_link_status:up")
                         >= 0, timeout=60), "the old primary's link to the new one is not up")
        print(f"partition: the isolated primary refused writes {refused_after:.1f} s after the "
              f"cut, its replica was primary after {failed_over_after:.1f} s; healed, the old "
              f"primary follows the new one", flush=True)
    finally:
        heal()
        cluster.stop()


if __name__ == "__main__":
    main()
