# Differential cases for introspection: COMMAND INFO of every command Redoubt implements (the
# whole Redis 7.0 reply: flags, key positions, ACL categories, tips and key specifications),
# COMMAND GETKEYS / GETKEYSANDFLAGS and their errors, MEMORY STATS / DOCTOR / MALLOC-STATS,
# INFO latencystats and LATENCY HISTOGRAM. Where values necessarily differ (memory sizes,
# latencies) the rules below compare names, types and shapes, and say what they still check.
import re

import pytest

from differential.cases import run
from differential.normalise import exact
from support.compare import diff_replies


def _names(reply):
    return [x[1].decode() for x in reply[1]]


def command_info_rule(args, a, b):
    """COMMAND INFO of one command: identical, except that a container's subcommands (field 9)
    are compared one by one elsewhere (Redoubt implements a subset, in its own order)."""
    if a[0] != "array" or b[0] != "array" or len(a[1]) != 1 or len(b[1]) != 1:
        return diff_replies(a, b)
    ea, eb = a[1][0], b[1][0]
    if ea is None or eb is None or len(ea[1]) != 10 or len(eb[1]) != 10:
        return diff_replies(ea, eb)
    for i in range(9):
        d = diff_replies(ea[1][i], eb[1][i], f"field {i}")
        if d:
            return d
    if ea[1][9][0] != eb[1][9][0]:
        return f"subcommands field type {ea[1][9][0]} vs {eb[1][9][0]}"
    return None


def test_command_info_of_every_implemented_command(dp):
    """Every name Redoubt's COMMAND LIST shows, subcommands included, in RESP2 and RESP3."""
    names = _names(dp.got.call("COMMAND", "LIST"))
    assert len(names) > 100
    for name in sorted(names):
        dp.check("COMMAND", "INFO", name, rule=command_info_rule)


def test_command_info_several_and_unknown(dp):
    run(dp, "COMMAND INFO get set nosuchcmd mset", "COMMAND INFO get|key",
        "COMMAND INFO config|get|key", "COMMAND INFO GET BITFIELD lcs")


def test_command_getkeysandflags(dp):
    run(dp, """
        COMMAND GETKEYSANDFLAGS set k1 v1
        COMMAND GETKEYSANDFLAGS set k1 v1 GET
        COMMAND GETKEYSANDFLAGS set k1 v1 EX 10 get
        COMMAND GETKEYSANDFLAGS set k1 v1 getx
        COMMAND GETKEYSANDFLAGS mset k1 v1 k2 v2
        COMMAND GETKEYSANDFLAGS msetnx k1 v1 k2 v2
        COMMAND GETKEYSANDFLAGS get k
        COMMAND GETKEYSANDFLAGS getdel k
        COMMAND GETKEYSANDFLAGS getex k PERSIST
        COMMAND GETKEYSANDFLAGS incr k
        COMMAND GETKEYSANDFLAGS append k v
        COMMAND GETKEYSANDFLAGS strlen k
        COMMAND GETKEYSANDFLAGS lcs a b
        COMMAND GETKEYSANDFLAGS bitfield k GET u8 0
        COMMAND GETKEYSANDFLAGS bitfield k OVERFLOW SAT GET u8 0
        COMMAND GETKEYSANDFLAGS bitfield k GET u8 0 SET u8 0 1
        COMMAND GETKEYSANDFLAGS bitfield k INCRBY u8 0 1
        COMMAND GETKEYSANDFLAGS bitfield k
        COMMAND GETKEYSANDFLAGS bitfield k BAD
        COMMAND GETKEYSANDFLAGS bitfield_ro k GET u8 0
        COMMAND GETKEYSANDFLAGS bitop AND d s1 s2 s3
        COMMAND GETKEYSANDFLAGS bitcount k
        COMMAND GETKEYSANDFLAGS setbit k 1 1
        COMMAND GETKEYSANDFLAGS copy a b DB 1
        COMMAND GETKEYSANDFLAGS rename a b
        COMMAND GETKEYSANDFLAGS renamenx a b
        COMMAND GETKEYSANDFLAGS move a 1
        COMMAND GETKEYSANDFLAGS del a b c
        COMMAND GETKEYSANDFLAGS unlink a b
        COMMAND GETKEYSANDFLAGS exists a b
        COMMAND GETKEYSANDFLAGS touch a
        COMMAND GETKEYSANDFLAGS type a
        COMMAND GETKEYSANDFLAGS expire k 10
        COMMAND GETKEYSANDFLAGS persist k
        COMMAND GETKEYSANDFLAGS ttl k
        COMMAND GETKEYSANDFLAGS lpush l a b
        COMMAND GETKEYSANDFLAGS lpushx l a
        COMMAND GETKEYSANDFLAGS lpop l
        COMMAND GETKEYSANDFLAGS lrange l 0 1
        COMMAND GETKEYSANDFLAGS lset l 0 v
        COMMAND GETKEYSANDFLAGS memory usage k
        COMMAND GETKEYSANDFLAGS object encoding k
        COMMAND GETKEYSANDFLAGS MEMORY USAGE k SAMPLES 5
        """)


def test_command_getkeys_and_getkeysandflags_errors(dp):
    for sub in ("GETKEYS", "GETKEYSANDFLAGS"):
        run(dp, f"""
            COMMAND {sub} nosuch a
            COMMAND {sub} ping
            COMMAND {sub} memory doctor
            COMMAND {sub} client list
            COMMAND {sub} client
            COMMAND {sub} memory nosuchsub k
            COMMAND {sub} get
            COMMAND {sub} get a b
            COMMAND {sub} mset k1 v1 k2
            COMMAND {sub} set k
            COMMAND {sub} bitop AND d
            COMMAND {sub}
            COMMAND {sub} get k
            COMMAND {sub} mset a 1 b 2
            """)


def test_command_help_and_count(dp):
    run(dp, "COMMAND HELP")
    dp.check("COMMAND", "INFO", "command|getkeysandflags", rule=exact)


def test_acl_key_permissions_follow_key_spec_flags(dual):
    """A user who may only read keys can run BITFIELD with GETs only (its key spec flags say
    RO access) but not with SET, as in Redis."""
    d = dual()
    run(d, "ACL SETUSER reader on nopass +@all %R~*", "SET k x")
    try:
        r = dual()
        run(r, "AUTH reader x", "BITFIELD k GET u8 0", "BITFIELD k SET u8 0 1",
            "BITFIELD k GET u8 0 INCRBY u8 0 1", "SET k v", "SET k v GET", "GET k")
    finally:
        run(d, "ACL DELUSER reader")


# --- latency tracking -------------------------------------------------------------------------

TRAFFIC = [("SET", "a", "b")] * 3 + [("GET", "a")] * 2 + [("CLIENT", "ID")]
TRACKED = ["set", "get", "client|id"]
# LATENCY HISTOGRAM's bucket bounds in µs: the highest value equivalent to 1024 ns · 2^k, /1000.
BUCKET_BOUNDS = {1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454, 16908, 33816,
                 67633, 135266, 270532, 541065, 1073741}


def _text(reply):
    if reply[0] == "verbatim":
        return reply[1][1].decode()
    return reply[1].decode()


def latencystats(client):
    """{command: [(label, value text)]} from INFO latencystats."""
    out = {}
    for line in _text(client.call("INFO", "latencystats")).splitlines():
        m = re.match(r"latency_percentiles_usec_(.+?):(.*)$", line)
        if m:
            out[m.group(1)] = [tuple(p.split("=")) for p in m.group(2).split(",") if p]
    return out


def _pairs(reply):
    """A map reply (RESP3 map or RESP2 flat array) as a list of (key, value) replies."""
    items = reply[1]
    if reply[0] == "map":
        return list(items)
    return list(zip(items[0::2], items[1::2]))


def histogram(client, *names):
    """{command: (calls, [(bucket µs, cumulative)])} from LATENCY HISTOGRAM."""
    out = {}
    for name, body in _pairs(client.call("LATENCY", "HISTOGRAM", *names)):
        fields = {k[1].decode(): v for k, v in _pairs(body)}
        buckets = [(k[1], v[1]) for k, v in _pairs(fields["histogram_usec"])]
        out[name[1].decode()] = (fields["calls"][1], buckets)
    return out


def reset_stats(d):
    """CONFIG RESETSTAT on both; Redoubt's other I/O threads reset theirs moments later, so wait
    (bounded) until the commands this module tracks show no samples there either."""
    d.check("CONFIG", "RESETSTAT")
    for _ in range(500):
        if not histogram(d.got, *TRACKED):
            return
    pytest.fail(f"redoubt still shows latency samples after CONFIG RESETSTAT: "
                f"{histogram(d.got, *TRACKED)}")


def check_percentile_line(side, name, entries, labels):
    assert [label for label, _ in entries] == labels, f"{side} {name}: {entries}"
    values = [float(v) for _, v in entries]
    assert all(re.fullmatch(r"\d+\.\d{3}", v) for _, v in entries), f"{side} {name}: {entries}"
    assert values == sorted(values) and values[0] > 0, f"{side} {name}: {entries}"


def test_latencystats_after_known_traffic(dual):
    d = dual()
    reset_stats(d)
    run(d, ("CONFIG", "SET", "latency-tracking-info-percentiles", "0.0 50 99.9 100"))
    try:
        for c in TRAFFIC:
            d.check(*c)
        for side in ("ref", "got"):
            stats = latencystats(getattr(d, side))
            assert set(TRACKED) <= set(stats), f"{side}: {sorted(stats)}"
            for name in TRACKED:
                check_percentile_line(side, name, stats[name], ["p0", "p50", "p99.9", "p100"])
    finally:
        run(d, ("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9"))


def test_latency_histogram_after_known_traffic(dual):
    for protocol in (2, 3):
        d = dual(protocol)
        reset_stats(d)
        for c in TRAFFIC:
            d.check(*c)
        calls = {"set": 3, "get": 2, "client|id": 1}
        for side in ("ref", "got"):
            # "client" names its subcommands; unknown names are skipped.
            h = histogram(getattr(d, side), "set", "blabla", "get", "client")
            assert {n: c for n, (c, _) in h.items()} == calls, f"{side}: {h}"
            for name, (n, buckets) in h.items():
                bounds = [b for b, _ in buckets]
                counts = [c for _, c in buckets]
                assert set(bounds) <= BUCKET_BOUNDS and bounds == sorted(bounds), f"{side}: {h}"
                assert counts == sorted(counts) and counts[-1] == n, f"{side} {name}: {buckets}"
        r, g = d.both("LATENCY", "HISTOGRAM", "client|id")
        assert r[0] == g[0] and len(r[1]) == len(g[1]) == (1 if protocol == 3 else 2), (r, g)


def test_latency_tracking_off_records_nothing_and_resetstat_clears(dual):
    d = dual()
    reset_stats(d)
    try:
        run(d, "CONFIG SET latency-tracking no", "SET a b", "GET a")
        for side in ("ref", "got"):
            assert "set" not in latencystats(getattr(d, side)), side
        run(d, "CONFIG SET latency-tracking yes", "SET a b")
        for side in ("ref", "got"):
            assert [n for n in TRACKED if n in latencystats(getattr(d, side))] == ["set"], side
        reset_stats(d)
        for side in ("ref", "got"):
            assert not set(TRACKED) & set(latencystats(getattr(d, side))), side
    finally:
        run(d, "CONFIG SET latency-tracking yes")


def test_latency_tracking_directives(dp):
    try:
        run(dp, """
            CONFIG GET latency-tracking
            CONFIG GET latency-tracking-info-percentiles
            CONFIG SET latency-tracking no
            CONFIG GET latency-tracking
            CONFIG SET latency-tracking maybe
            CONFIG SET latency-tracking yes
            """,
            ("CONFIG", "SET", "latency-tracking-info-percentiles", "0.0 50.0 100.0"),
            ("CONFIG", "GET", "latency-tracking-info-percentiles"),
            ("CONFIG", "SET", "latency-tracking-info-percentiles", "10.0 50.0 a"),
            ("CONFIG", "SET", "latency-tracking-info-percentiles", "10.0 50.0 101.0"),
            ("CONFIG", "SET", "latency-tracking-info-percentiles", "-1"),
            ("CONFIG", "GET", "latency-tracking-info-percentiles"),
            ("CONFIG", "SET", "latency-tracking-info-percentiles", "12.3456789 99.99"),
            ("CONFIG", "GET", "latency-tracking-info-percentiles"),
            ("CONFIG", "SET", "latency-tracking-info-percentiles", ""),
            ("CONFIG", "GET", "latency-tracking-info-percentiles"))
    finally:
        run(dp, ("CONFIG", "SET", "latency-tracking-info-percentiles", "50 99 99.9"))


def test_latency_subcommands(dp):
    run(dp, "LATENCY HELP", "LATENCY DOCTOR", "LATENCY GRAPH command", "LATENCY LATEST",
        "LATENCY HISTORY command", "LATENCY RESET", "LATENCY HISTOGRAM blabla",
        "LATENCY HISTOGRAM blabla blabla2", "LATENCY HISTOGRAM client|nosuch", "LATENCY GRAPH",
        "LATENCY NOSUCH")


# --- MEMORY -----------------------------------------------------------------------------------

def test_memory_stats_fields_and_types(dp):
    """Same field names in the same order, same reply type for each value (integers, doubles,
    a map per database with keys); the key counts are equal, the sizes each server's own."""
    run(dp, "SET a 1", "SET b 2", "SELECT 3", "SET c 3", "EXPIRE c 100", "SELECT 0")
    r, g = dp.both("MEMORY", "STATS")
    assert r[0] == g[0], (r, g)
    rf, gf = _pairs(r), _pairs(g)
    assert [k for k, _ in rf] == [k for k, _ in gf], (rf, gf)
    for (key, rv), (_, gv) in zip(rf, gf):
        assert rv[0] == gv[0], f"MEMORY STATS {key}: {rv} vs {gv}"
        if rv[0] in ("map", "array"):
            assert [k for k, _ in _pairs(rv)] == [k for k, _ in _pairs(gv)], (key, rv, gv)
            assert all(v[0] == "int" for _, v in _pairs(gv)), (key, gv)
    values = {k[1].decode(): v for k, v in gf}
    assert values["keys.count"] == ("int", 3)
    assert values["total.allocated"][1] >= values["dataset.bytes"][1] > 0
    assert values["peak.allocated"][1] >= values["total.allocated"][1]


def test_memory_doctor_and_help(dp):
    run(dp, "MEMORY DOCTOR", "MEMORY HELP", "MEMORY PURGE", "MEMORY STATS x",
        "MEMORY MALLOC-STATS x", "MEMORY DOCTOR x")


def mem_allocator(client):
    for line in _text(client.call("INFO", "memory")).splitlines():
        if line.startswith("mem_allocator:"):
            return line.split(":", 1)[1]
    return None


def test_memory_malloc_stats_is_the_allocators_report(dp):
    """jemalloc's report from both; a sanitizer build of Redoubt runs on libc malloc and
    answers as a Redis built without jemalloc does."""
    r, g = dp.both("MEMORY", "MALLOC-STATS")
    if mem_allocator(dp.got) == "libc":
        assert g == ("bulk", b"Stats not supported for the current allocator"), g
        return
    assert r[0] == g[0], (r, g)
    for reply in (r, g):
        text = _text(reply)
        assert text.startswith("___ Begin jemalloc statistics ___"), text[:100]
        assert text.rstrip().endswith("--- End jemalloc statistics ---"), text[-100:]


def test_info_memory_shares_memory_stats_fields(d):
    """The allocator and overhead fields MEMORY STATS reports are in INFO memory too, under
    Redis's names, in Redis's order."""
    names = ["used_memory", "used_memory_overhead", "used_memory_startup", "used_memory_dataset",
             "used_memory_dataset_perc", "allocator_allocated", "allocator_active",
             "allocator_resident", "allocator_frag_ratio", "allocator_frag_bytes",
             "allocator_rss_ratio", "allocator_rss_bytes", "rss_overhead_ratio",
             "rss_overhead_bytes", "mem_fragmentation_ratio", "mem_fragmentation_bytes",
             "mem_replication_backlog", "mem_clients_slaves", "mem_clients_normal",
             "mem_cluster_links", "mem_aof_buffer", "mem_allocator"]
    for side in ("ref", "got"):
        fields = [line.split(":")[0] for line in _text(getattr(d, side).call("INFO", "memory"))
                  .splitlines() if ":" in line]
        shown = [f for f in fields if f in names]
        assert shown == names, f"{side}: {shown}"
    # Same jemalloc version named the same way (a sanitizer build runs on libc malloc).
    if mem_allocator(d.got) != "libc":
        assert mem_allocator(d.ref) == mem_allocator(d.got), (mem_allocator(d.ref),
                                                              mem_allocator(d.got))
