# The RESULTS.md section of bench/secret_rotation.py (scheduled secret rotation under redis-py
# load, per scenario), read from its JSON file when it exists. Pure formatting.
from report_cells import median_min_max as _spread
from report_cells import saved_results

# The scenarios that must see no failed operation, and why (issue 17's targets).
ZERO_FAILURES = {
    "alternating": "one of the two users always valid",
    "single, grace": "clients refresh within the grace period",
    "single, no grace, refresh on refusal": "the cache fetches the secret again when refused",
}


def secrets_section(out_dir):
    data = saved_results(out_dir, "secret_rotation.json")
    if data is None:
        return []
    md = ["## Secret rotation under load", "",
          f"`bench/secret_rotation.py`: {data['clients']} redis-py clients (one process each) "
          f"at {data['rate']} ops/s together (SET then GET of their own key, TLS to the "
          f"primary of a 2-node group), each opening a new connection every "
          f"{data['reconnect_s']:g} s and reading its password from a secret cached for "
          f"{data['ttl_s']:g} s, while the control plane rotates the secret every "
          f"{data['interval_s']} s (`rate({data['interval_s']} seconds)`), "
          f"{data['rotations']} times per scenario. A failure is an operation that raised; its "
          "rotation is the last one started before it; a rotation's window runs from its first "
          "failure (any client) to its last. Median (min–max) over the rotations. Control "
          "plane, nodes and clients share the two cores unpinned.", "",
          "| scenario | rotation | grace (s) | rotations | ops | failed | rotations with "
          "failures | failed per rotation | window (s) | rotation takes (s) | target |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
    for s in data["scenarios"]:
        why = ZERO_FAILURES.get(s["name"])
        target = (f"0 failed ({why}): {'met' if s['failed_ops'] == 0 else 'not met'}" if why
                  else "report the window")
        md.append(
            f"| {s['name']} | {s['function']} | {s['grace_s']} | {s['rotations']} | "
            f"{s['ok_ops'] + s['failed_ops']:,} | {s['failed_ops']:,} | "
            f"{s['rotations_with_failures']} | {_spread(s['failed_per_rotation'], '{:.0f}')} | "
            f"{_spread(s['window_s'], '{:.2f}')} | {_spread(s['rotation_s'], '{:.2f}')} | "
            f"{target} |")
    md += [""]
    if data.get("chart"):
        md += [f"![secret rotation under load]({data['chart']})", ""]
    md += ["Redoubt never cuts an authenticated connection, so a rotation matters only to "
           "connections made after it. Without a grace period the old password goes as soon as "
           "AWSCURRENT has moved: a client that reconnects before its cached secret expires is "
           "refused until its TTL runs out, unless its cache fetches the secret again on "
           "WRONGPASS (clients/python's `redoubt_secret_cache` does). With a grace period "
           "longer than the clients' TTL, the old password stays until INFO auth shows no "
           "connection on it (or the grace period ends), by which time every client has "
           "fetched the new one. Alternating users never change the password a client may "
           "hold: the rotation changes the other user's.", ""]
    return md
