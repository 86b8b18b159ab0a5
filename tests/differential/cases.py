# Helpers for writing differential cases compactly: "SET k v EX 10" -> ["SET","k","v","EX","10"].
# Use tuples for arguments with spaces, empty strings or binary bytes.

from support.compare import diff_replies

# A non-string key for -WRONGTYPE cases. RPUSH is the simplest way to make one; a server that
# lacks RPUSH fails these cases at that step, which the report makes obvious.
MAKE_LIST = ("RPUSH", "lst", "a")


def cmds(text):
    """One command per non-empty line; arguments split on whitespace."""
    return [line.split() for line in text.strip().splitlines() if line.strip() and not line.lstrip().startswith("#")]


def run(d, *groups):
    """Run commands (strings are split with cmds(), tuples/lists sent as they are)."""
    for g in groups:
        if isinstance(g, str):
            for c in cmds(g):
                d.check(*c)
        else:
            d.check(*g)


def scan_all(client, *extra, limit=10000):
    """Iterate SCAN from cursor 0 until it returns 0; return (set of keys, error or None)."""
    cursor, seen = b"0", set()
    for _ in range(limit):
        r = client.call("SCAN", cursor, *extra)
        if r is None or r[0] != "array":
            return None, r
        if len(r[1]) != 2 or r[1][0][0] != "bulk" or r[1][1][0] != "array":
            return None, ("bad SCAN reply shape", r)
        if any(x is None or x[0] != "bulk" for x in r[1][1][1]):
            return None, ("SCAN element not a bulk string", r)
        cursor = r[1][0][1]
        seen.update(x[1] for x in r[1][1][1])
        if cursor == b"0":
            return seen, None
    return None, ("SCAN did not return cursor 0", limit)


def check_scan(d, *extra):
    a, ea = scan_all(d.ref, *extra)
    b, eb = scan_all(d.got, *extra)
    if ea is not None or eb is not None or a != b:
        msg = diff_replies(ea, eb) if (ea or eb) else f"missing {sorted(a - b)[:20]}, extra {sorted(b - a)[:20]}"
        d.fail(["SCAN", "<cursor>", *extra], ea or sorted(a), eb or sorted(b or []), msg or "SCAN")


def member_scan_all(client, command, key, *extra, limit=10000):
    """Iterate HSCAN/SSCAN from cursor 0 to 0; the set of elements seen (HSCAN: (field, value)
    pairs), or (None, error)."""
    cursor, seen = b"0", set()
    for _ in range(limit):
        r = client.call(command, key, cursor, *extra)
        if r is None or r[0] != "array" or len(r[1]) != 2 or r[1][1][0] != "array":
            return None, r
        cursor, items = r[1][0][1], [x[1] for x in r[1][1][1]]
        seen.update(zip(items[0::2], items[1::2]) if command.upper() == "HSCAN" else items)
        if cursor == b"0":
            return seen, None
    return None, (f"{command} did not return cursor 0", limit)


def check_member_scan(d, command, key, *extra):
    a, ea = member_scan_all(d.ref, command, key, *extra)
    b, eb = member_scan_all(d.got, command, key, *extra)
    if ea is not None or eb is not None or a != b:
        d.fail([command, key, "<cursor>", *extra], ea or sorted(a), eb or sorted(b or []),
               f"{command} results differ")


def same_shape(args, a, b):
    """Random picks (HRANDFIELD, SRANDMEMBER, SPOP with a count): the same reply type and length;
    which elements is chance."""
    if a[0] != b[0] or (a[0] in ("array", "set") and len(a[1] or []) != len(b[1] or [])):
        return f"shape differs: {a!r} vs {b!r}"
    return None


def unordered(args, a, b):
    """The whole collection (a count at least its size): the same elements, RESP3 pairs
    included, in any order."""
    norm = lambda r: (r[0], sorted(map(repr, r[1]))) if r[0] in ("array", "set") else r
    return None if norm(a) == norm(b) else f"{a!r} vs {b!r}"
