#!/usr/bin/python3
"""Proves that the layering rule is enforced by the build, not only written down.

Each library compiles against build/layers/<folder>/, which holds only the folders it may use
(src/CMakeLists.txt, redoubt_layer). For every library this compiles two one-line files
against its root: one including a header of a folder it may use (must compile) and one
including a header of a folder it may not (must fail with "No such file"). A root that lets a
forbidden folder through, or hides an allowed one, fails the check.

    scripts/check-layering.py [BUILD_DIR]      (default: build)
"""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# CONTRIBUTING.md, "Layout": what each folder may include (its own folder besides), directly or
# through another. One header per folder stands for the folder.
MAY_USE = {
    "common": [],
    "protocol": ["common"],
    "storage": ["common"],
    "net": ["common"],
    "security": ["common"],
    "tls": ["net", "common"],
    "commands": ["protocol", "storage", "security", "common"],
    "persistence": ["commands", "protocol", "storage", "security", "common"],
    "replication": ["persistence", "commands", "net", "tls", "security", "protocol", "storage",
                    "common"],
    "scripting": ["commands", "protocol", "storage", "security", "common"],
    "cluster": ["commands", "net", "protocol", "storage", "security", "common"],
    "server": ["replication", "persistence", "scripting", "cluster", "commands", "net", "tls",
               "security", "protocol", "storage", "common"],
    "tools": ["common"],
    "control": ["tools", "security", "common"],
}
PROBE_HEADER = {
    "common": "common/clock.h",
    "protocol": "protocol/reply_writer.h",
    "storage": "storage/keyspace.h",
    "net": "net/event_loop.h",
    "security": "security/acl_user.h",
    "tls": "tls/tls_context.h",
    "commands": "commands/command_spec.h",
    "persistence": "persistence/crc64.h",
    "replication": "replication/replication_stream.h",
    "scripting": "scripting/script_flags.h",
    "cluster": "cluster/cluster_node.h",
    "server": "server/config.h",
    "tools": "tools/resp_reply.h",
    "control": "control/sigv4.h",
}


def compiles(root, header):
    with tempfile.NamedTemporaryFile("w", suffix=".cc", delete=False) as f:
        f.write(f'#include "{header}"\n')
        probe = f.name
    try:
        r = subprocess.run(["c++", "-std=c++20", "-fsyntax-only", "-I", str(root), probe],
                           capture_output=True, text=True)
        return r.returncode == 0, r.stderr
    finally:
        os.unlink(probe)


def main():
    build = Path(sys.argv[1] if len(sys.argv) > 1 else "build").resolve()
    failures = []
    rows = []
    for folder, allowed in MAY_USE.items():
        root = build / "layers" / folder
        if not root.is_dir():
            failures.append(f"{folder}: no include root at {root} (configure the build first)")
            continue
        # An allowed folder (or its own, for common) must be reachable ...
        allowed_probe = PROBE_HEADER[allowed[0] if allowed else folder]
        ok, err = compiles(root, allowed_probe)
        if not ok:
            failures.append(f"{folder}: may include {allowed_probe} but cannot:\n{err}")
        # ... and every other folder must not be.
        forbidden = [f for f in MAY_USE if f != folder and f not in allowed]
        for other in forbidden:
            ok, err = compiles(root, PROBE_HEADER[other])
            if ok or "No such file" not in err:
                failures.append(f"{folder}: must not include {PROBE_HEADER[other]}, but it "
                                f"{'compiles' if ok else 'fails otherwise:'}\n{err}")
        rows.append((folder, ", ".join(allowed) or "-", len(forbidden)))
    print(f"{'library':<10} {'may use':<56} forbidden folders refused")
    for folder, allowed, n in rows:
        print(f"{folder:<10} {allowed:<56} {n}")
    if failures:
        print("\n".join(["", "layering check FAILED:"] + failures))
        return 1
    print("layering check: every library sees exactly the folders it may use")
    return 0


if __name__ == "__main__":
    sys.exit(main())
