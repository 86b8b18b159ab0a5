# A partition, not a kill: partition_scenario.py runs in a network namespace made for it, where
# routing rules cut a primary off the rest of its cluster (see that file for the steps).
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from support import servers

pytestmark = pytest.mark.redoubt_timeout(300)


def test_an_isolated_primary_stops_taking_writes():
    if not servers.redoubt_available():
        pytest.skip(servers.redoubt_missing_reason())
    namespace = f"redoubt-partition-{uuid.uuid4().hex[:8]}"
    made = subprocess.run(["ip", "netns", "add", namespace], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"no network namespace here: {made.stderr.strip()}")
    try:
        scenario = Path(__file__).with_name("partition_scenario.py")
        run = subprocess.run(["ip", "netns", "exec", namespace, sys.executable, str(scenario)],
                             capture_output=True, text=True, timeout=280, env=os.environ.copy())
        print(run.stdout[-3000:])
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert "partition:" in run.stdout
    finally:
        subprocess.run(["ip", "netns", "del", namespace], check=False)
