"""INSERT: documents with integer ids from the `__schema__` counters, never overwriting.

An insert is always `insert_one`/`insert_many`, never a replace, so a document that is already
stored can never be lost; only bulk_create(update_conflicts=True) upserts (compiler/upsert.py),
which changes nothing of a stored document but its update_fields. When a counter is stale (a
database adopted from elsewhere, ids written by hand), the insert fails on the `_id` index
instead; the compiler then raises the counter past the collection's highest id and retries the
rest of the batch once.
"""

from bson import ObjectId
from django.db import IntegrityError
from django.db.models.constants import OnConflict
from django.db.models.expressions import DatabaseDefault, Subquery, Value
from django.db.models.sql.constants import SINGLE
from django.db.models.sql.query import Query
from django.db.models.sql import compiler
from pymongo.errors import BulkWriteError, DuplicateKeyError

from djongo_core import decimals, uuids
from djongo_core.command import Command
from djongo_core.compiler.column_rules import check_value
from djongo_core.compiler.expressions import Translator
from djongo_core.compiler.generated import (
    computed_keys,
    generated_value,
    is_virtual,
    regenerated_fields,
    write_stages,
)
from djongo_core.compiler.json_null import stored_absent
from djongo_core.documents import stored_name
from djongo_core.expression_indexes import is_hidden_key
from djongo_core.sub_milliseconds import hidden_key, keeps_microseconds, remainder
from djongo_core.compiler.lookups import literal
from djongo_core.compiler.upsert import Upsert
from djongo_core.errors import (
    duplicate_index, duplicate_key_details, is_duplicate_key, translated_errors,
)
from djongo_core.keys import INTEGER_AUTO_FIELDS


class SQLInsertCompiler(compiler.SQLInsertCompiler):
    def as_sql(self):
        documents, _ = self._documents()
        return [(self._command(documents).as_mql(), ())]

    def execute_sql(self, returning_fields=None):
        self.returning_fields = returning_fields
        opts = self.query.get_meta()
        documents, computed = self._documents()
        counter = self._counter_column(opts)
        if counter:
            ids = self.connection.counters.reserve(opts.db_table, counter, len(documents),
                                                   self._largest_id(opts), opts.model)
            for document, value in zip(documents, ids, strict=True):
                document["_id"] = value
        # The values only the server can compute are filled in before the insert, so that no
        # document is ever stored without them (a unique index on a generated field would
        # otherwise see one null per new document).
        self.virtual_values = self._complete(opts, documents, computed)
        # Ids given by hand (fixtures, explicit pks) may pass the counter; the next counted
        # insert that collides heals it, so they cost no extra command here. An explicit id that
        # collides is the caller's duplicate: an IntegrityError, never a new id.
        if self.query.on_conflict == OnConflict.UPDATE:
            self._upsert(opts, documents, counter, returning_fields)
        else:
            self._insert(opts, documents, counter)
        if not returning_fields:
            return []
        rows = [[self.virtual_values[id(document)].get(field.column) if is_virtual(field)
                 else document.get(stored_name(field)) for field in returning_fields]
                for document in documents]
        columns = [field.get_col(opts.db_table) for field in returning_fields]
        converters = self.get_converters(columns)
        if converters:
            rows = self.apply_converters(rows, converters)
        return [tuple(row) for row in rows]

    def _upsert(self, opts, documents, counter, returning_fields):
        """Run bulk_create(update_conflicts=True).

        An updated document keeps its stored values but for update_fields: its stored
        generated fields and expression index keys that read them are computed again from what
        it now holds, in the same update, and the generated values it returns are read
        from it."""
        translator = Translator(self, {opts.db_table: ""})
        regenerated = regenerated_fields(opts, self.query.update_fields)
        upsert = Upsert(self, documents, regenerate=regenerated and write_stages(
            regenerated, translator, opts.db_table))
        read_back = None
        if returning_fields:
            read_back = {stored_name(field) for field in returning_fields}
        inserted = upsert.run(counter, read_back)
        updated = [i for i, new in enumerate(inserted) if not new]
        if not updated:
            return
        virtual = [field for field in returning_fields or () if is_virtual(field)]
        if read_back is None or not (regenerated or virtual):
            return
        # The documents hold their stored _id by now (read back by the upsert).
        projection = {"_id": 1, **dict.fromkeys((f.column for f in regenerated), 1),
                      **{f.column: generated_value(f, translator, opts.db_table) for f in virtual}}
        found = {document["_id"]: document for document in self.connection.executor.documents(
            Command(opts.db_table, "aggregate", ([
                {"$match": {"_id": {"$in": [documents[i]["_id"] for i in updated]}}},
                {"$project": projection},
            ],), model=opts.model))}
        for i in updated:
            values = found.get(documents[i]["_id"], {})
            documents[i].update({field.column: values.get(field.column) for field in regenerated})
            self.virtual_values[id(documents[i])] = {field.column: values.get(field.column)
                                                     for field in virtual}

    def _largest_id(self, opts):
        """The largest value the model's integer auto field holds."""
        return self.connection.ops.integer_field_range(_auto_field(opts).get_internal_type())[1]

    def _counter_column(self, opts):
        """Return the auto field's column when its values must come from the counter."""
        auto = _auto_field(opts)
        if auto is None or auto.get_internal_type() not in INTEGER_AUTO_FIELDS:
            return None
        if any(field is auto for field in self.query.fields):
            return None
        return auto.column

    def _documents(self):
        """Return the documents to insert, and per document the expressions to compute."""
        fields = self.query.fields
        driver_key = _driver_assigned_key(self.query.get_meta())
        documents, computed = [], []
        for obj in self.query.objs:
            document, expressions = {}, {}
            for field in fields:
                # Rounded to a DecimalField's places, as its SQL column would round it.
                value = decimals.for_save(field, self.pre_save_val(field, obj))
                # Value(None, JSONField()) (JSONNull()), also as a db_default, is JSON null; a
                # plain None is SQL NULL.
                given = value.expression if isinstance(value, DatabaseDefault) else value
                json_null = isinstance(given, Value) and stored_absent(field, given.value)
                value = self.prepare_value(field, value)
                if value is None and field is driver_key:
                    continue
                if isinstance(value, DatabaseDefault):
                    value = value.expression
                if uuids.is_made_here(value):
                    # UUID4()/UUID7(): made here, one per document, as pymongo makes an _id.
                    value = Value(uuids.insert_value(value, self.query.model, field))
                if isinstance(value, Value):
                    value = field.get_db_prep_save(decimals.for_save(field, value.value),
                                                   connection=self.connection)
                if hasattr(value, "resolve_expression"):
                    expressions[stored_name(field)] = value
                elif json_null:
                    document[stored_name(field)] = None
                else:
                    check_value(field, value)
                    if not stored_absent(field, value):
                        document[stored_name(field)] = value
                    if keeps_microseconds(field) and remainder(value):
                        # The microseconds a BSON date cannot hold (sub_milliseconds.py).
                        document[hidden_key(field.column)] = remainder(value)
            documents.append(document)
            computed.append(expressions)
        return documents, computed

    def _complete(self, opts, documents, computed):
        """Let the server compute, before the insert, what the client cannot: values given as
        expressions (Now(), Lower(...), db_default functions), generated fields and the
        hidden keys of indexes on expressions.

        The documents run through a `$documents` pipeline that sets those values; the stored
        ones are written into the documents. Return {id(document): values} of the virtual
        generated fields the insert must return (they are never stored).
        """
        stored = computed_keys(opts)
        virtual = [field for field in self.returning_fields or () if is_virtual(field)]
        if not (stored or virtual or any(computed)):
            return {}
        translator = Translator(self, {opts.db_table: ""})
        if stored or virtual:
            driver_key = _driver_assigned_key(opts)
            for document in documents:
                if driver_key is not None and "_id" not in document:
                    # The key a generated expression may read: pymongo would make the same
                    # ObjectId on the client at insert time.
                    document["_id"] = ObjectId()
        generated_stages = write_stages(stored, translator, opts.db_table)
        virtual_values = {field.column: generated_value(field, translator, opts.db_table)
                          for field in virtual}
        # Documents given the same expressions share one pipeline (a bulk_create).
        batches = {}
        fields = {stored_name(field): field for field in self.query.fields}
        for index, expressions in enumerate(computed):
            assignments = {
                key: decimals.round_expression(fields.get(key),
                                               self._server_value(expression, translator))
                for key, expression in expressions.items()}
            batches.setdefault(repr(assignments), (assignments, []))[1].append(index)
        returned = {}
        for assignments, indexes in batches.values():
            if not (assignments or generated_stages or virtual_values):
                continue
            pipeline = _documents_pipeline([dict(documents[index]) for index in indexes])
            if assignments:
                pipeline.append({"$set": assignments})
            pipeline.extend(generated_stages)
            written = [*assignments, *(field.column for field in stored)]
            pipeline.append({"$project": {"_id": 0, **dict.fromkeys(written, 1),
                                          **virtual_values}})
            results = self.connection.executor.documents(Command(None, "aggregate",
                                                                 (pipeline,)))
            for index, result in zip(indexes, list(results), strict=True):
                # A key the pipeline left out is null, stored as such, but for an expression
                # index's key, absent where its value is null.
                documents[index].update({key: result.get(key) for key in written
                                         if key in result or not is_hidden_key(key)})
                returned[id(documents[index])] = {key: result.get(key)
                                                  for key in virtual_values}
        return returned

    def _server_value(self, expression, translator):
        if isinstance(expression, (Query, Subquery)):
            # Update pipelines cannot run a $lookup: the subquery's value is fetched first.
            query = getattr(expression, "query", expression)
            row = query.get_compiler(connection=self.connection).execute_sql(SINGLE)
            return literal(row[0] if row else None)
        return translator.expression(expression)

    def _command(self, documents):
        if self.query.on_conflict == OnConflict.UPDATE:
            return Upsert(self, documents).command()
        table = self.query.get_meta().db_table
        ignore = self.query.on_conflict is not None
        if len(documents) == 1 and not ignore:
            return Command(table, "insert_one", (documents[0],), model=self.query.model)
        return Command(table, "insert_many", (documents,), {"ordered": not ignore},
                       model=self.query.model)

    def _insert(self, opts, documents, counter):
        ignore_conflicts = self.query.on_conflict is not None
        healed = False
        while documents:
            command = self._command(documents)
            try:
                self._run_raw(command)
                return
            except (DuplicateKeyError, BulkWriteError) as error:
                if ignore_conflicts and _only_duplicates(error):
                    # Conflicts are dropped, but not a collision with an id the counter drew:
                    # that object conflicts with nothing the caller knows of.
                    stale = _taken_ids(error, documents) if counter and not healed else []
                    if not stale:
                        return
                    healed, documents = True, stale
                    self.renumber(opts, counter, documents)
                    continue
                index, _ = duplicate_key_details(error)
                if counter and not healed and index == "_id_" and is_duplicate_key(error):
                    # A stale counter: move it past the stored ids, renumber the rest, retry once.
                    healed = True
                    documents = documents[_inserted_count(error):]
                    self.renumber(opts, counter, documents)
                    continue
                with translated_errors(command):
                    raise

    def renumber(self, opts, counter, documents):
        """Raise a stale counter past the stored ids and give the documents new ones."""
        largest = self._largest_id(opts)
        self.connection.counters.heal(opts.db_table, counter, largest, opts.model)
        ids = self.connection.counters.reserve(opts.db_table, counter, len(documents), largest,
                                               opts.model)
        for document, value in zip(documents, ids, strict=True):
            document["_id"] = value
        # Generated values may read the key: computed again for the new ids (expressions
        # given as values are in the documents by now).
        self.virtual_values.update(self._complete(opts, documents, [{}] * len(documents)))

    def _run_raw(self, command):
        """Run the insert; duplicate-key errors reach the caller untranslated for healing."""
        try:
            self.connection.executor.run(command)
        except IntegrityError as error:
            if is_duplicate_key(error.__cause__):
                raise error.__cause__ from None
            raise


def _documents_pipeline(documents):
    """Return the stages that bring documents not yet stored into a database-level pipeline.

    They are one $literal array, unwound: `$documents` evaluates its documents as expressions,
    so a stored string such as "$x" would be read as a field path there.
    """
    return [
        {"$documents": [{}]},
        {"$project": {"_id": 0, "document": {"$literal": documents}}},
        {"$unwind": "$document"},
        {"$replaceWith": "$document"},
    ]


def _driver_assigned_key(opts):
    """Return the auto key that pymongo fills in (an ObjectId) when a document has none.

    bulk_create() only leaves out keys that subclass Django's AutoField, which ObjectIdAutoField
    does not (it is no integer), so its objects arrive with a key of None: left out of the
    document, it gets pymongo's ObjectId instead of failing as a null.
    """
    auto = _auto_field(opts)
    if auto is None or auto.get_internal_type() in INTEGER_AUTO_FIELDS:
        return None
    return auto


def _auto_field(opts):
    """Return the model's auto key, also for a proxy model (whose own options have none: the
    field was set up on the concrete model only)."""
    return opts.concrete_model._meta.auto_field


def _taken_ids(error, documents):
    """Return the documents of an unordered insert that failed on the _id index."""
    if not isinstance(error, BulkWriteError):
        return documents if duplicate_key_details(error)[0] == "_id_" else []
    return [documents[failure["index"]] for failure in error.details.get("writeErrors", [])
            if duplicate_index(failure) == "_id_"]


def _inserted_count(error):
    if isinstance(error, BulkWriteError):
        return error.details.get("nInserted", 0)
    return 0


def _only_duplicates(error):
    if isinstance(error, BulkWriteError):
        return all(e.get("code") == 11000 for e in error.details.get("writeErrors", []))
    return is_duplicate_key(error)
