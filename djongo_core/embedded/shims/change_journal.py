"""A persistent server's change history rewritten now and then, not at every write
(deviation "change-history-rewritten-per-write").

mongoeco's change stream hub keeps its last ``max_retained_events`` (10,000) events. With a
journal (a persistent server, ``embedded:///dir``) it appends each event to a log file and, to
keep that log short, rewrites the whole history into the journal file (a *compaction*) at
least every 10,000 events and whenever it has pruned an event. Once the history is full every
event prunes the oldest one, so every write rewrites all 10,000 retained events: about half a
second each, on the server's event loop (an update of 11,000 documents with a change stream
open took over ten minutes; with one document per hand-over pymongo gave the connection up).

The shim lets a journaled hub hold up to ``SLACK`` (half the limit) more events before it
prunes, and then prunes back to the limit: a compaction, which the pruning triggers, comes once
every ``SLACK`` events instead of at every one, and costs about two more encodings of an event
per event recorded. The history never holds fewer than the last 10,000 events (it holds
10,000 to 15,000), so no stream loses an event it could read before, and nothing else changes:
events keep their numbers, their order and their offsets, and the journal file plus its log
still hold the whole history at every moment (a restart loads both, as before, pruned by the
same rule). Hubs without a journal (the in-memory server) prune as mongoeco does: their
pruning costs no rewrite.

mongoeco has no setting for this (its log-size threshold does not apply to pruning), so the
shim replaces the hub's pruning method and stands down if mongoeco renames it.
"""

from mongoeco._change_streams.hub import ChangeStreamHub

from djongo_core.embedded.shims import layers

_ORIGINALS = layers.originals((ChangeStreamHub, "_prune_locked"))


def slack(max_retained_events):
    """Events a journaled hub holds beyond its limit before it prunes back to it."""
    return max(1, max_retained_events // 2)


def _prune_locked(self):
    limit = self._max_retained_events
    if (self._journal_path is not None and limit is not None
            and len(self._events) <= limit + slack(limit)):
        return False
    return _ORIGINALS[ChangeStreamHub, "_prune_locked"](self)


_SHIMMED = {(ChangeStreamHub, "_prune_locked"): _prune_locked}


def install():
    """Prune a journaled hub's history by the batch (idempotent)."""
    layers.replace(_ORIGINALS, _SHIMMED)


def uninstall():
    layers.restore(_ORIGINALS)
