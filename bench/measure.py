"""Measuring one client: CPU time of its main thread, wall time and the commands pymongo sends.

Imported by every client before it creates a MongoClient: pymongo command monitoring sees the
commands of clients created after the listener is registered.
"""

import collections
import json
import os
import sys
import time

from contextlib import contextmanager

from pymongo import monitoring


class CommandCounter(monitoring.CommandListener):
    def __init__(self):
        self.total = 0
        self.by_name = collections.Counter()

    def started(self, event):
        self.total += 1
        self.by_name[event.command_name] += 1

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


class Measurement:
    """One measured operation kind: counts what ran of it, from a baseline it can restart."""

    def __init__(self, budget_s, commands, count=None):
        self.operations = 0
        # A count fixed by bench.run (the same for every client) replaces the time budget.
        self.budget_s = budget_s if count is None else float("inf")
        self.count = count
        self._commands = commands
        self.restart()

    def restart(self):
        """Measure from now on: CPU of this thread, wall time, commands."""
        self.names_before = collections.Counter(self._commands.by_name)
        self.commands_before = self._commands.total
        # The main thread's CPU only: process time also counts pymongo's monitor threads,
        # about 0.4 ms per second of wall time, which would charge a slow engine's waits.
        self.cpu_before, self.started = time.thread_time(), time.perf_counter()

    def iterations(self, count):
        """Yield 0..count-1. With more than one, the first is a warm-up: it runs, but the
        measurement restarts after it (first-call costs: imports, caches, compiled plans).
        Stops early once the wall-time budget is spent (never before the first measured
        operation): on the embedded engine some plans take seconds per query, and
        per-operation figures need only enough operations to be stable. With a count fixed
        by bench.run, runs exactly that many (at most count-1) measured operations."""
        warm_up = count > 1
        if self.count is not None:
            count = min(count, self.count + warm_up)
        for j in range(count):
            if self.operations and time.perf_counter() - self.started > self.budget_s:
                return
            yield j
            if warm_up and j == 0:
                self.restart()
                continue
            self.operations += 1


class Meter:
    """Collects, per operation name, totals over its operations."""

    def __init__(self, budget_s):
        self.commands = CommandCounter()
        monitoring.register(self.commands)
        self.budget_s = budget_s
        # Operations per kind every client runs, set by bench.run after its first repetition.
        self.counts = json.loads(os.environ.get("BENCH_COUNTS") or "{}")
        self.results = {}

    @contextmanager
    def measure(self, name):
        """Measure the block; it counts its operations on the Measurement it is given."""
        measurement = Measurement(self.budget_s, self.commands, self.counts.get(name))
        yield measurement
        cpu = time.thread_time() - measurement.cpu_before
        wall = time.perf_counter() - measurement.started
        names = self.commands.by_name - measurement.names_before
        self.results[name] = {
            "operations": measurement.operations,
            "cpu_s": cpu,
            "wall_s": wall,
            "commands": self.commands.total - measurement.commands_before,
            "command_names": dict(sorted(names.items())),
        }
        # Progress for whoever watches a long run; stderr, so it never mixes with results.
        print(f"  {name}: {measurement.operations} operations in {wall:.1f} s",
              file=sys.stderr, flush=True)
