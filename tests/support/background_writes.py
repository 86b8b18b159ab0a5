# Writes from a background thread while a test changes something under them (an AOF rewrite, a
# replica's full sync, a TLS migration): each acknowledged write's index is recorded, so the
# test can check that every one of them survived, and a failed write fails the test when the
# writes are stopped. Bounded in count; stopped by the test (or when the block ends).
import threading


class BackgroundWrites:
    """with BackgroundWrites(make_client, write, limit) as w: ... w.written ...

    make_client() gives the thread its own client; write(client, i) makes write number i.
    ends_on: exception types that end the writes as expected (a primary that became a replica
    refuses them); .ended_by holds it then."""

    def __init__(self, make_client, write, limit, ends_on=()):
        self.written = []
        self.error = None
        self.ended_by = None
        self._ends_on = ends_on
        self._make_client = make_client
        self._write = write
        self._limit = limit
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self):
        try:
            c = self._make_client()
            i = 0
            while not self._stop.is_set() and i < self._limit:
                self._write(c, i)
                self.written.append(i)
                i += 1
        except self._ends_on as e:
            self.ended_by = e
        except Exception as e:  # a failed write ends the run; stop() reports it
            self.error = e

    def stop(self):
        """Stops the writes; raises the error that ended them early, if any."""
        self._stop.set()
        self._thread.join()
        if self.error is not None:
            raise AssertionError(f"a background write failed after {len(self.written)} "
                                 f"writes: {self.error!r}") from self.error

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.stop()
