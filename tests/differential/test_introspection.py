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
