"""What a MongoDB partial index's filter can hold, and the rewrites that bring a condition there.

MongoDB 7.0 accepts, in a `partialFilterExpression`: equality, `$exists: true`, `$gt`, `$gte`,
`$lt`, `$lte`, `$type`, `$in`, `$and` and `$or` (the manual's list). The server refuses anything
else when the index is created: negations (`$nor`, `$not`, `$ne`), regexes (`startswith`),
`$expr`. SQL's `IS NOT NULL` compiles to `{"$ne": null}`; it is written as the field's stored
type instead, which a partial filter can hold.
"""

from djongo_core.documents import stored_name

_ALLOWED_OPERATORS = {"$eq", "$gt", "$gte", "$lt", "$lte", "$type", "$in", "$exists", "$and",
                      "$or"}
# BSON types that hold the same numbers: a not-null test on a number field matches them all.
_NUMERIC_TYPES = {"int", "long", "double", "decimal"}


def stored_type_condition(connection, field):
    """Return the query operator matching a field's non-null stored values, or None when the
    field has no single stored type."""
    bson_type = field.db_type(connection)
    if bson_type is None:
        return None
    return {"$type": "number" if bson_type in _NUMERIC_TYPES else bson_type}


def with_not_null_as_type(document, model, connection):
    """Return a query document with its not-null tests on the model's fields ({"f": {"$ne":
    null}}, {"$nor": [{"f": null}]}) written as the fields' stored types."""
    fields = {stored_name(field): field for field in model._meta.concrete_fields}

    def rewrite(node):
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        if not isinstance(node, dict):
            return node
        result = {}
        for key, value in node.items():
            replacement = _not_null_test(key, value, fields, connection)
            if replacement is None:
                replacement = {key: rewrite(value) if key in ("$and", "$or") else value}
            if result.keys() & replacement.keys():
                return {"$and": [rewrite({k: v}) for k, v in node.items()]}
            result.update(replacement)
        return result

    return rewrite(document)


def _not_null_test(key, value, fields, connection):
    if key == "$nor" and isinstance(value, list) and len(value) == 1:
        ((path, tested),) = value[0].items() if len(value[0]) == 1 else ((None, 0),)
        if tested is None and path in fields:
            key, value = path, {"$ne": None}
    if key in fields and value == {"$ne": None}:
        condition = stored_type_condition(connection, fields[key])
        return None if condition is None else {key: condition}
    return None


def fits_partial_filter(document):
    """Return whether MongoDB accepts a query document as a partial index's filter."""
    if isinstance(document, list):
        return all(fits_partial_filter(item) for item in document)
    if not isinstance(document, dict):
        return True
    for key, value in document.items():
        if key.startswith("$"):
            if key not in _ALLOWED_OPERATORS or (key == "$exists" and value is not True):
                return False
        if not fits_partial_filter(value):
            return False
    return True
