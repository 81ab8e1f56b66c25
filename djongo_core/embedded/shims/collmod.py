"""collMod on the embedded engine (deviation "collmod-missing", shimmed).

MongoDB changes an existing collection's options with collMod: its validator, validationLevel
and validationAction, and an index's hidden and expireAfterSeconds settings, among others.
mongoeco 4.11 refuses the command before running anything ("unsupported wire command:
collMod"): its wire surface does not list it and its command layer has no handler. This shim
answers it inside the embedded server, with MongoDB 7.0's semantics for those options:

- the reply is ``{ok: 1}``, with ``expireAfterSeconds_old``/``_new`` and ``hidden_old``/``_new``
  when an index changes, as MongoDB reports them (an unchanged ``hidden`` is not reported);
- errors carry MongoDB's codes: NamespaceNotFound (26) for a missing collection,
  IDLUnknownField (40415) for a field MongoDB does not know, TypeMismatch (14), BadValue (2) for
  an unknown validationLevel or validationAction, InvalidOptions (72), IndexNotFound (27) and
  AmbiguousIndexKeyPattern (275) for the index part, OperationNotSupportedInTransaction (263)
  inside a transaction;
- a new validator is compiled as ``create`` compiles one (a bad one is refused before anything
  changes) and holds for the writes that follow; listCollections and listIndexes show the
  new settings.

The options MongoDB has and the shim does not implement (views, capped sizes, time series,
clustered TTL, change stream images, dryRun, index unique/prepareUnique/forceNonUnique) are
refused with NotImplemented (238), naming the option.

mongoeco has no public hook for commands, so the shim lets the wire surface accept collMod
(``WireSurface.supports_command``) and answers it where the wire layer hands a command to the
database (``mongoeco.wire._executor_passthrough._execute_database_command``); it stands down if
mongoeco renames either. The catalog edits are in collection_catalog.py.
"""

import json
import math
from dataclasses import dataclass

from mongoeco.core.bson_scalars import bson_numeric_alias, unwrap_bson_numeric
from mongoeco.engines.semantic_core import compile_collection_validation_semantics
from mongoeco.errors import OperationFailure
from mongoeco.wire import _executor_passthrough

from djongo_core.embedded.shims import collection_catalog
from djongo_core.embedded.shims.layers import SUPPORTS_COMMAND
from djongo_core.embedded.shims.replies import command_error as _error
from djongo_core.embedded.shims.replies import namespace_not_found

COMMAND = "collMod"
# Arguments of every command that reach the command itself (the wire layer takes lsid & co.).
GENERIC_ARGUMENTS = frozenset({
    "comment", "writeConcern", "maxTimeMS", "apiVersion", "apiStrict", "apiDeprecationErrors",
})
VALIDATION_CHOICES = {
    "validationLevel": ("off", "strict", "moderate"),
    "validationAction": ("error", "warn"),
}
INDEX_FIELDS = ("name", "keyPattern", "expireAfterSeconds", "hidden")
# collMod fields of MongoDB 7.0 that this shim does not implement.
UNSUPPORTED_FIELDS = frozenset({
    "viewOn", "pipeline", "cappedSize", "cappedMax", "timeseries", "expireAfterSeconds",
    "changeStreamPreAndPostImages", "dryRun", "collectionUUID",
})
UNSUPPORTED_INDEX_FIELDS = frozenset({"unique", "prepareUnique", "forceNonUnique"})
INT32_MAX = 2**31 - 1

_execute_database_command = getattr(_executor_passthrough, "_execute_database_command", None)



def _unknown_field(path):
    return _error(40415, "IDLUnknownField", f"BSON field 'collMod.{path}' is an unknown field.")


def _not_implemented(path):
    return _error(238, "NotImplemented",
                  f"collMod's '{path}' is not supported by the embedded engine: it changes only "
                  "validator, validationLevel, validationAction and an index's hidden and "
                  "expireAfterSeconds (docs/engine-deviations.md#collmod-missing)")


def _invalid_options(message):
    return _error(72, "InvalidOptions", message)


def _type_name(value):
    number = bson_numeric_alias(value)
    if number is not None:
        return number
    for kind, name in ((bool, "bool"), (str, "string"), (dict, "object"), (list, "array")):
        if isinstance(value, kind):
            return name
    return "null" if value is None else type(value).__name__


def _typed(value, kind, path, expected):
    if not isinstance(value, kind):
        raise _error(14, "TypeMismatch", f"BSON field 'collMod.{path}' is the wrong type "
                                         f"'{_type_name(value)}', expected type '{expected}'")
    return value


def _number(value, path):
    """An IDL safeInt: any BSON number, as an int (None for NaN and infinities)."""
    if bson_numeric_alias(value) is None:
        raise _error(14, "TypeMismatch", f"BSON field 'collMod.{path}' is the wrong type "
                                         f"'{_type_name(value)}', expected types "
                                         "'[long, int, decimal, double]'")
    number = float(unwrap_bson_numeric(value))
    return int(number) if math.isfinite(number) else None


def _boolean(value, path):
    """An IDL safeBool: a boolean or any BSON number."""
    if isinstance(value, bool):
        return value
    if bson_numeric_alias(value) is None:
        raise _error(14, "TypeMismatch", f"BSON field 'collMod.{path}' is the wrong type "
                                         f"'{_type_name(value)}', expected types "
                                         "'[bool, long, int, decimal, double]'")
    return bool(unwrap_bson_numeric(value))


@dataclass(frozen=True)
class IndexChange:
    name: str | None
    key_pattern: dict | None
    hidden: bool | None
    expire_after_seconds: int | None


@dataclass(frozen=True)
class Request:
    collection: str
    options: dict
    index: IndexChange | None


def parse(document):
    """Return the Request a collMod command document makes, or raise MongoDB's error."""
    collection = document.get(COMMAND)
    if not isinstance(collection, str) or not collection:
        raise _error(73, "InvalidNamespace",
                     f"collection name has invalid type {_type_name(collection)}")
    options, index = {}, None
    for field, value in document.items():
        if field == COMMAND or field in GENERIC_ARGUMENTS:
            continue
        if field == "validator":
            options[field] = _typed(value, dict, field, "object")
        elif field in VALIDATION_CHOICES:
            if _typed(value, str, field, "string") not in VALIDATION_CHOICES[field]:
                raise _error(2, "BadValue", f"Enumeration value '{value}' for field "
                                            f"'collMod.{field}' is not a valid value.")
            options[field] = value
        elif field == "index":
            index = _parse_index(_typed(value, dict, field, "object"))
        elif field in UNSUPPORTED_FIELDS:
            raise _not_implemented(field)
        else:
            raise _unknown_field(field)
    return Request(collection, options, index)


def _parse_index(spec):
    for field in spec:
        if field in UNSUPPORTED_INDEX_FIELDS:
            raise _not_implemented(f"index.{field}")
        if field not in INDEX_FIELDS:
            raise _unknown_field(f"index.{field}")
    name, key_pattern = spec.get("name"), spec.get("keyPattern")
    hidden = expire_after_seconds = None
    if name is not None:
        _typed(name, str, "index.name", "string")
    if key_pattern is not None:
        _typed(key_pattern, dict, "index.keyPattern", "object")
    if "hidden" in spec:
        hidden = _boolean(spec["hidden"], "index.hidden")
    if "expireAfterSeconds" in spec:
        expire_after_seconds = _number(spec["expireAfterSeconds"], "index.expireAfterSeconds")
    if name is not None and key_pattern is not None:
        raise _invalid_options("Cannot specify both key pattern and name.")
    if name is None and key_pattern is None:
        raise _invalid_options("Must specify either index name or key pattern.")
    if "hidden" not in spec and "expireAfterSeconds" not in spec:
        raise _invalid_options("no expireAfterSeconds, hidden, unique, or prepareUnique field")
    if "expireAfterSeconds" in spec:
        if expire_after_seconds is not None and expire_after_seconds < 0:
            raise _invalid_options("TTL index 'expireAfterSeconds' option cannot be less than 0")
        if expire_after_seconds is None or expire_after_seconds > INT32_MAX:
            raise _invalid_options("TTL index 'expireAfterSeconds' option must be within an "
                                   "acceptable range, try a lower number")
    return IndexChange(name, key_pattern, hidden, expire_after_seconds)


async def coll_mod(database, document, *, session=None):
    """Run a collMod command document on a mongoeco AsyncDatabase; return the reply."""
    if session is not None and getattr(session, "transaction_active", False):
        raise _error(263, "OperationNotSupportedInTransaction",
                     "Cannot run 'collMod' in a multi-document transaction.")
    request = parse(document)
    engine, db_name = database._engine, database.name
    if not collection_catalog.knows(engine):
        raise OperationFailure(f"unsupported wire command: {COMMAND}")
    if request.collection not in await engine.list_collections(db_name):
        raise namespace_not_found()
    current = await engine.collection_options(db_name, request.collection)
    reply, settings = {}, None
    if request.index is not None:
        reply, settings = await _index_settings(database, request.collection, current,
                                                request.index)
    if request.options:
        options = {**current, **request.options}
        if options.get("validator") == {}:
            # MongoDB keeps no validator rather than an empty one.
            del options["validator"]
        # As create does: a validator mongoeco cannot run is refused now, not at a write.
        compile_collection_validation_semantics(options, dialect=database._mongodb_dialect)
        if options != current:
            await collection_catalog.set_collection_options(
                engine, db_name, request.collection, options)
    if settings is not None:
        await collection_catalog.set_index_settings(engine, db_name, request.collection,
                                                    **settings)
    return {**reply, "ok": 1.0}


async def _index_settings(database, collection, options, change):
    """Return MongoDB's reply fields for an index change, and the settings to give the index
    (None when nothing changes)."""
    namespace = f"{database.name}.{collection}"
    if change.expire_after_seconds is not None and options.get("capped"):
        raise _invalid_options("TTL indexes are not supported for capped collections.")
    indexes = await database.get_collection(collection).list_indexes().to_list()
    if change.name is not None:
        matches = [index for index in indexes if index["name"] == change.name]
        wanted = change.name
    else:
        matches = [index for index in indexes if _same_keys(index["key"], change.key_pattern)]
        wanted = _shell(change.key_pattern)
    if not matches:
        raise _error(27, "IndexNotFound", f"cannot find index {wanted} for ns {namespace}")
    if len(matches) > 1:
        raise _error(275, "AmbiguousIndexKeyPattern",
                     f"index keyPattern {wanted} matches {len(matches)} indexes, must use index "
                     f"name. Conflicting indexes: {', '.join(i['name'] for i in matches)}")
    index = matches[0]
    is_id_index = _same_keys(index["key"], {"_id": 1})
    reply = {}
    old_expire = index.get("expireAfterSeconds")
    old_hidden = bool(index.get("hidden", False))
    expire, hidden = old_expire, old_hidden
    if change.expire_after_seconds is not None:
        if old_expire is None and is_id_index:
            raise _invalid_options("the _id field does not support TTL indexes")
        if old_expire is None and len(index["key"]) != 1:
            raise _invalid_options(
                "TTL indexes are single-field indexes, compound indexes do not support TTL")
        if old_expire is not None:
            reply["expireAfterSeconds_old"] = int(old_expire)
        reply["expireAfterSeconds_new"] = expire = change.expire_after_seconds
    if change.hidden is not None:
        if is_id_index:
            raise _error(2, "BadValue", "can't hide _id index")
        # Hiding a hidden index (or showing a visible one) is a no-op MongoDB does not report.
        if change.hidden != old_hidden:
            reply["hidden_old"], reply["hidden_new"] = old_hidden, change.hidden
            hidden = change.hidden
    if (expire, hidden) == (old_expire, old_hidden):
        return reply, None
    return reply, {"index_name": index["name"], "hidden": hidden, "expire_after_seconds": expire}


def _same_keys(stored, wanted):
    return [(field, unwrap_bson_numeric(direction)) for field, direction in stored.items()] == [
        (field, unwrap_bson_numeric(direction)) for field, direction in wanted.items()]


def _shell(key_pattern):
    """A key pattern as MongoDB writes it in messages: { a: 1, b: -1 }."""
    fields = ", ".join(f"{field}: {json.dumps(unwrap_bson_numeric(direction), default=str)}"
                       for field, direction in key_pattern.items())
    return f"{{ {fields} }}"


def _supports_collmod(surface, command_name):
    return command_name == COMMAND or SUPPORTS_COMMAND.forward(_supports_collmod, surface,
                                                               command_name)


async def _execute_with_collmod(database, context):
    if context.command_name == COMMAND:
        return await coll_mod(database, context.command_document, session=context.session)
    return await _execute_database_command(database, context)


def install():
    """Let the embedded server run collMod (idempotent)."""
    if not SUPPORTS_COMMAND.available or _execute_database_command is None:
        return
    SUPPORTS_COMMAND.add(_supports_collmod)
    if _executor_passthrough._execute_database_command is _execute_database_command:
        _executor_passthrough._execute_database_command = _execute_with_collmod


def uninstall():
    SUPPORTS_COMMAND.remove(_supports_collmod)
    if _execute_database_command is not None:
        _executor_passthrough._execute_database_command = _execute_database_command
