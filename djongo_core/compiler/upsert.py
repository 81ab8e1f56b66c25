"""bulk_create(update_conflicts=True): one upsert per object, keyed by a unique index.

SQL's `INSERT ... ON CONFLICT (unique_fields) DO UPDATE SET update_fields` becomes one `bulk_write`
of `UpdateOne(filter on the unique_fields' values, {"$set": update_fields' values, "$setOnInsert":
the other values, the counter-drawn _id included}, upsert=True)`; a new document takes the
filter's values as MongoDB seeds an upsert with them. A document that is already stored
is only ever changed in its update_fields, never replaced.

The filter only stands for "the row this one conflicts with" when the unique_fields are exactly
the fields of one unique index; on any other fields an upsert would silently update whichever
document matched first, so such a call is refused as PostgreSQL refuses a conflict target without
a matching constraint.

When update_fields are read by what the server computes (a stored GeneratedField, the key of an
index on an expression), the upsert only inserts (`$setOnInsert` alone), and each conflicting
document is then updated by a pipeline that sets the update_fields and computes those values
again, so that a document is never left with values and computed keys that disagree.
"""

import bson
from django.db import DatabaseError, ProgrammingError
from pymongo import InsertOne, UpdateOne
from pymongo.errors import BulkWriteError

from djongo_core.command import Command
from djongo_core.compiler.lookups import literal
from djongo_core.documents import stored_name
from djongo_core.sub_milliseconds import hidden_key, keeps_microseconds
from djongo_core.errors import DUPLICATE_KEY, duplicate_index, translated_errors
from djongo_core.indexes import keys_collation


class Upsert:
    """The upserts of one bulk_create() batch."""

    def __init__(self, compiler, documents, regenerate=None):
        """regenerate: the update pipeline stages that compute again, in a stored document,
        what reads the update_fields (stored generated fields, expression index keys)."""
        self.compiler = compiler
        self.regenerate = regenerate
        self.connection = compiler.connection
        self.opts = compiler.query.get_meta()
        self.table = self.opts.db_table
        self.documents = documents
        self.target, self.nulls_distinct = conflict_target(self.opts, compiler.query.unique_fields)
        self.indexed = list(self.target)
        # A datetime's microseconds below the millisecond are part of its value
        # (sub_milliseconds.py): compared in the filter, written and removed with it.
        self.target += [hidden_key(field.column) for field in compiler.query.unique_fields
                        if keeps_microseconds(field)]
        self.updated = [stored_name(field) for field in compiler.query.update_fields]
        self.hidden_updated = [hidden_key(field.column)
                               for field in compiler.query.update_fields
                               if keeps_microseconds(field)]
        # The filter compares as the unique index does: under its fields' collation.
        collation = None if self.target == ["_id"] else keys_collation(
            self.opts.model, compiler.query.unique_fields,
            f"bulk_create(update_conflicts=True) on {self.opts.label}")
        self.collation = dict(collation) if collation else None

    def command(self, documents=None):
        documents = self.documents if documents is None else documents
        requests = [self.request(document) for document in documents]
        return Command(self.table, "bulk_write", (requests,), {"ordered": True},
                       model=self.opts.model)

    def key(self, document):
        """Return the filter that finds the stored document this one conflicts with."""
        return {name: document.get(name) for name in self.target}

    def request(self, document):
        # Values given as expressions are computed by then (the insert compiler's _complete),
        # so each unique field holds a value to filter on.
        if "_id" in self.target and "_id" not in document:
            # An ObjectId key pymongo fills in: a new key that nothing can conflict with.
            return InsertOne(document)
        key = self.key(document)
        if self.nulls_distinct and any(key[name] is None for name in self.indexed):
            # The unique index leaves nulls out (a nullable unique field), so a null never
            # conflicts: the object is a plain insert, as with SQL's ON CONFLICT.
            return InsertOne(document)
        # With values to compute again, a stored document is updated afterwards, in one
        # pipeline with them (_update_stored): the upsert only inserts.
        assignments = {} if self.regenerate else {
            name: document[name] for name in [*self.updated, *self.hidden_updated]
            if name in document}
        removed = [] if self.regenerate else [
            name for name in self.hidden_updated if name not in document]
        # A new document starts from the filter's values; $setOnInsert adds the rest.
        on_insert = {name: value for name, value in document.items()
                     if name not in assignments and name not in key}
        update = {}
        if assignments:
            update["$set"] = assignments
        if removed:
            update["$unset"] = dict.fromkeys(removed, "")
        if on_insert:
            update["$setOnInsert"] = on_insert
        return UpdateOne(key, update, upsert=True, collation=self.collation)

    def run(self, counter, read_back):
        """Write the batch; return per document whether it was inserted (False: updated).

        read_back names the stored values the caller needs (None: none). The values of each
        updated document are then replaced by the stored ones, its _id first of all, so that
        the object gets the key of the document it was written into."""
        inserted = self._write(counter)
        updated = [i for i, was_inserted in enumerate(inserted) if not was_inserted]
        if updated and self.regenerate:
            self._update_stored([self.documents[i] for i in updated])
        if updated and read_back is not None:
            stored = self._stored([self.documents[i] for i in updated], {"_id", *read_back})
            for i, document in zip(updated, stored, strict=True):
                self.documents[i].clear()
                self.documents[i].update(document)
        return inserted

    def _write(self, counter):
        """Send the upserts; return per document whether it was inserted."""
        inserted = [False] * len(self.documents)
        start, healed = 0, False
        while True:
            command = self.command(self.documents[start:])
            try:
                result = self._run(command)
            except BulkWriteError as error:
                failure = error.details["writeErrors"][0]
                self._note_inserted(inserted, start, command, error.details.get("upserted", []),
                                    done=failure["index"])
                if (counter and not healed and failure.get("code") == DUPLICATE_KEY
                        and duplicate_index(failure) == "_id_"):
                    # A stale counter drew an id that is taken: raise the counter past the
                    # stored ids, renumber what is not written yet, and go on from there once.
                    healed = True
                    start += failure["index"]
                    self.compiler.renumber(self.opts, counter, self.documents[start:])
                    continue
                with translated_errors(command):
                    raise
            upserts = [{"index": index, "_id": key} for index, key in result.upserted_ids.items()]
            self._note_inserted(inserted, start, command, upserts, done=len(command.args[0]))
            return inserted

    def _update_stored(self, documents):
        """Write the update_fields into the stored documents the objects conflicted with, and
        compute again what reads them, in one pipeline update per document: a value that
        collides under a unique index leaves its document as it was."""
        requests = []
        for document in documents:
            assignments = {name: literal(document[name]) for name in self.updated
                           if name in document}
            assignments.update({name: literal(document[name]) if name in document else "$$REMOVE"
                                for name in self.hidden_updated})
            pipeline = [{"$set": assignments}] if assignments else []
            requests.append(UpdateOne(self.key(document), [*pipeline, *self.regenerate],
                                      collation=self.collation))
        self.connection.executor.run(Command(self.table, "bulk_write", (requests,),
                                             {"ordered": True}, model=self.opts.model))

    def _note_inserted(self, inserted, start, command, upserts, done):
        """Mark the documents written as new among the first `done` requests from start."""
        for upsert in upserts:
            inserted[start + upsert["index"]] = True
            # The server's _id for a document keyed by ObjectId that came without one.
            self.documents[start + upsert["index"]].setdefault("_id", upsert["_id"])
        for index, request in enumerate(command.args[0][:done]):
            if isinstance(request, InsertOne):
                inserted[start + index] = True

    def _run(self, command):
        """Run the batch; a failed write reaches the caller as pymongo raised it."""
        try:
            return self.connection.executor.run(command)
        except DatabaseError as error:
            if isinstance(error.__cause__, BulkWriteError):
                raise error.__cause__ from None
            raise

    def _stored(self, documents, names):
        """Return the stored documents the given ones were upserted into, in their order.

        One find with every key, paired in Python by the keys' BSON encoding; a key MongoDB
        matched but that encodes differently (1 against 1.0, a collation) is read on its own."""
        keys = [self.key(document) for document in documents]
        projection = dict.fromkeys(sorted(names | set(self.target)), 1)
        options = {"collation": self.collation} if self.collation else {}
        found = self.connection.executor.documents(Command(
            self.table, "find", ({"$or": keys}, projection), options, model=self.opts.model))
        codec = self.connection.mongo_database.codec_options
        by_key = {}
        for document in found:
            by_key.setdefault(_encoded(document, self.target, codec), document)
        stored = []
        for key in keys:
            document = by_key.get(_encoded(key, self.target, codec))
            if document is None:
                document = self.connection.executor.run(Command(
                    self.table, "find_one", (key, projection), options, model=self.opts.model))
            if document is None:
                raise DatabaseError(
                    f"bulk_create(update_conflicts=True) on {self.opts.label}: the document "
                    f"matching {key} was deleted before its key could be read back."
                )
            stored.append({name: document.get(name) for name in names})
        return stored


def _encoded(values, names, codec):
    return bson.encode({name: values.get(name) for name in names}, codec_options=codec)


def conflict_target(opts, unique_fields):
    """Return the stored names of the unique index named by unique_fields, and whether that
    index leaves nulls out; raise ProgrammingError when no unique index has exactly them."""
    wanted = frozenset(unique_fields)
    for fields, nulls_distinct in _unique_sets(opts):
        if frozenset(fields) == wanted:
            return [stored_name(field) for field in fields], nulls_distinct
    names = ", ".join(field.name for field in unique_fields)
    raise ProgrammingError(
        f"bulk_create(update_conflicts=True) on {opts.label} (collection {opts.db_table!r}): "
        f"unique_fields ({names}) are not the fields of one unique index. The upsert filters on "
        "them, so they must be exactly the fields of the primary key, of a field with "
        "unique=True, of a unique_together entry or of a UniqueConstraint without condition "
        "or expressions."
    )


def _unique_sets(opts):
    """Yield (fields, nulls are left out of the index) for every unique index of the model."""
    fields = {field.name: field for field in opts.concrete_fields}
    yield [opts.pk], False
    for field in opts.concrete_fields:
        if field.unique and not field.primary_key:
            # schema.py gives a nullable unique field a partial index without nulls.
            yield [field], field.null
    for names in opts.unique_together:
        yield [fields[name] for name in names], False
    for constraint in opts.total_unique_constraints:
        if constraint.deferrable is not None or constraint.include:
            continue  # MongoDB holds no index for these (schema.py leaves them out)
        members = [fields[name] for name in constraint.fields]
        yield members, (constraint.nulls_distinct is not False
                        and any(field.null for field in members))
