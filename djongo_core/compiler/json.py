"""JSONField lookups on native documents: key paths, has_key(s), JSON null vs a missing key.

A JSONField is stored as the document it holds, so `data__owner__name="Ann"` is the query path
"data.owner.name". Django's rules kept here: `key=None` matches a JSON null (the key is there),
`key__isnull=True` matches a missing key, and has_key asks whether the key exists.
"""

from django.db.models.fields.json import (
    ContainedBy,
    DataContains,
    HasKeyLookup,
    KeyTransform,
    KeyTransformIExact,
)

from djongo_core.compiler import regex
from djongo_core.compiler.json_containment import containment_expression
from djongo_core.compiler.json_null import holds_json, warn_if_none_means_json_null
from djongo_core.compiler.json_paths import has_key, has_path, is_index, key_names, present
from djongo_core.compiler.lookups import (
    PATTERN_LOOKUPS,
    RANGE_OPERATORS,
    SUPPORTED,
    _db_values,
    _regex,
    is_direct,
    lookup_match,
)


def is_path_key(key):
    """Return whether a JSON key can be one step of a query path ("a.b" or "$gt" cannot, nor
    a key with a NUL byte, which BSON refuses in names but carries in string values, nor a
    negative array index, "-1", which a query path would read as an object key)."""
    return (bool(key) and "." not in key and "\x00" not in key and not key.startswith("$")
            and not (key.startswith("-") and is_index(key)))


def key_path(expression, translator):
    """Return the query path of a chain of keys on a local JSONField column, else None."""
    keys = []
    while isinstance(expression, KeyTransform):
        keys.append(str(expression.key_name))
        expression = expression.lhs
    if not (keys and translator.is_path(expression)):
        return None
    if not all(map(is_path_key, keys)):
        return None  # Not expressible as a path; the $expr form reads such keys with $getField.
    return ".".join([translator.field_path(expression), *reversed(keys)])


def key_match(lookup, path, translator):
    """Return a lookup on a JSON key path as a query document."""
    name = lookup.lookup_name
    if name == "isnull":
        # A missing key, not a JSON null.
        return {path: {"$exists": not lookup.rhs}}
    value = _db_values(lookup, translator)
    if name == "exact":
        if value is None:
            return {path: {"$type": "null"}}
        return {path: {"$eq": value}}
    if name in RANGE_OPERATORS:
        return {path: {RANGE_OPERATORS[name]: value}}
    if name == "in":
        return {path: {"$in": list(value)}}
    if name in ("regex", "iregex"):
        return {path: _regex(value, "i" if name == "iregex" else "")}
    kind, options = PATTERN_LOOKUPS[name]
    return {path: _regex(regex.pattern(kind, str(value)), options)}


def json_match(lookup, translator, lenient=False):
    """Return a lookup on a JSONField (or one of its keys) as a query document; None when the
    lookup is not about JSON, for lookups.lookup_match() to translate.

    lenient (under a negation: true or unknown, compiler/conditions.py): a comparison of a
    key is unknown, as SQL's NULL, where the key is missing, so that exclude(data__a="b")
    leaves out the documents without "a" as SQL does (a key holding JSON null is a value,
    as on PostgreSQL's jsonb, and compares as one).
    """
    if isinstance(lookup, KeyTransformIExact) and lookup.rhs is None:
        # Django reads key__iexact=None as key=None: the key holds JSON null.
        key = KeyTransform(lookup.lhs.key_name, lookup.lhs.lhs)
        return json_match(key.get_lookup("exact")(key, None), translator, lenient)
    if lenient and isinstance(lookup.lhs, KeyTransform) and not isinstance(lookup, HasKeyLookup) \
            and lookup.lookup_name != "isnull":
        return _unknown_where_missing(lookup, translator)
    return _json_match(lookup, translator)


def _unknown_where_missing(lookup, translator):
    """Return a key lookup that also matches where the key is missing (unknown in SQL)."""
    matched = _json_match(lookup, translator)
    if matched is None:
        matched = lookup_match(lookup, translator, lenient=True)
    path = key_path(lookup.lhs, translator)
    if path is not None:
        missing = {path: {"$exists": False}}
    else:
        missing = {"$expr": {"$not": [present(lookup.lhs, translator.expression(lookup.lhs),
                                              translator)]}}
    return {"$or": [matched, missing]}


def _json_match(lookup, translator):
    if isinstance(lookup, (DataContains, ContainedBy, HasKeyLookup)):
        return _json_lookup_match(lookup, translator)
    if _is_json_column(lookup.lhs, translator):
        return _column_null_match(lookup, translator)
    if lookup.lookup_name in SUPPORTED and is_direct(lookup):
        path = key_path(lookup.lhs, translator)
        if path is not None:
            return key_match(lookup, path, translator)
        if lookup.lookup_name == "isnull" and isinstance(lookup.lhs, KeyTransform):
            # As on a path: isnull asks whether the key is missing, not whether it holds null.
            present = {"$expr": has_key(translator.expression(lookup.lhs.lhs),
                                                    str(lookup.lhs.key_name))}
            return {"$nor": [present]} if lookup.rhs else present
    return None


def _is_json_column(expression, translator):
    return translator.is_path(expression) and holds_json(expression.target)


def _column_null_match(lookup, translator):
    """The two nulls of a JSONField's own value (compiler/json_null.py): isnull asks for SQL
    NULL, a field left out; exact None asks for JSON null, a stored null. None otherwise."""
    path = translator.field_path(lookup.lhs)
    if lookup.lookup_name == "isnull" and isinstance(lookup.rhs, bool):
        return {path: {"$exists": not lookup.rhs}}
    if lookup.lookup_name == "exact" and lookup.rhs is None:
        warn_if_none_means_json_null(lookup, translator)
        return {path: {"$type": "null"}}
    return None


def _json_lookup_match(lookup, translator):
    """Return JSONField's own lookups (has_key, has_keys, has_any_keys) as a query document."""
    if isinstance(lookup, (DataContains, ContainedBy)):
        return {"$expr": containment_expression(lookup, translator)}
    lhs = lookup.lhs
    base = key_path(lhs, translator) if isinstance(lhs, KeyTransform) else (
        translator.field_path(lhs) if translator.is_path(lhs) else None
    )
    paths = _key_paths(lookup)
    # The last key of each is an object's key, never an array index (has_key="0" asks for
    # the key "0", as Django compiles it); a query path would also match an array's
    # element at that index.
    if base is not None and all(is_path_key(key) and not is_index(path[-1])
                                for path in paths for key in path):
        tests = [{".".join([base, *path]): {"$exists": True}} for path in paths]
    else:
        # A key such as "a.b" or "$where" names one key: as a path it would reach into "a"
        # or read as an operator, so such keys are tested with $getField.
        tests = [{"$expr": test} for test in _has_key_tests(lookup, translator)]
    if len(tests) == 1:
        return tests[0]
    return {"$or" if lookup.logical_operator == " OR " else "$and": tests}


def _key_paths(lookup):
    keys = lookup.rhs if isinstance(lookup.rhs, (list, tuple)) else [lookup.rhs]
    return [key_names(key) for key in keys]


def _has_key_tests(lookup, translator):
    document = translator.expression(lookup.lhs)
    return [has_path(document, path, last_is_key=True) for path in _key_paths(lookup)]


class KeyTranslations:
    """Translator methods (found by class name) for has_key, has_keys and has_any_keys read
    as values: in a Case, an annotation, a CheckConstraint's validation."""

    def _HasKeyLookup(self, node):
        tests = _has_key_tests(node, self)
        if len(tests) == 1:
            return tests[0]
        return {"$or" if node.logical_operator == " OR " else "$and": tests}
