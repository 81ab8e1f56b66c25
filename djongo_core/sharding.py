"""What a sharded collection cannot do that the models ask of it (a database check).

On a sharded cluster MongoDB enforces a unique index only when the index's keys start with the
collection's shard key (each shard checks its own documents; only the shard key routes equal
values to one shard). A Django `unique=True` field, `unique_together` or a field-only
`UniqueConstraint` on a sharded collection whose shard key is not a prefix of it cannot be
created there, and without it uniqueness would be per shard: duplicates the models forbid.

The check runs when the server says it is a router (`hello` answers `msg: "isdbgrid"`) and
reads each sharded collection's key from `config.collections`; on a replica set or a standalone
it sends one `hello` and reports nothing. docs/scaling.md explains the rest of what changes.
"""

import re

from django.core import checks
from django.db.models import UniqueConstraint

from djongo_core.command import Command
from djongo_core.documents import stored_name


def sharded_collections(connection):
    """Return {collection: shard key fields, in order} of the connection's database, or {}
    when the server is no mongos."""
    hello = connection.executor.run(Command(None, "command", ({"hello": 1},)))
    if hello.get("msg") != "isdbgrid":
        return {}
    prefix = connection.settings_dict["NAME"] + "."
    found = connection.executor.documents(Command(
        "collections", "find",
        ({"_id": {"$regex": "^" + re.escape(prefix)}, "dropped": {"$ne": True}},
         {"_id": 1, "key": 1}),
        database="config"))
    return {document["_id"][len(prefix):]: list(document["key"]) for document in found}


def unique_field_sets(model):
    """Yield (what, stored field names) for each uniqueness the model declares, the primary
    key excepted: unique fields, unique_together, field-only UniqueConstraints."""
    opts = model._meta
    for field in opts.local_fields:
        if field.unique and not field.primary_key:
            yield f"field {field.name!r} (unique=True)", [stored_name(field)]
    for names in opts.unique_together:
        yield f"unique_together {tuple(names)!r}", [
            stored_name(opts.get_field(name)) for name in names]
    for constraint in opts.constraints:
        if isinstance(constraint, UniqueConstraint) and constraint.fields:
            yield f"UniqueConstraint {constraint.name!r}", [
                stored_name(opts.get_field(name)) for name in constraint.fields]


def model_issues(model, shard_key):
    """Return the check messages of model's uniqueness on a collection sharded on shard_key."""
    issues = []
    pk = model._meta.pk
    if shard_key[:1] != ["_id"] and not pk.auto_created and not _generated_key(pk):
        issues.append(checks.Warning(
            f"{model._meta.label}: the primary key {pk.name!r} is chosen by the application and "
            f"collection {model._meta.db_table!r} is sharded on {shard_key}: MongoDB keeps _id "
            "unique per shard only, so two shards can each accept a document with the same key.",
            hint="Shard on _id (or a key starting with it), or let the database generate keys "
                 "(an AutoField or ObjectIdAutoField). See docs/scaling.md.",
            obj=model, id="djongo_core.W141"))
    for what, fields in unique_field_sets(model):
        if fields[:len(shard_key)] == shard_key:
            continue
        issues.append(checks.Error(
            f"{model._meta.label}: {what} on {fields} cannot be enforced: collection "
            f"{model._meta.db_table!r} is sharded on {shard_key}, and MongoDB enforces a unique "
            "index on a sharded collection only when its keys start with the shard key.",
            hint="Reshard the collection on a key that prefixes every unique field set (or "
                 "that they include), drop the uniqueness, or keep the collection unsharded. "
                 "See docs/scaling.md.",
            obj=model, id="djongo_core.E140"))
    return issues


def _generated_key(field):
    """Keys the backend generates unique across shards: counter integers and ObjectIds."""
    return field.get_internal_type() in (
        "AutoField", "BigAutoField", "SmallAutoField", "ObjectIdAutoField")
