from django.db.backends.base.introspection import (
    BaseDatabaseIntrospection,
    FieldInfo,
    TableInfo,
)

from djongo_core.counters import SCHEMA_COLLECTION


class DatabaseIntrospection(BaseDatabaseIntrospection):
    """Read collections, indexes and counters back from the server."""

    data_types_reverse = {
        "int": "IntegerField",
        "long": "BigIntegerField",
        "double": "FloatField",
        "decimal": "DecimalField",
        "string": "TextField",
        "bool": "BooleanField",
        "date": "DateTimeField",
        "binData": "BinaryField",
        "objectId": "ObjectIdField",
        "object": "JSONField",
        "array": "JSONField",
    }

    def get_table_list(self, cursor):
        """Return the collections, leaving out the counters and MongoDB's system collections."""
        names = self.connection.mongo_database.list_collection_names()
        return [
            TableInfo(name, "t")
            for name in sorted(names)
            if name != SCHEMA_COLLECTION and not name.startswith("system.")
        ]

    def get_table_description(self, cursor, table_name):
        """Describe the fields seen in a sample of the collection's documents."""
        collection = self.connection.mongo_database[table_name]
        seen = {}
        for document in collection.find({}, limit=100):
            for name in document:
                seen.setdefault(name, None)
        return [
            FieldInfo(name, "objectId", None, None, None, None, name != "_id", None, None)
            for name in seen
        ]

    def get_sequences(self, cursor, table_name, table_fields=()):
        """Report the collection's `__schema__` counter as its sequence."""
        counter = self.connection.mongo_database[SCHEMA_COLLECTION].find_one({"name": table_name})
        if counter is None:
            return []
        return [{"table": table_name, "column": column}
                for column in counter.get("auto", {}).get("field_names", [])]

    def get_primary_key_columns(self, cursor, table_name):
        return ["_id"]

    def get_relations(self, cursor, table_name):
        # MongoDB has no foreign keys.
        return {}

    def get_constraints(self, cursor, table_name):
        """Return the collection's indexes (and unique constraints) as Django describes them."""
        constraints = {}
        indexes = self.connection.mongo_database[table_name].index_information()
        for name, info in indexes.items():
            columns = [field for field, _ in info["key"]]
            orders = ["DESC" if direction == -1 else "ASC" for _, direction in info["key"]]
            constraints[name] = {
                "columns": columns,
                "primary_key": name == "_id_",
                "unique": bool(info.get("unique")) or name == "_id_",
                "foreign_key": None,
                "check": False,
                "index": True,
                "orders": orders,
                "type": "idx",
                "definition": None,
                "options": {k: v for k, v in info.items() if k not in ("key", "v", "ns")},
            }
        return constraints
