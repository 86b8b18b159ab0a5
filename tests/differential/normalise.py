# Per-command comparison rules for the differential suite. The default is EXACT: same reply
# type, same value, same error text. A rule below exists only where Redis's own answer cannot
# be reproduced byte for byte by a second server (clocks, ids, memory sizes, internal
# counters); each one says what it still checks. Error replies are always compared exactly,
# whatever the rule.
#
# A rule is f(args, ref, got) -> None (accepted) or a text describing the mismatch.
# Rules are looked up by "COMMAND SUBCOMMAND" first, then "COMMAND" (upper case).
import time

from support.compare import diff_replies, sort_elements, sort_map


def is_error(r):
    return isinstance(r, tuple) and r[0] in ("error", "bloberror")


def _kind(r):
    return "nullbulk" if r is None else r[0]


def exact(args, a, b):
    return diff_replies(a, b)


def _pre(a, b):
    """Errors, nulls and differing types are decided exactly; returns (done, message)."""
    if is_error(a) or is_error(b) or a is None or b is None or _kind(a) != _kind(b):
        return True, diff_replies(a, b)
    if a[0] in ("null",) or (a[0] == "array" and a[1] is None):
        return True, None
    return False, None


def int_close(tolerance):
    """Integers equal when negative (-1/-2 are sentinels), else within `tolerance`."""
    def rule(args, a, b):
        done, msg = _pre(a, b)
        if done:
            return msg
        if a[0] != "int":
            return diff_replies(a, b)
        x, y = a[1], b[1]
        if x < 0 or y < 0:
            return None if x == y else f"int {x} vs {y}"
        return None if abs(x - y) <= tolerance else f"int {x} vs {y} (tolerance {tolerance})"
    rule.__doc__ = f"int; -1/-2 exact; otherwise within {tolerance}"
    return rule


def int_range(lo, hi):
    def rule(args, a, b):
        done, msg = _pre(a, b)
        if done:
            return msg
        if a[0] != "int":
            return diff_replies(a, b)
        bad = [v for v in (a[1], b[1]) if not lo <= v <= hi]
        return f"int out of range [{lo},{hi}]: {a[1]} vs {b[1]}" if bad else None
    rule.__doc__ = f"int in [{lo}, {hi}] on both sides"
    return rule


def same_type(args, a, b):
    """Same reply type (and null-ness); value not compared."""
    done, msg = _pre(a, b)
    return msg if done else None


def keys_unordered(args, a, b):
    """KEYS: Redis promises no order, so compare as a sorted list."""
    return diff_replies(sort_elements(a), sort_elements(b))


def pairs_unordered(args, a, b):
    """HGETALL: a map (RESP3) or flat field/value array (RESP2) in no promised order."""
    return diff_replies(sort_map(a), sort_map(b))


def _canonical_function_list(r):
    """FUNCTION LIST's reply with its libraries, each library's functions and each function's
    flags in one order (Redis lists them in its hash tables' order). A library or a function
    is a map (RESP3) or a flat key/value array (RESP2) whose keys come in a fixed order: those
    keep their order, only their values are made canonical."""
    if not isinstance(r, tuple) or r[1] is None or r[0] not in ("array", "set", "map"):
        return r
    kind, items = r
    if kind == "map":
        return ("map", [(k, _canonical_function_list(v)) for k, v in items])
    is_record = (kind == "array" and items and len(items) % 2 == 0 and
                 items[0] in (("bulk", b"library_name"), ("bulk", b"name")))
    if is_record:
        out = []
        for k, v in zip(items[0::2], items[1::2]):
            out += [k, _canonical_function_list(v)]
        return ("array", out)
    return (kind, sorted((_canonical_function_list(x) for x in items), key=repr))


def function_list(args, a, b):
    """FUNCTION LIST: libraries, functions and flags in no promised order; all else exact."""
    return diff_replies(_canonical_function_list(a), _canonical_function_list(b))


def time_rule(args, a, b):
    """TIME: two bulk strings of digits, seconds within 2 s of each other and of our clock."""
    done, msg = _pre(a, b)
    if done:
        return msg
    for r in (a, b):
        if r[0] != "array" or len(r[1]) != 2 or any(x is None or x[0] != "bulk" or not x[1].isdigit() for x in r[1]):
            return f"TIME shape: {r!r}"
        if abs(int(r[1][0][1]) - time.time()) > 5 or not 0 <= int(r[1][1][1]) < 1000000:
            return f"TIME value implausible: {r!r}"
    return None


def client_id(args, a, b):
    """CLIENT ID: positive integer."""
    return int_range(1, 2 ** 63)(args, a, b)


# CLIENT LIST / CLIENT INFO fields every client library or admin tool may parse. The values
# of the ones in CLIENT_FIELDS_EXACT must be equal; the rest only have to exist.
CLIENT_FIELDS_REQUIRED = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db",
                          "sub", "psub", "multi", "qbuf", "qbuf-free", "argv-mem", "obl",
                          "oll", "omem", "tot-mem", "events", "cmd", "user", "resp"]
CLIENT_FIELDS_EXACT = ["name", "db", "sub", "psub", "multi", "flags", "cmd", "user", "resp"]


def parse_client_line(line):
    fields = {}
    for item in line.split(" "):
        k, _, v = item.partition("=")
        fields[k] = v
    return fields


def _client_text(r):
    if r[0] == "bulk":
        return r[1].decode()
    if r[0] == "verbatim":
        return r[1][1].decode()
    raise ValueError(f"expected bulk/verbatim string, got {r!r}")


def client_lines(args, a, b):
    """CLIENT LIST / CLIENT INFO: same reply type, same number of lines; every line has the
    fields in CLIENT_FIELDS_REQUIRED, and the CLIENT_FIELDS_EXACT values are equal (lines
    matched in order of name, then cmd)."""
    done, msg = _pre(a, b)
    if done:
        return msg
    la = [parse_client_line(l) for l in _client_text(a).strip("\r\n").split("\n") if l.strip()]
    lb = [parse_client_line(l) for l in _client_text(b).strip("\r\n").split("\n") if l.strip()]
    if len(la) != len(lb):
        return f"{len(la)} client lines vs {len(lb)}"
    for f in lb:
        missing = [k for k in CLIENT_FIELDS_REQUIRED if k not in f]
        if missing:
            return f"client line lacks fields {missing}: {f}"
    key = lambda f: (f.get("name", ""), f.get("cmd", ""), f.get("db", ""))
    for fa, fb in zip(sorted(la, key=key), sorted(lb, key=key)):
        for k in CLIENT_FIELDS_EXACT:
            if fa.get(k) != fb.get(k):
                return f"client field {k}={fa.get(k)!r} vs {k}={fb.get(k)!r}\n  ref: {fa}\n  got: {fb}"
    return None


# INFO: section headers must be identical (clients split on them), these fields must exist,
# and the Keyspace section must be equal.
INFO_FIELDS_REQUIRED = {
    "server": ["redis_version", "redis_mode", "os", "arch_bits", "process_id", "tcp_port",
               "uptime_in_seconds", "uptime_in_days", "hz", "executable", "config_file"],
    "clients": ["connected_clients", "blocked_clients", "maxclients"],
    "memory": ["used_memory", "used_memory_human", "used_memory_rss", "used_memory_peak",
               "maxmemory", "maxmemory_human", "maxmemory_policy"],
    "persistence": ["loading"],
    "stats": ["total_connections_received", "total_commands_processed",
              "instantaneous_ops_per_sec", "total_net_input_bytes", "total_net_output_bytes",
              "rejected_connections", "expired_keys", "evicted_keys", "keyspace_hits",
              "keyspace_misses"],
    "replication": ["role", "connected_slaves"],
    "cpu": ["used_cpu_sys", "used_cpu_user"],
}


def parse_info(text):
    sections, current = {}, None
    for line in text.split("\r\n"):
        if line.startswith("# "):
            current = line[2:].strip().lower()
            sections[current] = {}
        elif line and current is not None and ":" in line:
            k, _, v = line.partition(":")
            sections[current][k] = v
    return sections


# Sections Redoubt adds to INFO that Redis 7.0 lacks (the managed services print "SSL"). They
# may appear in Redoubt's reply only; every Redis section must still be there, in order.
INFO_EXTRA_SECTIONS = {"ssl", "auth"}


def info_rule(args, a, b):
    """INFO: bulk (verbatim in RESP3) string; same section headers in the same order (plus
    INFO_EXTRA_SECTIONS in Redoubt's reply); the
    fields in INFO_FIELDS_REQUIRED exist in the sections shown; Keyspace equal exactly."""
    done, msg = _pre(a, b)
    if done:
        return msg
    try:
        ta, tb = _client_text(a), _client_text(b)
    except ValueError as e:
        return str(e)
    sa, sb = parse_info(ta), parse_info(tb)
    if list(sa) != [sec for sec in sb if sec not in INFO_EXTRA_SECTIONS or sec in sa]:
        return f"INFO sections {list(sa)} vs {list(sb)}"
    for sec, fields in INFO_FIELDS_REQUIRED.items():
        if sec in sb:
            missing = [f for f in fields if f not in sb[sec]]
            if missing:
                return f"INFO section {sec} lacks {missing}"
    if "keyspace" in sa:
        ka = {k: _keyspace_counts(v) for k, v in sa["keyspace"].items()}
        kb = {k: _keyspace_counts(v) for k, v in sb["keyspace"].items()}
        if ka != kb:
            return f"INFO keyspace {sa['keyspace']} vs {sb['keyspace']}"
    if "server" in sb and "tcp_port" in sb["server"] and not sb["server"]["tcp_port"].isdigit():
        return "tcp_port not a number"
    return None


def _keyspace_counts(v):
    """db0:keys=1,expires=0,avg_ttl=0 -> keys and expires (avg_ttl depends on the clock)."""
    d = dict(p.split("=", 1) for p in v.split(","))
    return d.get("keys"), d.get("expires")


def config_get(args, a, b):
    """CONFIG GET: pairs compared as a set (Redis's order is hash order); the value of
    `port` only has to be a number."""
    done, msg = _pre(a, b)
    if done:
        return msg
    def norm(r):
        r = sort_map(r)
        if r[0] == "map":
            return ("map", [(k, ("bulk", b"<port>") if k == ("bulk", b"port") else v) for k, v in r[1]])
        items = list(r[1])
        for i in range(0, len(items) - 1, 2):
            if items[i] == ("bulk", b"port"):
                items[i + 1] = ("bulk", b"<port>")
        return ("array", items)
    return diff_replies(norm(a), norm(b))


def hello_rule(args, a, b):
    """HELLO: same keys in the same order; proto, mode, role, modules equal; id an int;
    server and version bulk strings."""
    done, msg = _pre(a, b)
    if done:
        return msg
    def pairs(r):
        if r[0] == "map":
            return r[1]
        return list(zip(r[1][0::2], r[1][1::2]))
    pa, pb = pairs(a), pairs(b)
    if [k for k, _ in pa] != [k for k, _ in pb]:
        return f"HELLO keys {[k for k, _ in pa]} vs {[k for k, _ in pb]}"
    for (k, va), (_, vb) in zip(pa, pb):
        name = k[1].decode() if k and k[0] in ("bulk", "simple") and isinstance(k[1], bytes) else str(k[1])
        if name in ("proto", "mode", "role", "modules"):
            d = diff_replies(va, vb, f"HELLO.{name}")
            if d:
                return d
        elif name == "id":
            if va[0] != "int" or vb[0] != "int":
                return f"HELLO id not int: {va} vs {vb}"
        elif _kind(va) != _kind(vb):
            return f"HELLO.{name} type {va} vs {vb}"
    return None


def command_list(args, a, b):
    """COMMAND LIST: unordered. The server under test may implement fewer commands than Redis,
    but every name it lists must be a Redis command, and every command this suite covers
    (COVERED_COMMANDS) must be listed. With FILTERBY the sets must be equal."""
    done, msg = _pre(a, b)
    if done:
        return msg
    na = {x[1] for x in a[1]}
    nb = {x[1] for x in b[1]}
    if len(args) > 2:
        return None if na == nb else f"COMMAND LIST {args[2:]}: missing {sorted(na - nb)}, extra {sorted(nb - na)}"
    extra = sorted(nb - na)
    missing = sorted(c.lower().encode() for c in COVERED_COMMANDS if c.lower().encode() not in nb)
    if extra or missing:
        return f"COMMAND LIST: not Redis commands {extra}; covered commands missing {missing}"
    return None


COVERED_COMMANDS = """GET SET SETNX SETEX PSETEX MGET MSET MSETNX GETSET GETDEL GETEX APPEND STRLEN
INCR DECR INCRBY DECRBY INCRBYFLOAT GETRANGE SETRANGE LCS SETBIT GETBIT BITCOUNT BITPOS BITOP
BITFIELD DEL UNLINK EXISTS TOUCH TYPE EXPIRE PEXPIRE EXPIREAT PEXPIREAT EXPIRETIME PEXPIRETIME
TTL PTTL PERSIST KEYS SCAN RANDOMKEY RENAME RENAMENX COPY MOVE DBSIZE FLUSHDB FLUSHALL SELECT
SWAPDB OBJECT PING ECHO QUIT RESET HELLO AUTH CLIENT INFO CONFIG COMMAND TIME LASTSAVE DEBUG
MEMORY LATENCY SLOWLOG MONITOR""".split()


# COMMAND DOCS fields that are prose: Redoubt writes its own summaries and does not carry
# Redis's complexity and history texts.
DOC_PROSE = (b"summary", b"complexity", b"history")


def _doc_map(r):
    """A doc map (RESP3 map or RESP2 flat array) as {field: value}."""
    if r[0] == "map":
        return {k[1]: v for k, v in r[1]}
    return {k[1]: v for k, v in zip(r[1][0::2], r[1][1::2])}


def _doc_diff(name, ra, rb):
    """Differences between two commands' docs: every field equal but the prose ones (which the
    server under test must still have: summary), subcommands compared one by one."""
    da, db = _doc_map(ra), _doc_map(rb)
    if b"summary" not in db:
        return f"COMMAND DOCS {name!r} lacks summary: has {sorted(db)}"
    fa = {k for k in da if k not in DOC_PROSE}
    fb = {k for k in db if k not in DOC_PROSE}
    if fa != fb:
        return f"COMMAND DOCS {name!r} fields {sorted(fa)} vs {sorted(fb)}"
    for f in sorted(fa):
        if f == b"subcommands":
            sa, sb = _doc_map(da[f]), _doc_map(db[f])
            if set(sa) != set(sb):
                return f"COMMAND DOCS {name!r} subcommands {sorted(sa)} vs {sorted(sb)}"
            for sub in sa:
                msg = _doc_diff(sub, sa[sub], sb[sub])
                if msg:
                    return msg
        else:
            msg = diff_replies(da[f], db[f])
            if msg:
                return f"COMMAND DOCS {name!r} {f.decode()}: {msg}"
    return None


def command_docs(args, a, b):
    """COMMAND DOCS name...: the same commands, and for each every field equal to Redis's but
    the prose (summary, complexity, history): arguments, doc flags, deprecation, subcommands."""
    done, msg = _pre(a, b)
    if done:
        return msg
    da, db = _doc_map(a), _doc_map(b)
    if set(da) != set(db):
        return f"COMMAND DOCS names {sorted(da)} vs {sorted(db)}"
    for name in da:
        msg = _doc_diff(name, da[name], db[name])
        if msg:
            return msg
    return None


def command_info(args, a, b):
    """COMMAND INFO: per command, name, arity, first/last/step key positions, flags (as a set)
    and ACL categories (as a set) equal; 10 elements per entry (tips, key specs and
    subcommands present as arrays, contents not compared)."""
    done, msg = _pre(a, b)
    if done:
        return msg
    if len(a[1]) != len(b[1]):
        return f"COMMAND INFO entries {len(a[1])} vs {len(b[1])}"
    for ea, eb in zip(a[1], b[1]):
        if ea is None or eb is None or ea[0] != "array" or eb[0] != "array":
            d = diff_replies(ea, eb)
            if d:
                return d
            continue
        xa, xb = ea[1], eb[1]
        name = xa[0][1]
        if len(xb) != len(xa):
            return f"COMMAND INFO {name!r}: {len(xa)} fields vs {len(xb)}"
        for i, label in ((0, "name"), (1, "arity"), (3, "first key"), (4, "last key"), (5, "step")):
            d = diff_replies(xa[i], xb[i], f"{name!r}.{label}")
            if d:
                return d
        for i, label in ((2, "flags"), (6, "acl categories")):
            d = diff_replies(sort_elements(xa[i]), sort_elements(xb[i]), f"{name!r}.{label}")
            if d:
                return d
        for i in range(7, len(xa)):
            if _kind(xa[i]) != _kind(xb[i]):
                return f"COMMAND INFO {name!r} field {i}: {xa[i]!r} vs {xb[i]!r}"
    return None


def slowlog_get(args, a, b):
    """SLOWLOG GET: same number of entries; each [id int, unix time int, micros int, argv
    array (equal), client addr bulk, client name bulk (equal)]."""
    done, msg = _pre(a, b)
    if done:
        return msg
    if len(a[1]) != len(b[1]):
        return f"SLOWLOG GET entries {len(a[1])} vs {len(b[1])}:\n  ref {a}\n  got {b}"
    for ea, eb in zip(a[1], b[1]):
        xa, xb = ea[1], eb[1]
        if len(xa) != 6 or len(xb) != 6:
            return f"SLOWLOG entry size {len(xa)} vs {len(xb)}"
        for i in (0, 1, 2):
            if xb[i][0] != "int":
                return f"SLOWLOG entry field {i} not int: {xb[i]}"
        for i, label in ((3, "argv"), (5, "client name")):
            d = diff_replies(xa[i], xb[i], f"slowlog.{label}")
            if d:
                return d
        if xb[4][0] != "bulk":
            return f"SLOWLOG client addr not bulk: {xb[4]}"
    return None


def randomkey(args, a, b):
    """RANDOMKEY: both null (empty db) or both bulk strings; which key is random."""
    return same_type(args, a, b)


RULES = {
    "TTL": int_close(1),
    "PTTL": int_close(1500),
    "EXPIRETIME": int_close(2),
    "PEXPIRETIME": int_close(1500),
    "TIME": time_rule,
    "LASTSAVE": int_range(0, 2 ** 40),
    "RANDOMKEY": randomkey,
    "KEYS": keys_unordered,
    # A hash's order is its encoding's (insertion order while small): Redis promises none.
    "HKEYS": keys_unordered,
    "HVALS": keys_unordered,
    "HGETALL": pairs_unordered,
    # A set's order is its table's (an intset's is ascending): Redis promises none.
    "SMEMBERS": keys_unordered,
    "SINTER": keys_unordered,
    "SUNION": keys_unordered,
    "SDIFF": keys_unordered,
    "INFO": info_rule,
    "HELLO": hello_rule,
    "CLIENT ID": client_id,
    "CLIENT LIST": client_lines,
    "CLIENT INFO": client_lines,
    "CONFIG GET": config_get,
    "OBJECT IDLETIME": int_range(0, 3),
    "OBJECT REFCOUNT": int_range(1, 2 ** 31),
    "OBJECT FREQ": int_range(0, 255),
    "MEMORY USAGE": int_range(1, 2 ** 40),
    "COMMAND COUNT": int_range(1, 100000),
    "COMMAND LIST": command_list,
    "COMMAND DOCS": command_docs,
    "COMMAND INFO": command_info,
    "SLOWLOG GET": slowlog_get,
    "SLOWLOG LEN": int_range(0, 2 ** 31),
    # Channels come in the order of the server's table: Redis promises none.
    "PUBSUB CHANNELS": keys_unordered,
    "PUBSUB SHARDCHANNELS": keys_unordered,
    "FUNCTION LIST": function_list,
}

_SUBCOMMAND_FAMILIES = {"CLIENT", "CONFIG", "OBJECT", "MEMORY", "COMMAND", "SLOWLOG",
                        "LATENCY", "DEBUG", "PUBSUB", "FUNCTION"}


def rule_for(args):
    name = _s(args[0]).upper()
    if name in _SUBCOMMAND_FAMILIES and len(args) > 1:
        r = RULES.get(f"{name} {_s(args[1]).upper()}")
        if r:
            return r
    if name == "COMMAND" and len(args) == 1:
        return same_type
    return RULES.get(name, exact)


def _s(x):
    return x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x)


def compare(args, ref, got, rule=None):
    """None when the replies match under the command's rule, else a mismatch text."""
    return (rule or rule_for(args))(args, ref, got)
