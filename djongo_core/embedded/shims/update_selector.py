"""`update_many` checks its filter without compiling it again per document (deviation
"update-many-recompiles-its-filter").

MongoDB plans an `updateMany`'s filter once and tests each document it updates against that
plan. mongoeco 4.11 finds the matching documents first, then updates them one by one, and for
each one compiles the command's filter again (it re-checks the filter under the write lock)
and, for a `$in`, prepares the list again: updating k documents by a k-id `_id $in`, which is
how a migration's backfill batches its writes (djongo_core/backfill.py), costs k x k. Of the
~1.3 ms each document of a 20,000-document `AddField` backfill took, a third was that.

The shim keeps, for the filter object of the command being run, the plan compiled for its
first document and hands it to the others (the plan of a filter holds no variable's value: a
`$expr` is kept as an expression and evaluated per document with the variables of the
moment), and prepares the `$in` list of such a plan once (membership.py's prepared lists are
reused by the list object, not only by its contents). Plans are remembered by the identity of
the filter object, which the shim holds on to so that the identity cannot be reused; mongoeco
passes the same object for every document of one command and a new one for the next command.
Both the in-memory and the SQLite engine are served: both bind the same function. mongoeco has
no hook for it, so the shim wraps the function in those modules and stands down if it is gone.
"""

import dataclasses
import threading
from collections import OrderedDict

import mongoeco.engines.memory as memory_engine
import mongoeco.engines.sqlite as sqlite_engine
from mongoeco.engines import semantic_core

_MODULES = (memory_engine, sqlite_engine)
_ORIGINAL = getattr(semantic_core, "compile_update_semantics", None)
# Filters remembered at once: the commands under way in the server's threads, a few.
_REMEMBERED = 16


class _SelectorPlans:
    """The selector plan of each filter object recently seen, by identity."""

    def __init__(self):
        self._entries = OrderedDict()  # id(filter) -> (filter, dialect, plan)
        self._lock = threading.Lock()

    def get(self, selector_filter, dialect):
        with self._lock:
            entry = self._entries.get(id(selector_filter))
        if entry is not None and entry[0] is selector_filter and entry[1] is dialect:
            return entry[2]
        return None

    def keep(self, selector_filter, dialect, plan):
        with self._lock:
            self._entries[id(selector_filter)] = (selector_filter, dialect, plan)
            self._entries.move_to_end(id(selector_filter))
            while len(self._entries) > _REMEMBERED:
                self._entries.popitem(last=False)


_plans = _SelectorPlans()


def _compile_update_semantics(operation, *, dialect=None, selector_filter=None, **options):
    if not isinstance(selector_filter, dict):
        return _ORIGINAL(operation, dialect=dialect, selector_filter=selector_filter, **options)
    # Without the selector first (its own filter comes precompiled: little to do), which
    # settles the dialect the selector's plan is compiled in.
    semantics = _ORIGINAL(operation, dialect=dialect, selector_filter=None, **options)
    plan = _plans.get(selector_filter, semantics.dialect)
    if plan is None:
        semantics = _ORIGINAL(operation, dialect=dialect, selector_filter=selector_filter,
                              **options)
        _plans.keep(selector_filter, semantics.dialect, semantics.selector_plan)
        return semantics
    return dataclasses.replace(semantics, selector_plan=plan, selector_filter=selector_filter)


def _complete():
    return _ORIGINAL is not None and all(
        getattr(module, "compile_update_semantics", None) is not None for module in _MODULES)


def install():
    """Reuse an update command's compiled filter across its documents (idempotent)."""
    if not _complete():
        return
    for module in _MODULES:
        module.compile_update_semantics = _compile_update_semantics


def uninstall():
    if _ORIGINAL is None:
        return
    for module in _MODULES:
        if getattr(module, "compile_update_semantics", None) is _compile_update_semantics:
            module.compile_update_semantics = _ORIGINAL
