# The server log keeps what a client chose on one line: a user name holding "\n" (and other
# control bytes) sent to AUTH or HELLO at loglevel verbose is logged as one line, the name
# quoted and escaped as Redis's sdscatrepr writes it, so no client can forge a log line or
# send escape sequences to the operator's terminal.
import re

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
    return [line for line in server.log_text().splitlines() if "authentication of" in line]


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
