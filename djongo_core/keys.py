"""Integer primary keys (AutoField, BigAutoField, SmallAutoField) read from documents whose
`_id` an import gave another type.

Django turns every key it filters, updates or deletes by into an int: a document whose `_id` is
"text" or an ObjectId makes `QuerySet.delete()`, `save()` and related lookups fail with a bare
ValueError, and one whose `_id` is 2.5 is taken for the document 2, so that saving or deleting it
writes or deletes another document. Such a key is refused where it is read, naming the model, the
collection, the value and the fix; a whole number stored as a double (2.0) is read as the int.
"""

from django.db import DataError

INTEGER_AUTO_FIELDS = {"AutoField", "BigAutoField", "SmallAutoField"}


def is_counted_key(field):
    """Whether `field` is a primary key the backend counts (an integer AutoField)."""
    return field.primary_key and field.get_internal_type() in INTEGER_AUTO_FIELDS


def convert_counted_key(value, expression, connection):
    if type(value) is int or value is None:
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    field = expression.target
    model = field.model
    raise DataError(
        f"The collection {model._meta.db_table!r} of model {model._meta.label} holds a document "
        f"whose _id is {value!r} ({type(value).__name__}), which its integer primary key "
        f"{field.name!r} ({field.get_internal_type()}) cannot hold: Django would save, delete "
        "and look up related rows of it as another (or no) document. Give those documents "
        "integer _ids (re-insert them with the next ids of the model), or declare the primary "
        "key with their type (CharField(primary_key=True), djongo_core.fields.ObjectIdAutoField)."
    )
