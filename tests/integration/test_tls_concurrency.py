# TLS under churn: while TLS clients connect and disconnect as fast as redis-benchmark can
# (-k 0, every connection a full handshake) and plaintext clients keep working, the operator
# rotates the certificate (CONFIG SET and SIGHUP) and flips tls-mode between preferred and
# required, over and over. The server must stay up (the ASan build checks for races and leaks
# in the same run), end with consistent INFO counters and keep serving both kinds of client.
import os
import signal
import subprocess
import time

import pytest

from support.resp_client import RespClient, expect, unwrap
from support.tls_helpers import info_ssl, tls_args, tls_client
from support.tools import REDIS_BENCHMARK, wait_until


@pytest.mark.redoubt_timeout(120)
def test_rotation_and_mode_flips_under_connection_churn(redoubt_factory, tls_certs):
    ca = tls_certs.ca().cert
    first = tls_certs.get("server")
    second = tls_certs.server_cert()
    server = redoubt_factory(tls_args(first, "preferred", ["--io-threads", "2"]))
    churn = subprocess.Popen(
        [REDIS_BENCHMARK, "-p", str(server.port), "--tls", "--cacert", ca, "-t", "ping_mbulk",
         "-k", "0", "-c", "8", "-n", "3000", "-q"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    plain = subprocess.Popen(
        [REDIS_BENCHMARK, "-p", str(server.port), "-t", "set,get", "-c", "4", "-n", "200000",
         "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    control = tls_client(server, ca)

    def reloads():
        return int(info_ssl(control)["tls_certificate_reloads"])

    try:
        # Flip for as long as the TLS churn runs, at least 12 rounds; bounded in rounds and time.
        # Each round waits for its SIGHUP's reload before the next: signals of one kind do not
        # queue, so a SIGHUP sent while the previous one is still pending is merged with it
        # (which a loaded machine makes likely) and the reload count below would come up short.
        deadline = time.monotonic() + 45
        flips = 0
        while (churn.poll() is None or flips < 12) and flips < 400 and \
                time.monotonic() < deadline:
            cert = second if flips % 2 == 0 else first
            expect(control, ("CONFIG", "SET", "tls-cert-file", cert.cert, "tls-key-file",
                             cert.key), ("simple", "OK"))
            mode = "required" if flips % 3 == 2 else "preferred"
            expect(control, ("CONFIG", "SET", "tls-mode", mode), ("simple", "OK"))
            os.kill(server.pid, signal.SIGHUP)
            flips += 1
            assert wait_until(lambda: reloads() == 2 * flips, 10), (flips, reloads())
        assert flips >= 12, f"only {flips} rounds in 45 s"
    finally:
        for p in (churn, plain):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    # No TLS client saw a failure through every rotation and mode change.
    assert churn.returncode == 0, f"TLS churn exited {churn.returncode}"

    assert server.alive(), server.log_text(4000)
    expect(control, ("CONFIG", "SET", "tls-mode", "preferred"), ("simple", "OK"))
    # Every handshake finished or was counted; the gauges add up to the connected clients.
    def settled():
        f = info_ssl(control)
        clients = int(unwrap(control.call("INFO", "clients")).decode()
                      .split("connected_clients:")[1].split("\r\n")[0])
        return (f["tls_handshakes_in_progress"] == "0" and
                int(f["tls_mode_connected_tcp_clients"]) +
                int(f["tls_mode_connected_tls_clients"]) == clients)
    assert wait_until(settled, 10), info_ssl(control)
    f = info_ssl(control)
    # One reload per CONFIG SET and one per SIGHUP, none more.
    assert reloads() == 2 * flips, (reloads(), flips)
    assert int(f["tls_handshakes_completed"]) >= 100
    with RespClient(port=server.port) as c:
        expect(c, ("PING",), ("simple", "PONG"))
    with tls_client(server, ca) as c:
        expect(c, ("PING",), ("simple", "PONG"))
    control.close()
