"""Dropped collections in the change history of the embedded engine (for change_history.py).

mongoeco's hub numbers its records with the engine's commit sequence, which only writes of
documents advance. A dropped collection recorded in the hub would take the number of the next
write, and the hub would then skip that write as already seen. So drops are kept here instead,
each placed after the write that preceded it: the i-th drop after the write numbered ``s`` is at
position ``(s, 2i - 1)`` and the invalidate it causes on a stream of that collection at
``(s, 2i)``, between the records ``s`` and ``s + 1`` of the hub (whose own positions are
``(s, 0)``). A persistent server keeps them in a file next to the hub's journal.
"""

import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

# As many drops as a history keeps (a drop is rare; the writes around it are kept by the hub).
KEPT = 1000


@dataclass(frozen=True)
class Drop:
    sequence: int       # the last write before the drop
    index: int          # 1 for the first drop after that write, 2 for the next...
    wall_ms: int
    db_name: str
    coll_name: str

    @property
    def position(self):
        return self.sequence, 2 * self.index - 1

    @property
    def invalidate_position(self):
        return self.sequence, 2 * self.index


class DropLog:
    """The drops of one server's history, in order."""

    def __init__(self, path=None):
        self._path = None if path is None else Path(path)
        self._guard = threading.Lock()
        self._drops = []
        if self._path is not None and self._path.exists():
            lines = self._path.read_text().splitlines()
            self._drops = [Drop(**json.loads(line)) for line in lines if line.strip()][-KEPT:]

    def record(self, sequence, wall_ms, db_name, coll_name):
        """Add a drop made after the write numbered ``sequence``."""
        with self._guard:
            last = self._drops[-1] if self._drops else None
            index = last.index + 1 if last is not None and last.sequence == sequence else 1
            drop = Drop(sequence, index, wall_ms, db_name, coll_name)
            self._drops.append(drop)
            if len(self._drops) > KEPT:
                del self._drops[:-KEPT]
                self._rewrite()
            elif self._path is not None:
                with self._path.open("a") as log:
                    log.write(json.dumps(asdict(drop)) + "\n")

    def _rewrite(self):
        if self._path is not None:
            self._path.write_text("".join(json.dumps(asdict(drop)) + "\n"
                                          for drop in self._drops))

    def after(self, position, before_sequence=None):
        """The drops not wholly behind ``position`` (their drop or invalidate after it), made
        before the write numbered ``before_sequence`` if given."""
        with self._guard:
            return [drop for drop in self._drops if drop.invalidate_position > position
                    and (before_sequence is None or drop.sequence < before_sequence)]

    def end_of(self, sequence):
        """The position after the write numbered ``sequence`` and the drops that followed it."""
        with self._guard:
            indexes = [drop.index for drop in self._drops if drop.sequence == sequence]
        return sequence, 2 * max(indexes, default=0)
