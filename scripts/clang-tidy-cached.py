#!/usr/bin/python3
"""clang-tidy over every translation unit of src/, tests/ and bench/, with a cache of clean
results, as ccache does for compiles: a unit whose preprocessed text (comments kept, so NOLINT
counts), compile flags, .clang-tidy and clang-tidy version are those of a run that found nothing
is not checked again.

BUILD_DIR is a unity configuration (CMAKE_UNITY_BUILD, sixteen files a batch, as every build
here): clang-tidy takes each batch as one unit and reports what it finds in our .cc files
(--header-filter), so the standard, abseil and OpenSSL headers are parsed once per batch
instead of once per file. File by file, a full run took 25 minutes of the CI's two cores, over
its time limit beside the builds whenever a widely included header changed; by batches it takes
about four minutes. (What file-by-file checking found besides, an include that only a batch
provides, `make UNITY=OFF` finds.) Units that are not batches (a target built without unity)
are checked as they are.

    scripts/clang-tidy-cached.py BUILD_DIR JOBS [PATH_SUBSTRING]

Prints each finding and a summary line; exit status 1 when any file has a finding or clang-tidy
fails. The cache is ${XDG_CACHE_HOME:-~/.cache}/redoubt-clang-tidy (one empty file per clean
key); REDOUBT_TIDY_CACHE=off checks everything.
"""
import concurrent.futures
import hashlib
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TIDY = "clang-tidy-14"


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    d = Path(base) / "redoubt-clang-tidy"
    d.mkdir(parents=True, exist_ok=True)
    return d


def preprocess_command(entry):
    """The entry's compile command turned into `-E -C` to stdout (no object, no dep file)."""
    args = entry.get("arguments") or shlex.split(entry["command"])
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MF", "-MT", "-MQ"):
            skip = True
            continue
        if a in ("-c", "-MD", "-MMD") or a.startswith("-o"):
            continue
        out.append(a)
    return out + ["-E", "-C", "-o", "-"]


def key_of(entry, salt):
    """Hash of what clang-tidy's verdict depends on, with the checkout's path taken out so that
    two clones share entries."""
    pre = subprocess.run(preprocess_command(entry), cwd=entry["directory"], capture_output=True)
    if pre.returncode != 0:
        return None  # let clang-tidy report it
    root = str(ROOT).encode()
    h = hashlib.sha256(salt)
    h.update(pre.stdout.replace(root, b"<root>"))
    flags = " ".join(preprocess_command(entry)).replace(str(ROOT), "<root>")
    h.update(flags.encode())
    return h.hexdigest()


# Findings are reported in our sources only: the unit's own file, and for a batch the .cc files
# it includes (headers' code is checked where it is used, as with one file per unit).
HEADER_FILTER = "^" + str(ROOT).replace(".", "\\.") + "/(src|tests|bench)/.*\\.cc$"


def check(entry, build_dir, salt, cache, use_cache):
    f = entry["file"]
    key = key_of(entry, salt) if use_cache else None
    if key is not None and (cache / key).exists():
        return f, 0, "", True
    # The config named explicitly: a batch lives in the build folder, where clang-tidy's search
    # upwards from the unit would not find the checkout's .clang-tidy when the build is elsewhere.
    r = subprocess.run([TIDY, "-p", str(build_dir), "-quiet", f"--config-file={ROOT / '.clang-tidy'}",
                        f"--header-filter={HEADER_FILTER}", f], capture_output=True, text=True)
    text = r.stdout + r.stderr
    findings = [line for line in text.splitlines()
                if not line.startswith(("clang-tidy", "Suppressed ", "Use -header-filter"))
                and "warnings generated" not in line and "warning generated" not in line
                and line.strip()]
    clean = r.returncode == 0 and not any(": warning:" in l or ": error:" in l for l in findings)
    if clean and key is not None:
        (cache / key).touch()
    return f, (0 if clean else 1), "\n".join(findings), False


def main():
    build_dir = Path(sys.argv[1]).resolve()
    jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    entries = json.loads((build_dir / "compile_commands.json").read_text())
    wanted = tuple(str(ROOT / d) + "/" for d in ("src", "tests", "bench"))
    # Batches of our targets (BUILD_DIR/src/…/Unity/unity_0_cxx.cxx) and our own files.
    batches = tuple(str(build_dir / d) + "/" for d in ("src", "tests", "bench"))
    entries = [e for e in entries
               if e["file"].startswith(wanted)
               or (e["file"].startswith(batches) and "/Unity/" in e["file"])]
    if len(sys.argv) > 3:  # a substring of the paths to check, to try the script on a few
        entries = [e for e in entries if sys.argv[3] in e["file"]]
    version = subprocess.run([TIDY, "--version"], capture_output=True, text=True).stdout
    salt = (version + (ROOT / ".clang-tidy").read_text()).encode()
    use_cache = os.environ.get("REDOUBT_TIDY_CACHE", "on") != "off"
    cache = cache_dir()
    failed, cached = 0, 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        for f, rc, text, hit in pool.map(lambda e: check(e, build_dir, salt, cache, use_cache),
                                         entries):
            cached += hit
            if rc != 0:
                failed += 1
                print(f"--- {os.path.relpath(f, ROOT)}\n{text}", flush=True)
    print(f"clang-tidy: {len(entries)} units, {cached} unchanged since a clean check (cache), "
          f"{len(entries) - cached} checked, {failed} with findings")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
