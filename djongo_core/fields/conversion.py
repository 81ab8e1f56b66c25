"""Values inside documents and arrays: stored form <-> Python, through the same converters
Django applies to a column, so a date inside an embedded document comes back as a date."""

from django.db.models import Value
from django.utils.encoding import is_protected_type


def python_value(field, value, connection):
    """Return a value read from the database as the Python value of field."""
    if value is None:
        return None
    # A Value stands in for a column: the backend picks converters by the output field.
    expression = Value(None, output_field=field)
    converters = connection.ops.get_db_converters(expression) + field.get_db_converters(connection)
    for converter in converters:
        value = converter(value, expression, connection)
    return value


class _Holder:
    """An object with one attribute, for Field.value_to_string() on a value held elsewhere."""

    def __init__(self, attname, value):
        setattr(self, attname, value)


def serializable_value(field, value):
    """Return value as the serializers write it: numbers, dates and None kept (the JSON
    encoder knows them), everything else in the field's own text or structure."""
    if value is None or is_protected_type(value):
        return value
    return field.value_to_string(_Holder(field.attname, value))
