# Shared pieces of the ACL/AUTH differential suites (test_acl.py, test_acl_random.py):
#
#   - comparison rules for the ACL replies Redis cannot reproduce byte for byte (acl_rule_for);
#     everything else, every error text included, is compared exactly;
#   - check()/run(): Dual.check with those rules;
#   - restore_acl(): puts a server back to "default user only, no password, empty ACL LOG"
#     after a test (or restarts it when that is impossible), so one test's users or password
#     never leak into the next;
#   - AclPair: a second pair of servers started with extra arguments (--requirepass, --aclfile,
#     --user ...), whose readiness check accepts -NOAUTH as an answer.
#
# Where the rules are not exact, and why:
#   ACL GETUSER / ACL LIST / ACL SAVE'd files: Redis 7.0 rebuilds a user's command rules from a
#     bitmap: "+@all"/"-@all", then the categories that fit best (in ACL CAT order), then single
#     commands ("+get", "-config|set", "+select|0") in the order of its command hash table, which
#     is seeded randomly at start (two redis-servers print "-@all +set +get" and "-@all +get
#     +set" for the same user). The single-command tokens between two category tokens are
#     therefore compared sorted by command, a parent command before its subcommands (the only
#     order that carries meaning). Flags in a RESP3 set are compared as a set.
#   ACL LOG: age-seconds is a clock (same type, a number in [0, 60)); client-info is compared on
#     the CLIENT LIST fields normalise.CLIENT_FIELDS_EXACT (id, addr, fd, memory... differ);
#     count, reason, context, object, username and the order of the entries are exact.
#   ACL GENPASS: random; same length, lowercase hex on both sides.
#   ACL CAT: Redis promises no order; compared sorted.
#   ACL LOAD errors name the server's own ACL file; each side's path is replaced by <aclfile>.
import os
import re
import shutil
import socket
import tempfile
import time

from differential.cases import scan_all
from differential.normalise import CLIENT_FIELDS_EXACT, is_error, parse_client_line, rule_for
from support import servers
from support.compare import diff_replies, sort_elements
from support.resp_client import ConnectionClosed, RespClient

CLEAN_ACL_LIST = ("array", [("bulk", b"user default on nopass ~* &* +@all")])


# ----- comparison rules ------------------------------------------------------------------------

def _single(tok):
    """A single-command rule token: +get, -config|set, +select|0 (not +@cat)."""
    return len(tok) > 1 and tok[0] in "+-" and tok[1] != "@"


def _single_key(tok):
    base, pipe, rest = tok[1:].partition("|")
    return (base.lower(), pipe != "", rest, tok[0])


def sort_single_commands(tokens):
    """Sort each run of single-command tokens; categories and other tokens keep their place."""
    out, run = [], []
    for t in tokens + [None]:
        if t is not None and _single(t):
            run.append(t)
            continue
        out.extend(sorted(run, key=_single_key))
        run = []
        if t is not None:
            out.append(t)
    return out


NEWER_THAN_REFERENCE = {"client|setinfo"}


def norm_rules(text):
    """Normalise one rule description: 'user x on ~k (~a -@all +set +get)' or a GETUSER
    'commands' value. Selectors keep their parentheses; see the module comment."""
    tokens = text.split(" ")
    head = []
    if len(tokens) >= 2 and tokens[0] == "user":
        head, tokens = tokens[:2], tokens[2:]  # the user name is never a rule
    flat = []  # tokens with "(" and ")" split off as markers
    depth = 0
    for t in tokens:
        if depth == 0 and t.startswith("("):
            flat.append("(")
            t = t[1:]
            depth = 1
        # inside a selector only the last token, a command rule, carries the ")"
        closing = depth == 1 and t.endswith(")") and (
            t == ")" or _single(t[:-1]) or t[:-1].startswith(("+@", "-@")))
        if closing:
            t = t[:-1]
        if t:
            flat.append(t)
        if closing:
            flat.append(")")
            depth = 0
    # Commands Redoubt has and Redis 7.0 lacks (CLIENT SETINFO came in 7.2) can only show up in
    # Redoubt's description, as single-command exceptions; they are not compared.
    flat = [t for t in flat if t.lstrip("+-") not in NEWER_THAN_REFERENCE]
    flat = sort_single_commands(flat)
    out = []
    for t in flat:
        if t == ")" and out:
            out[-1] += ")"
        elif out and out[-1] == "(":
            out[-1] += t
        else:
            out.append(t)
    return " ".join(head + out)


def _norm_bulk_rules(r):
    if isinstance(r, tuple) and r and r[0] == "bulk":
        text = r[1].decode("utf-8", "surrogateescape")
        return ("bulk", norm_rules(text).encode("utf-8", "surrogateescape"))
    return r


def norm_getuser(r):
    """GETUSER reply (RESP2 flat array or RESP3 map, selectors nested) with every 'commands'
    value normalised and RESP3 flag sets sorted."""
    if not isinstance(r, tuple) or r[1] is None:
        return r
    if r[0] == "map":
        pairs = []
        for k, v in r[1]:
            if k == ("bulk", b"commands"):
                v = _norm_bulk_rules(v)
            elif k == ("bulk", b"flags") and v[0] == "set":
                v = sort_elements(v)
            else:
                v = norm_getuser(v)
            pairs.append((k, v))
        return ("map", pairs)
    if r[0] in ("array", "set"):
        items = list(r[1])
        for i, x in enumerate(items):
            if x == ("bulk", b"commands") and i + 1 < len(items):
                items[i + 1] = _norm_bulk_rules(items[i + 1])
            elif i == 0 or items[i - 1] != ("bulk", b"commands"):
                items[i] = norm_getuser(x)
        return (r[0], items)
    return r


def getuser_rule(args, a, b):
    """ACL GETUSER: exact, except single-command rule order (see module comment)."""
    return diff_replies(norm_getuser(a), norm_getuser(b))


def norm_list(r):
    if isinstance(r, tuple) and r[0] == "array" and r[1] is not None:
        return ("array", [_norm_bulk_rules(x) for x in r[1]])
    return r


def list_rule(args, a, b):
    """ACL LIST: same lines in the same order, single-command rule order normalised."""
    return diff_replies(norm_list(a), norm_list(b))


def _pairs(entry):
    if entry[0] == "map":
        return list(entry[1])
    items = entry[1]
    return list(zip(items[0::2], items[1::2]))


def _text(v):
    if isinstance(v, tuple) and v[0] in ("bulk", "verbatim"):
        raw = v[1] if v[0] == "bulk" else v[1][1]
        return raw.decode("utf-8", "replace")
    if isinstance(v, tuple) and v[0] in ("simple", "double"):
        return v[1]
    return None


def log_rule(args, a, b):
    """ACL LOG: same entries in the same order with the same keys; count, reason, context,
    object, username exact; age-seconds same type and a number in [0, 60); client-info equal
    on CLIENT_FIELDS_EXACT."""
    if is_error(a) or is_error(b) or not (isinstance(a, tuple) and a[0] == "array" and a[1] is not None) \
            or not (isinstance(b, tuple) and b[0] == "array" and b[1] is not None):
        return diff_replies(a, b)
    if len(a[1]) != len(b[1]):
        return f"ACL LOG: {len(a[1])} entries vs {len(b[1])}"
    for n, (ea, eb) in enumerate(zip(a[1], b[1])):
        if ea[0] != eb[0] or ea[0] not in ("array", "map"):
            return f"ACL LOG entry {n}: {ea[0]} vs {eb[0]}"
        pa, pb = _pairs(ea), _pairs(eb)
        if [k for k, _ in pa] != [k for k, _ in pb]:
            return f"ACL LOG entry {n} fields {[k for k, _ in pa]} vs {[k for k, _ in pb]}"
        for (k, va), (_, vb) in zip(pa, pb):
            name = _text(k)
            if name == "age-seconds":
                if va[0] != vb[0]:
                    return f"ACL LOG entry {n} age-seconds type {va!r} vs {vb!r}"
                try:
                    age = float(_text(vb))
                except (TypeError, ValueError):
                    return f"ACL LOG entry {n} age-seconds not a number: {vb!r}"
                if not 0 <= age < 60:
                    return f"ACL LOG entry {n} age-seconds implausible: {vb!r}"
            elif name == "client-info":
                if va[0] != vb[0]:
                    return f"ACL LOG entry {n} client-info type {va!r} vs {vb!r}"
                fa, fb = parse_client_line(_text(va).strip()), parse_client_line(_text(vb).strip())
                for f in CLIENT_FIELDS_EXACT:
                    if fa.get(f) != fb.get(f):
                        return (f"ACL LOG entry {n} client-info {f}={fa.get(f)!r} vs {f}={fb.get(f)!r}"
                                f"\n  ref: {_text(va)}\n  got: {_text(vb)}")
            else:
                d = diff_replies(va, vb, f"ACL LOG entry {n} {name}")
                if d:
                    return d
    return None


HEX = re.compile(rb"^[0-9a-f]+$")


def genpass_rule(args, a, b):
    """ACL GENPASS: random; both bulk strings of lowercase hex of the same length."""
    if is_error(a) or is_error(b) or a is None or b is None or a[0] != "bulk" or b[0] != "bulk":
        return diff_replies(a, b)
    if len(a[1]) != len(b[1]):
        return f"GENPASS length {len(a[1])} vs {len(b[1])}: {a[1]!r} vs {b[1]!r}"
    if not HEX.match(b[1]):
        return f"GENPASS not lowercase hex: {b[1]!r}"
    return None


def cat_rule(args, a, b):
    """ACL CAT [category]: Redis promises no order; compared sorted."""
    return diff_replies(sort_elements(a), sort_elements(b))


ACL_RULES = {"GETUSER": getuser_rule, "LIST": list_rule, "LOG": log_rule, "GENPASS": genpass_rule,
             "CAT": cat_rule}


def _s(x):
    return x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x)


def acl_rule_for(args):
    if len(args) >= 2 and _s(args[0]).upper() == "ACL":
        r = ACL_RULES.get(_s(args[1]).upper())
        if r:
            return r
    return rule_for(args)


def path_rule(ref_path, got_path, inner=None):
    """Replies that name each server's own file (ACL LOAD errors): the path is replaced by
    <aclfile> on each side before comparing."""
    def sub(r, path):
        if isinstance(r, tuple) and r[0] in ("error", "simple") and isinstance(r[1], str):
            return (r[0], r[1].replace(path, "<aclfile>"))
        return r

    def rule(args, a, b):
        return (inner or acl_rule_for(args))(args, sub(a, ref_path), sub(b, got_path))
    return rule


# ----- helpers on a Dual -----------------------------------------------------------------------

def check(d, *args, rule=None):
    return d.check(*args, rule=rule or acl_rule_for(args))


def cmds(text):
    return [line.split() for line in text.strip().splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def run(d, *groups):
    """Like cases.run, with the ACL rules: strings are split per line and on whitespace,
    tuples/lists are sent as they are."""
    for g in groups:
        if isinstance(g, str):
            for c in cmds(g):
                check(d, *c)
        else:
            check(d, *g)


def check_scan(d, *extra):
    """SCAN from cursor 0 to the end on both servers: the same error, or the same set of keys
    (cases.check_scan, which also fails on equal errors, is for users allowed to SCAN)."""
    a, ea = scan_all(d.ref, *extra)
    b, eb = scan_all(d.got, *extra)
    args = ["SCAN", "<cursor>", *extra]
    if ea is not None or eb is not None:
        msg = diff_replies(ea, eb)
        if msg:
            d.fail(args, ea or sorted(a), eb or sorted(b), msg)
        return
    if a != b:
        d.fail(args, sorted(a), sorted(b), f"missing {sorted(a - b)[:20]}, extra {sorted(b - a)[:20]}")


# A close the server owes is waited for (bounded, returns at once when it comes); a connection
# that must stay open is watched for a short while, which a correct server can never fail.
CLOSE_WAIT_S = 10.0
OPEN_WATCH_S = 0.5


def _closed(client, expect_closed):
    return client.is_closed(CLOSE_WAIT_S if expect_closed else OPEN_WATCH_S)


def expect_closed(d, want_ref=None, what="connection"):
    """Both connections closed, or both open; with want_ref, the reference must be in that state
    too (so a change in Redis's behaviour is noticed)."""
    if want_ref is None:
        ref = _closed(d.ref, False)
        closed = (ref, _closed(d.got, ref))
    else:
        closed = (_closed(d.ref, want_ref), _closed(d.got, want_ref))
    if closed[0] != closed[1] or (want_ref is not None and closed[0] != want_ref):
        d.fail([f"<is the {what} closed?>"], ("closed", closed[0]), ("closed", closed[1]),
               f"{what}: closed by redis-server={closed[0]}, by redoubt={closed[1]}"
               + (f" (expected {want_ref})" if want_ref is not None else ""))
    return closed[0]


def expect_deviation(d, ref_closed, got_closed, what, why):
    """A documented difference from Redis 7.0.15 (README, "Where Redoubt differs"): the
    reference must still behave as recorded (ref_closed) and Redoubt as designed (got_closed)."""
    closed = (_closed(d.ref, ref_closed), _closed(d.got, got_closed))
    if closed != (ref_closed, got_closed):
        d.fail([f"<is the {what} closed? (intended difference: {why})>"], ("closed", closed[0]),
               ("closed", closed[1]),
               f"{what}: expected closed by redis-server={ref_closed}, by redoubt={got_closed}")


def expect_open(d, what="connection"):
    """Neither side closed the connection (checked without consuming replies: a short read that
    must time out)."""
    state = []
    for c in (d.ref, d.got):
        c.sock.settimeout(0.2)
        try:
            data = c.sock.recv(1, socket.MSG_PEEK)
            state.append(data == b"")
        except socket.timeout:
            state.append(False)
        except OSError:
            state.append(True)
        finally:
            c.sock.settimeout(c.timeout)
    if state != [False, False]:
        d.fail([f"<is the {what} still open?>"], ("closed", state[0]), ("closed", state[1]),
               f"{what} must stay open")


# ----- state between tests ---------------------------------------------------------------------

KNOWN_DEFAULT_PASSWORDS = ["secret", "newsecret", "pw", "p1", "p2", "startpw", "c", "defpw"]


def admin_connection(server):
    """A connection that may run commands as the default user, or None."""
    c = RespClient(server.host, server.port, timeout=5)
    r = c.call("PING")
    if r == ("simple", "PONG"):
        return c
    for pw in KNOWN_DEFAULT_PASSWORDS:
        if c.call("AUTH", pw) == ("simple", "OK") and c.call("PING") == ("simple", "PONG"):
            return c
    c.close()
    return None


def _is_clean(server, strict):
    try:
        with RespClient(server.host, server.port, timeout=5) as c:
            if c.call("PING") != ("simple", "PONG"):
                return False
            acl = c.call("ACL", "LIST")
            if is_error(acl) and acl[1].startswith("ERR unknown command") and not strict:
                return True  # no ACL at all: nothing can have leaked
            if acl != CLEAN_ACL_LIST:
                return False
            log = c.call("ACL", "LOG")
            return log == ("array", [])
    except (OSError, ConnectionClosed):
        return False


def _clean(server):
    c = admin_connection(server)
    if c is None:
        return
    try:
        c.call("CONFIG", "SET", "requirepass", "")
        c.call("CONFIG", "SET", "acllog-max-len", "128")
        users = c.call("ACL", "USERS")
        if users and users[0] == "array":
            names = [u[1] for u in users[1] if u[1] != b"default"]
            if names:
                c.call("ACL", "DELUSER", *names)
        c.call("ACL", "SETUSER", "default", "on", "nopass", "allkeys", "allchannels", "allcommands",
               "clearselectors")
        c.call("ACL", "LOG", "RESET")
    finally:
        c.close()


def restore_acl(pair):
    """After a test: the default user alone, on, nopass, all permissions; no password; an empty
    ACL LOG. A server that cannot be brought back (a user flag that cannot be unset, a lost
    password, a crash) is restarted."""
    for server, strict in ((pair.ref, True), (pair.got, False)):
        if not server.alive():
            server.restart()
            continue
        try:
            if not _is_clean(server, strict):
                _clean(server)
        except (OSError, ConnectionClosed):
            pass
        if not _is_clean(server, strict):
            server.restart()


# ----- servers started with extra arguments ----------------------------------------------------

def reference_server(args, name, config_file=None):
    return servers.redis_server(args, name=name, config_file=config_file)


def tested_server(args, name, config_file=None):
    return servers.redoubt_server(args, name=name, config_file=config_file)


class AclPair:
    """A reference and a tested server started with extra arguments. args_for(side) returns
    the argument list for "ref" or "got" (ACL files differ per side: one file per server);
    config_for(side), if given, the configuration file to start with."""

    def __init__(self, args_for, label, config_for=None):
        config_for = config_for or (lambda side: None)
        self.ref = reference_server(args_for("ref"), f"redis-server-{label}", config_for("ref"))
        self.got = tested_server(args_for("got"), f"redoubt-{label}", config_for("got"))

    def start(self):
        self.ref.start()
        try:
            self.got.start()
        except Exception:
            self.ref.stop()
            self.ref.remove_log()
            raise
        return self

    def stop(self):
        for s in (self.got, self.ref):
            s.stop()
            s.remove_log()


class AclFiles:
    """One ACL file per server in a temporary directory, written with the same content."""

    def __init__(self, content=""):
        self.dir = tempfile.mkdtemp(prefix="redoubt-acl-")
        self.ref = os.path.join(self.dir, "ref.acl")
        self.got = os.path.join(self.dir, "got.acl")
        self.write(content)

    def path(self, side):
        return self.ref if side == "ref" else self.got

    def write(self, content):
        for p in (self.ref, self.got):
            with open(p, "w") as f:
                f.write(content)

    def remove(self):
        for p in (self.ref, self.got):
            if os.path.exists(p):
                os.unlink(p)

    def read(self, side):
        with open(self.path(side)) as f:
            return f.read()

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def start_failure(args_for, label, timeout=10):
    """Start both servers with arguments that must make them refuse to start; returns
    ((ref_exit, ref_log), (got_exit, got_log)). A server still running after `timeout` counts as
    started (exit None) and is stopped."""
    out = []
    for side, make in (("ref", reference_server), ("got", tested_server)):
        s = make(args_for(side), f"{label}-{side}")
        s.wait = False
        s.start()
        code = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            code = s.returncode()
            if code is not None:
                break
            try:
                if s.ping(timeout=0.5):
                    break  # it started and answers
            except OSError:
                pass
            time.sleep(0.05)
        log = s.log_text(3000)
        s.stop()
        s.remove_log()
        out.append((code, log))
    return out
