# Differential cases for client-side caching (Redis 7.0.15's tracking.c): CLIENT TRACKING's
# options and errors, CLIENT CACHING, GETREDIR and TRACKINGINFO; invalidation messages as RESP3
# pushes to the tracking client itself (after its own command's reply), through REDIRECT to a
# RESP2 client subscribed to __redis__:invalidate or to a RESP3 client; BCAST with prefixes
# and NOLOOP; OPTIN and OPTOUT; FLUSHALL (a null: every key) and SWAPDB (nothing, as in 7.0); reads inside scripts
# and transactions; a broken redirection; tracking-table-max-keys; INFO and CLIENT LIST.
#
# The tracking client, the writer and the redirection target are separate connections (on
# Redoubt's I/O threads as they fall). Nothing waits on time: a message is read after the
# command that causes it has answered on both servers (the read waits for it), and "no
# message" is proven by a later change whose message must be the first to arrive (messages
# from one writer to one client keep their order on both servers).
import pytest

from differential.cases import run
from support.compare import diff_replies


def client_ids(d):
    """(reference id, redoubt id) of the Dual's two connections."""
    r, g = d.both("CLIENT", "ID")
    return r[1], g[1]


def track(d, *options, redirect_to=None):
    """CLIENT TRACKING ON with options, and REDIRECT to the other Dual's connections."""
    if redirect_to is None:
        return d.check("CLIENT", "TRACKING", "ON", *options)
    ref_id, got_id = client_ids(redirect_to)
    return d.check_pair(["CLIENT", "TRACKING", "ON", "REDIRECT", str(ref_id), *options],
                        ["CLIENT", "TRACKING", "ON", "REDIRECT", str(got_id), *options])


def same_ignoring_ids(args, r, g):
    """Replies equal once client ids (integers) are set aside: redirect= and
    tracking-redir-broken name each server's own ids."""
    def strip(x):
        if isinstance(x, tuple) and x[0] == "int":
            return ("int", "<id>")
        if isinstance(x, tuple) and x[0] in ("array", "push", "set"):
            return (x[0], [strip(e) for e in x[1]])
        if isinstance(x, tuple) and x[0] == "map":
            return (x[0], [(k, strip(v)) for k, v in x[1]])
        return x
    return diff_replies(strip(r), strip(g))


def expect_message(d):
    """Reads one asynchronous reply from both servers: the reference must have sent one (a
    timeout on both would otherwise compare equal), and Redoubt the same."""
    def rule(args, r, g):
        if not isinstance(r, tuple) or r[0] not in ("push", "array"):
            return f"the reference sent no message: {r}"
        return diff_replies(r, g)
    return d.read_both(rule=rule)


def test_tracking_option_errors(dp):
    run(dp, "CLIENT TRACKING", "CLIENT TRACKING maybe", "CLIENT TRACKING on foo",
        "CLIENT TRACKING on PREFIX a", "CLIENT TRACKING on OPTIN OPTOUT",
        "CLIENT TRACKING on BCAST OPTIN", "CLIENT TRACKING on BCAST OPTOUT",
        "CLIENT TRACKING on REDIRECT", "CLIENT TRACKING on REDIRECT notanumber",
        "CLIENT TRACKING on REDIRECT 987654321", "CLIENT TRACKING on REDIRECT -1",
        "CLIENT TRACKING on BCAST PREFIX a PREFIX ab", "CLIENT TRACKING on BCAST PREFIX ab PREFIX a",
        "CLIENT TRACKINGINFO", "CLIENT GETREDIR",
        "CLIENT CACHING yes", "CLIENT CACHING no", "CLIENT CACHING maybe", "CLIENT CACHING",
        "CLIENT TRACKING on OPTIN", "CLIENT CACHING no", "CLIENT CACHING maybe",
        "CLIENT CACHING yes", "CLIENT TRACKINGINFO", "CLIENT TRACKING on OPTOUT",
        "CLIENT TRACKING on BCAST", "CLIENT TRACKING off", "CLIENT TRACKINGINFO",
        "CLIENT TRACKING on BCAST PREFIX x: PREFIX y:", "CLIENT TRACKINGINFO",
        "CLIENT TRACKING on BCAST PREFIX x:1", "CLIENT TRACKING on BCAST PREFIX z:",
        "CLIENT TRACKINGINFO", "CLIENT TRACKING on", "CLIENT TRACKING off",
        "CLIENT TRACKING on OPTOUT NOLOOP", "CLIENT CACHING no", "CLIENT TRACKINGINFO",
        "CLIENT GETREDIR", "CLIENT TRACKING off", "CLIENT GETREDIR")


def test_resp3_client_hears_its_own_changes_after_the_reply(d3):
    track(d3)
    run(d3, "SET a 1", "SET b 2", "GET a", "MGET b c", "SET a 3")
    expect_message(d3)  # invalidate [a], after SET's +OK
    run(d3, "DEL b c")
    expect_message(d3)  # [b]
    # c was read by MGET but did not exist: DEL of a missing key changes nothing in Redis, and
    # here would be a spurious message; set it to see its own.
    run(d3, "SET c 1")
    expect_message(d3)
    run(d3, "SET a 4", "PING")  # a was forgotten when invalidated: nothing before PONG


def test_noloop_leaves_out_own_changes(dual):
    t, w = dual(3), dual(2)
    track(t, "NOLOOP")
    run(t, "GET a", "GET b", "SET a 1", "PING")  # own change: no message before PONG
    run(w, "SET b 2")
    expect_message(t)  # [b]: the other client's change


def test_redirect_to_resp2_subscriber(dual):
    target, t, w = dual(2), dual(2), dual(2)
    track(t, redirect_to=target)  # its ids, before it subscribes (then CLIENT ID is refused)
    target.send_only("SUBSCRIBE", "__redis__:invalidate")
    expect_message(target)
    run(t, "GET k", "GET other")
    run(w, "SET k 2")
    expect_message(target)  # message __redis__:invalidate [k]
    run(w, "SET untracked 1", "SET other 1")
    expect_message(target)  # [other]: nothing for untracked before it
    t.check("CLIENT", "TRACKINGINFO", rule=same_ignoring_ids)
    t.check("CLIENT", "GETREDIR", rule=same_ignoring_ids)


def test_redirect_to_resp3_client_and_flush(dual):
    target, t, w = dual(3), dual(2), dual(2)
    track(t, redirect_to=target)
    run(t, "GET k1", "GET k2")
    run(w, "MSET k1 a k2 b")
    pushes = sorted(repr(expect_message(target)[0]) for _ in range(2))  # one message per key
    assert len(pushes) == 2
    run(t, "GET k1")
    run(w, "FLUSHALL")
    expect_message(target)  # invalidate with a null: every key
    # SWAPDB tells tracking clients nothing in Redis 7.0; a later change shows no message
    # came before it.
    run(t, "GET k3")
    run(w, "SWAPDB 0 1", "SET k3 x")
    expect_message(target)  # [k3]


def test_bcast_prefixes(dual):
    t, w = dual(3), dual(2)
    track(t, "BCAST", "PREFIX", "user:", "PREFIX", "cart:")
    run(w, "MSET user:1 a cart:9 b other c user:2 d")
    expect_message(t)  # [cart:9]: one message per prefix, prefixes in order
    expect_message(t)  # [user:1 user:2]
    run(w, "SET other x", "SET user:1 e")
    expect_message(t)  # [user:1] only
    run(t, "CLIENT TRACKINGINFO")


def test_bcast_everything_with_noloop(dual):
    t, w = dual(3), dual(2)
    track(t, "BCAST", "NOLOOP")
    run(t, "SET mine 1")
    run(w, "SET theirs 1")
    expect_message(t)  # [theirs]: its own change is left out
    run(t, "PING")


def test_bcast_noloop_hears_the_expiry_of_its_own_past_set(dual):
    # SET with an expire time already passed stores a key that is logically expired (Redis
    # 7.0): its removal is expiry's, not the setter's, so a NOLOOP tracker hears of it (once a
    # SET PX 1 that took over a millisecond to run was not).
    t, w = dual(3), dual(2)
    track(t, "BCAST", "NOLOOP")
    run(t, "SET gone v PXAT 1")
    run(w, "GET gone")  # a lazy expiry, unless the active one came first
    expect_message(t)  # [gone]
    run(t, "PING")


def test_optin_and_optout(dual):
    t, w = dual(3), dual(2)
    track(t, "OPTIN")
    run(t, "GET a", "CLIENT CACHING yes", "GET b", "GET c")  # only b is remembered
    run(w, "SET a 1", "SET c 1", "SET b 1")
    expect_message(t)  # [b]
    run(t, "CLIENT TRACKING off")
    track(t, "OPTOUT")
    run(t, "CLIENT CACHING no", "GET x", "GET y")  # y is remembered, x is not
    run(w, "SET x 1", "SET y 1")
    expect_message(t)  # [y]
    # CLIENT CACHING covers a whole transaction.
    run(t, "CLIENT TRACKING off")
    track(t, "OPTIN")
    run(t, "CLIENT CACHING yes", "MULTI", "GET p", "GET q", "EXEC", "GET r")
    run(w, "SET r 1", "SET q 1")
    expect_message(t)  # [q]


def test_reads_in_scripts_and_transactions(dual):
    t, w = dual(3), dual(2)
    track(t)
    run(t, ("EVAL", "return redis.call('get', KEYS[1])", "1", "s"),
        ("EVAL_RO", "return redis.call('get', KEYS[1])", "1", "ro"))
    run(w, "SET s 1")
    expect_message(t)  # [s]: the script's read counts for its caller
    run(w, "SET ro 1")
    expect_message(t)
    # In a transaction: its own write's message follows EXEC's reply, not a queued reply.
    run(t, "MULTI", "GET m", "SET m 1", "GET m", "EXEC")
    expect_message(t)  # [m]
    run(w, "SET m 2")
    expect_message(t)  # [m] again: the second GET remembered it


def test_broken_redirect(dual):
    target, t = dual(2), dual(3)
    track(t, redirect_to=target)
    target.close()
    run(t, "GET k")
    t.check("SET", "k", "1")
    # tracking-redir-broken <id>, with each server's id.
    t.read_both(rule=lambda a, r, g: same_ignoring_ids(a, r, g) if r[0] == "push"
                else f"the reference sent no message: {r}")
    t.check("CLIENT", "TRACKINGINFO", rule=same_ignoring_ids)


def _pushes_then_reply(client, first):
    """The replies from `first` on until the first one that is not a push."""
    replies = [first]
    while replies[-1] is not None and replies[-1][0] == "push":
        replies.append(client.read_reply())
    return replies


def test_table_limit_forgets_keys(dual):
    t, admin = dual(3), dual(2)
    run(admin, "CONFIG SET tracking-table-max-keys 1")
    try:
        track(t)
        run(t, "GET a", "GET b")
        # Over the limit: before each command, keys are forgotten (their clients told, ahead of
        # that command's reply) until one is left. Which ones is the table's choice, so the
        # messages are compared by count and by which keys they may name.
        for command, held in ((("GET", "c"), {b"a", b"b"}), (("PING",), {b"a", b"b", b"c"})):
            r, g = t.both(*command)
            ref = _pushes_then_reply(t.ref, r)
            got = _pushes_then_reply(t.got, g)
            assert len(ref) == len(got) == 2, (ref, got)
            assert ref[-1] == got[-1], (ref, got)
            for push in (ref[0], got[0]):
                kind, (name, keys) = push
                assert name == ("bulk", b"invalidate") and len(keys[1]) == 1, push
                assert keys[1][0][1] in held, push
    finally:
        run(admin, "CONFIG SET tracking-table-max-keys 1000000")


def _info_fields(reply, names):
    text = reply[1].decode() if isinstance(reply[1], bytes) else reply[1]
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    return {n: fields.get(n) for n in names}


def test_info_and_client_list(dual):
    t, b, w = dual(3), dual(3), dual(2)
    track(t)
    track(b, "BCAST", "PREFIX", "p:", "PREFIX", "q:")
    run(t, "MGET k1 k2 k3")
    names = ["tracking_clients", "tracking_total_keys", "tracking_total_items",
             "tracking_total_prefixes"]
    r, g = w.both("INFO")
    assert _info_fields(r, names) == _info_fields(g, names)
    # CLIENT LIST's flags and redir= for the tracking clients.
    for d in (t, b):
        r, g = d.both("CLIENT", "INFO")
        def fields(reply):
            text = (reply[1][1] if reply[0] == "verbatim" else reply[1]).decode()
            kv = dict(p.split("=", 1) for p in text.split() if "=" in p)
            return kv["flags"], kv["redir"]
        assert fields(r) == fields(g), (r, g)
