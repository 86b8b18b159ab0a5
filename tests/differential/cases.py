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
