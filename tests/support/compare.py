# Exact comparison of decoded RESP replies (see resp_client.py for the decoded forms).
# diff_replies() returns None when two replies are identical in type and value, otherwise a
# short text naming the first difference and where it is ("[2][0]: bulk b'a' vs bulk b'b'").
# Errors compare by their full text. Used by the differential suite and unit-tested in
# differential/test_harness_selftest.py.


def _kind(r):
    if r is None:
        return "nullbulk"
    if isinstance(r, tuple) and r and isinstance(r[0], str):
        if r[0] == "array" and r[1] is None:
            return "nullarray"
        return r[0]
    return f"python:{type(r).__name__}"


def diff_replies(a, b, path=""):
    ka, kb = _kind(a), _kind(b)
    where = path or "reply"
    if ka != kb:
        return f"{where}: type {ka} vs {kb} ({_short(a)} vs {_short(b)})"
    if ka in ("nullbulk", "nullarray", "null"):
        return None
    if ka in ("array", "set", "push"):
        la, lb = a[1], b[1]
        if len(la) != len(lb):
            return f"{where}: {ka} length {len(la)} vs {len(lb)} ({_short(a)} vs {_short(b)})"
        for i, (x, y) in enumerate(zip(la, lb)):
            d = diff_replies(x, y, f"{path}[{i}]")
            if d:
                return d
        return None
    if ka in ("map", "attr"):
        la, lb = a[1], b[1]
        if len(la) != len(lb):
            return f"{where}: {ka} size {len(la)} vs {len(lb)} ({_short(a)} vs {_short(b)})"
        for i, ((k1, v1), (k2, v2)) in enumerate(zip(la, lb)):
            d = diff_replies(k1, k2, f"{path}{{key {i}}}") or diff_replies(v1, v2, f"{path}{{{_short(k1, 40)}}}")
            if d:
                return d
        if ka == "attr":
            return diff_replies(a[2], b[2], path + "<attr-reply>")
        return None
    if a[1] != b[1] or type(a[1]) is not type(b[1]):
        if isinstance(a[1], (str, bytes)) and type(a[1]) is type(b[1]):
            return f"{where}: {ka} {_first_difference(a[1], b[1])}"
        return f"{where}: {ka} {_short(a[1])} vs {_short(b[1])}"
    return None


def _first_difference(x, y):
    """Long strings: show where they start to differ, with some context."""
    if len(x) <= 100 and len(y) <= 100:
        return f"{x!r} vs {y!r}"
    i = next((n for n, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
    lo = max(0, i - 30)
    return (f"differ at offset {i} (lengths {len(x)} vs {len(y)}): "
            f"...{x[lo:i + 50]!r}... vs ...{y[lo:i + 50]!r}...")


def _short(x, limit=120):
    s = repr(x)
    return s if len(s) <= limit else s[:limit] + "..."


def sort_elements(reply):
    """For replies whose element order Redis does not promise (KEYS, SMEMBERS, COMMAND LIST):
    an array/set with its elements in a canonical order. Other replies are returned as is."""
    if isinstance(reply, tuple) and reply[0] in ("array", "set") and reply[1] is not None:
        return (reply[0], sorted(reply[1], key=repr))
    return reply


def sort_map(reply):
    """Map (RESP3) or flat key/value array (RESP2) with its pairs in canonical order."""
    if isinstance(reply, tuple) and reply[0] == "map":
        return ("map", sorted(reply[1], key=lambda kv: repr(kv[0])))
    if isinstance(reply, tuple) and reply[0] == "array" and reply[1] is not None:
        items = reply[1]
        pairs = sorted(zip(items[0::2], items[1::2]), key=lambda kv: repr(kv[0]))
        return ("array", [x for kv in pairs for x in kv])
    return reply
