# Reader for the audit log redoubt-server writes (audit-log-file): JSON lines, one object per
# line, each with "time" (ISO-8601 UTC with milliseconds, "2026-01-02T03:04:05.678Z") and
# "event" (connect, auth, refused, disconnect). A background thread writes it, so tests poll
# with a bounded wait (wait_records) instead of reading once.
import datetime
import json
import re
import time

TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
EVENTS = ("connect", "auth", "refused", "disconnect")


def read_records(path):
    """Every complete line of the file as a dict ([] while it does not exist). A last line
    without its newline is still being written and is left out. A line that is not a JSON
    object with a well-formed time and a known event fails the test, naming the line."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    out = []
    for number, line in enumerate(data.split(b"\n")[:-1], 1):
        try:
            record = json.loads(line)
        except ValueError as e:
            raise AssertionError(f"{path}:{number}: not JSON ({e}): {line[:300]!r}") from None
        if not isinstance(record, dict):
            raise AssertionError(f"{path}:{number}: not an object: {line[:300]!r}")
        if not TIME_RE.match(str(record.get("time", ""))):
            raise AssertionError(f"{path}:{number}: bad time: {line[:300]!r}")
        if record.get("event") not in EVENTS:
            raise AssertionError(f"{path}:{number}: unknown event: {line[:300]!r}")
        out.append(record)
    return out


def record_time(record):
    """The record's time as an aware UTC datetime."""
    return datetime.datetime.strptime(record["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)


def matching(records, **fields):
    """The records whose fields equal all of `fields`."""
    return [r for r in records if all(r.get(k) == v for k, v in fields.items())]


def wait_records(path, count=1, timeout=30.0, **fields):
    """Polls the file until at least `count` records match `fields` (or `timeout` seconds pass);
    returns the matching records, possibly fewer than asked for."""
    deadline = time.monotonic() + timeout
    while True:
        found = matching(read_records(path), **fields)
        if len(found) >= count or time.monotonic() >= deadline:
            return found
        time.sleep(0.05)
