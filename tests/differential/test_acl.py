# Differential cases for authentication and ACLs (Redis 7.0.15 semantics): requirepass (CONFIG SET
# and --requirepass at start-up), AUTH, HELLO AUTH, RESET, what an unauthenticated connection may
# run; ACL SETUSER with every rule kind and its exact errors, read back with ACL GETUSER (RESP2
# and RESP3), ACL LIST and ACL USERS; permission checks (commands, subcommands, first
# arguments, keys with read/write patterns, selectors) with their NOPERM errors, ACL DRYRUN and
# the ACL LOG entries they leave; ACL CAT, GENPASS, DELUSER, WHOAMI; which changes close a user's
# connections; ACL SAVE/LOAD with an ACL file, `user` directives at start-up, and the start-ups
# that must be refused.
#
# Every reply is compared exactly except where acl_cases.py's rules say otherwise (rule order
# inside a user's description, clocks and client details in ACL LOG, GENPASS output, ACL CAT
# order, file paths in ACL LOAD errors). Every test leaves the servers with the default user
# only (acl_cases.restore_acl), restarting a server that cannot be brought back.
import hashlib

import pytest

from differential.acl_cases import (AclFiles, AclPair, admin_connection, check, check_scan,
                                    expect_closed, expect_deviation, expect_open, norm_rules, path_rule, restore_acl,
                                    run, start_failure)
from differential.conftest import Dual
from support.resp_client import RespClient


def sha(pw):
    return hashlib.sha256(pw.encode()).hexdigest()


# ----- fixtures ----------------------------------------------------------------------------------

@pytest.fixture
def acl(dual, pair):
    """Like `dual` (a factory of Dual connections on the module's pair, keyspace flushed), and
    after the test the ACL state is restored."""
    yield dual
    restore_acl(pair)


@pytest.fixture
def a(acl):
    """An admin connection (RESP2), authenticated as the default user."""
    return acl(2)


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def ap(request, acl):
    """An admin connection in RESP2 and, as a second run, RESP3."""
    return acl(request.param)


STARTPW = "startpw"


@pytest.fixture(scope="module")
def pw_pair():
    """Two servers started with --requirepass startpw."""
    p = AclPair(lambda side: ["--requirepass", STARTPW], "requirepass")
    try:
        p.start()
    except Exception as e:  # noqa: BLE001 - report start-up failures readably
        pytest.fail(f"servers with --requirepass did not start: {e}", pytrace=False)
    yield p
    p.stop()


@pytest.fixture
def pw(pw_pair):
    """Factory of (unauthenticated) Dual connections on the --requirepass pair; the keyspace
    and the ACL LOG are emptied first."""
    for s in (pw_pair.ref, pw_pair.got):
        if not s.alive():
            s.restart()
        with RespClient(s.host, s.port) as c:
            c.call("AUTH", STARTPW)
            c.call("FLUSHALL")
            c.call("ACL", "LOG", "RESET")
    opened = []

    def make(protocol=2):
        x = Dual(pw_pair, protocol=protocol)
        opened.append(x)
        return x
    yield make
    for x in opened:
        x.close()
    for s, name in ((pw_pair.got, "server under test"), (pw_pair.ref, "reference")):
        if not s.alive():
            pytest.fail(f"{name} (--requirepass) died during this test; log tail:\n{s.log_text(4000)}",
                        pytrace=False)


def admin(acl):
    return acl(2)


# ===== requirepass and AUTH ======================================================================

# Sent on a connection that has not authenticated to a server started with --requirepass. Then
# AUTH, and checks that the command had no effect (key not set, name not set, db not switched).
PRE_AUTH_COMMANDS = [
    # refused with -NOAUTH
    "PING", "PING hello", "ECHO x", "GET k", "SET k v", "SELECT 1", "DBSIZE", "INFO", "INFO server",
    "CLIENT ID", "CLIENT SETNAME x", "CLIENT GETNAME", "CLIENT LIST", "CLIENT INFO",
    "CLIENT KILL ID 1", "COMMAND", "COMMAND COUNT", "COMMAND INFO get", "CONFIG GET requirepass",
    "CONFIG SET requirepass x", "ACL WHOAMI", "ACL LIST", "ACL SETUSER x on", "FLUSHALL", "KEYS *",
    "SCAN 0", "EXISTS k", "LPUSH l a", "LRANGE l 0 -1", "DEBUG SLEEP 0", "TIME",
    # HELLO without AUTH: its own -NOAUTH text
    "HELLO", "HELLO 2", "HELLO 3", "HELLO 3 SETNAME x",
    # rejected before the authentication check: unknown command, arity, unknown subcommand,
    # HELLO's own argument checks, AUTH's syntax
    "FOO", "FOO a b", "GET", "SET k", "CLIENT", "CLIENT FOO", "CONFIG FOO", "ACL", "ACL FOO",
    "COMMAND FOO", "HELLO 4", "HELLO abc", "HELLO 3 AUTH default", "HELLO 3 BAD", "AUTH",
    "AUTH a b c",
]


@pytest.mark.parametrize("command", PRE_AUTH_COMMANDS)
def test_before_auth(pw, command):
    d = pw()
    run(d, command, f"AUTH {STARTPW}", "GET k", "EXISTS l", "CLIENT GETNAME", "ACL WHOAMI",
        "CLIENT INFO", "ACL USERS")


def test_before_auth_reset_and_quit(pw):
    d = pw()
    run(d, "RESET", "PING", "ACL WHOAMI")
    d.check("QUIT")
    expect_closed(d, want_ref=True, what="unauthenticated connection after QUIT")


AUTH_SEQUENCES = {
    "password": [f"AUTH {STARTPW}", "PING", "ACL WHOAMI"],
    "default-user": [f"AUTH default {STARTPW}", "PING", "ACL WHOAMI"],
    "wrong": ["AUTH wrong", "PING", "ACL WHOAMI"],
    "default-wrong": ["AUTH default wrong", "PING"],
    "unknown-user": [f"AUTH nouser {STARTPW}", "PING"],
    "user-case-matters": [f"AUTH DEFAULT {STARTPW}", "PING"],
    "password-case-matters": [f"AUTH {STARTPW.upper()}", "PING"],
    "empty": [("AUTH", ""), "PING"],
    "password-as-user": [f"AUTH {STARTPW} {STARTPW}", "PING"],
    "too-many": [f"AUTH default {STARTPW} x", "PING"],
    "no-args": ["AUTH", "PING"],
    "failed-auth-keeps-previous": [f"AUTH {STARTPW}", "AUTH wrong", "PING", "AUTH nouser x",
                                   "ACL WHOAMI"],
    "twice": [f"AUTH {STARTPW}", f"AUTH default {STARTPW}", "ACL WHOAMI"],
}


@pytest.mark.parametrize("name", list(AUTH_SEQUENCES))
def test_auth(pw, name):
    run(pw(), *AUTH_SEQUENCES[name])


HELLO_SEQUENCES = {
    "auth-setname": [f"HELLO 3 AUTH default {STARTPW} SETNAME x"],
    "auth-resp2": [f"HELLO 2 AUTH default {STARTPW}"],
    "setname-before-auth": [f"HELLO 3 SETNAME x AUTH default {STARTPW}"],
    "wrong-password": ["HELLO 3 AUTH default bad SETNAME x"],
    # Redis 7.0 applies SETNAME while parsing, before it refuses: the name sticks
    "setname-then-wrong-password": ["HELLO 3 SETNAME x AUTH default bad", f"AUTH {STARTPW}"],
    "setname-without-auth": ["HELLO 3 SETNAME x", f"AUTH {STARTPW}"],
    "unknown-user": [f"HELLO 3 AUTH nouser {STARTPW}"],
    "no-version": [f"HELLO AUTH default {STARTPW}"],
    "bad-version": [f"HELLO 4 AUTH default {STARTPW}"],
    "auth-missing-password": ["HELLO 3 AUTH default"],
    # Redis 7.0 authenticates as soon as it reads AUTH: a later bad option fails HELLO, but the
    # connection stays authenticated (and keeps its protocol)
    "auth-then-bad-option": [f"HELLO 2 AUTH default {STARTPW} extra"],
    "auth-then-setname-missing": [f"HELLO 3 AUTH default {STARTPW} SETNAME"],
    "auth-then-bad-name": [("HELLO", "3", "AUTH", "default", STARTPW, "SETNAME", "a b")],
    "bad-name-then-auth": [("HELLO", "3", "SETNAME", "a b", "AUTH", "default", STARTPW)],
    "auth-twice-second-wrong": [f"HELLO 3 AUTH default {STARTPW} AUTH default bad"],
    "auth-twice-first-wrong": [f"HELLO 3 AUTH default bad AUTH default {STARTPW}"],
    "after-auth": [f"AUTH {STARTPW}", "HELLO 3", "HELLO 2 AUTH default wrong"],
}


@pytest.mark.parametrize("name", list(HELLO_SEQUENCES))
def test_hello_auth(pw, name):
    d = pw()
    run(d, *HELLO_SEQUENCES[name])
    # Authenticated? Under which name, in which protocol (a nil GET is _ in RESP3)?
    run(d, "ACL WHOAMI", "CLIENT GETNAME", "GET nokey")


def test_reset_deauthenticates(pw):
    d = pw()
    run(d, f"AUTH {STARTPW}", "SET k v", "CLIENT SETNAME n", "SELECT 2", "HELLO 3", "RESET",
        "GET k", "ACL WHOAMI", "CLIENT GETNAME", f"AUTH {STARTPW}", "GET k", "CLIENT GETNAME",
        "GET nokey", "RESET", f"HELLO 3 AUTH default {STARTPW}", "GET k")


def test_requirepass_at_startup_as_acl_sees_it(pw):
    d = pw(3)
    run(d, f"HELLO 3 AUTH default {STARTPW}", "CONFIG GET requirepass", "ACL LIST",
        "ACL GETUSER default", "ACL USERS", "AUTH wrong", "ACL LOG")


def test_wrong_password_is_logged(pw):
    d = pw()
    run(d, "AUTH wrong", "AUTH wrong", "AUTH nouser x", f"AUTH {STARTPW}", "ACL LOG", "ACL LOG 1")


def test_requirepass_config_set(acl):
    adm = admin(acl)
    before = acl(2)
    run(before, "PING")
    run(adm, "CONFIG GET requirepass", "CONFIG SET requirepass secret", "CONFIG GET requirepass",
        "ACL GETUSER default", "ACL LIST")
    # A connection opened before the password was set stays authenticated.
    run(before, "PING", "ACL WHOAMI", "SET k v")
    after = acl(2)
    run(after, "PING", "GET k", "AUTH wrong", "AUTH secret", "GET k")
    # A new password: open connections stay, new ones need it.
    unauth = acl(2)
    run(adm, "CONFIG SET requirepass newsecret", "CONFIG GET requirepass")
    run(after, "PING")
    run(before, "PING")
    late = acl(2)
    run(late, "AUTH secret", "PING", "AUTH newsecret", "PING")
    run(unauth, "PING")
    # Removing it: even the connection that never authenticated may run commands now.
    run(adm, ("CONFIG", "SET", "requirepass", ""), "CONFIG GET requirepass", "ACL LIST",
        "ACL GETUSER default")
    run(unauth, "PING", "ACL WHOAMI", "AUTH x")


def test_requirepass_and_acl_setuser_default(acl):
    adm = admin(acl)
    run(adm, "CONFIG SET requirepass p1", "ACL SETUSER default >p2", "CONFIG GET requirepass",
        "ACL GETUSER default")
    c = acl(2)
    run(c, "AUTH p1", "AUTH p2", "AUTH default p2")
    # CONFIG SET requirepass replaces every password of the default user.
    run(adm, "CONFIG SET requirepass c", "ACL GETUSER default")
    run(acl(2), "AUTH p2", "AUTH p1", "AUTH c")
    # nopass: CONFIG GET still shows the old value; AUTH <pw> is refused with its own error.
    run(adm, "ACL SETUSER default nopass", "CONFIG GET requirepass", "AUTH x", "AUTH default x",
        "ACL SETUSER default resetpass", "ACL LIST")
    run(acl(2), "PING", "AUTH x", "AUTH default x", "AUTH default c")
    run(adm, "ACL SETUSER default >c", "ACL LOG")
    run(acl(2), "AUTH c", "PING")
    run(adm, ("CONFIG", "SET", "requirepass", ""), "ACL LIST")


def test_auth_without_password_configured(ap):
    run(ap, "AUTH x", "AUTH default x", ("AUTH", "default", ""), "AUTH nouser x", "AUTH a b c",
        "AUTH", ("AUTH", ""), "HELLO 2 AUTH default anything", "HELLO 3 AUTH nouser x",
        "ACL WHOAMI", "ACL LOG")


def test_default_user_off(acl):
    adm = admin(acl)
    run(adm, "ACL SETUSER boss on >bosspw +@all ~* &*")
    boss = acl(2)
    run(boss, "AUTH boss bosspw")
    run(boss, "ACL SETUSER default off", "PING", "ACL GETUSER default")
    # Intended difference: switching a user off closes its connections (Redis 7.0 keeps them).
    expect_deviation(adm, False, True, "default user's connection after 'ACL SETUSER default off'",
                     "off closes the user's connections")
    c = acl(2)
    run(c, "PING", "AUTH x", "AUTH default x", "HELLO 3 AUTH default x", "ACL LOG")
    run(boss, "ACL SETUSER u on >pw +@all ~*", "ACL LOG RESET")
    run(c, "AUTH u pw", "PING", "ACL WHOAMI", "RESET", "PING")
    run(boss, "ACL SETUSER default on", "ACL DELUSER boss")
    run(c, "PING", "ACL WHOAMI")


def test_default_user_switched_off_by_its_own_connection(acl):
    """Redis's "When default user is off, new connections are not authenticated": the
    connection that switches its own user off keeps working (and can switch it back on),
    while new connections must authenticate."""
    me = acl(2)
    run(me, "ACL SETUSER default off", "PING", "SET k v", "GET k", "ACL WHOAMI")
    run(acl(2), "PING")
    run(me, "ACL SETUSER default on", "PING")
    run(acl(2), "PING")
    # As Redis's "ACL GETUSER is able to translate back command permissions": a connection
    # resetting (so switching off) its own user twice in a row goes on working.
    adm = admin(acl)
    run(adm, "ACL SETUSER newuser on >passwd1 +@all ~*")
    me2 = acl(2)
    run(me2, "AUTH newuser passwd1", "ACL SETUSER newuser reset +@all ~* -@string +incr",
        "ACL SETUSER newuser reset +@string -incr +acl", "ACL WHOAMI", "PING")


# ===== ACL SETUSER → GETUSER / LIST ==============================================================

# Each case: a list of ACL SETUSER argument lists applied in turn to user "u", then ACL GETUSER u,
# ACL LIST and ACL USERS are compared.
SETUSER_CASES = {
    "no-rules": [[]],
    "on": [["on"]],
    "off": [["off"]],
    "on-then-off": [["on", "off"]],
    "keywords-any-case": [["ON", "AllKeys", "AllChannels", "AllCommands", "NOPASS"]],
    "password": [[">p1"]],
    "two-passwords-keep-order": [[">p2", ">p1"]],
    "same-password-twice": [[">p1", ">p1"]],
    "remove-password": [[">p1", ">p2", "<p1"]],
    "remove-password-later": [[">p1"], ["<p1"]],
    "hash": [["#" + sha("p1")]],
    "hash-then-same-plain": [["#" + sha("p1"), ">p1"]],
    "remove-by-hash": [[">p1", ">p2", "!" + sha("p1")]],
    "empty-password": [[">"]],
    "remove-empty-password": [[">", "<"]],
    "nopass-clears-passwords": [[">p1", ">p2", "nopass"]],
    "password-after-nopass": [["nopass", ">p1"]],
    "resetpass": [[">p1", "nopass"], ["resetpass"]],
    "resetpass-then-password": [["resetpass", ">p1"]],
    "keys": [["~k*", "~a?", "~[xy]*"]],
    "same-key-pattern-twice": [["~k*", "~k*", "~j"]],
    "read-write-key-patterns": [["%R~r*", "%W~w*", "%RW~rw*", "%WR~wr*", "%r~lower", "%w~lw"]],
    "rw-equals-tilde": [["%RW~x", "~x"]],
    "allkeys": [["allkeys"]],
    "tilde-star": [["~*"]],
    "allkeys-after-patterns": [["~a", "%R~b", "allkeys"]],
    "read-star-then-pattern": [["%R~*", "~foo"]],
    "resetkeys": [["~a", "~b"], ["resetkeys", "~c"]],
    "resetkeys-after-allkeys": [["allkeys", "resetkeys"]],
    "empty-key-pattern": [["~"]],
    "channels": [["&ch1", "&news.*"]],
    "allchannels": [["allchannels"]],
    "amp-star": [["&*"]],
    "allchannels-after-patterns": [["&a", "allchannels"]],
    "resetchannels": [["&a"], ["resetchannels", "&b"]],
    "empty-channel-pattern": [["&"]],
    "commands": [["+get", "+set"]],
    "commands-removed-from-all": [["+@all", "-get", "-set"]],
    "subcommands-allowed": [["+client|id", "+config|get"]],
    "subcommands-denied": [["+@all", "-client|kill", "-config|set"]],
    "parent-minus-subcommands": [["+client", "-client|kill", "-client|list"]],
    "minus-parent-plus-subcommand": [["+@all", "-client", "+client|id"]],
    "parent-after-subcommand-deny": [["+@all", "-client|id", "+client"]],
    "first-arg": [["+select|0", "+get"]],
    "first-arg-then-command": [["+get|foo"], ["+get"]],
    "command-denied-then-first-arg": [["-get", "+get|foo"]],
    "several-first-args": [["+select|0", "+select|1", "+client|id"]],
    "category": [["+@string"]],
    "category-removed": [["+@all", "-@dangerous"]],
    "order-all-minus-plus": [["+@all", "-get", "+get"]],
    "order-category-minus-command": [["-@all", "+@string", "-set"]],
    "order-command-then-nothing": [["+get", "-@all"]],
    "all-then-none": [["+@all", "-@all"]],
    "none-then-all": [["-@all", "+@all"]],
    "allcommands": [["allcommands"]],
    "nocommands": [["+@all", "nocommands"]],
    "read": [["-@all", "+@read"]],
    "write": [["-@all", "+@write"]],
    "all-but-write": [["+@all", "-@write"]],
    "bitmap-reads": [["-@all", "+@bitmap", "-@write"]],
    "keyspace": [["-@all", "+@keyspace"]],
    "all-but-keyspace": [["+@all", "-@keyspace"]],
    "list": [["-@all", "+@list"]],
    "all-but-list": [["+@all", "-@list"]],
    "connection": [["-@all", "+@connection"]],
    "connection-but-hello": [["-@all", "+@connection", "-hello"]],
    "fast": [["-@all", "+@fast"]],
    "all-but-slow": [["+@all", "-@slow"]],
    "admin": [["-@all", "+@admin"]],
    "all-but-admin": [["+@all", "-@admin"]],
    "string-and-bitmap": [["-@all", "+@string", "+@bitmap"]],
    "string-minus-bitmap": [["-@all", "+@string", "-@bitmap"]],
    "all-but-string-plus-get": [["+@all", "-@string", "+get"]],
    "all-but-fast-plus-get": [["+@all", "-@fast", "+get"]],
    "all-minus-commands": [["+@all", "-config|set", "-debug"]],
    "allcommands-minus-keyspace-plus-del": [["allcommands", "-@keyspace", "+del"]],
    "single-commands": [["-@all", "+get", "+set", "+del", "+client|id", "+config|get"]],
    "selectors": [["(~x +get)", "(%R~y +set)"]],
    "selector-split-over-arguments": [["(~a", "+get", ")"]],
    "selector-two-arguments": [["(~a", "~b)"]],
    "selector-inner-spaces": [["( ~a )"]],
    "selector-empty": [["()"]],
    "selector-allkeys-allcommands": [["(allkeys allcommands)"]],
    "selector-channels": [["(&ch +get)"]],
    "selector-with-root-rules": [["on", "~root", "+get", "(~sel +set)", "&c"]],
    "selectors-accumulate": [["(~a)"], ["(~b)"]],
    "clearselectors": [["(~x +get)", "(~y)"], ["clearselectors"]],
    "clearselectors-then-new": [["(~x +get)", "clearselectors", "(~z +set)"]],
    "reset": [["on", ">p1", "~k", "&c", "+get", "(~x +set)"], ["reset"]],
    "reset-then-rules": [["reset", "on", "nopass", "~*", "+@all"]],
    "sanitize-payload": [["sanitize-payload"]],
    "skip-sanitize-payload": [["skip-sanitize-payload"]],
    "sanitize-both-last-wins": [["sanitize-payload", "skip-sanitize-payload"]],
    "everything": [["on", ">p1", ">p2", "<p1", "~k*", "%R~r*", "%W~w*", "%RW~rw*", "&ch*", "+get",
                    "-set", "+@string", "-@list", "+client|setname", "-config|get"]],
    "incremental": [["on", ">p1"], ["~k*"], ["+get"], ["&c"], ["+@list"], ["-lpush"], ["off"]],
}


@pytest.mark.parametrize("name", list(SETUSER_CASES))
def test_setuser(ap, name):
    for rules in SETUSER_CASES[name]:
        check(ap, "ACL", "SETUSER", "u", *rules)
    run(ap, "ACL GETUSER u", "ACL LIST", "ACL USERS")


# Each case: rules that ACL SETUSER must refuse, with Redis's exact error. Applied to an existing
# user (which must not change: SETUSER is all or nothing) and to a new one (which must not be
# created).
SETUSER_ERRORS = {
    "unknown-modifier": ["bogus"],
    "unknown-after-valid": ["+set", "~x", "bogus"],
    "unknown-command": ["+nosuch"],
    "unknown-command-minus": ["-nosuch"],
    "unknown-category": ["+@nosuch"],
    "unknown-category-minus": ["-@nosuch"],
    "plus-alone": ["+"],
    "minus-alone": ["-"],
    "category-empty": ["+@"],
    "unknown-subcommand": ["+client|nosuch"],
    "empty-subcommand": ["+get|"],
    "three-levels": ["+client|id|x"],
    "minus-first-arg": ["-select|0"],
    "minus-first-arg-of-plain-command": ["+@all", "-get|foo"],
    "category-with-subcommand": ["+@string|x"],
    "pipe-without-command": ["+|x"],
    "hash-too-short": ["#abc"],
    "hash-upper-case": ["#" + sha("p1").upper()],
    "hash-not-hex": ["#" + sha("p1")[:-1] + "g"],
    "hash-empty": ["#"],
    "hash-too-long": ["#" + sha("p1") + "0"],
    "remove-hash-bad": ["!abc"],
    "remove-hash-missing": ["!" + sha("nope")],
    "remove-password-missing": ["<nope"],
    "pattern-after-allkeys": ["allkeys", "~foo"],
    "pattern-after-tilde-star": ["~*", "~foo"],
    "read-pattern-after-allkeys": ["allkeys", "%R~foo"],
    "bad-percent-after-allkeys": ["allkeys", "%X~foo"],
    "channel-after-allchannels": ["allchannels", "&foo"],
    "channel-after-amp-star": ["&*", "&foo"],
    "percent-no-flags": ["%~x"],
    "percent-bad-flag": ["%X~x"],
    "percent-bad-second-flag": ["%RX~x"],
    "percent-no-tilde": ["%Rx"],
    "percent-alone": ["%"],
    "percent-repeated-flag": ["%RR~x"],
    "unmatched-open": ["(~x", "+get"],
    "open-alone": ["("],
    "stray-close": [")"],
    "close-glued-to-command": ["~x", "+get)"],
    "nested-selector": ["(~a)", "((~b))"],
    "flag-in-selector": ["(on)"],
    "password-in-selector": ["(>pw)"],
    "nopass-in-selector": ["(nopass)"],
    "reset-in-selector": ["(reset)"],
    "clearselectors-in-selector": ["(clearselectors)"],
    "unknown-in-selector": ["(bogus)"],
    "unknown-command-in-selector": ["(+nosuch)"],
    "pattern-after-allkeys-in-selector": ["(allkeys ~x)"],
}


@pytest.mark.parametrize("name", list(SETUSER_ERRORS))
def test_setuser_error(a, name):
    rules = SETUSER_ERRORS[name]
    run(a, "ACL SETUSER u on >p1 ~k* &c +get (~s +set)", ("ACL", "SETUSER", "u", *rules),
        "ACL GETUSER u", ("ACL", "SETUSER", "newuser", *rules), "ACL GETUSER newuser", "ACL USERS")


def test_setuser_arity_and_names(a):
    run(a, "ACL SETUSER", ("ACL", "SETUSER", "has space", "on"), ("ACL", "SETUSER", "a\x00b", "on"),
        ("ACL", "SETUSER", "a\nb"), ("ACL", "SETUSER", "a\tb"), ("ACL", "SETUSER", ""),
        ("ACL", "SETUSER", "x~y", "on"), ("ACL", "SETUSER", "a:b"), ("ACL", "SETUSER", "\u00e9"),
        ("ACL", "SETUSER", b"\xff"), ("ACL", "SETUSER", "UPPER"), "ACL USERS", "ACL LIST",
        ("ACL", "GETUSER", ""), "ACL GETUSER upper", "ACL GETUSER UPPER", "ACL GETUSER nosuch",
        "ACL GETUSER", "ACL GETUSER a b")


def test_default_user_rules(acl):
    adm = admin(acl)
    run(adm, "ACL SETUSER default ~k*", "ACL SETUSER default resetkeys ~k* -flushall",
        "ACL GETUSER default", "ACL LIST", "GET x", "GET k1", "FLUSHALL", "ACL LOG",
        "ACL SETUSER default allkeys +flushall", "GET x")


def test_other_acl_subcommands_arity(a):
    run(a, "ACL", "ACL FOO", "ACL WHOAMI x", "ACL USERS x", "ACL LIST x", "ACL SAVE x",
        "ACL LOAD x", "ACL CAT a b", "ACL GENPASS 1 2", "ACL LOG 1 2", "ACL DELUSER",
        "ACL DRYRUN", "ACL DRYRUN default", "acl whoami", "Acl Users")


def test_whoami_users_list(ap):
    run(ap, "ACL WHOAMI", "ACL USERS", "ACL LIST", "ACL SETUSER b on", "ACL SETUSER a off",
        "ACL SETUSER c", "ACL USERS", "ACL LIST")


# ===== permissions ==============================================================================

SETUP = [("SET", "k1", "v1"), ("SET", "k2", "v2"), ("SET", "x", "vx"), ("SET", "a1", "va"),
         ("SET", "b1", "vb"), ("SET", "c1", "vc"), ("SET", "r1", "vr"), ("SET", "w1", "vw"),
         ("SET", "rw1", "vrw"), ("SET", "n1", "5"), ("RPUSH", "kl", "1", "2"),
         ("RPUSH", "rl", "1", "2"), ("RPUSH", "wl", "1", "2"), ("RPUSH", "rwl", "1", "2"),
         ("RPUSH", "xl", "1")]

# Each scenario: the user's rules (user "u", password "pw" unless the rules say nopass) and the
# commands it runs. Every command is also checked with ACL DRYRUN u ... by the admin, and the
# ACL LOG is compared at the end.
PERMISSIONS = {
    "commands": ("on >pw ~* -@all +get +set +mset +client|id +config|get +lpush +lrange", """
        GET k1
        SET k1 x
        INCR n1
        MSET m1 1 m2 2
        MGET k1
        CLIENT ID
        CLIENT LIST
        CLIENT SETNAME x
        CLIENT
        CLIENT FOO
        CONFIG GET maxmemory
        CONFIG SET maxmemory 0
        CONFIG
        PING
        ECHO x
        ACL WHOAMI
        ACL SETUSER u +@all
        DBSIZE
        FLUSHALL
        SELECT 1
        INFO
        LPUSH kl x
        LRANGE kl 0 -1
        LPOP kl
        FOO
        GET
        SET k
        HELLO 2
        AUTH u pw
        """),
    "keys": ("on >pw ~k* +@all", """
        GET k1
        GET x
        SET k3 v
        SET x v
        MSET k1 a k2 b
        MSET k1 a x b
        MSET x a k1 b
        MGET k1 x
        DEL k1 x
        DEL k9
        EXISTS k1 x
        EXISTS x
        TYPE x
        TTL x
        EXPIRE x 100
        EXPIRE k2 100
        RENAME k2 k4
        RENAME k4 x
        RENAME x k4
        COPY k4 k5
        COPY k4 x
        COPY x k6
        KEYS *
        <SCAN>
        DBSIZE
        LPUSH x a
        LPUSH kl a
        RPOP kl2
        LLEN xl
        LRANGE kl 0 -1
        ECHO x
        """),
    "read-write": ("on >pw %R~r* %W~w* ~rw* +@all", """
        GET r1
        GET w1
        GET rw1
        SET r1 x
        SET w1 x
        SET rw1 x
        SETNX w2 x
        GETSET w1 y
        INCR r1
        INCR w1
        INCR rw1
        APPEND r1 x
        APPEND w1 x
        STRLEN w1
        STRLEN r1
        GETRANGE w1 0 -1
        SETRANGE w1 0 z
        SETRANGE r1 0 z
        EXISTS r1 w1 rw1 nokey
        TYPE w1
        TYPE r1
        TTL w1
        TTL r1
        EXPIRE w1 100
        EXPIRE r1 100
        PERSIST w1
        OBJECT ENCODING w1
        TOUCH w1
        GETEX r1
        GETEX w1
        GETDEL r1
        GETDEL w1
        GETDEL rw1
        COPY r1 w3
        COPY w1 r3
        COPY r1 rw3
        COPY rw3 w4
        MGET r1 w1
        MGET r1 rw3
        MSET w1 a w2 b
        MSET w1 a r1 b
        RENAME rw3 w5
        RENAME r1 w6
        RENAME w5 rw3
        DEL w4
        DEL r1
        UNLINK rw3
        LPUSH wl a
        LPUSH rl a
        LRANGE rl 0 -1
        LRANGE wl 0 -1
        LLEN wl
        LLEN rl
        LPOP rl
        LPOP wl
        RPOP rwl
        KEYS *
        DBSIZE
        """),
    "subcommands": ("on >pw ~* +@all -client|kill -config +config|get -debug", """
        CLIENT KILL ID 999999
        CLIENT ID
        CLIENT GETNAME
        CONFIG GET maxmemory
        CONFIG SET maxmemory 0
        CONFIG RESETSTAT
        CONFIG REWRITE
        CONFIG
        CONFIG FOO
        DEBUG SLEEP 0
        ACL WHOAMI
        GET k1
        """),
    "read-category": ("on >pw ~* -@all +@read", """
        GET k1
        MGET k1 x
        STRLEN k1
        LRANGE kl 0 -1
        LLEN kl
        EXISTS k1
        TTL k1
        TYPE k1
        KEYS *
        DBSIZE
        SET k1 v
        DEL k1
        LPUSH kl a
        PING
        ECHO x
        CLIENT ID
        CONFIG GET maxmemory
        """),
    "no-dangerous": ("on >pw ~* +@all -@dangerous", """
        FLUSHALL
        FLUSHDB
        KEYS *
        CONFIG SET maxmemory 0
        CONFIG GET maxmemory
        CLIENT KILL ID 999999
        CLIENT LIST
        CLIENT ID
        INFO
        DEBUG SLEEP 0
        SWAPDB 0 1
        SET k1 v
        GET k1
        SELECT 1
        DBSIZE
        """),
    "no-key-patterns": ("on >pw +@all", """
        GET k1
        SET k1 v
        MSET k1 a
        EXISTS k1
        DBSIZE
        KEYS *
        <SCAN>
        PING
        """),
    "first-arg": ("on >pw ~* -@all +select|0 +get +client|setname", """
        SELECT 0
        SELECT 1
        SELECT
        GET k1
        CLIENT SETNAME x
        CLIENT GETNAME
        """),
    "selectors": ("on >pw -@all ~a* +get (~b* +set) (%R~c* +@read)", """
        GET a1
        GET b1
        GET c1
        SET b1 v
        SET a1 v
        SET c1 v
        MGET a1 c1
        MGET c1 a1
        MGET b1 c1
        STRLEN c1
        DEL a1
        PING
        """),
    "selectors-multi-key": ("on >pw +@all ~a* (~b* +@all)", """
        MSET a1 x c1 y
        MSET c1 x a1 y
        MSET a1 x b1 y
        DEL a1 b1 c1 d1
        GET b1
        GET a1
        MGET a1 b1
        RENAME a1 b1
        COPY b1 a2
        """),
    "nopass": ("on nopass ~* +@all -flushall", """
        GET k1
        ACL WHOAMI
        FLUSHALL
        """),
}


def _auth_args(rules):
    return ["AUTH", "u", "anything" if "nopass" in rules.split() else "pw"]


def _run_as_user(adm, user, commands):
    for c in commands:
        if c == ["<SCAN>"]:
            check_scan(user)
        else:
            check(user, *c)
    for c in commands:
        if c != ["<SCAN>"]:
            check(adm, "ACL", "DRYRUN", "u", *c)


@pytest.mark.parametrize("name", list(PERMISSIONS))
def test_permissions(acl, name):
    rules, text = PERMISSIONS[name]
    adm = admin(acl)
    run(adm, *SETUP, ("ACL", "SETUSER", "u", *rules.split()))
    user = acl(2)
    check(user, *_auth_args(rules))
    commands = [line.split() for line in text.strip().splitlines() if line.strip()]
    _run_as_user(adm, user, commands)
    run(adm, "ACL LOG")


def test_permissions_resp3(acl):
    adm = admin(acl)
    run(adm, *SETUP, "ACL SETUSER u on >pw %R~r* ~k* -@all +get +set +client|id")
    user = acl(3)
    run(user, "AUTH u pw", "GET r1", "SET r1 x", "GET k1", "GET x", "INCR k1", "CLIENT LIST",
        "ACL LOG")
    adm3 = acl(3)
    run(adm3, "ACL LOG", "ACL LOG 2", "ACL DRYRUN u get x", "ACL DRYRUN u set r1 x")


def test_no_auth_commands_bypass_acl(acl):
    """AUTH, HELLO, RESET and QUIT carry the no_auth flag: even a user with -@all may run them."""
    adm = admin(acl)
    run(adm, "ACL SETUSER u on >pw -@all", "ACL SETUSER v on nopass -@all +ping")
    c = acl(2)
    run(c, "AUTH u pw", "AUTH u pw", "PING", "HELLO 3", "HELLO 2 AUTH u pw", "ACL WHOAMI",
        "CLIENT SETNAME x", "AUTH v x", "PING", "RESET", "ACL WHOAMI")
    run(adm, "ACL DRYRUN u auth x", "ACL DRYRUN u hello 3", "ACL DRYRUN u quit",
        "ACL DRYRUN u reset", "ACL DRYRUN u ping", "ACL LOG")
    check(c, "AUTH", "u", "pw")
    check(c, "QUIT")
    expect_closed(c, want_ref=True, what="QUIT by a user with -@all")


def test_permission_changes_apply_to_open_connections(acl):
    adm = admin(acl)
    run(adm, *SETUP, "ACL SETUSER u on >pw ~* +@all")
    c = acl(2)
    run(c, "AUTH u pw", "GET k1")
    run(adm, "ACL SETUSER u -get")
    run(c, "GET k1", "SET k1 x")
    run(adm, "ACL SETUSER u +get resetkeys ~x")
    run(c, "GET k1", "GET x")
    run(adm, "ACL SETUSER u allkeys -@all +@read")
    run(c, "GET k1", "SET k1 y", "ACL WHOAMI")
    run(adm, "ACL SETUSER u reset on")
    run(c, "GET k1", "PING", "ACL WHOAMI")
    expect_open(c, "connection of a user that was reset (and left on)")
    run(adm, "ACL LOG")


def test_dryrun_errors(a):
    run(a, "ACL SETUSER u on >pw ~k* -@all +get", "ACL DRYRUN nouser get k",
        "ACL DRYRUN u nosuch", "ACL DRYRUN u get", "ACL DRYRUN u get k extra", "ACL DRYRUN u",
        "ACL DRYRUN u client", "ACL DRYRUN u client nosuch", "ACL DRYRUN u GET k1",
        "ACL DRYRUN u get x", "ACL DRYRUN default get x", "ACL DRYRUN default flushall",
        "ACL SETUSER off1 off nopass +@all ~*", "ACL DRYRUN off1 get x", "ACL LOG")


# ===== ACL LOG ==================================================================================

def test_log_wrongpass_entries(ap):
    run(ap, "ACL SETUSER u on >pw", "ACL SETUSER offu off >pw +@all ~*", "ACL LOG",
        "AUTH nouser x", "AUTH nouser x", "AUTH nouser x", "AUTH default x", "AUTH u bad",
        "AUTH offu pw", "HELLO 3 AUTH nouser2 x", "HELLO 2", "AUTH x", "ACL LOG", "ACL LOG 1",
        "ACL LOG 2", "ACL LOG 0", "ACL LOG -1", "ACL LOG 100", "ACL LOG abc", "ACL LOG 1 2",
        "ACL LOG RESET x", "ACL LOG reset", "ACL LOG")


def test_log_aggregates_and_moves_repeats_to_front(acl):
    adm = admin(acl)
    run(adm, *SETUP, "ACL SETUSER u on >pw ~k* -@all +get +set", "ACL SETUSER v on >pw ~* -@all +get")
    u, v = acl(2), acl(2)
    run(u, "AUTH u pw", "GET x", "PING", "GET x", "SET x 1", "INCR k1")
    run(v, "AUTH v pw", "PING", "SET x 1")
    run(adm, "ACL LOG")
    # the first entry (GET/SET x by u) comes back to the head, with its count
    run(u, "SET x 2", "CLIENT SETNAME renamed", "GET x")
    run(adm, "ACL LOG", "ACL LOG 2")
    run(u, "AUTH u wrong", "AUTH u wrong")
    run(adm, "ACL LOG 3")


def test_log_max_len(acl):
    adm = admin(acl)
    run(adm, "CONFIG GET acllog-max-len", "CONFIG SET acllog-max-len 2", "CONFIG GET acllog-max-len",
        "AUTH n1 x", "AUTH n2 x", "AUTH n3 x", "ACL LOG", "AUTH n1 x", "ACL LOG",
        "CONFIG SET acllog-max-len -1", "CONFIG SET acllog-max-len 0", "AUTH n4 x", "ACL LOG",
        "CONFIG SET acllog-max-len 128")


# ===== CAT, GENPASS, DELUSER ====================================================================

@pytest.mark.parametrize("args", ["", "string", "STRING", "bitmap", "nosuch", "a b", "''"],
                         ids=["all", "string", "upper", "bitmap", "unknown", "two-args", "empty"])
def test_cat(ap, args):
    if args == "''":
        check(ap, "ACL", "CAT", "")
    else:
        check(ap, "ACL", "CAT", *args.split())


def test_genpass(ap):
    run(ap, "ACL GENPASS", "ACL GENPASS 1", "ACL GENPASS 4", "ACL GENPASS 5", "ACL GENPASS 8",
        "ACL GENPASS 255", "ACL GENPASS 256", "ACL GENPASS 4096", "ACL GENPASS 0", "ACL GENPASS -1",
        "ACL GENPASS 4097", "ACL GENPASS abc", "ACL GENPASS 1.5", "ACL GENPASS 1 2")
    for side in ("ref", "got"):
        c = getattr(ap, side)
        one, two = c.call("ACL", "GENPASS"), c.call("ACL", "GENPASS")
        assert one != two, f"{side}: two ACL GENPASS replies are equal: {one!r}"


def test_deluser(a):
    run(a, "ACL DELUSER nosuch", "ACL SETUSER x", "ACL SETUSER y", "ACL SETUSER z",
        "ACL DELUSER x y nosuch x", "ACL USERS", "ACL DELUSER default", "ACL DELUSER z default",
        "ACL USERS", "ACL DELUSER default z", "ACL USERS", "ACL DELUSER DEFAULT z", "ACL USERS",
        "ACL DELUSER", "ACL GETUSER x")


def _user_connection(acl, user, password="pw"):
    c = acl(2)
    run(c, ("AUTH", user, password))
    return c


def test_deluser_closes_the_users_connections(acl):
    adm = admin(acl)
    run(adm, "ACL SETUSER v on >pw ~* +@all", "ACL SETUSER w on >pw ~* +@all")
    v1, v2, w = _user_connection(acl, "v"), _user_connection(acl, "v"), _user_connection(acl, "w")
    failed_auth_as_v = acl(2)
    run(failed_auth_as_v, "AUTH v wrong")  # still the default user: stays
    run(adm, "ACL DELUSER v")
    expect_closed(v1, want_ref=True, what="connection authenticated as the deleted user")
    expect_closed(v2, want_ref=True, what="second connection authenticated as the deleted user")
    run(w, "PING", "ACL WHOAMI")
    run(failed_auth_as_v, "PING", "ACL WHOAMI")
    run(adm, "PING", "ACL USERS")


def test_deluser_of_oneself_replies_then_closes(acl):
    run(admin(acl), "ACL SETUSER v on >pw ~* +@all")
    v = _user_connection(acl, "v")
    check(v, "ACL", "DELUSER", "v")
    expect_closed(v, want_ref=True, what="connection that deleted its own user")


def test_deluser_of_another_user_keeps_connections(acl):
    run(admin(acl), "ACL SETUSER v on >pw ~* +@all", "ACL SETUSER w on >pw ~* +@all")
    v = _user_connection(acl, "v")
    run(v, "ACL DELUSER w", "PING")
    expect_open(v)


# What happens to a connection authenticated as v when v is changed; Redis 7.0 closes it only
# when v is deleted.
USER_CHANGES = {
    "off": "ACL SETUSER v off",
    "remove-password": "ACL SETUSER v <pw",
    "resetpass": "ACL SETUSER v resetpass",
    "new-password": "ACL SETUSER v >other",
    "nopass": "ACL SETUSER v nopass",
    "no-commands": "ACL SETUSER v -@all",
    "resetkeys": "ACL SETUSER v resetkeys",
    "resetchannels": "ACL SETUSER v resetchannels",
    "reset": "ACL SETUSER v reset",
    "on-again": "ACL SETUSER v on",
    "clearselectors": "ACL SETUSER v clearselectors",
}


@pytest.mark.parametrize("name", list(USER_CHANGES))
def test_user_change_keeps_authenticated_connections(acl, name):
    adm = admin(acl)
    run(adm, "ACL SETUSER v on >pw ~* +@all (~s +get)")
    v = _user_connection(acl, "v")
    run(adm, USER_CHANGES[name])
    if name in ("off", "reset"):
        # Intended difference: a user switched off loses its connections in Redoubt.
        expect_deviation(v, False, True, f"connection authenticated as v after {USER_CHANGES[name]!r}",
                         "off closes the user's connections")
    else:
        expect_open(v, f"connection authenticated as v after {USER_CHANGES[name]!r}")
        run(v, "PING", "GET k", "ACL WHOAMI")
    fresh = acl(2)
    run(fresh, "AUTH v pw", "AUTH v other", "ACL WHOAMI")


def test_client_kill_user(acl):
    adm = admin(acl)
    run(adm, "ACL SETUSER v on >pw ~* +@all", "CLIENT KILL USER nosuch", "CLIENT KILL USER v")
    v1, v2, other = _user_connection(acl, "v"), _user_connection(acl, "v"), acl(2)
    run(other, "PING")
    run(v1, "CLIENT INFO")
    run(adm, "CLIENT KILL USER v", "CLIENT KILL USER default SKIPME yes")
    expect_closed(v1, want_ref=True, what="connection killed with CLIENT KILL USER")
    expect_closed(v2, want_ref=True, what="connection killed with CLIENT KILL USER")
    expect_closed(other, want_ref=True, what="default connection killed with CLIENT KILL USER default")
    run(adm, "PING", "ACL USERS")


def test_config_set_requirepass_keeps_connections(acl):
    adm = admin(acl)
    c = acl(2)
    run(c, "PING")
    run(adm, "CONFIG SET requirepass secret")
    expect_open(c)
    run(c, "PING")
    run(adm, "CONFIG SET requirepass newsecret")
    expect_open(c)
    run(c, "PING", "ACL WHOAMI")


# ===== ACL file: SAVE / LOAD ====================================================================

BASE_ACL = ("user alice on >alicepw ~a* &news -@all +get +set +client|id\n"
            "user default on nopass ~* &* +@all\n")


@pytest.fixture(scope="module")
def acl_files():
    files = AclFiles(BASE_ACL)
    p = AclPair(lambda side: ["--aclfile", files.path(side)], "aclfile")
    try:
        p.start()
    except Exception as e:  # noqa: BLE001
        files.cleanup()
        pytest.fail(f"servers with --aclfile did not start: {e}", pytrace=False)
    p.files = files
    yield p
    p.stop()
    files.cleanup()


@pytest.fixture
def af(acl_files):
    """Factory of Dual connections on the --aclfile pair, which is reloaded from BASE_ACL
    first (ACL LOAD), keyspace and ACL LOG emptied."""
    acl_files.files.write(BASE_ACL)
    for s in (acl_files.ref, acl_files.got):
        if not s.alive():
            s.restart()
        c = admin_connection(s)
        if c is None:
            s.restart()
            continue
        with c:
            c.call("ACL", "LOAD")
            c.call("FLUSHALL")
            c.call("ACL", "LOG", "RESET")
    opened = []

    def make(protocol=2):
        x = Dual(acl_files, protocol=protocol)
        opened.append(x)
        return x
    yield make
    for x in opened:
        x.close()
    acl_files.files.write(BASE_ACL)


def _file_rule(pair):
    return path_rule(pair.files.ref, pair.files.got)


def test_aclfile_loaded_at_start(af, acl_files):
    d = af()
    run(d, "ACL LIST", "ACL USERS", "ACL GETUSER alice", "AUTH alice alicepw", "SET a1 x",
        "GET a1", "GET b1", "PING", "ACL WHOAMI")


def _norm_file(text):
    return [norm_rules(line) for line in text.splitlines()]


def test_acl_save_writes_the_users(af, acl_files):
    d = af()
    run(d, "ACL SETUSER bob on >bobpw #" + sha("second") + " ~b* %R~r* &chan -@all +@string -set "
        "+client|id (~sel +get)", "ACL SETUSER carol off nopass", "ACL SETUSER alice >extra",
        "ACL SAVE")
    ref, got = _norm_file(acl_files.files.read("ref")), _norm_file(acl_files.files.read("got"))
    if ref != got:
        d.fail(["ACL SAVE", "<file content>"], ref, got, "saved ACL files differ")
    # The file is ACL LIST, one user per line.
    listed = [norm_rules(x[1].decode()) for x in d.ref.call("ACL", "LIST")[1]]
    assert ref == listed, f"redis-server's saved file is not ACL LIST: {ref} vs {listed}"
    raw = acl_files.files.read("got")
    assert raw.endswith("\n") and "\r" not in raw, f"redoubt's saved file: {raw!r}"
    # What was saved loads back unchanged.
    run(d, "ACL SETUSER zed on", "ACL LOAD", "ACL LIST", "AUTH bob bobpw", "AUTH bob second",
        "ACL WHOAMI", "GET b1", "SET b1 x")


ACL_FILE_CASES = {
    "users-and-selectors": "user carol on >c ~c* +@all\n   user dave on nopass ~* (+get ~x)  \n",
    "blank-lines": "\nuser carol on >c ~c* +@all\n\n",
    "crlf": "user default on nopass ~* &* +@all\r\nuser carol on >c ~c* +@all\r\n",
    "no-default-user": "user carol on >c ~c* +@all\n",
    "default-changed": "user default on >defpw ~k* +@all -flushall\nuser carol on nopass\n",
    "hash-password": f"user carol on #{sha('c')} ~* +@all\n",
    "no-trailing-newline": "user carol on >c ~c* +@all",
    "rule-order": "user carol on ~* +@all -get +get -set\nuser eve on -@all +@string -set +@all -@list\n",
}


@pytest.mark.parametrize("name", list(ACL_FILE_CASES))
def test_acl_load(af, acl_files, name):
    d = af()
    acl_files.files.write(ACL_FILE_CASES[name])
    run(d, "ACL LOAD", "ACL LIST", "ACL USERS")
    run(af(), "PING", "AUTH carol c", "ACL WHOAMI", "AUTH defpw", "ACL WHOAMI")


ACL_FILE_ERRORS = {
    "unknown-command": "user default on nopass ~* &* +@all\nuser carol on >c ~c* +nosuchcmd\n",
    "unknown-category": "user carol on +@nosuch\n",
    "pattern-after-allkeys": "user carol on >c allkeys ~c*\n",
    "not-a-user-line": "user carol on\nnotuser x\n",
    "comment-line": "# users\nuser carol on\n",
    "user-without-name": "user carol on\nuser\n",
    "duplicate-user": "user carol on >c\nuser carol on\n",
    "bad-rule": "user carol on bogus\n",
    "quoted-name": 'user "sp ace" on\n',
    "several-errors": ("user default on nopass ~* &* +@all\n"
                       "user a on +nosuch1 +nosuch2 ~x allkeys ~y bogus\nnotuser\nuser a on\n"),
    "bad-hash": "user carol on #abc\n",
}


@pytest.mark.parametrize("name", list(ACL_FILE_ERRORS))
def test_acl_load_error_keeps_users(af, acl_files, name):
    d = af()
    run(d, "ACL SETUSER kept on >k ~* +@all")
    acl_files.files.write(ACL_FILE_ERRORS[name])
    check(d, "ACL", "LOAD", rule=_file_rule(acl_files))
    run(d, "ACL LIST", "ACL USERS")
    run(af(), "AUTH kept k", "AUTH alice alicepw", "ACL WHOAMI")


def test_acl_load_missing_file(af, acl_files):
    d = af()
    acl_files.files.remove()
    check(d, "ACL", "LOAD", rule=_file_rule(acl_files))
    run(d, "ACL LIST")
    acl_files.files.write(BASE_ACL)


def test_acl_load_closes_non_default_connections(af, acl_files):
    d = af()
    run(d, "ACL SETUSER zed on >z ~* +@all")
    alice, zed, default, unauth = af(), af(), af(), af()
    run(alice, "AUTH alice alicepw")
    run(zed, "AUTH zed z")
    run(default, "PING")
    run(unauth, "AUTH zed wrong")
    check(d, "ACL", "LOAD")
    # Intended difference: ACL LOAD closes the connections of users it removes or changes, not
    # of users whose definition is unchanged (Redis 7.0 closes every non-default user's).
    expect_deviation(alice, True, False, "connection of a user ACL LOAD left unchanged",
                     "ACL LOAD keeps unchanged users' connections")
    expect_closed(zed, want_ref=True, what="connection of a user removed by ACL LOAD")
    for c in (default, unauth, d):
        expect_open(c, "default user's connection after ACL LOAD")
        run(c, "PING", "ACL WHOAMI")


def test_acl_load_error_closes_nothing(af, acl_files):
    d = af()
    alice = af()
    run(alice, "AUTH alice alicepw")
    acl_files.files.write("user alice on +nosuch\n")
    check(d, "ACL", "LOAD", rule=_file_rule(acl_files))
    expect_open(alice)
    run(alice, "GET a1")


def test_acl_save_and_load_without_aclfile(a):
    run(a, "ACL SAVE", "ACL LOAD")


# ===== start-up ================================================================================

USERS_AT_START = ["--user", "alice", "on", ">alicepw", "~a*", "&*", "+@all",
                  "--user", "bob", "on", "nopass", "-@all", "+get", "~b*",
                  "--user", "carol", "off", ">c", "+@all",
                  "--user", "default", "on", ">defpw", "~*", "&*", "+@all"]


@pytest.fixture(scope="module")
def users_pair():
    p = AclPair(lambda side: USERS_AT_START, "user-directives")
    try:
        p.start()
    except Exception as e:  # noqa: BLE001
        pytest.fail(f"servers with --user directives did not start: {e}", pytrace=False)
    yield p
    p.stop()


def test_user_directives_at_start(users_pair):
    d = Dual(users_pair)
    try:
        run(d, "PING", "AUTH defpw", "ACL LIST", "ACL USERS", "ACL GETUSER bob", "AUTH alice alicepw",
            "SET a1 x", "SET b1 x", "ACL WHOAMI", "AUTH bob anything", "GET a1", "GET b1",
            "SET b1 y", "AUTH carol c", "ACL WHOAMI", "CONFIG GET requirepass")
    finally:
        d.close()


USERS_CONFIG = ("# users in redis.conf syntax\n"
                "user alice on >alicepw ~a* +@all\n"
                "user bob off nopass -@all +get\n"
                "user default on nopass ~* +@all\n")


def test_user_directives_in_config_file():
    files = AclFiles(USERS_CONFIG)
    p = AclPair(lambda side: [], "user-config", config_for=files.path)
    try:
        p.start()
        d = Dual(p)
        try:
            run(d, "ACL LIST", "ACL USERS", "ACL GETUSER default", "AUTH alice alicepw", "SET a1 x",
                "SET b1 x", "AUTH bob x", "ACL WHOAMI")
        finally:
            d.close()
    finally:
        p.stop()
        files.cleanup()


def _aclfile(files):
    return lambda side: ["--aclfile", files.path(side)]


# Each case: ACL file content (or None) and a function of the AclFiles giving the arguments.
START_REFUSED = {
    "aclfile-unknown-command": ("user carol on +nosuch\n", _aclfile),
    "aclfile-not-a-user-line": ("notuser x\n", _aclfile),
    "aclfile-missing": (None, lambda f: lambda side: ["--aclfile", f.path(side) + ".missing"]),
    "aclfile-and-user-directive": ("user carol on\n", lambda f: lambda side: [
        "--aclfile", f.path(side), "--user", "alice", "on"]),
    "user-directive-unknown-command": (None, lambda f: lambda side: [
        "--user", "alice", "on", ">pw", "~*", "+nosuch"]),
    "user-directive-pattern-after-allkeys": (None, lambda f: lambda side: [
        "--user", "alice", "on", "allkeys", "~x"]),
    "user-directive-duplicate": (None, lambda f: lambda side: [
        "--user", "alice", "on", "--user", "alice", ">pw"]),
}


@pytest.mark.parametrize("name", list(START_REFUSED))
def test_start_refused(name):
    content, make_args = START_REFUSED[name]
    files = AclFiles(content or "")
    try:
        (ref_code, ref_log), (got_code, got_log) = start_failure(make_args(files), name)
    finally:
        files.cleanup()
    assert ref_code not in (None, 0), f"reference redis-server started (exit {ref_code}):\n{ref_log}"
    assert got_code not in (None, 0), (f"server under test must refuse to start like redis-server "
                                       f"(exit {got_code}); its log:\n{got_log}\n"
                                       f"redis-server's reason:\n{ref_log[-600:]}")


# ===== the comparison rules themselves (no server) ==============================================

INFO_A = (b"id=3 addr=1.2.3.4:5 name= age=0 idle=0 flags=N db=0 sub=0 psub=0 multi=-1 cmd=get "
          b"user=u resp=2")
INFO_B = (b"id=9 addr=9.9.9.9:1 name= age=7 idle=1 flags=N db=0 sub=0 psub=0 multi=-1 cmd=get "
          b"user=u resp=2")


def _log(*entries):
    return ("array", [("array", [("bulk", b"count"), ("int", e.get("count", 1)),
                                 ("bulk", b"reason"), ("bulk", b"key"),
                                 ("bulk", b"context"), ("bulk", b"toplevel"),
                                 ("bulk", b"object"), ("bulk", e.get("obj", b"x")),
                                 ("bulk", b"username"), ("bulk", b"u"),
                                 ("bulk", b"age-seconds"), ("bulk", e.get("age", b"0.001")),
                                 ("bulk", b"client-info"), ("bulk", e.get("info", INFO_A))])
                      for e in entries])


def _lines(*lines):
    return ("array", [("bulk", line.encode()) for line in lines])


def _getuser(commands, flags=("on",)):
    return ("map", [(("bulk", b"flags"), ("set", [("bulk", f.encode()) for f in flags])),
                    (("bulk", b"commands"), ("bulk", commands.encode()))])


def test_rules_normalise_only_what_redis_does_not_fix():
    from differential.acl_cases import genpass_rule, getuser_rule, list_rule, log_rule
    # single commands: any order; categories: in place; a parent before its subcommands
    assert norm_rules("-@all +set +get") == norm_rules("-@all +get +set")
    assert norm_rules("-@all +config|get +client") == "-@all +client +config|get"
    assert norm_rules("+@all -client|kill -client") == "+@all -client -client|kill"
    assert norm_rules("-@all +@string -set") != norm_rules("-@all -set +@string")
    assert (norm_rules("user +b on (~x -@all +b +a) -@all +d +c")
            == "user +b on (~x -@all +a +b) -@all +c +d")
    assert list_rule([], _lines("user u on -@all +set +get"), _lines("user u on -@all +get +set")) is None
    assert list_rule([], _lines("user u on -@all +get"), _lines("user u on -@all +get +set"))
    assert list_rule([], _lines("user u on ~a ~b -@all"), _lines("user u on ~b ~a -@all"))
    assert getuser_rule([], _getuser("-@all +a +b", ("on", "nopass")),
                        _getuser("-@all +b +a", ("nopass", "on"))) is None
    assert getuser_rule([], _getuser("-@all +a"), _getuser("+@all +a"))
    # ACL LOG: the clock and the client's id/address/ages may differ, nothing else
    assert log_rule([], _log({}), _log({"age": b"2.5", "info": INFO_B})) is None
    assert log_rule([], _log({"count": 1}), _log({"count": 2}))
    assert log_rule([], _log({"obj": b"x"}), _log({"obj": b"y"}))
    assert log_rule([], _log({}), _log({"age": b"-1"}))
    assert log_rule([], _log({}), _log({"info": INFO_A.replace(b"cmd=get", b"cmd=set")}))
    assert log_rule([], _log({}, {"obj": b"y"}), _log({"obj": b"y"}, {}))
    assert genpass_rule([], ("bulk", b"ab12"), ("bulk", b"ffee")) is None
    assert genpass_rule([], ("bulk", b"ab12"), ("bulk", b"ffe"))
    assert genpass_rule([], ("bulk", b"ab12"), ("bulk", b"FFEE"))
