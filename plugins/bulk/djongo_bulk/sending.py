"""Sending a batch: one bulk_write per collection, or one client-level bulkWrite (MongoDB 8.0+).

MongoDB before 8.0 writes one collection per command, so a batch touching several collections is
one `bulk_write` per collection, in the order the collections were first written. The final data
is the same as in queue order (writes to different collections do not see each other), but an
ordered batch stops at a collection's first failure: that collection's later writes and every
collection not sent yet are not attempted. MongoDB 8.0's client-level `bulkWrite` keeps the
exact queue order across collections in one command; it is used when the server offers it
(maxWireVersion 25 and up), the batch spans several collections and no transaction is open
(the transactions plugin runs collection-level writes in its session).
"""

from django.db import DatabaseError
from pymongo.errors import BulkWriteError as PyMongoBulkWriteError
from pymongo.errors import ClientBulkWriteException

from djongo_core.plugins import Command
from djongo_bulk.errors import (
    BulkError, batch_message, describe_failure, error_class,
    missing_document_message,
)
from djongo_bulk.results import BulkResult, Counts, counts_from_details, counts_of

#: The wire version of MongoDB 8.0, the first with the client-level bulkWrite command.
CLIENT_BULK_WRITE_WIRE_VERSION = 25


def send(connection, operations, ordered, settings):
    """Send the operations; return what they did, or raise BulkWriteError naming each failure."""
    if not operations:
        return BulkResult()
    collections = list(dict.fromkeys(operation.collection for operation in operations))
    in_transaction = (connection.transaction_manager is not None
                      and not connection.get_autocommit())
    if (settings.client_bulk_write and len(collections) > 1 and not in_transaction
            and offers_client_bulk_write(connection)):
        outcome = _client_level(connection, operations, ordered)
    else:
        outcome = _per_collection(connection, operations, ordered, collections, in_transaction)
    if outcome.errors or outcome.unknown:
        errors = sorted(outcome.errors, key=lambda error: error.index)
        message = batch_message(connection.alias, errors, operations, outcome.not_attempted,
                                outcome.rolled_back, ordered)
        if outcome.unknown:
            message += (f"\nThe bulk_write of collection {outcome.unknown[0].collection!r} failed "
                        f"as a whole ({outcome.cause}): whether its {len(outcome.unknown)} writes "
                        "were applied is unknown (see unknown).")
        error = error_class(errors)(message, errors=errors, result=outcome.result,
                                    not_attempted=outcome.not_attempted,
                                    rolled_back=outcome.rolled_back, ordered=ordered)
        error.unknown = outcome.unknown
        raise error from outcome.cause
    return outcome.result


def offers_client_bulk_write(connection) -> bool:
    """Whether every writable server the client knows runs MongoDB 8.0 or later."""
    description = connection.mongo_client.topology_description
    versions = [server.max_wire_version for server in description.server_descriptions().values()
                if server.is_writable and server.max_wire_version is not None]
    return bool(versions) and min(versions) >= CLIENT_BULK_WRITE_WIRE_VERSION


class Outcome:
    """What sending a batch did, gathered across its commands."""

    def __init__(self):
        self.result = BulkResult()
        self.errors = []
        self.not_attempted = []
        self.rolled_back = []
        #: Writes of a command that failed as a whole (a lost connection): unknown outcome.
        self.unknown = []
        self.cause = None

    def fail(self, operation, write_error):
        message, key_value, details = describe_failure(write_error)
        if operation.kind == "insertOne" and " index: _id_ " in write_error.get("errmsg", ""):
            message += (". If the key came from the model's __schema__ counter, the counter is "
                        "behind the stored documents (written outside Django): run manage.py "
                        "adoptdb, or save one object outside a block, which moves it past them")
        self.errors.append(BulkError(operation, write_error.get("code"), message, key_value,
                                     details))

    def missing(self, operation):
        self.errors.append(BulkError(operation, None, missing_document_message(operation)))


def _per_collection(connection, operations, ordered, collections, in_transaction):
    outcome = Outcome()
    for collection in collections:
        batch = [operation for operation in operations if operation.collection == collection]
        if outcome.errors or outcome.unknown:
            if ordered or in_transaction:
                outcome.not_attempted.extend(batch)
                continue
        command = Command(collection, "bulk_write",
                          ([operation.request() for operation in batch],),
                          {"ordered": ordered}, model=batch[0].model)
        try:
            result = connection.executor.run(command)
        except DatabaseError as error:
            failure = error.__cause__
            if not isinstance(failure, PyMongoBulkWriteError):
                outcome.unknown.extend(batch)
                outcome.cause = outcome.cause or error
                continue
            _failed_collection(connection, outcome, batch, failure.details, ordered,
                               in_transaction, error)
            continue
        outcome.result.record(batch[0].model, counts_of(result))
        _check_saves(connection, outcome, batch, counts_of(result), len(result.upserted_ids))
    return outcome


def _failed_collection(connection, outcome, batch, details, ordered, in_transaction, error):
    write_errors = details.get("writeErrors", [])
    failed = set()
    for write_error in write_errors:
        outcome.fail(batch[write_error["index"]], write_error)
        failed.add(write_error["index"])
    for concern_error in details.get("writeConcernErrors", []):
        # Applied, but not confirmed as the write concern asks: the writes stay counted.
        outcome.cause = error
        outcome.errors.append(BulkError(batch[-1], concern_error.get("code"),
                                        f"write concern not satisfied: {concern_error}"))
    attempted = batch
    if ordered and write_errors:
        first = min(failed)
        outcome.not_attempted.extend(batch[first + 1:])
        attempted = batch[:first + 1]
    if in_transaction:
        # MongoDB aborted the transaction: nothing this bulk_write did is left.
        outcome.rolled_back.extend(operation for index, operation in enumerate(attempted)
                                   if index not in failed)
        outcome.cause = outcome.cause or error
        return
    counts = counts_from_details(details)
    outcome.result.record(batch[0].model, counts)
    outcome.cause = outcome.cause or error
    succeeded = [operation for index, operation in enumerate(attempted) if index not in failed]
    _check_saves(connection, outcome, succeeded, counts, len(details.get("upserted", [])))


def _check_saves(connection, outcome, attempted, counts, upserted):
    """Report the save()s of stored objects that matched no document.

    A collection-level result counts matches for the whole command. When every write that
    can match one document is accounted for, the saves all matched; otherwise the documents
    of the saves are looked up (one find), and a save whose document is missing failed.
    """
    saves = [operation for operation in attempted if operation.must_match]
    if not saves:
        return
    if not any(operation.kind == "updateMany" for operation in attempted):
        singles = sum(1 for operation in attempted
                      if operation.kind in ("updateOne", "replaceOne") and not operation.upsert)
        upserts = sum(1 for operation in attempted if operation.upsert)
        if counts.matched == singles + upserts - upserted:
            return
    model = saves[0].model
    keys = [operation.pk for operation in saves]
    stored = {document["_id"] for document in connection.executor.documents(Command(
        saves[0].collection, "find", ({"_id": {"$in": keys}}, {"_id": 1}), model=model))}
    for operation in saves:
        if operation.pk not in stored and not _deleted_after(operation, attempted):
            outcome.missing(operation)


def _deleted_after(save, operations):
    """Whether a delete queued after the save names its key: the document it updated may be
    gone because of it, which proves nothing about the save."""
    for operation in operations:
        if (operation.index > save.index and operation.kind.startswith("delete")
                and operation.filter and set(operation.filter) == {"_id"}):
            named = operation.filter["_id"]
            if save.pk in (named.get("$in", ()) if isinstance(named, dict) else (named,)):
                return True
    return False


def _client_level(connection, operations, ordered):
    outcome = Outcome()
    database = connection.mongo_database.name
    models = [operation.request(namespace=f"{database}.{operation.collection}")
              for operation in operations]
    command = Command(None, "bulk_write", (models,), {"ordered": ordered, "verbose_results": True})
    try:
        result = connection.executor.run(command)
    except DatabaseError as error:
        failure = error.__cause__
        if not isinstance(failure, ClientBulkWriteException):
            outcome.unknown, outcome.cause = list(operations), error
            return outcome
        outcome.cause = error
        failed = set()
        for write_error in failure.write_errors or []:
            outcome.fail(operations[write_error["idx"]], write_error)
            failed.add(write_error["idx"])
        if failure.error:
            # A top-level error: the writes without a result of their own are unknown.
            result = failure.partial_result
            done = set(failed)
            if result is not None:
                done |= {*result.insert_results, *result.update_results, *result.delete_results}
            outcome.unknown = [operation for index, operation in enumerate(operations)
                               if index not in done]
        elif ordered and failed:
            outcome.not_attempted = operations[min(failed) + 1:]
        result = failure.partial_result
        if result is None:
            return outcome
    _record_per_operation(outcome, operations, result)
    return outcome


def _record_per_operation(outcome, operations, result):
    """Count a verbose client-level result per model, and check the saves one by one."""
    per_model = {}
    for index in result.insert_results:
        per_model.setdefault(operations[index].model, Counts()).inserted += 1
    for index, update in result.update_results.items():
        operation = operations[index]
        counts = per_model.setdefault(operation.model, Counts())
        counts.matched += update.matched_count
        counts.modified += update.modified_count
        if update.upserted_id is not None:
            counts.upserted += 1
        elif operation.must_match and update.matched_count == 0:
            outcome.missing(operation)
    for index, delete in result.delete_results.items():
        per_model.setdefault(operations[index].model, Counts()).deleted += delete.deleted_count
    for model, counts in per_model.items():
        outcome.result.record(model, counts)
