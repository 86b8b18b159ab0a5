# Differential cases for pub/sub (Redis 7.0.15 semantics): SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE,
# PUNSUBSCRIBE replies and counts (with and without arguments, repeated and unknown names),
# messages and pattern messages from another connection, a RESP3 client receiving its own
# messages before PUBLISH's reply, the RESP2 subscriber context (refused commands, PING's
# shape, RESET), SUBSCRIBE inside MULTI, PUBSUB CHANNELS/NUMSUB/NUMPAT/HELP, CLIENT LIST's
# sub/psub/flags, ACL channel rules (&pattern, allchannels, resetchannels, NOPERM and ACL LOG),
# the disconnection of a subscriber whose user loses the channel, and a subscriber that does
# not read, closed by client-output-buffer-limit pubsub.
#
# Every subscriber and publisher is a pair of connections (one per server) driven in lockstep:
# a message is read after PUBLISH has answered on both, so no step depends on timing.
import re

import pytest

from differential import acl_cases
from differential.acl_cases import restore_acl
from differential.cases import run
from support.compare import diff_replies, sort_elements


def pushes(d, n):
    """Reads n asynchronous replies from both servers, compared exactly, in order."""
    return [d.read_both() for _ in range(n)]


def pushes_unordered(d, n, what):
    """Reads n replies from both servers whose order Redis does not promise (UNSUBSCRIBE without
    arguments follows the server's channel table; the patterns that match one message follow
    its pattern table). Compares the replies as a set, except for a trailing count (an
    unsubscription's subscriptions left), whose sequence must match, order and all."""
    ref = [d.ref.read_reply() for _ in range(n)]
    got = [d.got.read_reply() for _ in range(n)]

    def split(replies):
        named, counts = [], []
        for r in replies:
            items = r[1] if isinstance(r, tuple) and r[0] in ("array", "push") else None
            if items and items[-1][0] == "int":
                counts.append(items[-1])
                named.append((r[0], items[:-1]))
            else:
                named.append(r)
        return sort_elements(("array", named)), counts

    (ref_named, ref_counts), (got_named, got_counts) = split(ref), split(got)
    msg = diff_replies(ref_named, got_named) or (
        None if ref_counts == got_counts else f"counts {ref_counts} vs {got_counts}")
    if msg:
        d.fail([what], ref, got, msg)


def test_subscribe_and_unsubscribe_replies(dp):
    dp.send_only("SUBSCRIBE", "a", "b", "a")
    pushes(dp, 3)
    dp.send_only("PSUBSCRIBE", "n*", "n*", "x?")
    pushes(dp, 3)
    dp.send_only("UNSUBSCRIBE", "b", "never")
    pushes(dp, 2)
    dp.send_only("PUNSUBSCRIBE", "x?", "unknown*")
    pushes(dp, 2)
    dp.send_only("SUBSCRIBE", "c", "d")
    pushes(dp, 2)
    dp.send_only("UNSUBSCRIBE")  # a, c, d in the table's order
    pushes_unordered(dp, 3, "UNSUBSCRIBE (all)")
    dp.send_only("UNSUBSCRIBE")  # none left: one reply with a null channel
    pushes(dp, 1)
    dp.send_only("PSUBSCRIBE", "p1*", "p2*", "p3*")
    pushes(dp, 3)
    dp.send_only("PUNSUBSCRIBE")  # in subscription order, as Redis 7.0's pattern list
    pushes(dp, 3)
    dp.send_only("PUNSUBSCRIBE")
    pushes(dp, 1)
    run(dp, "PING", "SET k v", "GET k")


def test_messages_reach_channel_and_pattern_subscribers(dual):
    sub = dual(2)
    psub = dual(3)
    pub = dual(2)
    sub.send_only("SUBSCRIBE", "news", "sport")
    pushes(sub, 2)
    psub.send_only("PSUBSCRIBE", "n*", "*s", "[ns]*")
    pushes(psub, 3)
    run(pub, "PUBLISH news hello", "PUBLISH sport goal", "PUBLISH nothing x", "PUBLISH other y",
        ("PUBLISH", "news", b"bin\x00ary\r\nbytes"), ("PUBLISH", "news", ""))
    pushes(sub, 4)   # news hello, sport goal, news bin…, news ''
    # news: n*, *s, [ns]* ; sport: [ns]* ; nothing: n*, [ns]* ; other: none. The patterns
    # matching one message come in the order of the server's pattern table: Redis promises none.
    for n in (3, 1, 2, 3, 3):
        pushes_unordered(psub, n, "pattern messages")
    run(pub, "PUBSUB NUMSUB news sport nothing", "PUBSUB NUMSUB", "PUBSUB NUMPAT",
        "PUBSUB CHANNELS", "PUBSUB CHANNELS n*", "PUBSUB CHANNELS zz*", "PUBSUB HELP",
        "PUBSUB CHANNELS a b", "PUBSUB NOSUCH", "PUBSUB")
    sub.send_only("UNSUBSCRIBE", "news")
    pushes(sub, 1)
    run(pub, "PUBLISH news again", "PUBSUB NUMSUB news", "PUBSUB CHANNELS")
    pushes_unordered(psub, 3, "pattern messages")
    psub.send_only("PUNSUBSCRIBE", "n*")
    pushes(psub, 1)
    run(pub, "PUBSUB NUMPAT", "PUBLISH sport last")
    pushes(sub, 1)
    pushes(psub, 1)


def test_resp3_client_receives_its_own_messages_first(d3):
    d3.send_only("SUBSCRIBE", "self")
    pushes(d3, 1)
    d3.send_only("PUBLISH", "self", "m1")
    pushes(d3, 2)  # the message, then PUBLISH's count
    run(d3, "SET k v", "GET k", "PING", "PING x", "PUBSUB NUMSUB self")
    d3.send_only("PSUBSCRIBE", "s*")
    pushes(d3, 1)
    d3.send_only("PUBLISH", "self", "m2")
    pushes(d3, 3)


def test_resp2_subscriber_context(d):
    d.send_only("SUBSCRIBE", "ch")
    pushes(d, 1)
    run(d, "GET k", "SET k v", "PING", "PING hello", "CLIENT ID", "MULTI", "PUBLISH ch x",
        "PUBSUB NUMSUB ch", "HELLO", "SELECT 1")
    d.send_only("PSUBSCRIBE", "c*")
    pushes(d, 1)
    d.send_only("UNSUBSCRIBE", "ch")
    pushes(d, 1)
    run(d, "GET k")  # still subscribed to a pattern
    d.send_only("PUNSUBSCRIBE")
    pushes(d, 1)
    run(d, "PING", "SET k v", "GET k")
    d.send_only("SUBSCRIBE", "ch2")
    pushes(d, 1)
    run(d, "RESET", "PING", "PUBSUB NUMSUB ch2")


def test_subscribe_inside_multi(dual):
    d = dual(2)
    pub = dual(2)
    run(d, "MULTI")
    run(d, "SUBSCRIBE tx1 tx2", "PING")
    d.send_only("EXEC")
    pushes(d, 1)  # EXEC's array holds the two subscribe replies and PING's
    run(pub, "PUBLISH tx1 in-multi")
    pushes(d, 1)


def test_client_list_shows_subscriptions(dual):
    sub = dual(2)
    admin = dual(2)
    sub.send_only("SUBSCRIBE", "a", "b")
    pushes(sub, 2)
    sub.send_only("PSUBSCRIBE", "p*")
    pushes(sub, 1)
    fields = []
    for server in ("ref", "got"):
        reply = getattr(admin, server).call("CLIENT", "LIST", "TYPE", "pubsub")[1]
        lines = [line for line in reply.decode().splitlines() if line]
        fields.append([re.search(r"flags=(\S+) db=\d+ sub=(\d+) psub=(\d+)", line).groups()
                       for line in lines])
    assert fields[0] == fields[1] == [("P", "2", "1")], fields
    run(admin, "CLIENT LIST TYPE normal")  # compared by the CLIENT LIST rule


@pytest.fixture
def acl(dual, pair):
    yield dual
    restore_acl(pair)


def test_acl_channel_rules(acl):
    admin = acl(2)
    run(admin,
        "ACL SETUSER ch on nopass +@all ~* resetchannels &news:* &exact",
        "ACL SETUSER ch2 on nopass +@all ~* allchannels",
        "ACL LOG RESET")
    user = acl(2)
    run(user, "AUTH ch x",
        "PUBLISH news:1 hi", "PUBLISH exact hi", "PUBLISH other hi", "PUBLISH exactly hi",
        "SUBSCRIBE other", "SUBSCRIBE news:2 other", "PSUBSCRIBE news:*x", "PSUBSCRIBE *",
        "ACL DRYRUN ch PUBLISH other x", "ACL DRYRUN ch PUBLISH news:a x")
    user.send_only("PSUBSCRIBE", "news:*")  # the same pattern as the rule: allowed
    pushes(user, 1)
    user.send_only("SUBSCRIBE", "exact", "news:9")
    pushes(user, 2)
    acl_cases.run(admin, "ACL LOG", "ACL GETUSER ch")
    other = acl(2)
    run(other, "AUTH ch2 x", "PUBLISH anything x", "SUBSCRIBE anything")


def test_subscriber_losing_a_channel_is_disconnected(acl):
    admin = acl(2)
    run(admin, "ACL SETUSER sub on nopass +@all ~* resetchannels &keep &lose &pat*")
    keeper = acl(2)
    loser = acl(2)
    pattern = acl(2)
    run(keeper, "AUTH sub x")
    run(loser, "AUTH sub x")
    run(pattern, "AUTH sub x")
    keeper.send_only("SUBSCRIBE", "keep")
    pushes(keeper, 1)
    loser.send_only("SUBSCRIBE", "lose")
    pushes(loser, 1)
    pattern.send_only("PSUBSCRIBE", "pat*")
    pushes(pattern, 1)
    # A change that keeps every channel closes nobody.
    run(admin, "ACL SETUSER sub &more")
    run(admin, "PUBLISH keep 1", "PUBLISH lose 1", "PUBLISH pat1 1")
    pushes(keeper, 1)
    pushes(loser, 1)
    pushes(pattern, 1)
    # Losing "lose" and "pat*" closes the clients subscribed to them, not the others.
    run(admin, "ACL SETUSER sub resetchannels &keep &pat1")
    assert loser.closed_both() == (True, True)
    assert pattern.closed_both() == (True, True)
    run(admin, "PUBLISH keep 2")
    pushes(keeper, 1)


def test_slow_subscriber_is_closed_by_the_pubsub_output_limit(dual):
    admin = dual(2)
    sub = dual(2)
    run(admin, ("CONFIG", "SET", "client-output-buffer-limit", "pubsub 256kb 0 0"))
    sub.send_only("SUBSCRIBE", "flood")
    pushes(sub, 1)
    # The subscriber reads nothing: 64 MB of messages cannot all sit in socket buffers, so the
    # 256 KB limit is reached and the server closes the subscriber (Redis does the same).
    payload = "x" * 65536
    counts = set()
    for _ in range(1024):
        r, g = admin.both("PUBLISH", "flood", payload)
        counts.add((r, g))
        if r == ("int", 0) and g == ("int", 0):
            break
    assert (("int", 0), ("int", 0)) in counts, "the subscriber was never closed"
    run(admin, "PUBSUB NUMSUB flood",
        ("CONFIG", "SET", "client-output-buffer-limit", "pubsub 32mb 8mb 60"))
    assert sub.closed_both() == (True, True)


def test_shard_channels(dual):
    sub = dual(2)
    sub3 = dual(3)
    pub = dual(2)
    sub.send_only("SSUBSCRIBE", "s1", "s2", "s1")
    pushes(sub, 3)
    sub.send_only("SUBSCRIBE", "s1")  # a channel of the same name is another subscription
    pushes(sub, 1)
    sub3.send_only("SSUBSCRIBE", "s2")
    pushes(sub3, 1)
    run(pub, "SPUBLISH s1 hello", "SPUBLISH s2 world", "SPUBLISH none x", "PUBLISH s1 plain",
        "PUBSUB SHARDCHANNELS", "PUBSUB SHARDCHANNELS s1*", "PUBSUB SHARDNUMSUB s1 s2 none",
        "PUBSUB SHARDNUMSUB", "PUBSUB CHANNELS", "PUBSUB NUMSUB s1", "PUBSUB SHARDCHANNELS a b",
        "INFO stats")
    pushes(sub, 3)   # smessage s1, smessage s2, message s1
    pushes(sub3, 1)  # smessage s2
    run(sub, "GET k")  # RESP2 subscriber context holds for shard channels too
    sub.send_only("SUNSUBSCRIBE", "s2", "never")
    pushes(sub, 2)
    sub.send_only("SUNSUBSCRIBE")
    pushes(sub, 1)
    sub.send_only("SUNSUBSCRIBE")
    pushes(sub, 1)
    sub.send_only("UNSUBSCRIBE")
    pushes(sub, 1)
    run(sub, "GET k", "COMMAND INFO spublish ssubscribe sunsubscribe",
        "COMMAND GETKEYS spublish ch msg")


def test_acl_shard_channel_rules_ignore_key_patterns(acl):
    admin = acl(2)
    run(admin, "ACL SETUSER sh on nopass +@all resetkeys resetchannels &ok:*", "ACL LOG RESET")
    user = acl(2)
    run(user, "AUTH sh x", "SPUBLISH ok:1 m", "SPUBLISH no m", "SSUBSCRIBE no",
        "ACL DRYRUN sh SPUBLISH ok:2 m", "ACL DRYRUN sh SPUBLISH nope m")
    user.send_only("SSUBSCRIBE", "ok:1")
    pushes(user, 1)
    run(admin, "SPUBLISH ok:1 hi")
    pushes(user, 1)
    run(admin, "ACL SETUSER sh resetchannels &ok:2")
    assert user.closed_both() == (True, True)
    acl_cases.run(admin, "ACL LOG")
