"""Infer a collection's fields from a sample of its documents (introspection, inspectdb)."""

import datetime
import uuid
from dataclasses import dataclass

from bson import Binary, Decimal128, Int64, ObjectId

from djongo_core.command import Command
from djongo_core.expression_indexes import is_hidden_key

DEFAULT_SAMPLE_SIZE = 100

_INT32 = range(-(2**31), 2**31)
# Numbers of different widths in one key widen to the widest; other mixes cannot be typed.
_NUMERIC_WIDTH = {"int": 0, "long": 1, "double": 2, "decimal": 3}


@dataclass
class SeenField:
    """One document key across the sample: its BSON type and whether it can be missing/null."""

    type_code: str | None = None  # None while only nulls were seen
    nullable: bool = False
    # Decimals: the most digits before and after the point seen, for max_digits/decimal_places.
    integer_digits: int = 0
    decimal_places: int = 0

    @property
    def precision(self):
        return self.integer_digits + self.decimal_places if self.type_code == "decimal" else None

    @property
    def scale(self):
        return self.decimal_places if self.type_code == "decimal" else None

    def add(self, value):
        if value is None:
            self.nullable = True
            return
        found = bson_type(value)
        if found == "decimal":
            self._measure(value.to_decimal())
        if self.type_code is None or self.type_code == found:
            self.type_code = found
        elif self.type_code in _NUMERIC_WIDTH and found in _NUMERIC_WIDTH:
            self.type_code = max(self.type_code, found, key=_NUMERIC_WIDTH.__getitem__)
        else:
            self.type_code = "mixed"


    def _measure(self, number):
        if not number.is_finite():
            return
        _, digits, exponent = number.as_tuple()
        places = max(-exponent, 0)
        self.decimal_places = max(self.decimal_places, places)
        self.integer_digits = max(self.integer_digits, len(digits) - places, 1)


# Decoded Python type -> BSON type, checked in order (bool and Int64 before plain ints).
_BSON_TYPES = (
    (bool, "bool"), (Int64, "long"), (float, "double"), (Decimal128, "decimal"),
    (str, "string"), (datetime.datetime, "date"), (uuid.UUID, "uuid"), (ObjectId, "objectId"),
    (dict, "object"), (list, "array"),
)


def bson_type(value):
    """Return the BSON type name ($type alias) a decoded value was stored as."""
    for python_type, name in _BSON_TYPES:
        if isinstance(value, python_type):
            return name
    if isinstance(value, int):
        return "int" if value in _INT32 else "long"
    if isinstance(value, Binary):
        return "uuid" if value.subtype in (3, 4) else "binData"
    if isinstance(value, bytes):
        return "binData"
    return "mixed"


def sample_fields(connection, table, size=DEFAULT_SAMPLE_SIZE):
    """Return {key: SeenField} for the top-level keys of up to `size` documents, in first-seen
    order (the `_id` first). A key some documents lack is nullable. The keys the backend keeps
    for indexes on expressions are no data and are left out."""
    documents = list(connection.executor.documents(
        Command(table, "find", ({},), {"limit": size, "sort": [("_id", 1)]})))
    seen = {}
    for document in documents:
        for key, value in document.items():
            if is_hidden_key(key):
                continue
            seen.setdefault(key, SeenField()).add(value)
    for key, field in seen.items():
        if key != "_id" and any(key not in document for document in documents):
            field.nullable = True
        if field.type_code is None:
            field.type_code = "mixed"
    return seen
