"""The history of writes change streams read on the embedded engine (for the change streams
shim, change_streams.py): mongoeco's change stream hub, with what MongoDB's oplog has and the
hub lacks.

Every write the embedded server makes, whichever connection sent it, goes through its
in-process mongoeco client, which records it in the client's hub (mongoeco's in-process change
streams). The hub records only while someone watches or while it keeps a journal, and leaves an
update's description empty. So, per server:

- a server starts recording at its first change stream and records every write from then on
  (bounded to the hub's last 10,000 writes, as an oplog is bounded): an in-memory server until
  it stops; a persistent server (``embedded:///dir``) into the hub's journal in the data
  directory, and, once a change stream has been opened on the directory, from every start of
  its server on, so that the history, and the tokens that point into it, survive a restart;
- the engine hands each update's document before and after it to the client, which passes
  only the latter to the hub: the shim keeps the former (the *pre-image*, see
  :meth:`ChangeHistory.remember`) and, when the hub records the update, stores its
  updateDescription, and the write's wall-clock time, with the record;
- dropped collections are kept apart from the hub (change_drops.py);
- ``epoch`` names the history (kept next to the journal, new for an in-memory server) and
  ``since`` is the last write it did not record: no stream resumes from before it.
"""

import json
import threading
import time
import uuid
from contextlib import asynccontextmanager
from pathlib import Path

from djongo_core.embedded.shims.change_drops import DropLog
from djongo_core.embedded.shims.replies import command_error as error
from djongo_core.embedded.shims.change_events import (
    WALL_TIME, cluster_time, describe_update,
)

_HISTORY_LOST = (286, "ChangeStreamHistoryLost")


def _history_lost(why):
    return error(*_HISTORY_LOST, f"Resume of change stream was not possible, as the resume "
                                 f"point may no longer be in the oplog: {why}")


def _key(db_name, coll_name, document_key):
    return db_name, coll_name, repr(document_key.get("_id"))


class ChangeHistory:
    """The recorded writes of one embedded server (one in-process mongoeco client)."""

    def __init__(self, client):
        self.client = client
        self.hub = client._change_hub
        self.streams = {}             # cursor id -> the change_streams.Stream it reads
        self._guard = threading.Lock()
        self._pre_images = {}         # (db, coll, repr(_id)) -> [document before an update]
        self._in_transaction = {}     # id(session) -> [(key, document)] until it ends
        self._last_wall_ms = 0
        self.epoch, self.since, self.since_wall_ms = self._load_or_begin()
        journal = self.hub.journal_path
        self.drops = DropLog(None if journal is None else f"{journal}.drops")
        original_publish = self.hub.publish

        def publish(**payload):
            if payload["operation_type"] == "invalidate":
                # mongoeco records a dropped collection straight into the hub, outside the
                # engine's commit sequence that numbers every other record; the hub would then
                # skip the engine's next record as already seen. Kept apart (change_drops.py).
                self._record_drop(payload["db_name"], payload["coll_name"])
                return
            original_publish(**{**payload, "update_description": self._annotation(payload)})

        # mongoeco's writes reach the hub through this one method (in process and committed
        # changes of the SQLite engine alike).
        self.hub.publish = publish
        # The same holds for a drop made while the hub does not record: mongoeco marks it as a
        # gap, which takes the next write's number too. The hub needs no gap marks: aligning
        # to the number of each write the engine delivers records the gaps before it.
        self.hub.mark_gap = lambda: None
        # A hub with a journal would record from the server's start; until a change stream
        # has been opened on the data directory, that would only slow every write down.
        hub_records = self.hub.should_publish_events
        self.hub.should_publish_events = lambda: self.recording and hub_records()

    # -- where the history starts ------------------------------------------------------------

    def _load_or_begin(self):
        """(epoch, since, since_wall_ms) of the history kept with the journal, if any."""
        journal = self.hub.journal_path
        if journal is not None:
            try:
                saved = json.loads(self._marker().read_text())
                return saved["epoch"], saved["since"], saved["sinceWallMs"]
            except (OSError, ValueError, KeyError, TypeError):
                pass
        return uuid.uuid4().hex[:8], None, None

    def _marker(self):
        return Path(f"{self.hub.journal_path}.epoch")

    @property
    def recording(self):
        return self.since is not None

    def start_recording(self):
        """Record every write from now on (at the first change stream of a server, or of a
        data directory: its server then records from its start on)."""
        if self.recording:
            return
        since, since_wall_ms = self.hub.state.next_token - 1, int(time.time() * 1000)
        if self.hub.journal_path is None:
            # A watcher that never leaves: the hub records while it has one.
            self.hub.register_watcher()
        else:
            marker = self._marker()
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(json.dumps({"epoch": self.epoch, "since": since,
                                          "sinceWallMs": since_wall_ms}))
        self.since, self.since_wall_ms = since, since_wall_ms

    # -- reading ------------------------------------------------------------------------------

    async def record_at(self, offset, wait_seconds=0.0):
        """(next offset, the record at ``offset``), waiting up to ``wait_seconds`` for it to be
        written; (offset, None) if it was not."""
        try:
            return await self.hub.wait_for_event_async(offset, timeout_seconds=wait_seconds)
        except Exception as failure:
            if "no longer available" in str(failure):
                raise _history_lost("the stream fell more than 10,000 writes behind") \
                    from failure
            raise

    def end(self):
        """(offset after the last record, position after the last write and drop)."""
        state = self.hub.state
        return state.current_offset, self.drops.end_of(state.next_token - 1)

    async def first_offset(self, reached):
        """The offset of the first retained record for which ``reached(record)`` holds."""
        state = self.hub.state
        low, high = state.base_offset, state.current_offset
        while low < high:
            middle = (low + high) // 2
            _next, record = await self.record_at(middle)
            if record is None or reached(record):
                high = middle
            else:
                low = middle + 1
        return low

    def require_after(self, sequence):
        """Refuse a resume point (a sequence) whose following writes the history lacks."""
        state = self.hub.state
        if sequence < self.since:
            raise _history_lost("the token is older than the server's first change stream")
        if sequence >= state.next_token:
            raise _history_lost("the token is newer than every write of this server")
        if state.base_offset and sequence < state.retained_start_token - 1:
            raise _history_lost("the server keeps its last 10,000 writes only")

    async def require_at_time(self, timestamp):
        """Refuse a startAtOperationTime earlier than the history."""
        start = (self.since_wall_ms // 1000, self.since + 1)
        if self.since and (timestamp.time, timestamp.inc) < start:
            raise _history_lost("the time is before the server's first change stream")
        state = self.hub.state
        if state.base_offset:
            _next, first = await self.record_at(state.base_offset)
            if first is not None:
                first_time = cluster_time(first)
                if (timestamp.time, timestamp.inc) < (first_time.time, first_time.inc):
                    raise _history_lost("the server keeps its last 10,000 writes only")

    # -- recording ----------------------------------------------------------------------------

    def _record_drop(self, db_name, coll_name):
        if not self.recording:
            return
        self.drops.record(self.hub.state.next_token - 1, self._wall_ms(), db_name, coll_name)
        # Streams waiting for the next record read the drop now.
        self.hub.wake_waiters()

    def _wall_ms(self):
        with self._guard:
            # Never backwards, so that clusterTimes order as the writes.
            self._last_wall_ms = max(self._last_wall_ms, int(time.time() * 1000))
            return self._last_wall_ms

    def _annotation(self, payload):
        description = dict(payload.get("update_description") or {})
        if payload["operation_type"] in ("update", "replace"):
            before = self._take_pre_image(_key(payload["db_name"], payload["coll_name"],
                                               payload["document_key"]))
            if before is not None and payload["operation_type"] == "update" \
                    and payload.get("full_document") is not None:
                description.update(describe_update(before, payload["full_document"]))
        description[WALL_TIME] = self._wall_ms()
        return description

    def _take_pre_image(self, key):
        with self._guard:
            waiting = self._pre_images.get(key)
            if not waiting:
                return None
            document = waiting.pop(0)
            if not waiting:
                del self._pre_images[key]
            return document

    def remember(self, db_name, coll_name, outcome, session):
        """Keep the pre-image of an update the engine made, for the hub's record of it (made
        right after, or at the commit of its transaction)."""
        before, after = outcome.before_document, outcome.after_document
        # mongoeco records neither an update that changed nothing nor an upsert as an update.
        if (not self.recording or before is None or after is None or "_id" not in after
                or not outcome.result.modified_count or outcome.result.did_upsert):
            return
        entry = (_key(db_name, coll_name, after), before)
        with self._guard:
            if getattr(session, "in_transaction", False):
                self._in_transaction.setdefault(id(session), []).append(entry)
            else:
                self._pre_images.setdefault(entry[0], []).append(entry[1])

    def _add_pre_images(self, entries):
        with self._guard:
            for key, document in entries:
                self._pre_images.setdefault(key, []).append(document)

    def _drop_pre_images(self, entries):
        """Forget the pre-images no record took (the transaction's commit failed)."""
        with self._guard:
            for key, document in entries:
                waiting = self._pre_images.get(key) or []
                for index, candidate in enumerate(waiting):
                    if candidate is document:
                        del waiting[index]
                        break
                if not waiting:
                    self._pre_images.pop(key, None)

    @asynccontextmanager
    async def ending_transaction(self, context):
        """Around commitTransaction or abortTransaction: the pre-images of the transaction's
        updates, which the hub records at its commit."""
        with self._guard:
            entries = self._in_transaction.pop(id(context.session), [])
        if context.command_name != "commitTransaction" or not entries:
            yield
            return
        self._add_pre_images(entries)
        try:
            yield
        finally:
            self._drop_pre_images(entries)
