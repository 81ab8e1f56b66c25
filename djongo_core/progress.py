"""Progress of long work (backfills, conversions, adoption, sampling) on a terminal.

Work that may run for seconds reports ``(label, done, total)`` to ``connection.progress`` when a
management command has set it. The bar appears only once the work has run for DELAY seconds
(quick work prints nothing), on a line of its own, redrawn in place, and is finished with a new
line when the work is done. Output that is not a terminal (a log, CI) gets nothing.
"""

import time
from contextlib import contextmanager

DELAY = 2.0
_WIDTH = 30


class ProgressBar:
    """Draw the progress of one piece of work at a time on a terminal stream."""

    def __init__(self, stream, delay=DELAY, clock=time.monotonic, before_first=None):
        self.stream = stream
        self.delay = delay
        self.clock = clock
        # Called before a piece of work's first frame (to end a line the caller left open).
        self.before_first = before_first
        self._label = None
        self._started = 0.0
        self._showing = False

    @property
    def interactive(self):
        return getattr(self.stream, "isatty", lambda: False)()

    def __call__(self, label, done, total, unit="documents"):
        if not self.interactive or total <= 0:
            return
        if label != self._label:
            self._label, self._started, self._showing = label, self.clock(), False
        if not self._showing:
            if self.clock() - self._started < self.delay:
                return
            if self.before_first is not None:
                self.before_first()
            self._showing = True
        filled = _WIDTH * min(done, total) // total
        bar = "#" * filled + " " * (_WIDTH - filled)
        line = f"    {label}: [{bar}] {done:,} of {total:,} {unit}"
        finished = done >= total
        self.stream.write("\r" + line + ("\n" if finished else ""), ending="")
        self.stream.flush()
        if finished:
            self._label = None


@contextmanager
def reporting(connection, bar):
    """Give ``connection`` the bar as its progress reporter for the duration of the block."""
    connection.progress = bar
    try:
        yield bar
    finally:
        del connection.progress


def report(connection, label, done, total, unit="documents"):
    """Report progress to the connection's reporter, if a command set one."""
    reporter = getattr(connection, "progress", None)
    if reporter is not None:
        reporter(label, done, total, unit)
