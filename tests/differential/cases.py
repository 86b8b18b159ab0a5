# Helpers for writing differential cases compactly: "SET k v EX 10" -> ["SET","k","v","EX","10"].
# Use tuples for arguments with spaces, empty strings or binary bytes.
import pytest

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


@pytest.fixture(params=[2, 3], ids=["resp2", "resp3"])
def dp(request, dual):
    """A Dual connection in RESP2 and, as a second run, RESP3."""
    return dual(request.param)
