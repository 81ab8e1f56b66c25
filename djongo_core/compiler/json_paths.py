"""Walking JSON values in aggregation expressions: key chains, steps into objects and arrays."""

from django.db.models.fields.json import KeyTransform


def key_names(key):
    """The keys a has_key argument names: one key, or the chain of a key transform
    (`has_key=F("data__a__b")` asks for the path a.b under the lookup's own JSON value, as
    Django reads it on every backend)."""
    if not isinstance(key, KeyTransform):
        return [str(key)]
    names = []
    while isinstance(key, KeyTransform):
        names.append(str(key.key_name))
        key = key.lhs
    return names[::-1]


def is_index(key):
    """Return whether a JSON key reads as an array index ("0", "-1": from the end)."""
    return key.removeprefix("-").isdigit()


def has_path(document, path, last_is_key=False):
    """Return whether the chain of keys (array indexes for integers, negative ones counting
    from the end) leads to a present value, a null included; last_is_key: the last key is
    an object's key only (has_key's argument). (Each step is tested rather than asking $type
    of the end for "missing": that is what MongoDB answers, but the embedded engine calls
    $$REMOVE an object.)"""
    tests = []
    for position, key in enumerate(path):
        there = has_key(document, key)
        if is_index(key) and not (last_is_key and position == len(path) - 1):
            size = {"$size": document}
            within = {"$lt": [int(key), size]} if not key.startswith("-") else {
                "$lte": [-int(key), size]}
            there = {"$or": [{"$and": [{"$isArray": [document]}, within]}, there]}
        tests.append(there)
        document = _step(document, key)
    return tests[0] if len(tests) == 1 else {"$and": tests}


def _step(document, key):
    """The value under key of a document, or at that index of an array; null otherwise
    ($getField fails on anything but an object)."""
    otherwise = None
    if is_index(key):
        otherwise = {"$cond": [{"$isArray": [document]},
                               {"$arrayElemAt": [document, int(key)]}, None]}
    return {"$cond": [{"$eq": [{"$type": document}, "object"]},
                      {"$getField": {"field": _name(key), "input": document}}, otherwise]}


def has_key(document, key):
    """Return whether document is an object holding key (even with a null value)."""
    value = {"$getField": {"field": _name(key), "input": document}}
    return {"$and": [{"$eq": [{"$type": document}, "object"]},
                     {"$ne": [{"$type": value}, "missing"]}]}


def present(expression, mql, translator):
    """Return whether a JSON value is there at all (a stored null is): for a chain of keys, that
    the path exists in its document; for anything else, that the value is not missing."""
    if not isinstance(expression, KeyTransform):
        return {"$ne": [{"$type": mql}, "missing"]}
    names = key_names(expression)
    while isinstance(expression, KeyTransform):
        expression = expression.lhs
    return has_path(translator.expression(expression), names)


def _name(key):
    # A key such as "$gt" is a name to read, never a field path or operator.
    return {"$literal": key} if key.startswith("$") else key
