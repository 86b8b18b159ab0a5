#!/usr/bin/python3
"""Proves that the clang build checks the lock annotations, not only that it compiled.

A build configured with -DREDOUBT_THREAD_SAFETY=ON passes -Wthread-safety -Werror to every
file. This takes the compile command of one real file from that build's compile_commands.json
and compiles two small probes with it (syntax only): a field read under its mutex, which must
compile, and the same field read without it, which must fail with a -Wthread-safety error. A
build whose flags lost the check, or whose abseil no longer carries the attributes, fails.

    scripts/check-thread-safety.py [BUILD_DIR]      (default: build-clang)
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

# Any unit of the tree will do; the common library's (a unity batch, or log.cc in a build file
# by file) links abseil's mutex like every locked class.
REFERENCE_SOURCE = "src/common/log.cc"
REFERENCE_BATCH = "/redoubt_common.dir/Unity/unity_0_cxx.cxx"

PROBE = """
#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

class Counter {
 public:
  int Read() {
    %s
    return value_;
  }

 private:
  absl::Mutex mu_;
  int value_ ABSL_GUARDED_BY(mu_) = 0;
};

int main() { return Counter().Read(); }
"""
LOCKED = "absl::MutexLock lock(&mu_);"
UNLOCKED = "// the lock is missing"


def probe_command(build):
    entries = json.loads((build / "compile_commands.json").read_text())
    for e in entries:
        if e["file"].endswith((REFERENCE_SOURCE, REFERENCE_BATCH)):
            args = e["arguments"] if "arguments" in e else shlex.split(e["command"])
            return e["directory"], args, e["file"]
    sys.exit(f"check-thread-safety: neither {REFERENCE_SOURCE} nor the common library's first "
             f"batch is in {build}/compile_commands.json")


def compile_probe(directory, args, source, body):
    with tempfile.NamedTemporaryFile("w", suffix=".cc", delete=False) as f:
        f.write(PROBE % body)
        path = f.name
    # The reference command, compiling the probe instead, with no output file.
    cmd = []
    skip = False
    for a in args:
        if skip:
            skip = False
        elif a in ("-o", "-c"):
            skip = True
        elif a != source:
            cmd.append(a)
    cmd += ["-fsyntax-only", path]
    try:
        r = subprocess.run(cmd, cwd=directory, capture_output=True, text=True)
        return r.returncode, r.stderr
    finally:
        os.unlink(path)


def main():
    build = Path(sys.argv[1] if len(sys.argv) > 1 else "build-clang").resolve()
    directory, args, source = probe_command(build)
    rc, err = compile_probe(directory, args, source, LOCKED)
    if rc != 0:
        sys.exit(f"check-thread-safety: a read under its lock does not compile:\n{err}")
    rc, err = compile_probe(directory, args, source, UNLOCKED)
    if rc == 0 or "-Wthread-safety" not in err:
        sys.exit("check-thread-safety: a read without its lock "
                 f"{'compiles' if rc == 0 else 'fails otherwise'} with {build}'s flags:\n{err}")
    first = next((line for line in err.splitlines() if "error:" in line), err.strip())
    print(f"{build.name}: a guarded field read without its lock is refused:")
    print(f"  {first.split('error: ', 1)[-1]}")


if __name__ == "__main__":
    main()
