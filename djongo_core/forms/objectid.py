"""A form field for ObjectIds: 24 hexadecimal digits in, an ObjectId out."""

from bson import ObjectId
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class ObjectIdFormField(forms.CharField):
    default_error_messages = {
        "invalid": _("“%(value)s” is not a valid ObjectId: it must be 24 hexadecimal digits."),
    }

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "maxlength": "24", "size": "24"}

    def to_python(self, value):
        if isinstance(value, ObjectId):
            return value
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        if not ObjectId.is_valid(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid",
                                  params={"value": value})
        return ObjectId(value)

    def prepare_value(self, value):
        return "" if value is None else str(value)
