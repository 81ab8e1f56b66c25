"""Unique checks of numbers that compare the candidates only, not every stored document
(deviation "unique-check-scans-the-collection", its number part).

mongoeco's SQLite engine (``embedded:///dir``) checks a written document against a
single-field unique index through its table of scalar index entries, except when the value is
a number: its entries' keys are not exact for MongoDB's numeric equality (a double's key is
its shortest decimal repr, so ``2.0**60`` and the equal integer ``1152921504606846976`` get
different keys), and files written by older versions lack the entries of some numeric types.
So for a number it decodes every stored document of the collection and compares its value
with ``bson_equality_key`` (``SQLiteEngine._validate_document_against_unique_indexes``), at
each written document: updates under a unique index of numbers took 24-46 ms each at 2,000
stored documents, and inserts were quadratic (the third batch of 1,000 documents 29.7 s).

The shim answers the same question, with the same comparison, for the documents that could
hold an equal number only: a SQL query leaves out the stored documents whose value on the path
is absent, null, a string (unless it opens with a brace, as a tagged value's stored form
does), or a plain JSON number farther from the written value than a margin (exactly equal
numbers convert to the same double, whose difference is 0), and
mongoeco's own test (the document in the index's partial filter, ``_index_value`` equal) is
made on each document left, tagged values (Int64, Decimal128, ...) included. The stored
document written over (``exclude_storage_key``) is skipped, as mongoeco skips it.

It answers only where mongoeco would compare by scanning and the path is plain: the index is
one where mongoeco looks the scalar entries up (single field, no collation, no array on the
path in the collection or the document: mongoeco checks those before), the value is a finite
number, and the field is a top-level plain name (a column of a Django model: no dots, digits,
quotes or other characters that SQLite's JSON path would read otherwise, and no sub-document
on the way whose stored form the JSON path might not follow, such as a DBRef's). Anything else
goes to mongoeco as before. It wraps ``SQLiteEngine._unique_index_conflict_via_scalar_entries``
(whose None means "scan") and stands down if mongoeco renames it.
"""

import math
import re

from mongoeco.core.bson_scalars import is_bson_numeric
from mongoeco.core.paths import get_document_value
from mongoeco.engines.sqlite import SQLiteEngine
from mongoeco.engines.sqlite_query import json_path_for_field
from mongoeco.engines.virtual_indexes import document_in_virtual_index

from djongo_core.embedded.shims import layers

_ORIGINALS = layers.originals((SQLiteEngine, "_unique_index_conflict_via_scalar_entries"))
_PLAIN_FIELD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Relative margin around the written number: any margin works (equal numbers differ by 0 in
# SQLite's arithmetic), a wide one only lets a few more candidates through.
_MARGIN = 1e-9


def _as_float(value):
    """The written number as a double, or None if it is not a finite number known here."""
    to_decimal = getattr(value, "to_decimal", None)   # Decimal128
    try:
        number = float(value if isinstance(value, (int, float)) else to_decimal())
    except (TypeError, ValueError, ArithmeticError):
        return None
    return number if math.isfinite(number) else None


def _candidates(engine, conn, db_name, coll_name, path, number, exclude_storage_key):
    """The stored documents whose value on path could equal number (decoded): plain JSON
    numbers within the margin of it (booleans read as 0 and 1 too) and every sub-document
    (tagged values: Int64, Decimal128...; strings opening with a brace too)."""
    value = f"json_extract(document, {path})"
    sql = (f"SELECT storage_key, document FROM documents WHERE db_name = ? AND coll_name = ? "
           f"AND CASE typeof({value}) WHEN 'integer' THEN abs({value} - ?) <= ? "
           f"WHEN 'real' THEN abs({value} - ?) <= ? WHEN 'text' THEN {value} LIKE '{{%' "
           f"ELSE 0 END")
    margin = abs(number) * _MARGIN + _MARGIN
    params = [db_name, coll_name, number, margin, number, margin]
    if exclude_storage_key is not None:
        sql += " AND storage_key != ?"
        params.append(exclude_storage_key)
    for storage_key, stored in conn.execute(sql, params):
        yield storage_key, engine._deserialize_document(stored)


def _unique_index_conflict_via_scalar_entries(self, conn, collection_id, index, document, *,
                                              exclude_storage_key):
    mongoeco = _ORIGINALS[SQLiteEngine, "_unique_index_conflict_via_scalar_entries"]
    answer = mongoeco(self, conn, collection_id, index, document,
                      exclude_storage_key=exclude_storage_key)
    if answer is not None or collection_id is None or not self._supports_scalar_index(index):
        return answer
    field = index["fields"][0]
    found, value = get_document_value(document, field)
    if not found or not is_bson_numeric(value) or isinstance(value, bool) \
            or not _PLAIN_FIELD.fullmatch(field):
        return None
    number = _as_float(value)
    names = conn.execute("SELECT db_name, coll_name FROM collections WHERE collection_id = ?",
                         (collection_id,)).fetchone()
    if number is None or names is None:
        return None
    path = "'" + json_path_for_field(field) + "'"
    key = self._index_value(document, field)
    for _storage_key, stored in _candidates(self, conn, *names, path, number,
                                            exclude_storage_key):
        if document_in_virtual_index(stored, index) and self._index_value(stored, field) == key:
            return True
    return False


_SHIMMED = {(SQLiteEngine, "_unique_index_conflict_via_scalar_entries"):
            _unique_index_conflict_via_scalar_entries}


def install():
    """Compare a unique number with its candidates only (idempotent)."""
    layers.replace(_ORIGINALS, _SHIMMED)


def uninstall():
    layers.restore(_ORIGINALS)
