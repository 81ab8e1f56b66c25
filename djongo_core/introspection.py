"""Read collections, fields, indexes and counters back from the server.

Fields come from two places: the declarations the schema editor keeps in `__schema__`
(catalog.py), and a sample of the collection's documents for every other key, which is all there
is on a database Django did not create. The primary key is stored as `_id`; where a declaration
names the model field behind it (e.g. "id"), `_id` is reported under that name, in field
descriptions and index keys alike, as Django's models see it.
"""

from collections import namedtuple

from bson import json_util

from django.db import DatabaseError
from django.db.models import DO_NOTHING
from django.db.backends.base.introspection import (
    BaseDatabaseIntrospection,
    FieldInfo as BaseFieldInfo,
    TableInfo as BaseTableInfo,
)

from djongo_core import progress
from djongo_core.catalog import declared_entry
from djongo_core.command import Command
from djongo_core.counters import SCHEMA_COLLECTION
from djongo_core import sub_milliseconds
from djongo_core.expression_indexes import is_hidden_key
from djongo_core.indexes import declared_keys
from djongo_core.sampling import DEFAULT_SAMPLE_SIZE, sample_fields

# declared_type: the Django field type recorded by migrations (None for a sampled key);
# primary_key: whether the key is the document's _id.
# comment: the db_comment recorded by migrations.
FieldInfo = namedtuple("FieldInfo",
                       BaseFieldInfo._fields + ("declared_type", "primary_key", "comment"))
TableInfo = namedtuple("TableInfo", BaseTableInfo._fields + ("comment",))


class DatabaseIntrospection(BaseDatabaseIntrospection):
    # BSON type of sampled values -> Django field (custom fields by their dotted path).
    data_types_reverse = {
        "int": "IntegerField",
        "long": "BigIntegerField",
        "double": "FloatField",
        "decimal": "DecimalField",
        "string": "TextField",
        "bool": "BooleanField",
        "date": "DateTimeField",
        "binData": "BinaryField",
        "uuid": "UUIDField",
        "objectId": "djongo_core.fields.ObjectIdField",
        "object": "JSONField",
        "array": "JSONField",
        "mixed": "JSONField",
    }

    # How many documents get_table_description reads from a collection (inspectdb's
    # --sample-size changes it for one run).
    sample_size = DEFAULT_SAMPLE_SIZE

    def get_field_type(self, data_type, description):
        if description.declared_type is not None:
            return description.declared_type
        if description.primary_key:
            if data_type == "objectId":
                return "djongo_core.fields.ObjectIdAutoField"
            if data_type in ("int", "long"):
                return "AutoField" if data_type == "int" else "BigAutoField"
        return super().get_field_type(data_type, description)

    def get_table_list(self, cursor):
        """Return the collections (views as "v"), leaving out `__schema__` and system ones."""
        self._described, self._listed = 0, None
        comments = {
            entry["name"]: entry["comment"]
            for entry in self.connection.executor.documents(Command(
                SCHEMA_COLLECTION, "find",
                ({"comment": {"$exists": True}}, {"name": 1, "comment": 1})))
        }
        tables = [
            TableInfo(info["name"], "v" if info.get("type") == "view" else "t",
                      comments.get(info["name"]))
            for info in sorted(self._collections(), key=lambda info: info["name"])
            if info["name"] != SCHEMA_COLLECTION and not info["name"].startswith("system.")
        ]
        self._listed = len(tables)
        return tables

    def _report_sampling(self):
        """Report inspectdb's walk through the listed collections (progress.py)."""
        listed = getattr(self, "_listed", None)
        if listed:
            self._described += 1
            progress.report(self.connection, "Sampling collections", min(self._described, listed),
                            listed, "collections")

    def get_table_description(self, cursor, table_name):
        """Describe the declared fields, then the other keys seen in a sample of documents."""
        if not any(info["name"] == table_name for info in self._collections(table_name)):
            raise DatabaseError(f"Collection {table_name!r} does not exist.")
        self._report_sampling()
        declared = declared_entry(self.connection, table_name).get("fields") or {}
        pk_column = self._pk_column(table_name, declared)
        description = [
            FieldInfo(column, info.get("db_type") or info["type"], info.get("max_length"), None,
                      info.get("max_digits"), info.get("decimal_places"), info["null"],
                      _shell_text(info["db_default"]) if "db_default" in info else None,
                      info.get("db_collation"), info["type"], bool(info.get("primary_key")),
                      info.get("comment"))
            for column, info in declared.items()
        ]
        for key, seen in sample_fields(self.connection, table_name, self.sample_size).items():
            column = pk_column if key == "_id" else key
            if column in declared:
                continue
            description.append(FieldInfo(
                column, seen.type_code, None, None, seen.precision, seen.scale,
                seen.nullable and key != "_id", None, None, None, key == "_id", None,
            ))
        return description

    def get_sequences(self, cursor, table_name, table_fields=()):
        """Report the collection's `__schema__` counter as its sequence."""
        entry = declared_entry(self.connection, table_name)
        if "auto" not in entry:
            return []
        return [{"table": table_name, "column": column}
                for column in entry["auto"].get("field_names", [])]

    def get_primary_key_columns(self, cursor, table_name):
        entry = declared_entry(self.connection, table_name)
        if entry.get("primary_key"):
            return list(entry["primary_key"])
        return [self._pk_column(table_name, entry.get("fields") or {})]

    def get_relations(self, cursor, table_name):
        """Return the relations migrations declared (MongoDB itself has no foreign keys), each
        with the database's own action on delete: none (Django's on_delete does the work)."""
        declared = declared_entry(self.connection, table_name).get("fields") or {}
        return {
            column: (info["references"]["column"], info["references"]["table"], DO_NOTHING)
            for column, info in declared.items() if "references" in info
        }

    def get_constraints(self, cursor, table_name):
        """Return the collection's indexes and check constraints as Django describes them.

        Each index is reported under its MongoDB name with its keys (in order, `_id` under the
        primary key's field name), their directions, uniqueness, and in "options" what else
        MongoDB holds for it (partialFilterExpression, sparse, expireAfterSeconds, weights...);
        then what plugins describe (djongo_provide_constraints).
        """
        entry = declared_entry(self.connection, table_name)
        pk_column = self._pk_column(table_name, entry.get("fields") or {})
        composite = entry.get("primary_key")
        constraints = {}
        for info in self.connection.executor.documents(Command(table_name, "list_indexes")):
            # A datetime's microseconds key is part of its column (sub_milliseconds.py).
            keys = [(field, direction) for field, direction in declared_keys(info)
                    if not field.startswith(sub_milliseconds.PREFIX)]
            # An expression's hidden key is no column: None, as SQL databases report an
            # expression in an index (expression_indexes.py).
            columns = [None if is_hidden_key(field) else pk_column if field == "_id" else field
                       for field, _ in keys]
            if composite:
                # The unique index on the key's columns stands for the primary key (the _id
                # index is then only MongoDB's own).
                is_pk = bool(info.get("unique")) and columns == composite
            else:
                is_pk = info["name"] == "_id_"
            constraints[info["name"]] = {
                "columns": columns,
                "primary_key": is_pk,
                "unique": bool(info.get("unique")) or is_pk,
                "foreign_key": None,
                "check": False,
                "index": True,
                "orders": [_order(direction) for _, direction in keys],
                "type": _index_type(keys),
                "definition": None,
                "options": {k: v for k, v in info.items() if k not in ("key", "v", "ns", "name")},
            }
        # CheckConstraints are clauses of the collection's validator, named in __schema__.
        for name, columns in (entry.get("checks") or {}).items():
            constraints[name] = {
                "columns": columns, "primary_key": False, "unique": False, "foreign_key": None,
                "check": True, "index": False, "orders": [], "type": None, "definition": None,
                "options": {},
            }
        # Constraint kinds of plugins (capped collections...), named in __schema__ with their
        # class: "type" is the class path.
        for name, declared in (entry.get("constraints") or {}).items():
            constraints[name] = {
                "columns": [], "primary_key": False, "unique": False, "foreign_key": None,
                "check": False, "index": False, "orders": [], "type": declared["kind"],
                "definition": None, "options": {},
            }
        # What plugins know the server keeps apart from listIndexes (search indexes...).
        constraints.update(self.connection.plugin_host.provided_constraints(
            self.connection, table_name, constraints))
        return constraints

    def _collections(self, name=None):
        query = {} if name is None else {"name": name}
        return list(self.connection.executor.documents(
            Command(None, "list_collections", (), {"filter": query})))

    def _pk_column(self, table_name, declared):
        for column, info in declared.items():
            if info.get("primary_key"):
                return column
        with_id = self.connection.executor.run(
            Command(table_name, "find_one", ({"id": {"$exists": True}}, {"_id": 1})))
        return "_id" if with_id else "id"


def _shell_text(value):
    """A stored value as mongosh text (the form SQL backends give defaults in: their SQL)."""
    return json_util.dumps(value, json_options=json_util.RELAXED_JSON_OPTIONS)


def _order(direction):
    return "DESC" if direction == -1 else "ASC"


def _index_type(keys):
    """Django's index type name: "idx" for ordinary keys, else the MongoDB kind (text, ...)."""
    kinds = {direction for _, direction in keys if isinstance(direction, str)}
    return kinds.pop() if len(kinds) == 1 else "idx"
