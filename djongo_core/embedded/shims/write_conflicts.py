"""Deviation "transaction-write-conflicts": per-document write conflicts inside transactions.

MongoDB (WiredTiger) fails a write inside a transaction at once, with WriteConflict (112) and
the TransientTransactionError label, when the document it writes has been written by another
open transaction, or changed by a commit made after this transaction's snapshot. mongoeco's
in-memory engine lets the write through and fails the commit of every transaction during which
anything at all was written (deviation "transaction-conflicts-database-wide"), so a transaction
cannot find out that a document is taken before it has done its work, which select_for_update()
relies on (the transactions plugin locks a document by writing it).

This shim adds the per-document rule in front of mongoeco, for the in-memory engine only (the
SQLite engine runs one transaction at a time, deviation "sqlite-transaction-exclusive"): before
an ``update``, ``delete`` or ``findAndModify`` inside a transaction runs, the ids its filters
match are looked up, and the write is refused as MongoDB refuses it when one of them is held by
another open transaction or was committed after this transaction began. mongoeco's own
commit-time check stays, which only makes it stricter than MongoDB.

mongoeco has no public hook for commands: the shim wraps the dispatch of its wire command
handlers (``WireSpecialCommandHandlers.dispatch``, through layers.py, which stacks the
shims that wrap it; the capped shim wraps another layer) and stands down if mongoeco renames
it. It reads the engine's MVCC state (``_mvcc_states``, the
open transactions by session id, and ``_mvcc_version``, the commit counter).
"""

from dataclasses import dataclass, field

from mongoeco.errors import OperationFailure

from djongo_core.embedded.shims.layers import SPECIAL_COMMANDS

WRITE_CONFLICT = 112


@dataclass
class _Engine:
    """What the shim knows about the documents of one engine."""

    #: document key -> session id of the open transaction that wrote it
    holders: dict = field(default_factory=dict)
    #: document key -> the engine's commit counter after the last commit that wrote it
    committed: dict = field(default_factory=dict)
    #: session id -> keys its open transaction wrote
    written: dict = field(default_factory=dict)


_engines: dict = {}


def _state(engine) -> _Engine:
    state = _engines.get(id(engine))
    if state is None:
        state = _engines[id(engine)] = _Engine()
    return state


def _filters(context):
    body = context.command_document
    if context.command_name == "update":
        return [spec.get("q") or {} for spec in body.get("updates", [])]
    if context.command_name == "delete":
        return [spec.get("q") or {} for spec in body.get("deletes", [])]
    if context.command_name == "findAndModify":
        return [body.get("query") or {}]
    return None


def _engine(client, db_name):
    engine = client.get_database(db_name)._engine
    return engine if hasattr(engine, "_mvcc_states") and hasattr(engine, "_mvcc_version") else None


async def _matching_keys(client, session, db_name, coll_name, filters):
    """The documents the write may touch: those its filters match in the committed data and
    in the transaction's own view (a document deleted since its snapshot is only there)."""
    collection = client.get_database(db_name).get_collection(coll_name)
    keys = set()
    for query in filters:
        for view in (None, session):
            for document in await collection.find(query, {"_id": 1}, session=view).to_list():
                keys.add((db_name, coll_name, repr(document.get("_id"))))
    return keys


def _conflict(state, engine, session_id, keys):
    """Return the first key this transaction may not write, or None."""
    snapshot = engine._mvcc_states.get(session_id)
    began = snapshot.snapshot_version if snapshot is not None else engine._mvcc_version
    for key in keys:
        holder = state.holders.get(key)
        if holder is not None and holder != session_id and holder in engine._mvcc_states:
            return key
        if state.committed.get(key, -1) > began:
            return key
    return None


def _release(state, session_id, committed_at=None):
    for key in state.written.pop(session_id, ()):
        if state.holders.get(key) == session_id:
            del state.holders[key]
        if committed_at is not None:
            state.committed[key] = committed_at


async def _checked_dispatch(self, context):
    session = context.session
    name = context.command_name
    in_transaction = session is not None and getattr(session, "transaction_active", False)
    if name in ("commitTransaction", "abortTransaction") and session is not None:
        return await _ending(self, context, session.session_id)
    filters = _filters(context) if in_transaction else None
    if filters is None:
        return await SPECIAL_COMMANDS.forward(_checked_dispatch, self, context)
    client = self._client
    engine = _engine(client, context.db_name)
    if engine is None:
        return await SPECIAL_COMMANDS.forward(_checked_dispatch, self, context)
    state = _state(engine)
    keys = await _matching_keys(client, session, context.db_name, context.command_document[name], filters)
    # No await between the check and taking the keys: another command cannot slip in.
    if _conflict(state, engine, session.session_id, keys) is not None:
        raise OperationFailure(
            "WriteConflict error: this operation conflicted with another operation. Please "
            "retry your operation or multi-document transaction.",
            code=WRITE_CONFLICT, error_labels=("TransientTransactionError",),
            details={"ok": 0.0, "code": WRITE_CONFLICT, "codeName": "WriteConflict",
                     "errmsg": "WriteConflict", "errorLabels": ["TransientTransactionError"]})
    for key in keys:
        state.holders[key] = session.session_id
    state.written.setdefault(session.session_id, set()).update(keys)
    return await SPECIAL_COMMANDS.forward(_checked_dispatch, self, context)


async def _ending(self, context, session_id):
    try:
        result = await SPECIAL_COMMANDS.forward(_checked_dispatch, self, context)
    except Exception:
        for state in _engines.values():
            _release(state, session_id)
        raise
    committed = context.command_name == "commitTransaction" and result.get("ok")
    for engine_id, state in _engines.items():
        engine = _engine_by_id(self._client, engine_id)
        version = engine._mvcc_version if committed and engine is not None else None
        _release(state, session_id, version)
    return result


def _engine_by_id(client, engine_id):
    engine = client.get_database("admin")._engine
    return engine if id(engine) == engine_id else None


def install():
    """Make transactions conflict per document, as MongoDB's do (idempotent)."""
    SPECIAL_COMMANDS.add(_checked_dispatch)


def uninstall():
    SPECIAL_COMMANDS.remove(_checked_dispatch)
