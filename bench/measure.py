"""Measuring one client: CPU time of this process, wall time and the commands pymongo sends.

Imported by every client before it creates a MongoClient: pymongo command monitoring sees the
commands of clients created after the listener is registered.
"""

import collections
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
    """One measured operation kind: counts what ran of it."""

    def __init__(self, budget_s):
        self.operations = 0
        self.budget_s = budget_s
        self.started = time.perf_counter()

    def iterations(self, count):
        """Yield 0..count-1, stopping early once the wall-time budget is spent (never before
        the first): on the embedded engine some plans take seconds per query, and per-operation
        figures need only enough operations to be stable."""
        for j in range(count):
            if j and time.perf_counter() - self.started > self.budget_s:
                return
            yield j
            self.operations += 1


class Meter:
    """Collects, per operation name, totals over its operations."""

    def __init__(self, budget_s):
        self.commands = CommandCounter()
        monitoring.register(self.commands)
        self.budget_s = budget_s
        self.results = {}

    @contextmanager
    def measure(self, name):
        """Measure the block; it counts its operations on the Measurement it is given."""
        names_before = collections.Counter(self.commands.by_name)
        commands_before = self.commands.total
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        measurement = Measurement(self.budget_s)
        yield measurement
        cpu = time.process_time() - cpu_before
        wall = time.perf_counter() - wall_before
        names = self.commands.by_name - names_before
        self.results[name] = {
            "operations": measurement.operations,
            "cpu_s": cpu,
            "wall_s": wall,
            "commands": self.commands.total - commands_before,
            "command_names": dict(sorted(names.items())),
        }
        # Progress for whoever watches a long run; stderr, so it never mixes with results.
        print(f"  {name}: {measurement.operations} operations in {wall:.1f} s",
              file=sys.stderr, flush=True)
