# Differential protocol cases: raw bytes go to both servers and what comes back is compared.
# Cases that end in a protocol error must produce the same error bytes and then a closed
# connection; the others must give the same decoded replies and leave the connection usable.
# Includes inline commands (quotes, escapes), bad multibulk/bulk headers, oversize headers,
# pipelining in one write, and byte-at-a-time delivery.
import pytest

from differential.normalise import exact
from support.compare import diff_replies
from support.resp_client import encode_command

CLOSE = "close"

# (id, bytes sent, expected outcome: CLOSE or number of replies before the connection is
# checked with PING)
CASES = [
    ("inline-ping", b"PING\r\n", 1),
    ("inline-lf-only", b"PING\nECHO x\n", 2),
    ("inline-empty-lines", b"\r\n\n\r\nPING\r\n", 1),
    ("inline-extra-spaces", b"   SET   k   v   \r\nGET k\r\n", 2),
    ("inline-tabs", b"SET\tk\tv\r\nGET k\r\n", 2),
    ("inline-double-quotes", b'SET k "a b"\r\nGET k\r\n', 2),
    ("inline-escapes", b'SET k "\\x41\\n\\t\\r\\\\\\"\\a\\b\\z"\r\nGET k\r\n', 2),
    ("inline-single-quotes", b"SET k 'it\\'s a \\\"x\\\"'\r\nGET k\r\n", 2),
    ("inline-empty-quoted-arg", b'SET k ""\r\nGET k\r\n', 2),
    ("inline-quoted-command", b'"PING"\r\n', 1),
    ("inline-empty-command", b'""\r\n', 1),
    ("inline-unknown", b"FOO a b\r\n", 1),
    ("inline-wrong-arity", b"GET\r\n", 1),
    ("inline-unbalanced-double", b'SET k "abc\r\n', CLOSE),
    ("inline-unbalanced-single", b"SET k 'abc\r\n", CLOSE),
    ("inline-quote-then-char", b'SET k "a"b\r\n', CLOSE),
    ("inline-unbalanced-after-good", b'PING\r\nECHO "x\r\nPING\r\n', CLOSE),
    ("mbulk-count-not-number", b"*abc\r\n", CLOSE),
    ("mbulk-count-over-int-max", b"*2147483648\r\n", CLOSE),
    ("mbulk-count-huge", b"*99999999999999999999\r\n", CLOSE),
    ("mbulk-count-negative-ignored", b"*-1\r\nPING\r\n", 1),
    ("mbulk-count-minus-five-ignored", b"*-5\r\nPING\r\n", 1),
    ("mbulk-count-zero-ignored", b"*0\r\nPING\r\n", 1),
    ("mbulk-expected-dollar", b"*1\r\nx\r\n", CLOSE),
    ("mbulk-expected-dollar-colon", b"*2\r\n$4\r\nECHO\r\n:1\r\n", CLOSE),
    ("bulk-len-not-number", b"*1\r\n$abc\r\n", CLOSE),
    ("bulk-len-negative", b"*1\r\n$-1\r\n", CLOSE),
    ("bulk-len-over-512mb", b"*1\r\n$536870913\r\n", CLOSE),
    ("bulk-len-huge", b"*1\r\n$99999999999999999999\r\n", CLOSE),
    ("bulk-empty-command", b"*1\r\n$0\r\n\r\n", 1),
    ("bulk-empty-arg", b"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n", 1),
    ("good-then-bad", encode_command("SET", "k", "v") + b"*1\r\n$x\r\n", CLOSE),
    ("mixed-inline-and-multibulk", b"PING\r\n" + encode_command("ECHO", "a\r\nb") + b"ECHO c\r\n", 3),
    ("binary-safe-args", encode_command("SET", b"\x00\r\n", b"\r\n\x00") + encode_command("GET", b"\x00\r\n"), 2),
    ("unknown-command-args-truncated", encode_command("NOPE", *["a" * 30] * 10), 1),
]


def _exchange(client, data, outcome, chunked):
    try:
        if chunked:
            for i in range(len(data)):
                client.send_raw(data[i:i + 1])
        else:
            client.send_raw(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server closed early (protocol error); what it sent is still compared
    if outcome == CLOSE:
        raw, closed = client.read_raw_until_close(5.0)
        return ("raw", raw, "closed" if closed else "still open after 5s")
    replies = []
    for _ in range(outcome):
        try:
            replies.append(client.read_reply(timeout=5))
        except Exception as e:  # noqa: BLE001 - report what happened instead of crashing
            replies.append(("<read failed>", repr(e)))
            return ("replies", replies)
    try:
        replies.append(client.call("PING"))
    except Exception as e:  # noqa: BLE001
        replies.append(("<connection unusable after the case>", repr(e)))
    return ("replies", replies)


@pytest.mark.parametrize("chunked", [False, True], ids=["one-write", "byte-at-a-time"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_protocol_case(d, case, chunked):
    name, data, outcome = case
    r = _exchange(d.ref, data, outcome, chunked)
    g = _exchange(d.got, data, outcome, chunked)
    if r != g:
        d.fail([f"<raw bytes: {name}>", data[:300]], r, g, diff_replies(_as_reply(r), _as_reply(g)) or "differs")


def _as_reply(x):
    if x[0] == "raw":
        return ("array", [("bulk", x[1]), ("simple", x[2])])
    return ("array", x[1])


def test_oversized_inline_request(d):
    """2 MB without a newline: Redis answers 'too big inline request' and closes. Only the
    first 64 KB + a little is sent so that the server has read everything before it closes
    (otherwise the kernel sends RST and the reply may be lost on both sides)."""
    for side in ("ref", "got"):
        c = getattr(d, side)
        c.send_raw(b"x" * (64 * 1024 + 100))
        raw, closed = c.read_raw_until_close(5.0)
        assert closed and raw == b"-ERR Protocol error: too big inline request\r\n", (side, raw, closed)


def test_oversized_multibulk_count_line(d):
    for side in ("ref", "got"):
        c = getattr(d, side)
        c.send_raw(b"*" + b"1" * (64 * 1024 + 100))
        raw, closed = c.read_raw_until_close(5.0)
        assert closed and raw == b"-ERR Protocol error: too big mbulk count string\r\n", (side, raw, closed)


def test_oversized_bulk_length_line(d):
    for side in ("ref", "got"):
        c = getattr(d, side)
        c.send_raw(b"*1\r\n$" + b"1" * (64 * 1024 + 100))
        raw, closed = c.read_raw_until_close(5.0)
        assert closed and raw == b"-ERR Protocol error: too big bulk count string\r\n", (side, raw, closed)


def test_pipeline_many_commands_in_one_write(d):
    cmds = []
    for i in range(2000):
        cmds.append(("SET", f"k{i % 50}", str(i)) if i % 3 else ("INCR", f"n{i % 7}"))
        if i % 10 == 0:
            cmds.append(("GET", f"k{i % 50}"))
            cmds.append(("NOPE", str(i)))
            cmds.append(("GET",))
    payload = b"".join(encode_command(*c) for c in cmds)
    d.ref.send_raw(payload)
    d.got.send_raw(payload)
    for i, c in enumerate(cmds):
        r, g = d.ref.read_reply(), d.got.read_reply()
        msg = exact(c, r, g)
        if msg:
            d.fail(list(c), r, g, f"pipelined command #{i}: {msg}")
    d.check("DBSIZE")


def test_pipeline_split_mid_command(d):
    payload = encode_command("SET", "k", "v" * 1000) + encode_command("GET", "k") + b"PING\r\n"
    for cut in (1, 5, 20, 1010, len(payload) - 3):
        for side in ("ref", "got"):
            c = getattr(d, side)
            c.send_raw(payload[:cut])
            c.send_raw(payload[cut:])
        for _ in range(3):
            d.read_both(what=f"split at {cut}")
