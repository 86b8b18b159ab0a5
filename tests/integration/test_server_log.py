# The server log keeps what a client chose on one line: a user name holding "\n" (and other
# control bytes) sent to AUTH or HELLO at loglevel verbose is logged as one line, the name
# quoted and escaped as Redis's sdscatrepr writes it, so no client can forge a log line or
# send escape sequences to the operator's terminal. And a client cannot fill the log: a flood
# of refused authentications is logged a few lines a second, then counted.
import re
import time

import pytest

from support.resp_client import RespClient
from support.tools import wait_until

# What a forged line would look like: the server log's own prefix ("pid:M date time mark").
FORGED = "4242:M 01 Jan 2030 00:00:00.000 # Redoubt is now ready to exit, bye bye..."
LOG_LINE = re.compile(r"^\d+:M \d\d \w{3} \d{4} \d\d:\d\d:\d\d\.\d{3} [.\-*#] ")


@pytest.fixture
def verbose_server(start):
    return start(["--loglevel", "verbose"])


def refusal_lines(server):
    return [line for line in server.log_text(limit=10**8).splitlines()
            if "authentication of" in line]


# Connection::RecordAuthFailure's LogThrottle: at most this many lines a second.
AUTH_LOG_BURST_PER_SECOND = 10
SUPPRESSED = re.compile(r"\((\d+) similar messages suppressed\)$")


@pytest.mark.parametrize("command", ["AUTH", "HELLO"])
def test_a_user_name_with_newlines_is_logged_as_one_line(verbose_server, command):
    user = "eve\n" + FORGED + "\r\n\x1b[2J\x00\x7f\"q\"\\"
    with RespClient(port=verbose_server.port) as client:
        args = (("AUTH", user, "pw") if command == "AUTH"
                else ("HELLO", "2", "AUTH", user, "pw"))
        reply = client.call(*args)
        assert reply[0] == "error" and reply[1].startswith("WRONGPASS"), reply

    assert wait_until(lambda: refusal_lines(verbose_server), 5), verbose_server.log_text()
    lines = verbose_server.log_text().splitlines()
    assert all(LOG_LINE.match(line) for line in lines if line), lines
    assert not any(line.startswith("4242:M") for line in lines), lines
    (line,) = refusal_lines(verbose_server)
    expected = ('"eve\\n4242:M 01 Jan 2030 00:00:00.000 # Redoubt is now ready to exit, '
                'bye bye...\\r\\n\\x1b[2J\\x00\\x7f\\"q\\"\\\\"')
    assert f" as {expected} refused: no such user" in line, line
    data = open(verbose_server.log_path, "rb").read()
    assert b"\x1b" not in data and b"\x00" not in data and b"\r" not in data


@pytest.mark.redoubt_timeout(60)
def test_a_flood_of_refused_auths_logs_a_bounded_number_of_lines(verbose_server):
    flood = 2000
    start = time.monotonic()
    with RespClient(port=verbose_server.port) as client:
        replies = client.pipeline([("AUTH", "nobody", f"guess-{i}") for i in range(flood)])
        assert all(r[0] == "error" and r[1].startswith("WRONGPASS") for r in replies), replies[:3]
        attempts = flood

        # The next refusal after the interval ends says how many lines were dropped.
        def suppressed_reported():
            nonlocal attempts
            attempts += 1
            client.call("AUTH", "nobody", "once-more")
            return any(SUPPRESSED.search(line) for line in refusal_lines(verbose_server))

        assert wait_until(suppressed_reported, 15), refusal_lines(verbose_server)[-3:]
    elapsed = time.monotonic() - start

    lines = refusal_lines(verbose_server)
    # A line for every refusal would be `attempts` lines; the throttle allows a burst per
    # interval, and the intervals started within `elapsed` seconds.
    assert len(lines) <= AUTH_LOG_BURST_PER_SECOND * (int(elapsed) + 2), (len(lines), elapsed)
    suppressed = [int(m.group(1)) for m in map(SUPPRESSED.search, lines) if m]
    assert suppressed and suppressed[0] >= flood - AUTH_LOG_BURST_PER_SECOND * (int(elapsed) + 2)
    # Every refusal is either written or counted (the count of the interval still open is not
    # written yet).
    assert len(lines) + sum(suppressed) <= attempts
