"""redoubt-control for the tests: a daemon on a free port with its own data folder and a
loopback block for its nodes, reached the way users reach it (awscli and Debian's boto3
configured only by `redoubt-control aws-env`), and stopped with everything it started: the
groups' nodes outlive the control plane by design, so the teardown also stops every node whose
pid file is in the data folder, and removes the control plane's block of endpoint names from
the hosts file (which it keeps while its nodes serve)."""
import fcntl
import http.client
import json
import os
import shlex
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import redis

from support.servers import free_port
from support.tools import find_redoubt_tool, wait_for

AWS = "/usr/bin/aws"
HOSTS = "/etc/hosts"


class ControlPlane:
    def __init__(self, binary, data, node_addresses, extra_args=()):
        self.binary = Path(binary)
        self.data = Path(data)
        self.node_addresses = node_addresses
        self.extra_args = list(extra_args)
        self.port = None
        self.proc = None
        self.env = {}

    def start(self, port=None):
        """Starts the daemon (on `port`, or a free one) and waits until it accepts requests."""
        self.data.mkdir(parents=True, exist_ok=True)
        for attempt in range(5):
            self.port = port or free_port()
            log = open(self.data.parent / f"{self.data.name}.log", "a")
            self.proc = subprocess.Popen(
                [str(self.binary), "--data-dir", str(self.data), "--listen",
                 f"127.0.0.1:{self.port}", "--node-addresses", self.node_addresses,
                 *self.extra_args], stdout=log, stderr=subprocess.STDOUT)
            log.close()
            deadline = time.monotonic() + 60
            while self.proc.poll() is None and time.monotonic() < deadline:
                try:
                    http.client.HTTPConnection("127.0.0.1", self.port, timeout=1).connect()
                    break
                except OSError:
                    time.sleep(0.02)
            if self.proc.poll() is None:
                break
            assert port is None and attempt < 4, self.log_text()  # a port taken: try another
        out = subprocess.run([str(self.binary), "aws-env", "--data-dir", str(self.data)],
                             capture_output=True, text=True, timeout=30, check=True).stdout
        self.env = {}
        for line in out.splitlines():
            name, value = line.removeprefix("export ").split("=", 1)
            self.env[name] = shlex.split(value)[0]
        return self

    def log_text(self):
        path = self.data.parent / f"{self.data.name}.log"
        return path.read_text() if path.exists() else ""

    def stop(self):
        """SIGTERM to the daemon only (its nodes keep serving); returns its exit status."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=60)

    def service_password(self, group_id):
        """The password of the control plane's own ACL user on the group's nodes, from its
        state store."""
        with sqlite3.connect(f"file:{self.data / 'state.db'}?mode=ro", uri=True) as db:
            record, = db.execute("SELECT record FROM replication_groups WHERE id = ?",
                                 (group_id,)).fetchone()
        return json.loads(record)["service_password"]

    def service_client(self, group_id, host, **kwargs):
        """A redis-py client of a node of the group as the control plane's own ACL user: for
        what the service does to its nodes and customers may not, such as CONFIG."""
        return redis.Redis(host=host, port=6379, username="redoubt-service",
                           password=self.service_password(group_id), **kwargs)

    def node_pids(self):
        """Pids of the node processes whose pid files are in the data folder."""
        pids = []
        for pid_file in (self.data / "nodes").glob("*/redoubt.pid"):
            try:
                pids.append(int(pid_file.read_text().strip()))
            except (OSError, ValueError):
                pass
        return pids

    def stop_all(self):
        """The teardown: the daemon, then every node it left running, then its names."""
        self.stop()
        for pid in self.node_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.remove_hosts_block()

    def remove_hosts_block(self, path=HOSTS):
        """Removes this control plane's block from the hosts file, under the lock it takes."""
        if not os.access(path, os.W_OK):
            return
        begin = f"# BEGIN redoubt-control {self.data}\n"
        end = f"# END redoubt-control {self.data}\n"
        with open(path, "r+") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            text = f.read()
            start = text.find(begin)
            if start < 0:
                return
            stop = text.find(end, start)
            stop = len(text) if stop < 0 else stop + len(end)
            f.seek(0)
            f.write(text[:start] + text[stop:])
            f.truncate()

    def hosts_block(self, path=HOSTS):
        """The lines of this control plane's block in the hosts file (address, name)."""
        text = Path(path).read_text()
        begin = f"# BEGIN redoubt-control {self.data}\n"
        if begin not in text:
            return []
        block = text.split(begin, 1)[1].split("# END redoubt-control", 1)[0]
        return [tuple(line.split()) for line in block.splitlines() if line.strip()]

    def aws(self, *args, timeout=120):
        """/usr/bin/aws with the environment aws-env prints and nothing of the caller's AWS_*."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(self.env)
        return subprocess.run([AWS, *args], env=env, capture_output=True, text=True,
                              timeout=timeout)

    def aws_json(self, service, *args):
        """The JSON reply of an awscli call that must succeed (None when it prints nothing)."""
        r = self.aws(service, *args, "--output", "json")
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout) if r.stdout.strip() else None

    def aws_error(self, service, *args):
        """The error code of an awscli call that must fail with a service error."""
        r = self.aws(service, *args)
        assert r.returncode == 254, (r.stdout, r.stderr)
        return r.stderr.split("(", 1)[1].split(")", 1)[0]

    def boto3_client(self, service="elasticache", key=None, secret=None):
        """A Debian boto3 client configured only as aws-env says (no endpoint_url)."""
        import boto3
        import botocore.session
        session = botocore.session.get_session()
        session.set_config_variable("data_path", self.env["AWS_DATA_PATH"])
        session.set_config_variable("credentials_file", self.env["AWS_SHARED_CREDENTIALS_FILE"])
        session.set_config_variable("region", self.env["AWS_DEFAULT_REGION"])
        if key:
            session.set_credentials(key, secret)
        return boto3.Session(botocore_session=session).client(service)

    def raw_post(self, body, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("POST", "/", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            **(headers or {})})
        resp = conn.getresponse()
        return resp.status, resp.read().decode()


def control_plane(tmp_path, node_block, *args):
    """A started ControlPlane for one test (the fixtures of the control plane's test files):
    data in tmp_path, nodes from node_block (a loopback block of the test file's own), the
    server under test (REDOUBT_SERVER) as the nodes' binary. Skips when redoubt-control is not
    built; the caller calls stop_all()."""
    import pytest
    binary = find_redoubt_tool("redoubt-control")
    if binary is None:
        pytest.skip("redoubt-control is not built")
    args = list(args)
    if os.environ.get("REDOUBT_SERVER"):
        args += ["--server-binary", os.environ["REDOUBT_SERVER"]]
    return ControlPlane(binary, tmp_path / "control-data", node_block, args).start()


def control_fixture(node_block, *args):
    """The `control` fixture of a control-plane test file: a started ControlPlane per test
    (control_plane() with node_block and args), everything it started stopped after it."""
    import pytest

    @pytest.fixture
    def control(tmp_path):
        plane = control_plane(tmp_path, node_block, *args)
        yield plane
        plane.stop_all()
    return control


def wait_available(client, group_id, timeout=120):
    """Polls Describe (boto3) until the group is available; returns the statuses it saw, in
    order."""
    seen = []

    def available():
        status = client.describe_replication_groups(ReplicationGroupId=group_id)[
            "ReplicationGroups"][0]["Status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        return status == "available"
    wait_for(available, f"{group_id} to be available", timeout=timeout)
    return seen
