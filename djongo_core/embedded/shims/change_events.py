"""Change events in MongoDB's shape, from mongoeco's change stream hub (for the change streams
shim, change_streams.py).

mongoeco's hub numbers every write it records (its *sequence*) and keeps, per event, the
operation, the namespace, the document key and the document as written (for an update: the
document after it). This module turns one such record into the event MongoDB 7.0 sends:

- ``_id``, the resume token: ``{"_data": "<epoch><sequence><step>"}`` in hex, the event's
  position (a write is at step 0, the drops after it and their invalidates at the next steps,
  see change_drops.py): a stream resumed with it starts after that position. The epoch names
  the history the token belongs to (a persistent server keeps it across restarts, an in-memory
  one draws a new one when it starts), so that a token of another history is refused rather
  than resumed at a wrong place.
- ``clusterTime``: a Timestamp whose seconds are the write's wall-clock time and whose
  increment is its sequence, so that clusterTimes order as the writes did; ``wallTime``.
- ``updateDescription`` of an update: the difference between the document before and after,
  as MongoDB's change stream reports it (``updatedFields`` with dotted paths into changed
  subdocuments and array elements, ``removedFields``, ``truncatedArrays``).
"""

import datetime
import re

from mongoeco.types import Timestamp

from djongo_core.embedded.shims.replies import command_error as error

# The key under which the shim keeps a write's wall-clock time (ms) in the hub's record.
WALL_TIME = "djongoWallTimeMs"
DESCRIPTION = ("updatedFields", "removedFields", "truncatedArrays")
TOKEN_FORMAT = re.compile(r"^([0-9a-f]{8})([0-9a-f]{16})([0-9a-f]{4})$")



def encode_token(epoch, position):
    """The resume token of the event at ``position`` (sequence, step)."""
    sequence, step = position
    return {"_data": f"{epoch}{sequence:016x}{step:04x}"}


def decode_token(token, epoch, option):
    """The position (sequence, step) of a resume token of this history; MongoDB's errors
    otherwise."""
    data = token.get("_data") if isinstance(token, dict) else None
    match = TOKEN_FORMAT.match(data) if isinstance(data, str) else None
    if match is None:
        raise error(260, "InvalidResumeToken",
                    f"$changeStream {option} is not a resume token of this server: {token!r}")
    if match.group(1) != epoch:
        raise error(286, "ChangeStreamHistoryLost",
                    "Resume of change stream was not possible, as the resume point may no "
                    "longer be in the oplog: the token belongs to an earlier history of the "
                    "embedded server (an in-memory server keeps none across a restart)")
    return int(match.group(2), 16), int(match.group(3), 16)


def cluster_time(record):
    wall_ms = (record.update_description or {}).get(WALL_TIME, 0)
    return Timestamp(int(wall_ms // 1000), record.token)


def event_of(record, epoch):
    """The change event the hub's ``record`` stands for."""
    wall_ms = (record.update_description or {}).get(WALL_TIME, 0)
    operation = record.operation_type
    event = {
        "_id": encode_token(epoch, (record.token, 0)),
        "operationType": operation,
        "clusterTime": cluster_time(record),
        "wallTime": datetime.datetime.fromtimestamp(wall_ms / 1000, datetime.UTC).replace(
            tzinfo=None),
    }
    if operation in ("insert", "replace") and record.full_document is not None:
        event["fullDocument"] = record.full_document
    event["ns"] = {"db": record.db_name, "coll": record.coll_name}
    event["documentKey"] = dict(record.document_key)
    if operation == "update":
        description = record.update_description or {}
        if "updatedFields" in description:
            # In MongoDB's order (a journal read back sorts the keys).
            event["updateDescription"] = {key: description[key] for key in DESCRIPTION}
    return event


def drop_events(drop, epoch, collection_stream):
    """[(position, event)]: a dropped collection as MongoDB reports it: ``drop``, then, on a
    stream of that collection alone, ``invalidate``."""
    common = {
        "clusterTime": Timestamp(drop.wall_ms // 1000, drop.sequence),
        "wallTime": datetime.datetime.fromtimestamp(drop.wall_ms / 1000, datetime.UTC).replace(
            tzinfo=None),
    }
    events = [(drop.position, {"_id": encode_token(epoch, drop.position),
                               "operationType": "drop", **common,
                               "ns": {"db": drop.db_name, "coll": drop.coll_name}})]
    if collection_stream:
        events.append((drop.invalidate_position, {
            "_id": encode_token(epoch, drop.invalidate_position),
            "operationType": "invalidate", **common}))
    return events


def describe_update(before, after):
    """updateDescription of an update that turned document ``before`` into ``after``."""
    updated, removed, truncated = {}, [], []
    _compare_documents(before, after, "", updated, removed, truncated)
    return {"updatedFields": updated, "removedFields": removed, "truncatedArrays": truncated}


def same_value(left, right):
    """Whether two stored values are the same BSON value (1, 1.0 and true are not)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return list(left) == list(right) and all(
            same_value(left[key], right[key]) for key in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(same_value, left, right))
    return left == right


def _compare_documents(before, after, prefix, updated, removed, truncated):
    removed.extend(f"{prefix}{key}" for key in before if key not in after)
    for key, value in after.items():
        path = f"{prefix}{key}"
        if key not in before:
            updated[path] = value
        else:
            _compare_values(before[key], value, path, updated, removed, truncated)


def _compare_values(old, new, path, updated, removed, truncated):
    if same_value(old, new):
        return
    if isinstance(old, dict) and isinstance(new, dict):
        _compare_documents(old, new, f"{path}.", updated, removed, truncated)
    elif isinstance(old, list) and isinstance(new, list):
        if len(new) < len(old):
            truncated.append({"field": path, "newSize": len(new)})
        for index, element in enumerate(new):
            if index < len(old):
                _compare_values(old[index], element, f"{path}.{index}", updated, removed,
                                truncated)
            else:
                updated[f"{path}.{index}"] = element
    else:
        updated[path] = new
