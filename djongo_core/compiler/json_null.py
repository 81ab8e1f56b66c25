"""SQL NULL and JSON null, the two nulls of a JSONField, told apart in the document.

Django keeps them apart: None saved to a JSONField is SQL NULL, JSONNull() (Value(None,
JSONField())) the JSON scalar null, and `field__isnull=True` finds only the first while
`field=JSONNull()` finds only the second. In a document, a JSONField holding SQL NULL is left
out (as any missing field, it reads back as None) and a stored null is JSON null. Only the
field's own value needs this: inside a JSON value, a null is a JSON null and a missing key is
missing, as ever.
"""


from django.db.models import expressions
from django.db.models.expressions import Case, Value

from djongo_core.django_compat import django_class

JSONNull = django_class(expressions, "JSONNull")
# What an update pipeline's $set writes to leave a field out.
REMOVED = "$$REMOVE"


def holds_json(field):
    return field.get_internal_type() == "JSONField"


def is_json_null(node):
    """Whether a query's expression is the JSON scalar null: JSONNull(), or Value(None,
    JSONField()), which Django compiles to the same JSON 'null' in a query (its spelling before
    6.1; written to a document, only at the top of an update, see stored_expression()). A
    model's own None that Django hands over as Value(None, <the model's field>) (Q.check(),
    constraint validation) is the field's value, SQL NULL."""
    if isinstance(node, JSONNull):
        return True
    if not (isinstance(node, Value) and node.value is None):
        return False
    field = node._output_field_or_none
    return (field is not None and holds_json(field)
            and getattr(field, "model", None) is None)


def stored_absent(field, value):
    """Whether a value saved to a field is SQL NULL of a JSONField: no key in the document."""
    return value is None and holds_json(field)


def warn_if_none_means_json_null(lookup, translator):
    """Django deprecates `json_field=None` meaning JSON null (JSONNull() says it); its warning
    is raised while it prepares the right side, which is all this asks of it."""
    if lookup.lookup_name == "exact" and lookup.rhs is None:
        lookup.process_rhs(translator.compiler, translator.connection)


def stored_expression(node, translator, top=True):
    """Return an expression written to a JSONField by an update pipeline, with SQL NULL as
    no key: Coalesce(None, None) or a Case falling through to its default is SQL NULL, while
    JSONNull() (and a JSON value read from a document) is JSON null, stored.

    As Django's SQL: update(data=Value(None, JSONField())) itself is JSON null (the field's
    get_db_prep_save() reads it so); a Value(None) inside another expression is NULL."""
    if isinstance(node, JSONNull):
        return None
    if top and isinstance(node, Value) and node.value is None:
        field = node._output_field_or_none
        if field is not None and holds_json(field):
            return None
    if isinstance(node, Case):
        branches = [{"case": translator.condition(case.condition),
                     "then": stored_expression(case.result, translator, top=False)}
                    for case in node.cases]
        default = stored_expression(node.default, translator, top=False)
        return {"$switch": {"branches": branches, "default": default}} if branches else default
    if isinstance(node, Value):
        # As SQL compiles a Value: None is NULL, whatever its output field.
        return REMOVED if node.value is None else translator.expression(node)
    mql = translator.expression(node)
    field = getattr(node, "_output_field_or_none", None)
    if field is not None and holds_json(field):
        return mql  # a JSON value: its null is JSON null, and a missing one stays missing
    if mql is None:
        return REMOVED
    # SQL NULL (null or missing) leaves the field out. ($cond says it, not $ifNull with
    # $$REMOVE as the replacement: the embedded engine stores null for that form, deviation
    # "ifnull-remove-replacement".)
    return {"$cond": [{"$eq": [{"$ifNull": [mql, None]}, None]}, REMOVED, mql]}
