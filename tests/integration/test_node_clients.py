# Real Node.js libraries as applications use them: ioredis (commands, pipelines, MULTI/WATCH,
# Lua through defineCommand, pub/sub, streams, scanStream, client-side caching) and BullMQ (a
# job queue built on Lua scripts, blocking commands and streams), each running its documented
# examples from tests/clients/node/ against redis-server (the reference) and redoubt-server.
#
# The packages are the versions pinned in tests/clients/node/package-lock.json, installed once
# with `npm ci` into build/node-clients/ (node and npm come from scripts/install-deps.sh; the
# npm registry must be reachable the first time). Several pytest workers share the install
# through a file lock.
import fcntl
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from support import servers

pytestmark = pytest.mark.skipif(not servers.redoubt_available(),
                                reason=servers.redoubt_missing_reason())

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "tests" / "clients" / "node"
INSTALL = ROOT / "build" / "node-clients"


def installed_packages():
    """build/node-clients with node_modules matching package-lock.json; installs when needed."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} not found: scripts/install-deps.sh installs it", pytrace=False)
    INSTALL.mkdir(parents=True, exist_ok=True)
    lock_text = (SOURCES / "package-lock.json").read_bytes()
    digest = hashlib.sha256(lock_text + (SOURCES / "package.json").read_bytes()).hexdigest()
    stamp = INSTALL / ".installed"
    with open(INSTALL / ".lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not stamp.exists() or stamp.read_text() != digest:
            for name in ("package.json", "package-lock.json"):
                shutil.copy(SOURCES / name, INSTALL / name)
            # --ignore-scripts: no package builds anything (msgpackr falls back to plain JS).
            done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                                  cwd=INSTALL, capture_output=True, text=True, timeout=300)
            if done.returncode != 0:
                pytest.fail("npm ci failed (is the npm registry reachable?):\n" + done.stdout +
                            done.stderr, pytrace=False)
            stamp.write_text(digest)
    return INSTALL


def run_examples(script, kind, port):
    env = dict(os.environ, REDIS_PORT=str(port))
    # The script is copied next to node_modules (Node resolves ES module imports from the
    # importing file's folder), under a name of its own per run: workers may run two at once.
    target = installed_packages() / f"{kind}-{script}"
    shutil.copy(SOURCES / script, target)
    done = subprocess.run(["node", str(target)], env=env, capture_output=True, text=True,
                          timeout=240)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("script", ["ioredis_examples.mjs", "bullmq_examples.mjs"])
@pytest.mark.parametrize("kind", ["redis", "redoubt"])
def test_node_library_examples(kind, script):
    installed_packages()
    start = servers.redis_server if kind == "redis" else servers.redoubt_server
    with start() as s:
        code, output = run_examples(script, kind, s.port)
    assert code == 0, f"{script} against {kind}:\n{output}"
    assert "FAIL" not in output and output.count("ok ") >= 4, output
