"""Change streams on the embedded engine (deviation "change-streams-missing", shimmed).

MongoDB opens a change stream with an aggregate whose pipeline starts with ``$changeStream``:
pymongo's ``collection.watch()``, ``db.watch()`` and ``client.watch()``. mongoeco 4.11's wire
server refuses that stage ("Unsupported aggregation stage: $changeStream", and ``db.watch()``
already fails validation: "wire aggregate requires a non-empty collection name"), although its
in-process client records every write in a change stream hub. This shim answers the stream's
commands inside the embedded server from that hub (change_history.py), with the events in
MongoDB 7.0's shape (change_events.py):

- ``aggregate`` with ``$changeStream`` on a collection, on a database (``aggregate: 1``) or on
  the whole server (``admin`` with ``allChangesForCluster``) opens a cursor of this shim;
  ``fullDocument`` (``default``, ``updateLookup``: the document as it is when the event is
  read, or null; ``whenAvailable``/``required``: no post-images are kept, so null or an
  error), ``fullDocumentBeforeChange`` (likewise), ``resumeAfter``, ``startAfter`` and
  ``startAtOperationTime``; the stages after ``$changeStream`` run on each event;
- ``getMore`` returns the events recorded after the cursor's position, waiting up to its
  ``maxTimeMS`` (1 s by default) for the first one, with ``postBatchResumeToken``; ``killCursors``
  closes a stream, as ten minutes without a getMore do (a getMore then fails with
  CursorNotFound, 43, on which pymongo resumes the stream);
- errors carry MongoDB's codes: ChangeStreamHistoryLost (286) for a resume point the history
  lacks, InvalidResumeToken (260), ChangeStreamFatalError (280) when the pipeline changes an
  event's ``_id``, IDLUnknownField (40415), InvalidNamespace (73), BadValue (2) for a stage a
  change stream cannot run, NoMatchingDocument (47) for a required image.

A dropped collection is reported as ``drop``, and ends a stream of that collection with
``invalidate`` (``resumeAfter`` its token is refused, ``startAfter`` opens a new stream).

mongoeco has no public hook for commands, so the shim wraps the wire layer's dispatch to its
command handlers (``WireSpecialCommandHandlers.dispatch``, through layers.py, which stacks
the shims that wrap it; a layer below the one the capped shim wraps, so each passes on
what it does not answer), mongoeco's validation of ``aggregate``
(``_WIRE_COMMAND_VALIDATORS``) and, for the pre-images of updates, the engine adapter's
``EngineSpiAdapter.update_outcome``; it stands down if mongoeco renames any of them.
"""

import dataclasses
import itertools
import time
import weakref
from collections import deque
from dataclasses import dataclass, field

from mongoeco.core.aggregation import apply_pipeline
from mongoeco.core.bson_scalars import unwrap_bson_numeric
from mongoeco.engines.adapter import EngineSpiAdapter
from mongoeco.types import Timestamp
from mongoeco.wire import _executor_validation

from djongo_core.embedded.shims.layers import SPECIAL_COMMANDS
from djongo_core.embedded.shims.change_events import (
    cluster_time, decode_token, drop_events, encode_token, event_of, same_value,
)
from djongo_core.embedded.shims.change_history import ChangeHistory
from djongo_core.embedded.shims.replies import command_error as error
from djongo_core.embedded.shims.replies import kill_cursors_reply

STAGE = "$changeStream"
OPTIONS = frozenset({"fullDocument", "fullDocumentBeforeChange", "resumeAfter", "startAfter",
                     "startAtOperationTime", "allChangesForCluster", "showExpandedEvents"})
FULL_DOCUMENT = ("default", "updateLookup", "whenAvailable", "required")
BEFORE_CHANGE = ("off", "whenAvailable", "required")
# The stages MongoDB allows after $changeStream.
STAGES = frozenset({"$match", "$project", "$addFields", "$set", "$unset", "$replaceRoot",
                    "$replaceWith", "$redact"})
INTERNAL_DATABASES = frozenset({"admin", "config", "local"})
DEFAULT_AWAIT_MS = 1000
# MongoDB closes a cursor left unused for ten minutes.
IDLE_CURSOR_SECONDS = 600
# Cursor ids of this shim: int32 (mongoeco's wire layer refuses larger getMore ids), above
# mongoeco's own and apart from the capped shim's (from 2**30).
FIRST_ID = 3 * 2**29
_ids = itertools.count(FIRST_ID)

_validators = getattr(_executor_validation, "_WIRE_COMMAND_VALIDATORS", None)
_validate_aggregate = (_validators or {}).get("aggregate")
_update_outcome = getattr(EngineSpiAdapter, "update_outcome", None)
_histories = weakref.WeakKeyDictionary()      # command handlers -> ChangeHistory
_by_engine = weakref.WeakKeyDictionary()      # the server's engine -> ChangeHistory


def history_of(handlers):
    """The ChangeHistory of the server whose command handlers are ``handlers``."""
    history = _histories.get(handlers)
    if history is None:
        history = _histories[handlers] = ChangeHistory(handlers._client)
        _by_engine[handlers._client._engine] = history
    return history


def opens_change_stream(pipeline):
    return (isinstance(pipeline, list) and pipeline and isinstance(pipeline[0], dict)
            and STAGE in pipeline[0])


@dataclass
class Stream:
    db_name: str
    coll_name: str | None             # None: every collection of the database (or server)
    cluster: bool
    pipeline: list
    full_document: str
    before_change: str
    offset: int                       # hub offset of the next record to read
    position: tuple                   # (sequence, step) of the last write or drop read
    namespace: str
    queued: deque = field(default_factory=deque)
    invalidated: bool = False         # its collection was dropped: the stream ends
    used: float = field(default_factory=time.monotonic)


# -- opening ------------------------------------------------------------------------------------


def _choice(spec, name, choices, default):
    value = spec.get(name, default)
    if value not in choices:
        raise error(2, "BadValue", f"$changeStream {name} must be one of {', '.join(choices)}, "
                                   f"not {value!r}")
    return value


def _scope(context, spec):
    body, db_name = context.command_document, context.db_name
    target = body.get("aggregate")
    cluster = bool(spec.get("allChangesForCluster"))
    if isinstance(target, str) and target:
        if cluster:
            raise error(2, "BadValue", "allChangesForCluster is only allowed on the admin "
                                       "database with aggregate: 1")
        return target, False, f"{db_name}.{target}"
    if unwrap_bson_numeric(target) != 1:
        raise error(73, "InvalidNamespace", f"aggregate takes a collection name or 1, not "
                                            f"{target!r}")
    if db_name == "admin" and not cluster:
        raise error(73, "InvalidNamespace", "$changeStream may not be opened on the internal "
                                            "admin database; pass allChangesForCluster")
    if cluster and db_name != "admin":
        raise error(2, "BadValue", "allChangesForCluster is only allowed on the admin database")
    return None, cluster, f"{db_name}.$cmd.aggregate"


def _stages(pipeline):
    for stage in pipeline:
        name = next(iter(stage), None) if isinstance(stage, dict) and len(stage) == 1 else None
        if name not in STAGES:
            raise error(2, "BadValue", f"{name or stage!r} is not permitted in a $changeStream "
                                       f"pipeline; only {', '.join(sorted(STAGES))} are")
    return list(pipeline)


async def _start(history, spec):
    """(offset, position) where a stream with these options starts reading."""
    chosen = [name for name in ("resumeAfter", "startAfter", "startAtOperationTime")
              if spec.get(name) is not None]
    if len(chosen) > 1:
        raise error(40674, "Location40674", "Only one type of resume option is allowed, but "
                                            f"multiple were found: {', '.join(chosen)}")
    if not chosen:
        return history.end()
    name = chosen[0]
    if name == "startAtOperationTime":
        moment = spec[name]
        if not isinstance(moment, Timestamp):
            raise error(14, "TypeMismatch", "$changeStream startAtOperationTime must be a "
                                            "Timestamp")
        await history.require_at_time(moment)
        wanted = (moment.time, moment.inc)
        offset = await history.first_offset(
            lambda record: (cluster_time(record).time, record.token) >= wanted)
        _next, first = await history.record_at(offset)
        # Positioned just before the first write at or after that time.
        return offset, (history.end()[1] if first is None
                        else history.drops.end_of(first.token - 1))
    position = decode_token(spec[name], history.epoch, name)
    sequence, step = position
    if name == "resumeAfter" and step and not step % 2:
        raise error(260, "InvalidResumeToken", "Attempting to resume a change stream using "
                                               "'resumeAfter' is not allowed from an invalidate "
                                               "notification; use startAfter")
    history.require_after(sequence)
    return await history.first_offset(lambda record: record.token > sequence), position


async def _open(handlers, context):
    history = history_of(handlers)
    body = context.command_document
    pipeline = body["pipeline"]
    spec = pipeline[0][STAGE]
    if not isinstance(spec, dict):
        raise error(50808, "Location50808", "$changeStream stage expects a document as argument")
    unknown = sorted(set(spec) - OPTIONS)
    if unknown:
        raise error(40415, "IDLUnknownField",
                    f"BSON field '$changeStream.{unknown[0]}' is an unknown field.")
    if spec.get("showExpandedEvents"):
        raise error(238, "NotImplemented", "showExpandedEvents is not supported by the embedded "
                                           "engine (docs/engine-deviations.md#change-streams-missing)")
    coll_name, cluster, namespace = _scope(context, spec)
    history.start_recording()
    offset, position = await _start(history, spec)
    stream = Stream(
        db_name=context.db_name, coll_name=coll_name, cluster=cluster,
        pipeline=_stages(pipeline[1:]),
        full_document=_choice(spec, "fullDocument", FULL_DOCUMENT, "default"),
        before_change=_choice(spec, "fullDocumentBeforeChange", BEFORE_CHANGE, "off"),
        offset=offset, position=position, namespace=namespace)
    cursor = body.get("cursor") or {}
    limit = cursor.get("batchSize")
    limit = None if limit is None else int(unwrap_bson_numeric(limit))
    batch = await _read(history, stream, limit, wait_seconds=0.0)
    return _reply(history, stream, _register(history, stream), batch, "firstBatch")


def _register(history, stream):
    now = time.monotonic()
    streams = history.streams
    for cursor_id in [cursor_id for cursor_id, other in streams.items()
                      if now - other.used > IDLE_CURSOR_SECONDS]:
        del streams[cursor_id]
    cursor_id = next(_ids)
    streams[cursor_id] = stream
    return cursor_id


def _reply(history, stream, cursor_id, batch, batch_name):
    if stream.invalidated and not stream.queued:
        # MongoDB closes a stream with its invalidate event.
        history.streams.pop(cursor_id, None)
        cursor_id = 0
    # Where a resumed stream would go on from: after the last event of the batch if more are
    # queued, else after every write this stream has read.
    token = batch[-1]["_id"] if stream.queued and batch else encode_token(
        history.epoch, stream.position)
    return {"cursor": {batch_name: batch, "postBatchResumeToken": token, "id": cursor_id,
                       "ns": stream.namespace}, "ok": 1.0}


# -- reading ------------------------------------------------------------------------------------


async def _read(history, stream, limit, wait_seconds):
    """The next events of ``stream``: those already recorded, or, if there are none, the first
    ones recorded within ``wait_seconds``."""
    batch = []
    deadline = time.monotonic() + wait_seconds
    while limit is None or len(batch) < limit:
        if stream.queued:
            batch.append(stream.queued.popleft())
            continue
        if stream.invalidated:
            break
        # Drops made after the last write read and before the next (the hub does not hold
        # them).
        await _examine_drops(history, stream, history.drops.after(
            stream.position, before_sequence=stream.position[0] + 1))
        if stream.queued:
            continue
        wait = 0.0 if batch else max(0.0, deadline - time.monotonic())
        next_offset, record = await history.record_at(stream.offset, wait)
        if record is None:
            if wait and time.monotonic() < deadline:
                continue            # woken by a drop
            break
        stream.offset = next_offset
        await _examine(history, stream, record)
    stream.used = time.monotonic()
    return batch


def _in_scope(stream, record):
    if stream.cluster:
        return record.db_name not in INTERNAL_DATABASES
    if record.db_name != stream.db_name:
        return False
    if stream.coll_name is None:
        return not record.coll_name.startswith("system.")
    return record.coll_name == stream.coll_name


async def _examine(history, stream, record):
    """Queue the event of ``record`` (after the drops before it) if the stream reports it; its
    position moves past it."""
    await _examine_drops(history, stream,
                         history.drops.after(stream.position, before_sequence=record.token))
    if stream.invalidated or record.token <= stream.position[0]:
        return
    stream.position = (record.token, 0)
    if _in_scope(stream, record):
        shaped = await _shape(history, stream, event_of(record, history.epoch))
        if shaped is not None:
            stream.queued.append(shaped)


async def _examine_drops(history, stream, drops):
    for drop in drops:
        collection_stream = stream.coll_name is not None
        for position, event in drop_events(drop, history.epoch, collection_stream):
            if position <= stream.position or not _in_scope(stream, drop):
                continue
            shaped = await _shape(history, stream, event)
            if shaped is not None:
                stream.queued.append(shaped)
            if event["operationType"] == "invalidate":
                stream.invalidated = True
        stream.position = max(stream.position, drop.invalidate_position)
        if stream.invalidated:
            return


async def _shape(history, stream, event):
    """The event as the stream's options and stages make it (None: filtered out)."""
    operation = event["operationType"]
    if operation == "update":
        if stream.full_document == "updateLookup":
            collection = history.client.get_database(event["ns"]["db"]).get_collection(
                event["ns"]["coll"])
            event["fullDocument"] = await collection.find_one(event["documentKey"])
        elif stream.full_document == "whenAvailable":
            event["fullDocument"] = None
        elif stream.full_document == "required":
            raise _image_missing("post-image", "update")
    if operation in ("update", "replace", "delete"):
        if stream.before_change == "whenAvailable":
            event["fullDocumentBeforeChange"] = None
        elif stream.before_change == "required":
            raise _image_missing("pre-image", operation)
    if not stream.pipeline:
        return event
    token = event["_id"]
    shaped = apply_pipeline([event], stream.pipeline)
    if not shaped:
        return None
    if not same_value(shaped[0].get("_id"), token):
        raise error(280, "ChangeStreamFatalError",
                    "Encountered an event whose _id field, which contains the resume token, "
                    "was modified by the pipeline. Modifying the _id field of an event makes "
                    "it impossible to resume the stream from that point.")
    return shaped[0]


def _image_missing(image, operation):
    return error(47, "NoMatchingDocument",
                 f"Change stream was configured to require a {image} for all {operation} "
                 "events, but the embedded engine keeps none "
                 "(docs/engine-deviations.md#change-streams-missing)")


async def _get_more(handlers, context):
    body = context.command_document
    history = history_of(handlers)
    cursor_id = body.get("getMore")
    stream = history.streams.get(cursor_id)
    if stream is None:
        if isinstance(cursor_id, int) and cursor_id >= FIRST_ID:
            # One of this shim's streams, killed or closed as idle: MongoDB's error, on which
            # pymongo resumes the stream (mongoeco would answer with an empty last batch).
            raise error(43, "CursorNotFound", f"cursor id {cursor_id} not found")
        return await _forward(handlers, context)
    limit = body.get("batchSize")
    limit = int(unwrap_bson_numeric(limit)) or None if limit is not None else None
    wait_ms = unwrap_bson_numeric(body.get("maxTimeMS", DEFAULT_AWAIT_MS))
    try:
        batch = await _read(history, stream, limit, wait_seconds=wait_ms / 1000)
    except Exception:
        # MongoDB kills a cursor that failed.
        history.streams.pop(cursor_id, None)
        raise
    return _reply(history, stream, cursor_id, batch, "nextBatch")


async def _kill_cursors(handlers, context):
    body = context.command_document
    streams = history_of(handlers).streams
    requested = body.get("cursors") or []
    mine = [cursor_id for cursor_id in requested if cursor_id in streams]
    if not mine:
        return await _forward(handlers, context)
    for cursor_id in mine:
        del streams[cursor_id]
    reply = kill_cursors_reply()
    others = [cursor_id for cursor_id in requested if cursor_id not in mine]
    if others:
        reply = await _forward(handlers, _replaced(context, {**body, "cursors": others}))
    reply["cursorsKilled"] = [*reply.get("cursorsKilled", []), *mine]
    return reply


def _replaced(context, document):
    return dataclasses.replace(context, command_document=document)


# -- recording the writes ------------------------------------------------------------------------


async def _end_transaction(handlers, context):
    async with history_of(handlers).ending_transaction(context):
        return await _forward(handlers, context)


async def _updating(self, db_name, coll_name, operation, *args, on_commit=None, **kwargs):
    """EngineSpiAdapter.update_outcome, handing each update's pre-image to the history before
    the hub records the update (in on_commit, or after the return)."""
    history = _by_engine.get(self.engine)
    if history is None:
        return await _update_outcome(self, db_name, coll_name, operation, *args,
                                     on_commit=on_commit, **kwargs)
    remembered = []
    session = getattr(kwargs.get("operation_context"), "session", None)

    def remember(outcome):
        if not remembered:
            remembered.append(outcome)
            history.remember(db_name, coll_name, outcome, session)

    def committed(outcome):
        remember(outcome)
        on_commit(outcome)

    outcome = await _update_outcome(self, db_name, coll_name, operation, *args,
                                    on_commit=committed if on_commit else None, **kwargs)
    remember(outcome)
    return outcome


async def _aggregate(handlers, context):
    if opens_change_stream(context.command_document.get("pipeline")):
        return await _open(handlers, context)
    return await _forward(handlers, context)


_HANDLERS = {
    "aggregate": _aggregate,
    "getMore": _get_more,
    "killCursors": _kill_cursors,
    "commitTransaction": _end_transaction,
    "abortTransaction": _end_transaction,
}


async def _dispatching(self, context):
    # Before the server's first write: the history decides whether the hub records it.
    history_of(self)
    handler = _HANDLERS.get(context.command_name)
    if handler is None:
        return await _forward(self, context)
    return await handler(self, context)


async def _forward(handlers, context):
    return await SPECIAL_COMMANDS.forward(_dispatching, handlers, context)


def _validating_aggregate(body, command_document):
    # aggregate: 1 (a database's or the server's stream) is this shim's to check.
    if opens_change_stream(command_document.get("pipeline")):
        return
    _validate_aggregate(body, command_document)


def install():
    """Let the embedded server answer change streams (idempotent)."""
    if not SPECIAL_COMMANDS.available or _validate_aggregate is None or _update_outcome is None:
        return
    SPECIAL_COMMANDS.add(_dispatching)
    if EngineSpiAdapter.update_outcome is _update_outcome:
        EngineSpiAdapter.update_outcome = _updating
    if _validators.get("aggregate") is _validate_aggregate:
        _validators["aggregate"] = _validating_aggregate


def uninstall():
    SPECIAL_COMMANDS.remove(_dispatching)
    if _update_outcome is not None:
        EngineSpiAdapter.update_outcome = _update_outcome
    if _validate_aggregate is not None:
        _validators["aggregate"] = _validate_aggregate
