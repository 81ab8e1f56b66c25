"""ArrayField: a list of values of one field type, stored as a BSON array.

Lookups: contains (every given value is a member), contained_by (every member is among the given
values), overlap (at least one given value is a member), len, an index (`tags__0`) and a slice
(`tags__0_2`). Arrays nest: ArrayField(ArrayField(models.IntegerField())).
"""

import json

from django.core import checks, exceptions
from django.db import models
from django.db.models.lookups import Lookup, Transform
from django.utils.translation import gettext_lazy as _

from djongo_core.fields.conversion import python_value, serializable_value
from djongo_core.fields.widgets_app import widgets_app_errors


class ArrayField(models.Field):
    """A list of `base_field` values; `size` caps its length."""

    empty_strings_allowed = False
    default_error_messages = {
        "item_invalid": _("Item %(nth)s in the list did not validate: %(message)s"),
        "too_long": _("The list has %(count)s items; it may have at most %(size)s."),
        "not_a_list": _("Enter a list of values."),
    }

    def __init__(self, base_field, size=None, **kwargs):
        self.base_field = base_field
        self.size = size
        super().__init__(**kwargs)

    @property
    def description(self):
        return _("List of %(items)s") % {"items": self.base_field.description}

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        # The items' field belongs to the same model, for its checks and error messages.
        self.base_field.model = cls
        self.base_field.set_attributes_from_name(name)

    def check(self, **kwargs):
        errors = super().check(**kwargs)
        if self.base_field.is_relation:
            errors.append(checks.Error(
                "ArrayField cannot hold relations.",
                hint="Use ArrayReferenceField for a list of references to another model.",
                obj=self, id="djongo_core.E101",
            ))
        else:
            for error in self.base_field.check():
                errors.append(checks.Error(
                    f"The array's base field is invalid: {error.msg}", hint=error.hint,
                    obj=self, id="djongo_core.E102",
                ))
        if self.size is not None and (not isinstance(self.size, int) or self.size < 0):
            errors.append(checks.Error("ArrayField size must be a non-negative integer.",
                                       obj=self, id="djongo_core.E103"))
        if not isinstance(self.base_field, ArrayField):
            # A nested array is edited as JSON text, which needs no template of the app.
            errors.extend(widgets_app_errors(self))
        return errors

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if path.startswith("djongo_core.fields."):
            path = "djongo_core.fields." + type(self).__name__
        kwargs["base_field"] = self.base_field.clone()
        if self.size is not None:
            kwargs["size"] = self.size
        return name, path, args, kwargs

    def get_internal_type(self):
        return "ArrayField"

    def db_type(self, connection):
        return "array"

    # -- values -------------------------------------------------------------------------------

    def to_python(self, value):
        if isinstance(value, str):
            # The serializers' and forms' text form.
            try:
                value = json.loads(value)
            except ValueError:
                raise exceptions.ValidationError(
                    self.error_messages["not_a_list"], code="not_a_list") from None
        if value is None:
            return None
        if not isinstance(value, (list, tuple)):
            raise exceptions.ValidationError(self.error_messages["not_a_list"], code="not_a_list")
        return [self.base_field.to_python(item) for item in value]

    def get_prep_value(self, value):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        if not isinstance(value, (list, tuple)):
            raise TypeError(
                f"{self.model.__name__}.{self.name} holds a list; got {type(value).__name__} "
                f"{value!r}."
            )
        return [self.base_field.get_prep_value(item) for item in value]

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return [self.base_field.get_db_prep_value(item, connection, prepared=True)
                for item in value]

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return [python_value(self.base_field, item, connection) for item in value]

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        if value is None:
            return None
        return [serializable_value(self.base_field, item) for item in value]

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if value is None:
            return
        if self.size is not None and len(value) > self.size:
            raise exceptions.ValidationError(
                self.error_messages["too_long"], code="too_long",
                params={"count": len(value), "size": self.size})
        for nth, item in enumerate(value, start=1):
            try:
                self.base_field.clean(item, model_instance)
            except exceptions.ValidationError as error:
                raise exceptions.ValidationError(
                    self.error_messages["item_invalid"], code="item_invalid",
                    params={"nth": nth, "message": " ".join(error.messages)},
                ) from None

    def formfield(self, **kwargs):
        from djongo_core.forms import ListFormField, NestedListFormField

        if isinstance(self.base_field, ArrayField):
            defaults = {"form_class": NestedListFormField, "field": self}
        else:
            defaults = {"form_class": ListFormField, "base_field": self.base_field.formfield(),
                        "size": self.size}
        return super().formfield(**{**defaults, **kwargs})

    # -- lookups ------------------------------------------------------------------------------

    def get_transform(self, name):
        transform = super().get_transform(name)
        if transform is not None:
            return transform
        if name.isdigit():
            return IndexTransformFactory(int(name), self.base_field)
        start, separator, end = name.partition("_")
        if separator and start.isdigit() and end.isdigit():
            return SliceTransformFactory(int(start), int(end))
        return None


class ArrayValueLookup(Lookup):
    """A lookup whose right side is a list of the array's items (a single item is a list of
    one); a model instance stands for its primary key."""

    def get_prep_lookup(self):
        if hasattr(self.rhs, "resolve_expression"):
            return self.rhs
        values = self.rhs if isinstance(self.rhs, (list, tuple)) else [self.rhs]
        return list(values)

    def db_values(self, connection):
        """Return the right side as stored values."""
        return self.lhs.output_field.get_db_prep_value(self.rhs, connection)


@ArrayField.register_lookup
class ArrayContainsLookup(ArrayValueLookup):
    lookup_name = "contains"


@ArrayField.register_lookup
class ArrayContainedByLookup(ArrayValueLookup):
    lookup_name = "contained_by"


@ArrayField.register_lookup
class ArrayOverlapLookup(ArrayValueLookup):
    lookup_name = "overlap"


@ArrayField.register_lookup
class ArrayLengthTransform(Transform):
    lookup_name = "len"
    output_field = models.IntegerField()


class ArrayIndexTransform(Transform):
    """One item of the array, by its position from 0."""

    def __init__(self, index, base_field, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.index = index
        self.base_field = base_field

    @property
    def output_field(self):
        return self.base_field


class IndexTransformFactory:
    def __init__(self, index, base_field):
        self.index = index
        self.base_field = base_field

    def __call__(self, *args, **kwargs):
        return ArrayIndexTransform(self.index, self.base_field, *args, **kwargs)


class ArraySliceTransform(Transform):
    """Items start..end-1 of the array, like Python's `items[start:end]`."""

    def __init__(self, start, end, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.start = start
        self.end = end

    @property
    def output_field(self):
        return self.lhs.output_field


class SliceTransformFactory:
    def __init__(self, start, end):
        self.start = start
        self.end = end

    def __call__(self, *args, **kwargs):
        return ArraySliceTransform(self.start, self.end, *args, **kwargs)
