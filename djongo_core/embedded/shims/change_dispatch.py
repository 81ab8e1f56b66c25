"""Updates and deletes that hand their change events over by the batch, not one by one
(deviation "sqlite-dispatch-per-document").

Every write mongoeco's SQLite engine (``embedded:///dir``) commits also records its change
event in a table of the same database (the *outbox*), in the same SQLite transaction. After
each write, mongoeco's client hands the events recorded since the last hand-over to its change
stream hub (``CollectionRuntimeCoordinator._dispatch_engine_changes``), and each hand-over has
a fixed cost whatever it carries: it takes a lease on the outbox's consumer (a SQLite commit),
starts and joins a heartbeat thread, reads the outbox's bounds, compacts it (another commit)
and gives the lease back (a third). An ``update`` or ``delete`` command writes document by
document, so that fixed cost, about 1.7 ms, is paid per document: ~90 % of an update_many's
time on that engine (a 20,000-document backfill took 35-40 s).

Inside one ``update`` or ``delete`` command (a bulk_write's updateOne/deleteOne list as well
as an update_many/delete_many) the shim lets the hand-overs that have no transaction wait
(each document's write is committed as before: the hand-over only moves committed events from
the outbox to the hub) and hands over once every few documents, at most CHUNK, and once when
the command ends, whether it succeeded or failed, before its reply: a change stream still
receives every event, in commit order, by the time the writer has its answer. Events that a
crash of the server keeps from being handed over stay in the outbox, whose consumer is durable:
the next hand-over after a restart delivers them, as it already did for the one event a crash
could strand (only their updateDescription is lost, its pre-image being kept in memory).

A hand-over runs on the server's event loop, so the batch is kept small: CHUNK bounds the
events waiting (and the pre-images the change streams shim keeps for them), and the number of
documents per hand-over starts at FIRST_CHUNK and doubles while a hand-over takes less than
BLOCKING_SECONDS, and shrinks (to one document, mongoeco's own pace) when one takes longer:
once a persistent server's change history is full, the hub rewrites the whole history journal,
about half a second, at every event mongoeco records, or every 5,000 with the
change_journal shim (deviation "change-history-rewritten-per-write"), and many such rewrites
in one hand-over would keep the server from answering pymongo's heartbeats until pymongo gives
the connection up.

The in-memory engine (``embedded:``), whose hand-over costs little and whose change log is
bounded (deviation "change-log-overflow"), and writes inside a transaction (handed over at
the commit) keep mongoeco's behaviour. mongoeco has no hook for this, so the shim wraps the
methods named above and stands down if mongoeco renames them.
"""

import contextvars
import time

from mongoeco.api._async import _database_admin_write_commands as write_commands
from mongoeco.api._async._collection_runtime import CollectionRuntimeCoordinator

from djongo_core.embedded.shims import layers

_Commands = write_commands.DatabaseAdminWriteCommandService
_ORIGINALS = layers.originals(
    (_Commands, "command_update"),
    (_Commands, "command_delete"),
    (CollectionRuntimeCoordinator, "_dispatch_engine_changes"),
)
# Writes whose events may wait for one hand-over, at most (17 us of fixed cost per document).
CHUNK = 100
# At the start of a command; doubled after each hand-over within BLOCKING_SECONDS.
FIRST_CHUNK = 8
# A hand-over runs on the server's event loop, which answers no one meanwhile (pymongo's
# heartbeats included); one that took longer shrinks the next (see the module's docstring).
BLOCKING_SECONDS = 0.25
# The change delivery of mongoeco's SQLite engine (its capabilities' name for it).
_OUTBOX = "transactional-outbox"
# The hand-overs waiting in the command under way (none outside update and delete commands).
_WAITING = contextvars.ContextVar("djongo_change_dispatch_waiting", default=None)


class _Waiting:
    """The coordinators (one per collection written) whose hand-over waits, and how many
    writes wait."""

    def __init__(self):
        self.coordinators = {}   # id(coordinator) -> coordinator, in the order first written
        self.writes = 0
        self.limit = FIRST_CHUNK

    def hand_over(self):
        coordinators, writes = self.coordinators, self.writes
        self.coordinators, self.writes = {}, 0
        dispatch = _ORIGINALS[CollectionRuntimeCoordinator, "_dispatch_engine_changes"]
        started = time.monotonic()
        for coordinator in coordinators.values():
            # mongoeco's own hand-over: it delivers everything committed since the last one
            # and reports its own failures to the hub (a change stream then fails, as before).
            dispatch(coordinator)
        took = time.monotonic() - started
        if took <= BLOCKING_SECONDS:
            self.limit = min(CHUNK, self.limit * 2)
        else:
            self.limit = max(1, int(writes * BLOCKING_SECONDS / took))


def _in_transaction(operation_context):
    session = getattr(operation_context, "session", None)
    return session is not None and session.in_transaction


def _dispatch_engine_changes(self, operation_context=None):
    waiting = _WAITING.get()
    if (waiting is None or _in_transaction(operation_context)
            or getattr(self._engine_spi.capabilities, "change_delivery", None) != _OUTBOX):
        return _ORIGINALS[CollectionRuntimeCoordinator, "_dispatch_engine_changes"](
            self, operation_context)
    waiting.coordinators.setdefault(id(self), self)
    waiting.writes += 1
    if waiting.writes >= waiting.limit:
        waiting.hand_over()
    return None


def _batching(name):
    original = _ORIGINALS[_Commands, name]

    async def command(self, spec, **kwargs):
        if _WAITING.get() is not None:   # a command run by another one: the outer one hands over
            return await original(self, spec, **kwargs)
        waiting = _Waiting()
        token = _WAITING.set(waiting)
        try:
            return await original(self, spec, **kwargs)
        finally:
            _WAITING.reset(token)
            waiting.hand_over()

    command.__name__ = command.__qualname__ = name
    return command


_SHIMMED = {
    (_Commands, "command_update"): _batching("command_update"),
    (_Commands, "command_delete"): _batching("command_delete"),
    (CollectionRuntimeCoordinator, "_dispatch_engine_changes"): _dispatch_engine_changes,
}


def install():
    """Hand an update or delete command's change events over by the batch (idempotent)."""
    layers.replace(_ORIGINALS, _SHIMMED)


def uninstall():
    layers.restore(_ORIGINALS)
