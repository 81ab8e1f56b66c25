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
    field = expression.target
    if _is_whole_number(value):
        # bson reads every stored int64 as Int64 (an int subclass); an import may store 2.0.
        number = int(value)
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        if low <= number <= high:
            return number
        raise DataError(
            f"The collection {field.model._meta.db_table!r} of model {field.model._meta.label} "
            f"holds a document whose _id is {number}, beyond the range of its primary key "
            f"{field.name!r} ({field.get_internal_type()}: {low} to {high}): Django would look it "
            "up, save and delete it as no document. Declare the primary key as a "
            "BigAutoField, or re-insert those documents with the next ids of the model."
        )
    raise DataError(
        f"The collection {field.model._meta.db_table!r} of model {field.model._meta.label} holds "
        f"a document whose _id is {value!r} ({type(value).__name__}), which its integer primary "
        f"key {field.name!r} ({field.get_internal_type()}) cannot hold: Django would save, delete "
        "and look up related rows of it as another (or no) document. Give those documents "
        "integer _ids (re-insert them with the next ids of the model), or declare the primary "
        "key with their type (CharField(primary_key=True), djongo_core.fields.ObjectIdAutoField)."
        f"{DJONGO_1_HINT}"
    )


# djongo 1.x kept an AutoField under its own key beside an ObjectId _id (adoption.py).
DJONGO_1_HINT = (" If djongo 1.x wrote them, their integer key is beside the _id: `manage.py "
                 "adoptdb` moves it into _id (docs/coming-from-djongo.md).")


def _is_whole_number(value):
    if isinstance(value, int):
        return not isinstance(value, bool)
    return isinstance(value, float) and value.is_integer()
