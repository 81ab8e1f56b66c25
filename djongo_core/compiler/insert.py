"""INSERT: documents with integer ids from the `__schema__` counters, never overwriting.

An insert is always `insert_one`/`insert_many`, never a replace, so a document that is already
stored can never be lost; only bulk_create(update_conflicts=True) upserts (compiler/upsert.py),
which changes nothing of a stored document but its update_fields. When a counter is stale (a
database adopted from elsewhere, ids written by hand), the insert fails on the `_id` index
instead; the compiler then raises the counter past the collection's highest id and retries the
rest of the batch once.
"""

from django.db import IntegrityError
from django.db.models.constants import OnConflict
from django.db.models.expressions import DatabaseDefault, Subquery, Value
from django.db.models.sql.constants import SINGLE
from django.db.models.sql.query import Query
from pymongo import ReturnDocument
from django.db.models.sql import compiler
from pymongo.errors import BulkWriteError, DuplicateKeyError

from djongo_core.command import Command
from djongo_core.compiler.column_rules import check_value
from djongo_core.compiler.expressions import Translator
from djongo_core.compiler.json_null import stored_absent
from djongo_core.documents import stored_name
from djongo_core.compiler.lookups import literal
from djongo_core.compiler.upsert import Upsert
from djongo_core.errors import (
    duplicate_index, duplicate_key_details, is_duplicate_key, translated_errors,
)

INTEGER_AUTO_FIELDS = {"AutoField", "BigAutoField", "SmallAutoField"}


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
            ids = self.connection.counters.reserve(opts.db_table, counter, len(documents))
            for document, value in zip(documents, ids, strict=True):
                document["_id"] = value
        # Ids given by hand (fixtures, explicit pks) may pass the counter; the next counted
        # insert that collides heals it, so they cost no extra command here. An explicit id that
        # collides is the caller's duplicate: an IntegrityError, never a new id.
        if self.query.on_conflict == OnConflict.UPDATE:
            computed = self._upsert(documents, computed, counter, returning_fields)
        else:
            self._insert(opts, documents, counter)
        if any(computed):
            self._compute(opts, documents, computed)
        if not returning_fields:
            return []
        rows = [[document.get(stored_name(f)) for f in returning_fields] for document in documents]
        columns = [field.get_col(opts.db_table) for field in returning_fields]
        converters = self.get_converters(columns)
        if converters:
            rows = self.apply_converters(rows, converters)
        return [tuple(row) for row in rows]

    def _upsert(self, documents, computed, counter, returning_fields):
        """Run bulk_create(update_conflicts=True); return the expressions left to compute.

        An updated document keeps its stored values but for update_fields, so only those of
        its expressions (Now(), Lower(...)) are computed for it."""
        upsert = Upsert(self, documents)
        read_back = None
        if returning_fields or any(computed):
            read_back = {stored_name(field) for field in returning_fields or ()}
        inserted = upsert.run(counter, read_back)
        return [
            expressions if new else {k: v for k, v in expressions.items() if k in upsert.updated}
            for expressions, new in zip(computed, inserted, strict=True)
        ]

    def _counter_column(self, opts):
        """Return the auto field's column when its values must come from the counter."""
        auto = opts.auto_field
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
                value = self.pre_save_val(field, obj)
                # Value(None, JSONField()) (JSONNull()), also as a db_default, is JSON null; a
                # plain None is SQL NULL.
                given = value.expression if isinstance(value, DatabaseDefault) else value
                json_null = isinstance(given, Value) and stored_absent(field, given.value)
                value = self.prepare_value(field, value)
                if value is None and field is driver_key:
                    continue
                if isinstance(value, DatabaseDefault):
                    value = value.expression
                if isinstance(value, Value):
                    value = field.get_db_prep_save(value.value, connection=self.connection)
                if hasattr(value, "resolve_expression"):
                    expressions[stored_name(field)] = value
                elif json_null:
                    document[stored_name(field)] = None
                else:
                    check_value(field, value)
                    if not stored_absent(field, value):
                        document[stored_name(field)] = value
            documents.append(document)
            computed.append(expressions)
        return documents, computed

    def _compute(self, opts, documents, computed):
        """Let the server compute the values given as expressions (Now(), Lower(...), db_default
        functions): an insert stores values, so each such document is updated right after its
        insert with a pipeline that evaluates them, and the results are read back."""
        translator = Translator(self, {})
        for document, expressions in zip(documents, computed, strict=True):
            if not expressions:
                continue
            assignments = {key: self._server_value(expression, translator)
                           for key, expression in expressions.items()}
            stored = self.connection.executor.run(Command(
                opts.db_table, "find_one_and_update",
                ({"_id": document["_id"]}, [{"$set": assignments}]),
                {"projection": {key: 1 for key in assignments},
                 "return_document": ReturnDocument.AFTER},
            ))
            document.update({key: stored.get(key) for key in assignments})

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
            return Command(table, "insert_one", (documents[0],))
        return Command(table, "insert_many", (documents,), {"ordered": not ignore})

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
        self.connection.counters.heal(opts.db_table, counter)
        ids = self.connection.counters.reserve(opts.db_table, counter, len(documents))
        for document, value in zip(documents, ids, strict=True):
            document["_id"] = value

    def _run_raw(self, command):
        """Run the insert; duplicate-key errors reach the caller untranslated for healing."""
        try:
            self.connection.executor.run(command)
        except IntegrityError as error:
            if is_duplicate_key(error.__cause__):
                raise error.__cause__ from None
            raise


def _driver_assigned_key(opts):
    """Return the auto key that pymongo fills in (an ObjectId) when a document has none.

    bulk_create() only leaves out keys that subclass Django's AutoField, which ObjectIdAutoField
    does not (it is no integer), so its objects arrive with a key of None: left out of the
    document, it gets pymongo's ObjectId instead of failing as a null.
    """
    auto = opts.auto_field
    if auto is None or auto.get_internal_type() in INTEGER_AUTO_FIELDS:
        return None
    return auto


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
