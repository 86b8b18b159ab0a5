# Root conftest for the Python suites: makes tests/support importable, provides server
# fixtures, enforces a per-test time limit without pytest-timeout, and kills any server a
# failed test left running at session end.
#
# Fixtures:
#   redoubt          a fresh server under test (REDOUBT_SERVER / REDOUBT_SERVER_KIND), per test
#   redoubt_factory  callable(args=[...], config_file=..., wait=True) -> started Server, per test
#   redis_factory    the same for the reference redis-server
#   tls_certs        session-wide support.tls_certs.CertFactory: CA "ca", server cert "server"
# Tests needing the redoubt binary are skipped (with the path in the reason) only when the
# binary does not exist; `make test` builds it first.
import os
import signal
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from support import servers  # noqa: E402


def pytest_addoption(parser):
    parser.addini("redoubt_timeout", "per-test time limit in seconds (SIGALRM)", default="60")


def pytest_report_header(config):
    return (f"server under test: {servers.redoubt_binary()} (kind={servers.redoubt_kind()}, "
            f"exists={servers.redoubt_available()}); reference: {servers.redis_binary()}")


class TestTimeout(Exception):
    __test__ = False


def _limit_for(item):
    if item.config.pluginmanager.hasplugin("timeout") and item.config.getini("timeout"):
        return 0  # pytest-timeout is installed and configured: let it do the job
    marker = item.get_closest_marker("redoubt_timeout")
    if marker and marker.args:
        return float(marker.args[0])
    return float(item.config.getini("redoubt_timeout") or 0)


def _with_alarm(item, phase):
    limit = _limit_for(item)
    if limit <= 0 or not hasattr(signal, "SIGALRM"):
        return None

    def on_alarm(signum, frame):
        raise TestTimeout(f"{item.nodeid}: {phase} exceeded {limit:.0f}s "
                          "(redoubt_timeout in tests/pytest.ini)")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, limit)
    return old


def _clear_alarm(old):
    if old is not None:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    old = _with_alarm(item, "setup")
    try:
        yield
    finally:
        _clear_alarm(old)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    old = _with_alarm(item, "test")
    try:
        yield
    finally:
        _clear_alarm(old)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    old = _with_alarm(item, "teardown")
    try:
        yield
    finally:
        _clear_alarm(old)


def pytest_sessionfinish(session, exitstatus):
    servers.stop_all()


def require_redoubt():
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())


@pytest.fixture
def redoubt_factory():
    require_redoubt()
    started = []

    def start(args=(), **kw):
        s = servers.redoubt_server(args=args, **kw)
        started.append(s)
        return s.start()

    yield start
    for s in started:
        s.__exit__(None, None, None)


@pytest.fixture
def redis_factory():
    started = []

    def start(args=(), **kw):
        s = servers.redis_server(args=args, **kw)
        started.append(s)
        return s.start()

    yield start
    for s in started:
        s.__exit__(None, None, None)


@pytest.fixture
def redoubt(redoubt_factory):
    return redoubt_factory()


@pytest.fixture(scope="session")
def tls_certs():
    """A support.tls_certs.CertFactory shared by the session, in a temporary directory that is
    removed at the end. The CA "ca" and the server certificate "server" (get("server")) are
    made up front. Shared state: a test that revokes should revoke its own certificates."""
    import shutil
    import tempfile

    from support.tls_certs import CertFactory

    directory = tempfile.mkdtemp(prefix="redoubt-tls-certs-")
    try:
        factory = CertFactory(directory)
        factory.ca()
        factory.server_cert("server")
        yield factory
    finally:
        shutil.rmtree(directory, ignore_errors=True)
