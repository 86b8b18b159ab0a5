# redis-cli's cluster manager on Redoubt nodes, each on a loopback address of its own:
# add-node (a primary, and a replica with --cluster-slave), rebalance onto the new primary with
# every key still readable, del-node of a replica and of a primary without slots, and fix of a
# slot left open halfway through a migration.
import pytest

from support.cluster_nodes import agree, all_ok, create, text
from support.resp_client import unwrap
from support.tools import REDIS_CLI, run_tool, wait_until

pytestmark = pytest.mark.redoubt_timeout(240)


def cli(*args, timeout=180):
    out = run_tool([REDIS_CLI, "--cluster", *args], timeout=timeout)
    report = out.stdout + out.stderr
    assert out.returncode == 0, report
    assert "[ERR]" not in report, report
    return report


def slot_counts(node):
    """{name: number of slots} from the node's CLUSTER NODES."""
    counts = {}
    for name, (_, flags, slots) in node.nodes().items():
        total = 0
        for s in slots:
            if s.startswith("["):
                continue
            first, _, last = s.partition("-")
            total += int(last or first) - int(first) + 1
        counts[name] = total
    return counts


def read_all(entry, keys):
    """Every key's value through redis-cli -c (its redirection notes left out)."""
    out = run_tool([REDIS_CLI, "-c", "-h", entry.address, "-p", str(entry.port)],
                   input="".join(f"GET {k}\n" for k in keys))
    return [line for line in out.stdout.splitlines() if not line.startswith("->")]


def test_add_rebalance_delete_and_fix(cluster):
    nodes = [cluster(f"127.0.9.{i}") for i in (1, 2, 3)]
    create(nodes)
    entry = nodes[0]
    keys = [f"key:{i}" for i in range(600)]
    # Keys through one pipe (redis-cli -c follows MOVED for each).
    script = "".join(f"SET {k} {k}\n" for k in keys)
    out = run_tool([REDIS_CLI, "-c", "-h", entry.address, "-p", str(entry.port)],
                   input=script)
    assert out.stdout.count("OK") == len(keys), out.stdout[-500:]

    # A fourth primary joins, empty; a fifth node joins as its replica.
    fourth = cluster("127.0.9.4")
    cli("add-node", fourth.endpoint, entry.endpoint)
    # redis-cli refuses to change a cluster whose nodes disagree: the MEET must spread first.
    assert wait_until(lambda: agree(nodes + [fourth]), timeout=60)
    fifth = cluster("127.0.9.5")
    cli("add-node", fifth.endpoint, entry.endpoint, "--cluster-slave", "--cluster-master-id",
        fourth.name())
    everyone = nodes + [fourth, fifth]
    assert wait_until(lambda: agree(everyone), timeout=60)
    assert wait_until(lambda: fifth.primary_of() == fourth.name(), timeout=60)

    # Rebalance gives the empty primary its share of the slots, keys included.
    cli("rebalance", entry.endpoint, "--cluster-use-empty-masters")
    assert wait_until(lambda: agree(everyone), timeout=60)
    counts = slot_counts(entry)
    assert counts[fourth.name()] > 3000, counts
    assert unwrap(fourth.call("DBSIZE")) > 0
    assert read_all(entry, keys) == keys

    # The replica leaves; so does a primary that never got a slot.
    cli("del-node", entry.endpoint, fifth.name())
    sixth = cluster("127.0.9.6")
    cli("add-node", sixth.endpoint, entry.endpoint)
    assert wait_until(lambda: agree(nodes + [fourth, sixth]), timeout=60)
    cli("del-node", entry.endpoint, sixth.name())
    nodes.append(fourth)
    assert wait_until(lambda: agree(nodes) and all_ok(nodes), timeout=60)

    # A migration left halfway (slot migrating on its owner, importing on the target) is
    # closed by fix; check is clean afterwards and every key is still there.
    owner, target = nodes[0], nodes[1]
    slot = int(owner.nodes()[owner.name()][2][0].split("-")[0])
    assert text(target.call("CLUSTER", "SETSLOT", str(slot), "IMPORTING", owner.name())) == "OK"
    assert text(owner.call("CLUSTER", "SETSLOT", str(slot), "MIGRATING", target.name())) == "OK"
    check = run_tool([REDIS_CLI, "--cluster", "check", entry.endpoint], timeout=60)
    assert "open slot" in check.stdout.lower(), check.stdout
    cli("fix", entry.endpoint)
    check = cli("check", entry.endpoint)
    assert "[OK] All 16384 slots covered." in check and "[WARNING]" not in check, check
    assert read_all(entry, keys) == keys
