"""How far a collection's documents are from its model: the `schemadrift` command's measure.

A prototype in flexible-schema mode (flexible.py) collects documents of every age. Before it is
migrated, this says what a migration has to deal with, per collection: how many documents lack
each field's key, hold a value of another BSON type than the field stores, or carry keys that
no field names. One aggregation per collection counts every (key, type) pair.
"""

from dataclasses import dataclass, field

from djongo_core.command import Command
from djongo_core.expression_indexes import is_hidden_key
from djongo_core.documents import stored_name

# The BSON types ($type names) a field's stored type accepts as its own: the backend reads an
# int from a long field, and any number from a float field, without loss.
_ACCEPTED = {
    "int": {"int", "long"},
    "long": {"int", "long"},
    "double": {"double", "int", "long"},
    "decimal": {"decimal", "int", "long"},
}
# Fields whose stored values may be of any type.
_ANY_TYPE = frozenset({"JSONField"})


@dataclass
class CollectionDrift:
    """The drift of one model's collection."""

    label: str
    collection: str
    documents: int
    missing: dict[str, int] = field(default_factory=dict)
    # key -> {BSON type found: documents}, with the types the field expects in `expected`.
    wrong_types: dict[str, dict[str, int]] = field(default_factory=dict)
    expected: dict[str, list[str]] = field(default_factory=dict)
    unknown: dict[str, int] = field(default_factory=dict)

    @property
    def drifted(self):
        return bool(self.missing or self.wrong_types or self.unknown)

    def as_dict(self):
        return {"model": self.label, "collection": self.collection, "documents": self.documents,
                "missing": self.missing, "wrong_types": self.wrong_types,
                "expected_types": self.expected, "unknown_keys": self.unknown}


def measure(connection, model):
    """Return the CollectionDrift of ``model``'s collection (read only)."""
    meta = model._meta
    table = meta.db_table
    documents = connection.executor.run(Command(table, "count_documents", ({},), model=model))
    counts = {}
    for row in connection.executor.documents(Command(table, "aggregate", ([
        {"$project": {"pairs": {"$objectToArray": "$$ROOT"}}},
        {"$unwind": "$pairs"},
        {"$group": {"_id": {"key": "$pairs.k", "type": {"$type": "$pairs.v"}},
                    "documents": {"$sum": 1}}},
    ],), model=model)):
        counts.setdefault(row["_id"]["key"], {})[row["_id"]["type"]] = row["documents"]
    drift = CollectionDrift(meta.label, table, documents)
    for model_field in stored_fields(model):
        key = stored_name(model_field)
        found = counts.pop(key, {})
        if documents - sum(found.values()):
            drift.missing[key] = documents - sum(found.values())
        accepted = accepted_types(connection, model_field)
        if accepted is None:
            continue
        wrong = {kind: n for kind, n in found.items() if kind not in accepted}
        if wrong:
            drift.wrong_types[key] = dict(sorted(wrong.items()))
            drift.expected[key] = sorted(accepted)
    # The keys kept for indexes on expressions are the backend's own, not drift.
    drift.unknown = {key: sum(types.values()) for key, types in sorted(counts.items())
                     if not is_hidden_key(key)}
    return drift


def stored_fields(model):
    """The fields whose values the model's documents store."""
    return [f for f in model._meta.concrete_fields
            if not (getattr(f, "generated", False) and not f.db_persist)]


def accepted_types(connection, model_field):
    """Return the BSON types the field's documents may hold, or None when any will do."""
    if model_field.get_internal_type() in _ANY_TYPE:
        return None
    stored = model_field.db_type(connection)
    if stored is None:
        return None
    accepted = set(_ACCEPTED.get(stored, {stored}))
    if model_field.null:
        accepted.add("null")
    return accepted
