"""ObjectId keys: for collections whose documents carry MongoDB's own `_id` values."""

from bson import ObjectId
from bson.errors import InvalidId
from django.core import exceptions
from django.db import models
from django.db.models.fields import AutoFieldMixin
from django.utils.translation import gettext_lazy as _


class ObjectIdField(models.Field):
    """A BSON ObjectId, shown and accepted in its 24-hex-digit form."""

    description = _("MongoDB ObjectId")
    empty_strings_allowed = False
    default_error_messages = {
        "invalid": _("“%(value)s” is not a valid ObjectId: it must be 24 hexadecimal digits."),
    }

    def get_internal_type(self):
        return "ObjectIdField"

    def to_python(self, value):
        if value is None or isinstance(value, ObjectId):
            return value
        try:
            return ObjectId(str(value))
        except (InvalidId, TypeError):
            raise exceptions.ValidationError(
                self.error_messages["invalid"], code="invalid", params={"value": value}
            ) from None

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return self.to_python(value)

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        return "" if value is None else str(value)

    def formfield(self, **kwargs):
        from djongo_core.forms.objectid import ObjectIdFormField

        return super().formfield(**{"form_class": ObjectIdFormField, **kwargs})


class ObjectIdAutoField(AutoFieldMixin, ObjectIdField):
    """A primary key filled with a new ObjectId by the insert, like AutoField with a counter."""

    def get_internal_type(self):
        return "ObjectIdAutoField"

    def rel_db_type(self, connection):
        return ObjectIdField().db_type(connection=connection)
