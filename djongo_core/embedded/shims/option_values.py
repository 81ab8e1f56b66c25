"""Collection options holding BSON numbers on the SQLite engine (deviation
"collection-options-bson-values", shimmed, persistent engine).

mongoeco's SQLite engine (``embedded:///dir``) keeps a collection's options (its validator and
the like) as JSON text, written with the plain JSON encoder. Over the wire it holds a 64-bit
integer as ``BsonInt64`` and a decimal as ``Decimal128``, which that encoder cannot write, so
``create`` and ``collMod`` fail ("Object of type BsonInt64 is not JSON serializable") for any
validator with such a number: the schema_validation plugin's bounds of a BigAutoField or a
BigIntegerField (Django's default key since 6.0) and of a DecimalField, a CheckConstraint
comparing with a large integer or a decimal. The in-memory engine keeps the options as
objects and has no such limit.

The engine already stores documents through its DocumentCodec, which writes such values as
tagged JSON and reads them back; this shim stores the options the same way (the options of a
new collection, and those collMod writes: collection_catalog.py) and decodes them where the
engine reads them back (``_sqlite_admin_runtime``'s reference to
``load_collection_options``, the engine's only reader of the stored options). Options stored
before hold no tag and read back unchanged. It stands down if mongoeco renames either function.
"""

from mongoeco.core.codec import DocumentCodec
from mongoeco.engines import _sqlite_admin_runtime
from mongoeco.engines.sqlite import SQLiteEngine

from djongo_core.embedded.shims import layers

_ORIGINALS = layers.originals(
    (SQLiteEngine, "_ensure_collection_row"),
    (_sqlite_admin_runtime, "_sqlite_load_collection_options"),
)
_ensure_collection_row = _ORIGINALS[(SQLiteEngine, "_ensure_collection_row")]
_load_collection_options = _ORIGINALS[(_sqlite_admin_runtime, "_sqlite_load_collection_options")]


def encoded(options):
    """The options as the JSON-safe structure the engine's codec writes documents in."""
    return DocumentCodec.encode(options)


def _ensure_row(self, conn, db_name, coll_name, *, options=None):
    return _ensure_collection_row(
        self, conn, db_name, coll_name, options=None if options is None else encoded(options))


def _load(conn, db_name, coll_name):
    options = _load_collection_options(conn, db_name, coll_name)
    # The wrappers kept, as for documents: a validator compares an Int64 bound as MongoDB does.
    return None if options is None else DocumentCodec.decode(options, preserve_bson_wrappers=True)


_SHIMMED = {
    (SQLiteEngine, "_ensure_collection_row"): _ensure_row,
    (_sqlite_admin_runtime, "_sqlite_load_collection_options"): _load,
}


def install():
    """Store and read collection options through the codec (idempotent)."""
    layers.replace(_ORIGINALS, _SHIMMED)


def uninstall():
    layers.restore(_ORIGINALS)
