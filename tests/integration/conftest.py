# Fixtures shared by several suites.
#
#   start    (function) callable(args, ready=None, wait=True) -> a started Redoubt whose
#            readiness PING may present a client certificate (ready: an ssl.SSLContext);
#            stopped after the test. Skips against redis-server, which has none of these
#            directives. For the access-control suites (mutual TLS, CRLs, audit log, bad input).
#   cluster  (function) callable(address, kind="redoubt", extra=()) -> a started cluster node
#            on its own loopback address (support/cluster_nodes.py); every one is stopped
#            after the test. For the cluster suites.
import pytest

from support import servers
from support.cluster_nodes import Cluster


@pytest.fixture
def start():
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())
    if servers.redoubt_kind() != "redoubt":
        pytest.skip("client certificates, CRLs and the audit log are Redoubt's directives")
    started = []

    def run(args, ready=None, wait=True):
        s = servers.redoubt_server(list(args), name="redoubt-access", tls_context=ready,
                                   wait=wait)
        started.append(s)
        return s.start()

    yield run
    for s in started:
        s.__exit__(None, None, None)


@pytest.fixture
def cluster(tmp_path):
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())
    nodes = Cluster(tmp_path)
    yield nodes
    nodes.stop()
