"""bulk_update(): one `bulk_write` of an `updateOne` by `_id` per object, not a `$switch`.

Django's QuerySet.bulk_update() sends, per batch, `filter(pk__in=pks).update(field=Case(When(pk=p,
then=value), ...), ...)`: SQL's one UPDATE with a CASE per column. Compiled as it stands that is
an update pipeline whose `$switch` tests every object's key against every document, in every
field (a quadratic scan on the server, and a large command to build). The compiler recognises
that shape and sends what it means instead: each object's values set on its own document, found
by `_id` through the index, in one `bulk_write` (one command, as before).

Anything else, or anything the per-document form cannot say as a plain `$set` (a value that is
an expression, a stored generated field to recompute, a collation on the key), keeps the
general update path.
"""

from django.db.models.expressions import Case, Col, Value, When
from django.db.models.lookups import Exact, In
from django.db.models.sql.where import AND, WhereNode
from pymongo import UpdateOne

from djongo_core.command import Command
from djongo_core.compiler.collation import collation_options
from djongo_core.compiler.generated import regenerated_fields
from djongo_core.compiler.json_null import JSONNull
from djongo_core.compiler.values_first import stored_assignment
from djongo_core.documents import stored_name


def per_object_command(compiler):
    """Return the update as one bulk_write of updateOne by _id when it is bulk_update()'s
    shape, else None."""
    query = compiler.query
    opts = query.get_meta()
    keys = _keys_in(query.where, opts, compiler.connection)
    if keys is None or not query.values:
        return None
    if regenerated_fields(opts, [field for field, _, _ in query.values]):
        return None
    if collation_options([query]):
        return None
    per_key = {}
    for field, _model, case in query.values:
        values = _values_by_key(case, opts, compiler.connection)
        if values is None:
            return None
        per_key[field] = values
    requests = []
    for key in dict.fromkeys(keys):
        assignments, removed = {}, {}
        for field, values in per_key.items():
            # A key with no When of its own takes the Case's default: NULL.
            result = values.get(key)
            if isinstance(result, JSONNull):
                # JSON null is stored as null; SQL NULL, below, leaves the key out
                # (json_null.py).
                assignments[stored_name(field)] = None
                continue
            value = None if result is None else result.value
            kept, dropped = stored_assignment(field, value, compiler.connection)
            assignments.update(kept)
            removed.update(dict.fromkeys(dropped, ""))
        update = {"$set": assignments} if assignments else {}
        if removed:
            update["$unset"] = removed
        requests.append(UpdateOne({"_id": key}, update))
    return Command(opts.db_table, "bulk_write", (requests,), {"ordered": True}, model=opts.model)


def _keys_in(where, opts, connection):
    """Return the stored keys of a WHERE that is only `pk__in=[...]`, else None."""
    if not (isinstance(where, WhereNode) and where.connector == AND and not where.negated
            and len(where.children) == 1):
        return None
    lookup = where.children[0]
    # isinstance() first: the child may be no lookup at all (none()'s NothingNode).
    if not isinstance(lookup, In) or type(lookup).lookup_name != "in" or not _is_pk(lookup.lhs, opts):
        return None
    if not isinstance(lookup.rhs, (list, tuple, set, frozenset)) or not lookup.rhs:
        return None
    values = [value for value in lookup.rhs if value is not None]
    if len(values) != len(lookup.rhs) or any(hasattr(v, "resolve_expression") for v in values):
        return None
    return list(lookup.get_db_prep_lookup(values, connection)[1])


def _values_by_key(case, opts, connection):
    """Return {stored key: Value} of a `Case(When(pk=key, then=Value(value)), ...)` whose
    default is NULL, the first When of a key winning as in SQL; None for any other Case."""
    if not isinstance(case, Case) or not _is_null(case.default):
        return None
    values = {}
    for when in case.cases:
        if not isinstance(when, When) or not isinstance(when.result, Value):
            return None
        key = _key_of(when.condition, opts, connection)
        if key is None:
            return None
        values.setdefault(key, when.result)
    return values


def _key_of(condition, opts, connection):
    if not (isinstance(condition, WhereNode) and condition.connector == AND
            and not condition.negated and len(condition.children) == 1):
        return None
    lookup = condition.children[0]
    if not isinstance(lookup, Exact) or type(lookup).lookup_name != "exact":
        return None
    if not _is_pk(lookup.lhs, opts) or lookup.rhs is None or hasattr(lookup.rhs, "resolve_expression"):
        return None
    return lookup.get_db_prep_lookup(lookup.rhs, connection)[1][0]


def _is_pk(expression, opts):
    return isinstance(expression, Col) and expression.target is opts.pk


def _is_null(expression):
    return isinstance(expression, Value) and expression.value is None
