"""Holding a memory-engine collection's write lock across a shim's work and mongoeco's own write.

mongoeco's in-memory engine serialises the writes of a collection with one asyncio lock per
collection (``MemoryEngine._get_lock``), taken inside each write method and not re-entrant. A
shim that must check something and then let mongoeco write, with no other write in between,
holds that lock itself and marks it held for the current task: while marked, mongoeco's own
``_get_lock`` hands back a lock that is already held. The mark is a context variable, so only
the task that took the lock skips it.

The wrapper of ``_get_lock`` is installed once and never removed (a shim set aside by its
obsolescence probe must not leave a held lock to be taken a second time); it changes nothing
for a task that holds no mark. It stands down if mongoeco renames the method.
"""

import contextvars
from contextlib import asynccontextmanager

from mongoeco.engines.memory import MemoryEngine

_original_get_lock = getattr(MemoryEngine, "_get_lock", None)
# (engine id, database, collection) whose lock the current task holds through holding().
_HELD = contextvars.ContextVar("djongo_engine_lock_held", default=None)

available = _original_get_lock is not None


class _AlreadyHeld:
    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_info):
        return False


def _get_lock(self, db_name, coll_name):
    if _HELD.get() == (id(self), db_name, coll_name):
        return _AlreadyHeld()
    return _original_get_lock(self, db_name, coll_name)


@asynccontextmanager
async def holding(engine, db_name, coll_name):
    """Hold the collection's write lock; mongoeco's writes inside this task do not take it again."""
    async with _original_get_lock(engine, db_name, coll_name):
        token = _HELD.set((id(engine), db_name, coll_name))
        try:
            yield
        finally:
            _HELD.reset(token)


def install():
    """Let holding() work (idempotent; never undone)."""
    if available:
        MemoryEngine._get_lock = _get_lock
