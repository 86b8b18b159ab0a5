#!/usr/bin/python3
# Scheduled secret rotation under load (issue 17's benchmark): redis-py clients that read their
# password from Secrets Manager (the control plane's) keep working while the control plane
# rotates it every --interval seconds, --rotations times, in each scenario:
#
#   alternating          two users (app, app_clone), the secret flips between them;
#                        clients cache the secret for --ttl seconds and never refetch early.
#   single, no grace     one user whose password changes; the old one removed as soon as
#                        AWSCURRENT has moved (--rotation-grace 0); the same TTL-only clients:
#                        a client that reconnects before its cached secret expires is refused
#                        until it does. The failures and their window are what this measures.
#   single, grace        the same, with --rotation-grace longer than the clients' TTL: the old
#                        password stays until INFO auth shows no connection on it or the grace
#                        period passes, so clients refresh within it.
#   single, no grace,    the same as "single, no grace", with the client-side cache of
#   refresh on refusal   clients/python (redoubt_secret_cache): a refused AUTH fetches the
#                        secret again once.
#
# Each client is its own process, a redis-py client over TLS to the group's primary endpoint,
# starting at its own point of the TTL (client i after i/N of it), paced at --rate / --clients
# ops/s (SET then GET of its own key), opening a new connection
# every --reconnect seconds (a pool recycled, a short-lived worker): a rotation only matters to
# connections made after it, since Redoubt never cuts an authenticated one. Every operation
# that raises is a failure, counted per second and attributed to the rotation under way.
# Control plane, two nodes and the clients share the two cores unpinned. Writes
# bench/secret_rotation.json and bench/secret-rotation.png, and regenerates bench/RESULTS.md.
#
#   bench/secret_rotation.py [--rotations 20] [--interval 10] [--clients 8]
import argparse
import bisect
import json
import multiprocessing
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE.parent / "clients" / "python"))

from bench_util import save_and_report  # noqa: E402
from support.control_plane import ControlPlane  # noqa: E402

NODE_BLOCK = "127.0.26.0/24"
GROUP = "rotbench"
SECRET = "rotbench/app"
LAMBDA = "arn:aws:lambda:us-east-1:000000000000:function:"
SINGLE = LAMBDA + "redoubt-rotate-user"
ALTERNATING = LAMBDA + "redoubt-rotate-alternating-users"
FAILURES_KEPT = 20  # per client, with their texts

SCENARIOS = [  # name, rotation function, grace (None: --grace), clients refresh on refusal
    ("alternating", ALTERNATING, 0, False),
    ("single, no grace", SINGLE, 0, False),
    ("single, grace", SINGLE, None, False),
    ("single, no grace, refresh on refusal", SINGLE, 0, True),
]


def log(message):
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def client_process(index, env, host, ca, args, refresh_on_refusal, stop, ready, results):
    """One application: its own boto3 client, secret cache and redis-py connections."""
    import boto3
    import redis
    from redoubt_secret_cache import SecretCache, redis_client

    os.environ.update(env)
    sm = boto3.client("secretsmanager")
    cache = SecretCache(sm, SECRET, ttl=args.ttl)

    def connect():
        if refresh_on_refusal:
            return redis_client(cache, host=host, ssl=True, ssl_ca_certs=ca, socket_timeout=5)
        value = cache.get()  # what an application that caches its secret for a TTL does
        return redis.Redis(host=host, port=6379, ssl=True, ssl_ca_certs=ca, socket_timeout=5,
                           username=value.get("username"), password=value["password"])

    # Applications do not start in step: each begins (and so fetches its secret) at its own
    # point of the TTL, as they would.
    stop.wait(args.ttl * index / args.clients)
    per_second = {}  # unix second → [ok, failed]
    failures = []  # the first few, with their texts
    failure_times = []  # unix times of every failure (bounded)
    period = args.clients / args.rate
    key = f"client:{index}"
    client = None
    connected_at = 0.0
    next_op = time.monotonic()
    announced = False
    while not stop.is_set():
        t = time.time()
        try:
            # A new connection when the last one is old or failed (its secret read then: a
            # failure to read it counts like any other).
            if client is None or time.monotonic() - connected_at >= args.reconnect:
                if client is not None:
                    client.connection_pool.disconnect()
                    client = None
                client = connect()
                connected_at = time.monotonic()
            client.set(key, str(t))
            client.get(key)
            ok = True
        except Exception as error:  # every kind counts
            ok = False
            if len(failures) < FAILURES_KEPT:
                failures.append({"t": t, "message": repr(error)[:200]})
            if len(failure_times) < 1_000_000:
                failure_times.append(t)
            if client is not None:
                client.connection_pool.disconnect()
            client = None  # the next op, after the pause, connects again
        if ok and not announced:
            ready.put(index)
            announced = True
        row = per_second.setdefault(int(t), [0, 0])
        row[0 if ok else 1] += 1
        next_op += period
        pause = next_op - time.monotonic()
        if pause > 0:
            stop.wait(pause)
        else:
            next_op = time.monotonic()  # behind: no burst to catch up
    if client is not None:
        client.connection_pool.disconnect()
    results.put({"index": index, "per_second": per_second, "failures": failures,
                 "failure_times": failure_times, "fetches": cache.fetches})


def make_group(plane):
    """Users default, app and app_clone in one user group, a TLS group of two nodes; the
    primary endpoint and app's ARN."""
    client = plane.boto3_client()
    arns = {}
    for user_id, name in (("rb-default", "default"), ("rb-app", "app"),
                          ("rb-app-clone", "app_clone")):
        arns[name] = client.create_user(UserId=user_id, UserName=name, Engine="redis",
                                        Passwords=[f"{name}-first-password-0001"],
                                        AccessString="on ~* &* +@all")["ARN"]
    client.create_user_group(UserGroupId="rb-apps", Engine="redis",
                             UserIds=["rb-default", "rb-app", "rb-app-clone"])
    client.create_replication_group(ReplicationGroupId=GROUP, ReplicationGroupDescription="x",
                                    NumCacheClusters=2, TransitEncryptionEnabled=True,
                                    UserGroupIds=["rb-apps"])
    group = client.describe_replication_groups(ReplicationGroupId=GROUP)["ReplicationGroups"][0]
    return group["NodeGroups"][0]["PrimaryEndpoint"]["Address"], arns["app"]


def rotation_events(plane, since):
    """The rotation's events (every user's), oldest first: (unix time, message)."""
    client = plane.boto3_client()
    events = client.describe_events(SourceType="user", StartTime=since - 60,
                                    MaxRecords=100)
    found = []
    while True:
        found += [(e["Date"].timestamp(), e["Message"]) for e in events["Events"]
                  if e["Message"].startswith(f"Rotation of secret {SECRET}")]
        if not events.get("Marker"):
            break
        events = client.describe_events(SourceType="user", StartTime=since - 60,
                                        MaxRecords=100, Marker=events["Marker"])
    return sorted(found)


def run_scenario(name, function, grace, refresh, args, tmp):
    """One scenario on a control plane of its own (the grace period is its flag)."""
    data = Path(tmp) / name.replace(" ", "-").replace(",", "")
    plane = ControlPlane(args.control, data / "data", NODE_BLOCK,
                         ["--rotation-grace", str(grace)]).start()
    try:
        host, app_arn = make_group(plane)
        sm = plane.boto3_client("secretsmanager")
        sm.create_secret(Name=SECRET, SecretString=json.dumps(
            {"username": "app", "password": "app-first-password-0001", "user_arn": app_arn}))
        # Spawned, not forked: the parent runs boto3's threads.
        mp = multiprocessing.get_context("spawn")
        stop = mp.Event()
        ready = mp.Queue()
        results = mp.Queue()
        clients = [mp.Process(
            target=client_process, daemon=True,
            args=(i, plane.env, host, plane.env["SSL_CERT_FILE"], args, refresh, stop, ready,
                  results))
            for i in range(args.clients)]
        try:
            for c in clients:
                c.start()
            for _ in clients:  # every client has done an operation: the load is all there
                ready.get(timeout=120)
            time.sleep(args.baseline)
            t0 = time.time()
            sm.rotate_secret(SecretId=SECRET, RotationLambdaARN=function,
                             RotationRules={"ScheduleExpression":
                                            f"rate({args.interval} seconds)"})
            deadline = time.monotonic() + args.rotations * (args.interval + 30)
            finished = shown = 0
            while finished < args.rotations and time.monotonic() < deadline:
                time.sleep(1)
                finished = sum(1 for m in rotation_events(plane, t0) if " finished: " in m[1])
                if finished != shown:
                    print(f"\r  {name}: {finished}/{args.rotations} rotations", end="",
                          flush=True)
                    shown = finished
            print()
            sm.cancel_rotate_secret(SecretId=SECRET)
            time.sleep(args.baseline)
            stop.set()
            reports = [results.get(timeout=60) for _ in clients]
            events = rotation_events(plane, t0)
        finally:
            stop.set()
            for c in clients:
                c.join(timeout=30)
                if c.is_alive():
                    c.terminate()
    finally:
        plane.stop_all()
    return summarize(name, function, grace, refresh, reports, events, t0)


def summarize(name, function, grace, refresh, reports, events, t0):
    per_second = {}
    for r in reports:
        for second, (ok, failed) in r["per_second"].items():
            row = per_second.setdefault(int(second), [0, 0])
            row[0] += ok
            row[1] += failed
    # Each rotation by its version: when it started and finished (a rotation cancelled at the
    # end has no finish and is left out).
    version = re.compile(r"\(version ([0-9a-f-]+)\)|finished: version ([0-9a-f-]+) ")
    started, ended = {}, {}
    for t, m in events:
        match = version.search(m)
        if match and " started (" in m:
            started[match.group(1)] = t
        elif match and " finished: " in m:
            ended[match.group(2)] = t
    rotations = sorted((started[v], ended[v]) for v in started if v in ended)
    starts = sorted(started.values())
    failure_times = sorted(t for r in reports for t in r["failure_times"])
    # A failure belongs to the last rotation started before it; a rotation's window runs from
    # its first failure to its last.
    per_rotation = []
    for start, _ in rotations:
        later = [s for s in starts if s > start]
        end = later[0] if later else float("inf")
        times = failure_times[bisect.bisect_left(failure_times, start):
                              bisect.bisect_left(failure_times, end)]
        per_rotation.append({"failed": len(times),
                             "window_s": times[-1] - times[0] if times else 0.0})
    step_times = [(t, step.split()[0]) for t, m in events
                  for step in ("setSecret done", "finishSecret done", "retirePrevious done")
                  if step in m]
    total_ok = sum(ok for ok, _ in per_second.values())
    total_failed = sum(f for _, f in per_second.values())
    with_failures = [r for r in per_rotation if r["failed"]]
    return {
        "name": name, "function": function.rsplit(":", 1)[1], "grace_s": grace,
        "refresh_on_refusal": refresh, "rotations": len(rotations),
        "ok_ops": total_ok, "failed_ops": total_failed,
        "failed_before_first_rotation": sum(1 for t in failure_times if t < starts[0])
        if starts else len(failure_times),
        "rotations_with_failures": len(with_failures),
        "failed_per_rotation": stats([r["failed"] for r in per_rotation]),
        "window_s": stats([r["window_s"] for r in with_failures]),
        "rotation_s": stats([end - start for start, end in rotations]),
        "secret_fetches": sum(r["fetches"] for r in reports),
        "first_failures": sorted((f for r in reports for f in r["failures"]),
                                 key=lambda f: f["t"])[:3],
        "chart": {"t0": t0, "per_second": sorted(per_second.items()),
                  "steps": step_times},
    }


def stats(values):
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def plot(scenarios, png_path, rate):
    """One panel per scenario: ok and failed ops/s over time, setSecret (gray), finishSecret
    (blue) and the old password's removal (red) marked."""
    fd, dat_name = tempfile.mkstemp(prefix="secret-rotation-", suffix=".dat")
    os.close(fd)
    dat = Path(dat_name)
    blocks = []
    for s in scenarios:
        t0 = s["chart"]["t0"]
        blocks.append("\n".join(f"{sec - t0 + 0.5:.1f} {ok} {failed}"
                                for sec, (ok, failed) in s["chart"]["per_second"]) or "0 0 0")
    dat.write_text("\n\n\n".join(blocks) + "\n")
    lines = ["set terminal pngcairo size 1100,%d font 'sans,9'" % (230 * len(scenarios)),
             f"set output '{png_path}'",
             f"set multiplot layout {len(scenarios)},1",
             "set ytics nomirror", "set y2tics", "set grid ytics",
             f"set yrange [0:{rate * 1.3:.0f}]", "set y2range [0:*]",
             "set ylabel 'ok ops/s'", "set y2label 'failed ops/s'", "set key top left"]
    for i, s in enumerate(scenarios):
        t0 = s["chart"]["t0"]
        lines.append("unset arrow")
        for t, step in s["chart"]["steps"]:
            color = {"setSecret": "gray50", "finishSecret": "blue"}.get(step, "red")
            lines.append(f"set arrow from {t - t0:.2f}, graph 0 to {t - t0:.2f}, graph 1 nohead "
                         f"dt 2 lc rgb '{color}'")
        lines.append(f"set title '{s['name']}: {s['failed_ops']} failed of "
                     f"{s['ok_ops'] + s['failed_ops']} ops over {s['rotations']} rotations "
                     "(gray: setSecret, blue: finishSecret, red: old password removed)'")
        if i == len(scenarios) - 1:
            lines.append("set xlabel 'seconds since the first RotateSecret'")
        lines.append(f"plot '{dat}' index {i} using 1:2 with lines lc rgb 'forest-green' "
                     "title 'ok/s', '' index {0} using 1:3 axes x1y2 with impulses lw 3 "
                     "lc rgb 'red' title 'failed/s'".replace("{0}", str(i)))
    lines.append("unset multiplot")
    script = Path(dat_name + ".gp")
    script.write_text("\n".join(lines) + "\n")
    import subprocess
    try:
        subprocess.run(["gnuplot", str(script)], check=True, capture_output=True, timeout=60)
        return True
    except (OSError, subprocess.SubprocessError) as error:
        log(f"no chart: {error}")
        return False
    finally:
        dat.unlink(missing_ok=True)
        script.unlink(missing_ok=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rotations", type=int, default=20)
    ap.add_argument("--interval", type=int, default=10, help="rate(N seconds) of the schedule")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--rate", type=int, default=800, help="ops/s of all clients together")
    ap.add_argument("--ttl", type=float, default=4.0, help="the clients' secret cache TTL (s)")
    ap.add_argument("--grace", type=int, default=6,
                    help="--rotation-grace of the 'single, grace' scenario (s)")
    ap.add_argument("--reconnect", type=float, default=0.5,
                    help="each client opens a new connection this often (s)")
    ap.add_argument("--baseline", type=float, default=3.0,
                    help="seconds of load before the first and after the last rotation")
    ap.add_argument("--only", help="run the scenarios whose name contains this")
    ap.add_argument("--control", default=str(HERE.parent / "build/bin/redoubt-control"))
    ap.add_argument("--out", default=str(HERE))
    args = ap.parse_args()

    scenarios = []
    with tempfile.TemporaryDirectory(prefix="secret-rotation-") as tmp:
        for name, function, grace, refresh in SCENARIOS:
            if args.only and args.only not in name:
                continue
            grace = args.grace if grace is None else grace
            log(f"{name}: {args.rotations} rotations every {args.interval} s, "
                f"{args.clients} clients at {args.rate} ops/s, TTL {args.ttl:g} s, "
                f"grace {grace} s")
            s = run_scenario(name, function, grace, refresh, args, tmp)
            log(f"{name}: {s['failed_ops']} failed of {s['ok_ops'] + s['failed_ops']} ops; "
                f"rotations with failures {s['rotations_with_failures']}/{s['rotations']}; "
                f"window {s['window_s']}; rotation {s['rotation_s']}")
            for f in s["first_failures"]:
                log(f"  failure: {f['message']}")
            scenarios.append(s)
    png = Path(args.out) / "secret-rotation.png"
    drawn = plot(scenarios, png, args.rate)
    for s in scenarios:
        del s["chart"]
    results = {"rotations": args.rotations, "interval_s": args.interval,
               "clients": args.clients, "rate": args.rate, "ttl_s": args.ttl,
               "reconnect_s": args.reconnect, "scenarios": scenarios,
               "chart": png.name if drawn else None}
    save_and_report(args.out, "secret_rotation.json", results)


if __name__ == "__main__":
    main()
