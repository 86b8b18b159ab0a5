# A check repeated from a background thread while a test changes something under it (a token
# or password rotation, a certificate renewal): every failure, whatever its kind, is recorded
# with its text, and the rounds are counted, so that a test can wait until a round that began
# after one of its own steps has finished. Bounded in time; stopped when the block ends.
import threading
import time

from support.tools import wait_for


class RepeatedCheck:
    """with RepeatedCheck(step) as load: ... ; then load.failures == [] and load.rounds.

    step() is one round (it raises on a failure); pause: seconds between rounds."""

    def __init__(self, step, pause=0.0, seconds=300):
        self.failures = []
        self.rounds = 0
        self._step = step
        self._pause = pause
        self._seconds = seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self):
        deadline = time.monotonic() + self._seconds
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                self._step()
            except Exception as e:  # any failure counts
                self.failures.append(repr(e))
            self.rounds += 1
            if self._pause:
                self._stop.wait(self._pause)

    def wait_for_new_rounds(self, count=1):
        """Waits until `count` rounds that began after this call have finished."""
        target = self.rounds + 1 + count
        wait_for(lambda: self.rounds >= target, f"{count} more rounds of the check")

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False
