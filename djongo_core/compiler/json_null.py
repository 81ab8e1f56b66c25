"""SQL NULL and JSON null, the two nulls of a JSONField, told apart in the document.

Django keeps them apart: None saved to a JSONField is SQL NULL, JSONNull() (Value(None,
JSONField())) the JSON scalar null, and `field__isnull=True` finds only the first while
`field=JSONNull()` finds only the second. In a document, a JSONField holding SQL NULL is left
out (as any missing field, it reads back as None) and a stored null is JSON null. Only the
field's own value needs this: inside a JSON value, a null is a JSON null and a missing key is
missing, as ever.
"""


def holds_json(field):
    return field.get_internal_type() == "JSONField"


def stored_absent(field, value):
    """Whether a value saved to a field is SQL NULL of a JSONField: no key in the document."""
    return value is None and holds_json(field)


def warn_if_none_means_json_null(lookup, translator):
    """Django deprecates `json_field=None` meaning JSON null (JSONNull() says it); its warning
    is raised while it prepares the right side, which is all this asks of it."""
    if lookup.lookup_name == "exact" and lookup.rhs is None:
        lookup.process_rhs(translator.compiler, translator.connection)
