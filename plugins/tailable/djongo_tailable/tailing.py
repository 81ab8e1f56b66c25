"""tail(): a QuerySet of a capped model read as it grows, through a tailable await-data cursor.

MongoDB keeps a tailable cursor on a capped collection open after its last document; each
getMore waits up to maxAwaitTimeMS for new ones. The cursor dies when the collection rolls past
its position (CappedPositionLost), when the server restarts or drops it (CursorNotFound), and at
once when its first find matched nothing. tail() reopens it then, after the last document it
gave: a capped collection removes its oldest documents first, so that document is either still
there (skip up to it, in natural order) or gone together with everything older (then every
document left is newer). Either way nothing is given twice and nothing still stored is missed.

How the pieces meet: tail() puts its options on the QuerySet (with_query_options);
djongo_plan_query turns the find into a tailable one (tailable_plan); the QuerySet runs as an
iterator, and the djongo_execute wrapper hands Django, instead of pymongo's cursor (which stops
at the first empty getMore), a TailCursor that keeps reading until the tail is stopped, times
out or cannot reconnect. The Tail in charge is found through a context variable set only while
tail() asks its iterator for the next instance.
"""

import contextvars
import logging
import threading
import time
from dataclasses import dataclass, field

from django.db import NotSupportedError
from django.db.models.query import ModelIterable
from pymongo import CursorType
from pymongo import errors as mongo_errors

from djongo_core.plugins import Command, query_options, with_query_options
from djongo_tailable.capped import capped_constraint

logger = logging.getLogger("djongo_tailable")

OPTION = "tailing"
START_CHOICES = ("now", "beginning")
# Server errors after which the cursor is reopened after the last document seen: the cursor
# is gone (CursorNotFound 43, CappedPositionLost 136, QueryPlanKilled 175, Interrupted 11601)
# or the server is unreachable for a moment (a restart, an election).
REOPENED_CODES = {43, 136, 175, 11601}
RECONNECT_ERRORS = (mongo_errors.AutoReconnect, mongo_errors.ConnectionFailure,
                    mongo_errors.CursorNotFound)

_active = contextvars.ContextVar("djongo_tailable_tail", default=None)


@dataclass
class Tail:
    """One tail()'s settings and position, shared by its cursor across reopenings."""

    await_ms: int
    timeout: float | None
    stop: threading.Event | None
    reconnect_tries: int
    after: object = None             # the _id to skip up to when (re)opening; None: from the start
    last_id: object = None
    seen: bool = False
    last_activity: float = field(default_factory=time.monotonic)

    def stopped(self):
        return self.stop is not None and self.stop.is_set()

    def timed_out(self):
        return self.timeout is not None and time.monotonic() - self.last_activity >= self.timeout

    def wait(self, seconds):
        """Sleep up to ``seconds``, less when stopped or when the timeout comes first."""
        if self.timeout is not None:
            seconds = min(seconds, max(0.0, self.timeout - (time.monotonic() - self.last_activity)))
        if self.stop is not None:
            self.stop.wait(seconds)
        else:
            time.sleep(seconds)


def tail_queryset(queryset, *, start="now", await_ms=1000, timeout=None, stop=None,
                  batch_size=None, reconnect_tries=5):
    """Yield ``queryset``'s instances in insertion order, waiting for new ones (tail())."""
    model = queryset.model
    _refuse_unsupported(queryset, start, await_ms)
    tail = Tail(await_ms=int(await_ms), timeout=timeout, stop=stop,
                reconnect_tries=reconnect_tries)
    if start == "now":
        tail.after = newest_id(queryset)
    options = {"await_ms": tail.await_ms, "after": tail.after}
    if batch_size is not None:
        options["batch_size"] = batch_size
    tailing = with_query_options(queryset.order_by(), **{OPTION: options})
    # The checks and "now" happen when tail() is called; the documents when they are asked for.
    return _instances(tail, tailing.iterator(chunk_size=1), model)


def _instances(tail, iterator, model):
    try:
        while True:
            token = _active.set(tail)
            try:
                instance = next(iterator)
            except StopIteration:
                return
            finally:
                _active.reset(token)
            yield instance
    finally:
        iterator.close()
        logger.debug("tail of %s ended", model._meta.label)


def _refuse_unsupported(queryset, start, await_ms):
    model = queryset.model
    label = model._meta.label
    if capped_constraint(model) is None:
        raise NotSupportedError(
            f"{label}.objects.tail() needs a capped collection: MongoDB keeps tailable cursors "
            "open only on capped collections. Add djongo_tailable.CappedCollection(size=..., "
            f"name=...) to {model.__name__}.Meta.constraints and migrate, or use watch(), "
            "which works on any collection."
        )
    if start not in START_CHOICES:
        raise ValueError(f"tail(start=...) is 'now' or 'beginning', not {start!r}.")
    if not isinstance(await_ms, int) or isinstance(await_ms, bool) or await_ms <= 0:
        raise ValueError(f"tail(await_ms=...) is a positive number of milliseconds, not "
                         f"{await_ms!r}.")
    query = queryset.query
    refused = []
    if query.order_by or query.extra_order_by:
        refused.append("order_by() (a tailable cursor reads in insertion order)")
    if query.low_mark or query.high_mark is not None:
        refused.append("slicing")
    if query.annotations:
        refused.append("annotate()")
    if query.distinct or query.combinator or query.select_related:
        refused.append("distinct(), union() or select_related()")
    if queryset._iterable_class is not ModelIterable or query.deferred_loading[0]:
        refused.append("values(), values_list(), only() or defer() (tail() gives instances)")
    if refused:
        raise NotSupportedError(
            f"{label}.objects.tail() reads a plain find in insertion order; remove "
            f"{', '.join(refused)} from the QuerySet."
        )


def newest_id(queryset):
    """The _id of the newest document of the collection (None when it is empty)."""
    model = queryset.model
    command = Command(model._meta.db_table, "find", ({}, {"_id": 1}),
                      {"sort": [("$natural", -1)], "limit": 1}, model=model)
    connection = _connection(queryset)
    for document in connection.executor.documents(command):
        return document["_id"]
    return None


def _connection(queryset):
    from django.db import connections

    return connections[queryset.db]


# -- the plan and the cursor ----------------------------------------------------------------

def marked_filter(query_filter, after):
    """The filter of a find reopened after document ``after``: that document too, in order to
    know where to start; tail() does not give it."""
    if after is None or not query_filter:
        return query_filter
    return {"$or": [{"_id": after}, query_filter]}


def tailable_plan(plan, options):
    """The plan of a tail(): the find as a tailable await-data cursor in natural order."""
    command = plan.command
    label = plan.model._meta.label
    if command.operation != "find":
        raise NotSupportedError(
            f"{label}.objects.tail() needs a plain find, but this QuerySet compiles to an "
            "aggregation pipeline (a join, an annotation or an expression in the filter); "
            "filter on the model's own fields."
        )
    ordered = {key for key in ("sort", "skip", "limit") if key in command.kwargs}
    if ordered:
        raise NotSupportedError(
            f"{label}.objects.tail() reads in insertion order; the QuerySet asks for "
            f"{', '.join(sorted(ordered))}."
        )
    plan = plan.with_options(cursor_type=CursorType.TAILABLE_AWAIT,
                             max_await_time_ms=options["await_ms"],
                             **({"batch_size": options["batch_size"]}
                                if "batch_size" in options else {}))
    if options.get("after") is None:
        return plan
    return plan.with_filter(marked_filter(command.args[0], options["after"]))


def tailing_options(query):
    return query_options(query).get(OPTION)


def wrap_cursor(connection, command, cursor):
    """What the djongo_execute wrapper returns for ``command``: a TailCursor while a tail()
    runs this find, else pymongo's result untouched."""
    tail = _active.get()
    if (tail is None or command.operation != "find"
            or command.kwargs.get("cursor_type") != CursorType.TAILABLE_AWAIT):
        return cursor
    return TailCursor(connection, command, cursor, tail)


class TailCursor:
    """pymongo's tailable cursor, read across empty getMores and reopened when it dies."""

    def __init__(self, connection, command, cursor, tail):
        self.connection = connection
        self.command = command
        self.base_filter = _unmarked(command.args[0], tail.after)
        self.cursor = cursor
        self.tail = tail
        self.skipping = tail.after is not None
        self.failures = 0

    def __iter__(self):
        return self

    def __next__(self):
        tail = self.tail
        while True:
            if tail.stopped():
                raise StopIteration
            if self.cursor is None:
                if tail.timed_out():
                    raise StopIteration
                self._reopen()
                continue
            try:
                document = self.cursor.next()
            except StopIteration:
                # An empty getMore (the await ran out) or a dead cursor.
                if tail.stopped() or tail.timed_out():
                    raise
                if not self.cursor.alive:
                    # MongoDB closes a tailable cursor whose find matched nothing, and after
                    # its getMores it may still die: wait a round, then reopen.
                    self._drop()
                    tail.wait(tail.await_ms / 1000)
                continue
            except mongo_errors.OperationFailure as error:
                if error.code not in REOPENED_CODES:
                    raise
                self._lost(error)
                continue
            except RECONNECT_ERRORS as error:
                self._lost(error)
                continue
            self.failures = 0
            if self.skipping:
                if document.get("_id") == tail.after:
                    self.skipping = False
                    continue
                if not self._marker_exists():
                    self.skipping = False
                else:
                    continue
            tail.after = document.get("_id")
            tail.last_activity = time.monotonic()
            return document

    def _lost(self, error):
        self.failures += 1
        self._drop()
        if self.failures > self.tail.reconnect_tries:
            raise error
        logger.warning("tail of %s: cursor lost (%s); reopening after the last document read",
                       self.command.collection, error)
        self.tail.wait(min(0.1 * 2 ** self.failures, 2.0))

    def close(self):
        self._drop()

    def _drop(self):
        cursor, self.cursor = self.cursor, None
        if cursor is not None:
            try:
                cursor.close()
            except mongo_errors.PyMongoError:
                pass

    def _marker_exists(self):
        after = self.tail.after
        found = self.connection.executor.run(Command(
            self.command.collection, "find_one", ({"_id": after}, {"_id": 1}),
            model=self.command.model))
        return found is not None

    def _reopen(self):
        tail = self.tail
        if tail.after is not None and not self._marker_exists():
            # Rolled out of the capped collection: so has everything before it.
            logger.warning("tail of %s: the last document read was removed from the capped "
                           "collection; reading every document left", self.command.collection)
            tail.after = None
        command = self.command.replaced(
            args=(marked_filter(self.base_filter, tail.after), self.command.args[1]))
        self.skipping = tail.after is not None
        token = _active.set(None)  # the find is this cursor's own: no TailCursor around it
        try:
            self.cursor = self.connection.executor.run(command)
        finally:
            _active.reset(token)


def _unmarked(query_filter, after):
    if after is None or not query_filter:
        return query_filter
    return query_filter["$or"][1]


def tail_queryset_async(queryset, **options):
    """atail(): tail() in a thread of its own, as an async iterator."""
    return _AsyncTail(queryset, options)


class _AsyncTail:
    """An async iterator over tail(), which runs in one worker thread (a cursor and a Django
    connection belong to the thread that opened them)."""

    def __init__(self, queryset, options):
        from concurrent.futures import ThreadPoolExecutor

        self.stop = options.pop("stop", None) or threading.Event()
        # tail() itself queries ("now" is the newest document): in the worker thread, at the
        # first __anext__, as async code may not query.
        self.start = lambda: tail_queryset(queryset, stop=self.stop, **options)
        self.generator = None
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="atail")

    def __aiter__(self):
        return self

    async def __anext__(self):
        import asyncio

        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self.executor, self._next)
        except StopAsyncIteration:
            await self.aclose()
            raise
        except BaseException:
            await self.aclose()
            raise

    def _next(self):
        if self.generator is None:
            self.generator = self.start()
        try:
            return next(self.generator)
        except StopIteration:
            raise StopAsyncIteration from None

    async def aclose(self):
        import asyncio

        self.stop.set()
        if self.executor is None:
            return
        executor, self.executor = self.executor, None
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(executor, self._close_in_thread)
        executor.shutdown(wait=False)

    def _close_in_thread(self):
        from django.db import connections

        if self.generator is not None:
            self.generator.close()
        connections.close_all()
