# SHUTDOWN, compared on dedicated servers (it ends them): its errors, then a clean exit with no
# reply and the connection closed, exactly as redis-server does it.
from support.resp_client import RespClient


def _shutdown_story(server):
    with RespClient(port=server.port) as c:
        errors = [c.call("SHUTDOWN", "ABORT"), c.call("SHUTDOWN", "BOGUS"),
                  c.call("SHUTDOWN", "NOSAVE", "SAVE")]
        assert c.call("SET", "k", "v") == ("simple", "OK")
        c.send("SHUTDOWN", "NOSAVE")
        data, closed = c.read_raw_until_close(30.0)
    try:
        exit_code = server.wait_exit(30)  # generous: a sanitizer build exits slowly under load
    except Exception as e:  # noqa: BLE001 - report the server's own log with the failure
        raise AssertionError(f"server did not exit after SHUTDOWN ({e}); closed={closed}; "
                             f"log:\n{server.log_text()}") from e
    return {"errors": errors, "reply_bytes": data, "closed": closed, "exit_code": exit_code}


def test_shutdown_matches_redis(redis_factory, redoubt_factory):
    ref = _shutdown_story(redis_factory())
    got = _shutdown_story(redoubt_factory())

    assert got == ref, f"redis-server: {ref}\nredoubt:      {got}"
    assert ref["closed"] and ref["exit_code"] == 0
