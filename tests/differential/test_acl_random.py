# Randomized ACL sequences: a fixed-seed generator alternates, on an admin connection, ACL SETUSER
# with random rules (valid and invalid: unknown commands and categories, bad hashes, missing
# passwords, patterns after allkeys, unbalanced selectors...), GETUSER, LIST, USERS, DELUSER,
# DRYRUN and LOG, and, on a second connection, AUTH as the generated users and commands on random
# keys, so that permission outcomes (NOPERM for commands, subcommands and keys, read/write key
# patterns, selectors) are compared with every rule combination the generator reaches. A user
# deleted while the second connection is authenticated as it must close that connection on both
# servers; the generator then opens a new one.
#
# A failure prints the seed and the step; rerun one seed with REDOUBT_ACL_RANDOM_SEED=<seed>
# (REDOUBT_ACL_RANDOM_STEPS sets the length, default 400).
import os
import random

import pytest

from differential.acl_cases import check, check_scan, expect_closed, expect_deviation, restore_acl

STEPS = int(os.environ.get("REDOUBT_ACL_RANDOM_STEPS", "400"))
SEEDS = [int(s) for s in os.environ.get("REDOUBT_ACL_RANDOM_SEED", "1,2").split(",")]

USERS = ["u0", "u1", "u2"]
PASSWORDS = ["p1", "p2", "p3"]
KEYS = ["a1", "a2", "b1", "b2", "c1", "k1", "x"]
KEY_PATTERNS = ["~a*", "~b*", "~k?", "~x", "~*", "%R~a*", "%W~b*", "%RW~c*", "%R~*", "%W~*",
                "%R~k*", "~[ab]1"]
COMMANDS = ["get", "set", "incr", "append", "strlen", "mget", "mset", "del", "exists", "expire",
            "ttl", "type", "rename", "copy", "keys", "lpush", "rpush", "lpop", "rpop", "lrange",
            "llen", "ping", "echo", "dbsize", "select", "getdel", "setnx"]
SUBCOMMANDS = ["client|id", "client|getname", "client|setname", "config|get", "config|set",
               "acl|whoami", "object|encoding"]
CATEGORIES = ["@string", "@list", "@keyspace", "@read", "@write", "@fast", "@slow", "@connection",
              "@bitmap", "@dangerous", "@admin", "@all"]
INVALID_RULES = ["+nosuch", "-nosuch", "+@nosuch", "#abc", "!abc", "<nope", "bogus", "%X~y",
                 "%~y", "+client|nosuch", "-select|0", "+get|", "(~x", ")", "(on)", "(>pw)"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def choice(self, xs):
        return self.r.choice(xs)

    def rule(self):
        r = self.r.random()
        if r < 0.12:
            return self.choice(KEY_PATTERNS)
        if r < 0.30:
            return self.choice("+-") + self.choice(COMMANDS)
        if r < 0.38:
            return self.choice("+-") + self.choice(SUBCOMMANDS)
        if r < 0.52:
            return self.choice("+-") + self.choice(CATEGORIES)
        if r < 0.58:
            return "+select|" + self.choice(["0", "1"])
        if r < 0.66:
            return self.choice([">", "<"]) + self.choice(PASSWORDS)
        if r < 0.78:
            return self.choice(["on", "on", "off", "nopass", "resetpass", "allkeys", "allkeys",
                                "resetkeys", "allcommands", "allcommands", "nocommands",
                                "allchannels", "resetchannels", "&ch*", "clearselectors",
                                "reset"])
        if r < 0.88:
            inner = [self.choice(KEY_PATTERNS)] + [self.choice("+-") + self.choice(COMMANDS + CATEGORIES)
                                                   for _ in range(self.r.randint(1, 2))]
            return "(" + " ".join(inner) + ")"
        return self.choice(INVALID_RULES)

    def rules(self):
        out = [self.rule() for _ in range(self.r.randint(1, 5))]
        if self.r.random() < 0.7:
            # usually a user the second connection can log in as (p1 most often)
            out = ["on", ">" + self.choice(["p1", "p1", "p2"])] + out
        return out

    def key(self):
        return self.choice(KEYS)

    def user_command(self):
        k, k2 = self.key(), self.key()
        return self.choice([
            ["GET", k], ["SET", k, "v"], ["INCR", k], ["APPEND", k, "x"], ["STRLEN", k],
            ["MGET", k, k2], ["MSET", k, "1", k2, "2"], ["DEL", k, k2], ["EXISTS", k, k2],
            ["EXPIRE", k, "100"], ["TTL", k], ["TYPE", k], ["RENAME", k, k2], ["COPY", k, k2],
            ["KEYS", "*"], ["LPUSH", k, "a"], ["RPUSH", k, "b"], ["LPOP", k], ["RPOP", k],
            ["LRANGE", k, "0", "-1"], ["LLEN", k], ["EXISTS", k, k2],
            ["PING"], ["ECHO", "hi"], ["DBSIZE"], ["SELECT", self.choice(["0", "1"])],
            ["GETDEL", k], ["SETNX", k, "n"], ["CLIENT", "ID"], ["CLIENT", "GETNAME"],
            ["CLIENT", "SETNAME", "n"], ["CONFIG", "GET", "maxmemory"], ["ACL", "WHOAMI"],
            ["OBJECT", "ENCODING", k], ["<SCAN>"],
        ])


def _is_off(getuser_reply):
    """Whether an ACL GETUSER reply (RESP2 or RESP3, as decoded) lists the flag "off"."""
    items = getuser_reply[1] if getuser_reply and getuser_reply[0] in ("array", "map") else []
    pairs = items if getuser_reply and getuser_reply[0] == "map" else list(zip(items[::2], items[1::2]))
    for k, v in pairs:
        if k == ("bulk", b"flags"):
            return ("bulk", b"off") in v[1]
    return False


def run_sequence(acl, seed, steps):
    g = Gen(seed)
    adm = acl(2)
    protocol = 3 if seed % 2 == 0 else 2
    user = acl(protocol)
    as_user = None  # whom `user` authenticated as on both servers, if anyone but default
    for step in range(steps):
        ctx = f"[seed={seed}, step {step}] "
        adm.context = user.context = ctx
        r = g.r.random()
        name = g.choice(USERS)
        if r < 0.25:
            reply = check(adm, "ACL", "SETUSER", name, *g.rules())
            if reply == ("simple", "OK") and as_user == name and _is_off(check(adm, "ACL", "GETUSER", name)):
                # Intended difference: Redoubt closes the connections of a user switched off.
                expect_deviation(user, False, True, f"connection authenticated as {name} after off",
                                 "off closes the user's connections")
                user.close()
                user = acl(protocol)
                user.context = ctx
                as_user = None
        elif r < 0.30:
            check(adm, "ACL", "GETUSER", g.choice(USERS + ["default", "nosuch"]))
        elif r < 0.33:
            check(adm, "ACL", g.choice(["LIST", "USERS"]))
        elif r < 0.36:
            check(adm, "ACL", "DELUSER", name, *([g.choice(USERS)] if g.r.random() < 0.3 else []))
            if as_user is not None:
                # Deleted (or not): the connection is closed exactly when its user went away.
                gone = check(adm, "ACL", "GETUSER", as_user) is None
                if gone:
                    expect_closed(user, want_ref=True,
                                  what=f"connection authenticated as deleted {as_user}")
                    user.close()
                    user = acl(protocol)
                    user.context = ctx
                    as_user = None
        elif r < 0.48:
            c = g.user_command()
            if c == ["<SCAN>"]:
                c = ["SCAN", "0"]
            check(adm, "ACL", "DRYRUN", g.choice(USERS + ["default"]), *c)
        elif r < 0.51:
            check(adm, "ACL", "LOG", *([str(g.r.randint(0, 5))] if g.r.random() < 0.5 else []))
        elif r < 0.53:
            check(adm, "ACL", "LOG", "RESET")
        elif r < 0.62:
            pw = g.choice(["p1", "p1", "p1", "p2", "p3", "wrong"])
            reply = check(user, "AUTH", name, pw)
            if reply == ("simple", "OK"):
                as_user = name
        elif r < 0.64:
            check(user, "RESET")
            if protocol == 3:
                check(user, "HELLO", "3")
            as_user = None
        else:
            c = g.user_command()
            if c == ["<SCAN>"]:
                check_scan(user)  # SCAN to the end, keys compared as a set (or the same error)
            else:
                check(user, *c)
    check(adm, "ACL", "LIST")
    check(adm, "ACL", "LOG")


@pytest.fixture
def acl(dual, pair):
    yield dual
    restore_acl(pair)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.redoubt_timeout(120)
def test_random_acl(acl, seed):
    run_sequence(acl, seed, STEPS)
