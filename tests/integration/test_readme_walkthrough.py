# README's control-plane walk-through, run as written: every command of the first `sh` block
# under "## The control plane" (awscli, redis-cli) runs against a control plane of this test's
# own, and what it prints must be what README shows under it (JSON compared as JSON, text word
# by word), so that README cannot drift from what the commands really do. README's endpoint
# hash (a random one per group) is replaced by the group's. The block's first two lines, the
# daemon's start and aws-env, are what the fixture does (with a shorter dwell).
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from support.control_plane import control_fixture

README = Path(__file__).resolve().parents[2] / "README.md"
NODE_BLOCK = "127.0.34.0/24"
README_HASH = "wt88hq"

# Five modifications and a failover, each followed by awscli's waiter.
pytestmark = pytest.mark.redoubt_timeout(300)

# README's daemon keeps a group `modifying` for 5 s at least; 1 s here prints the same.
control = control_fixture(NODE_BLOCK, "--modify-dwell", "1000")


def is_command(line):
    return line.startswith(("/usr/bin/aws ", "redis-cli ", "build/bin/", "eval "))


def walkthrough_steps():
    """[(command, [expected output lines])] of README's control-plane block, in order."""
    text = README.read_text()
    section = text.split("\n## The control plane\n", 1)[1]
    block = section.split("```sh\n", 1)[1].split("```\n", 1)[0]
    lines = block.splitlines()
    steps = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not is_command(line):
            assert not line.strip() or line.startswith("#"), f"README line outside a step: {line}"
            continue
        command = line
        while command.endswith("\\"):
            command = command[:-1] + lines[i].strip()
            i += 1
        output = []
        while i < len(lines) and not is_command(lines[i]) and not lines[i].startswith("#") \
                and lines[i].strip():
            output.append(lines[i])
            i += 1
        steps.append((command, output))
    return steps


def same_output(expected, printed):
    if not expected:
        return not printed.strip()
    try:
        return json.loads("\n".join(expected)) == json.loads(printed)
    except json.JSONDecodeError:
        return [line.split() for line in expected] == \
            [line.split() for line in printed.strip().splitlines()]


def test_readme_walkthrough_runs_as_written(control):
    if not os.access("/etc/hosts", os.W_OK):
        pytest.skip("the walk-through's names need the hosts file (not writable here)")
    steps = walkthrough_steps()
    start, env_line = steps[0][0], steps[1][0]
    assert start.startswith("build/bin/redoubt-control --data-dir control-data"), start
    assert env_line == 'eval "$(build/bin/redoubt-control aws-env --data-dir control-data)"'
    assert len(steps) > 15, steps
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(control.env)
    group_hash = None
    for command, expected in steps[2:]:
        if group_hash:
            command = command.replace(README_HASH, group_hash)
            expected = [line.replace(README_HASH, group_hash) for line in expected]
        if command.startswith("redis-cli "):
            # README shows redis-cli in a terminal, which formats replies ("paid" in quotes);
            # --no-raw asks for the same here, where its output is a pipe.
            command = "redis-cli --no-raw " + command.removeprefix("redis-cli ")
        # One stream for both, in the order a terminal shows them.
        printed = subprocess.run(["bash", "-c", command], env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True, timeout=240).stdout
        assert same_output(expected, printed), \
            f"README: {command}\nshows:\n" + "\n".join(expected) + f"\nbut it printed:\n{printed}"
        if "create-replication-group" in command:
            group_id = re.search(r"--replication-group-id (\S+)", command).group(1)
            group = control.aws_json("elasticache", "describe-replication-groups",
                                     "--replication-group-id", group_id)["ReplicationGroups"][0]
            group_hash = group["ConfigurationEndpoint"]["Address"].split(".")[1]
    assert group_hash, "the walk-through creates no group"
