"""Embedded documents: a model stored inside another model's document.

The embedded model is an ordinary model class with `Meta.managed = False` (no collection of its
own); its fields validate and convert the subdocument's values. EmbeddedModelField holds one such
document, EmbeddedModelArrayField a list of them. Queries reach inside with
`author__name="Ann"`; on a list, `comments__author="Ann"` matches when any member does.
"""

from django.core import checks, exceptions
from django.db import models
from django.db.models.lookups import Transform
from django.utils.translation import gettext_lazy as _

from djongo_core import decimals
from djongo_core.fields.arrays import ArrayField
from djongo_core.fields.conversion import python_value, serializable_value
from djongo_core.fields.widgets_app import widgets_app_errors


def stored_fields(model):
    """Return the fields of an embedded model that its subdocument holds (not the unused
    automatic primary key)."""
    return [field for field in model._meta.concrete_fields
            if not (field.primary_key and field.auto_created)]


def _key(field):
    # Inside a subdocument a key is the field's column (a primary key too: only a collection's
    # documents have an "_id").
    return field.column


class EmbeddedModelField(models.Field):
    """One instance of `embedded_model`, stored as a subdocument."""

    description = _("Embedded document")
    empty_strings_allowed = False
    default_error_messages = {
        "invalid": _("Enter a %(model)s or a dictionary of its fields."),
    }

    def __init__(self, embedded_model, **kwargs):
        self.embedded_model = embedded_model
        super().__init__(**kwargs)

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        if isinstance(self.embedded_model, str):
            # A lazy reference ("app_label.Model") resolves once that model is loaded.
            def resolve(model, embedded, field=self):
                field.embedded_model = embedded

            models.fields.related.lazy_related_operation(resolve, cls, self.embedded_model)

    def check(self, **kwargs):
        return [*super().check(**kwargs), *embedded_model_errors(self, self.embedded_model),
                *widgets_app_errors(self)]

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        path = "djongo_core.fields." + type(self).__name__
        model = self.embedded_model
        kwargs["embedded_model"] = model if isinstance(model, str) else model._meta.label
        return name, path, args, kwargs

    def get_internal_type(self):
        return "EmbeddedModelField"

    def db_type(self, connection):
        return "object"

    # -- values -------------------------------------------------------------------------------

    def to_python(self, value):
        if value is None or isinstance(value, self.embedded_model):
            return value
        if not isinstance(value, dict):
            raise exceptions.ValidationError(
                self.error_messages["invalid"], code="invalid",
                params={"model": self.embedded_model.__name__})
        fields = {field.name: field for field in stored_fields(self.embedded_model)}
        by_key = {_key(field): field for field in fields.values()}
        values = {}
        for key, item in value.items():
            field = fields.get(key) or by_key.get(key)
            if field is None:
                raise exceptions.ValidationError(
                    _("%(model)s has no field %(key)s."), code="invalid",
                    params={"model": self.embedded_model.__name__, "key": key})
            values[field.attname] = field.to_python(item)
        return self.embedded_model(**values)

    def get_prep_value(self, value):
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return self.to_python(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        if not prepared:
            value = self.get_prep_value(value)
        if value is None or hasattr(value, "resolve_expression"):
            return value
        return {
            _key(field): field.get_db_prep_save(
                decimals.for_save(field, getattr(value, field.attname)), connection)
            for field in stored_fields(self.embedded_model)
        }

    def from_db_value(self, value, expression, connection):
        if not isinstance(value, dict):
            return value
        values = {}
        for field in stored_fields(self.embedded_model):
            if _key(field) in value:
                values[field.attname] = python_value(field, value[_key(field)], connection)
        # A key the document lacks (written before the field existed) takes its default.
        return self.embedded_model(**values)

    def value_to_string(self, obj):
        return self.serializable(self.value_from_object(obj))

    def serializable(self, instance):
        """Return an embedded instance as a dictionary the serializers can write."""
        if instance is None:
            return None
        return {field.name: serializable_value(field, getattr(instance, field.attname))
                for field in stored_fields(self.embedded_model)}

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        if value is not None:
            validate_embedded(value)

    def formfield(self, **kwargs):
        from djongo_core.forms import EmbeddedFormField

        return super().formfield(**{"form_class": EmbeddedFormField,
                                    "model": self.embedded_model, **kwargs})

    def get_transform(self, name):
        transform = super().get_transform(name)
        if transform is not None:
            return transform
        field = _embedded_field(self.embedded_model, name)
        return None if field is None else EmbeddedFieldTransformFactory(field)


class EmbeddedModelArrayField(ArrayField):
    """A list of `embedded_model` instances, stored as an array of subdocuments."""

    description = _("List of embedded documents")

    def __init__(self, embedded_model, size=None, **kwargs):
        kwargs.pop("base_field", None)  # migrations pass it back; it follows from the model
        self.embedded_model = embedded_model
        super().__init__(EmbeddedModelField(embedded_model), size=size, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        del kwargs["base_field"]
        model = self.embedded_model
        kwargs["embedded_model"] = model if isinstance(model, str) else model._meta.label
        return name, path, args, kwargs

    def contribute_to_class(self, cls, name, **kwargs):
        super().contribute_to_class(cls, name, **kwargs)
        if isinstance(self.embedded_model, str):
            def resolve(model, embedded, field=self):
                field.embedded_model = field.base_field.embedded_model = embedded

            models.fields.related.lazy_related_operation(resolve, cls, self.embedded_model)

    def check(self, **kwargs):
        return [*models.Field.check(self, **kwargs),
                *embedded_model_errors(self, self.embedded_model), *widgets_app_errors(self)]

    def get_internal_type(self):
        return "EmbeddedModelArrayField"

    def value_to_string(self, obj):
        value = self.value_from_object(obj)
        if value is None:
            return None
        return [self.base_field.serializable(item) for item in value]

    def formfield(self, **kwargs):
        from djongo_core.forms import EmbeddedListFormField

        return models.Field.formfield(self, **{
            "form_class": EmbeddedListFormField, "model": self.embedded_model,
            "size": self.size, **kwargs})

    def get_transform(self, name):
        transform = super().get_transform(name)
        if transform is not None:
            return transform
        field = _embedded_field(self.embedded_model, name)
        return None if field is None else ArrayMemberTransformFactory(field)


def _embedded_field(model, name):
    if isinstance(model, str):
        return None
    for field in stored_fields(model):
        if name == field.name:
            return field
    return None


def validate_embedded(instance):
    """Validate an embedded instance with its own fields and clean(); raise one message per
    problem, each naming the field (a parent's clean_fields() wants a flat error list)."""
    exclude = [field.name for field in instance._meta.fields
               if field.primary_key and field.auto_created]
    try:
        instance.clean_fields(exclude=exclude)
        instance.clean()
    except exceptions.ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise exceptions.ValidationError([
            exceptions.ValidationError(f"{name}: {message}")
            for name, messages in error.message_dict.items() for message in messages
        ]) from None


def embedded_model_errors(field, model):
    """Return system check errors for an embedded model that cannot be stored inside a
    document."""
    if isinstance(model, str):
        return [checks.Error(
            f"Embedded model {model!r} is not installed or does not exist.",
            obj=field, id="djongo_core.E111")]
    errors = []
    if model._meta.abstract:
        errors.append(checks.Error(
            f"{model.__name__} is abstract; an embedded model must be instantiable.",
            hint=f"Make {model.__name__} a concrete model with Meta.managed = False.",
            obj=field, id="djongo_core.E112"))
    elif model._meta.managed:
        errors.append(checks.Warning(
            f"Embedded model {model.__name__} is managed, so migrations create a collection for "
            "it that nothing uses.",
            hint=f"Set Meta.managed = False on {model.__name__}.",
            obj=field, id="djongo_core.W113"))
    opts = model._meta
    for inner in [*opts.fields, *opts.many_to_many, *opts.private_fields]:
        if inner.is_relation:
            errors.append(checks.Error(
                f"{model.__name__}.{inner.name} is a relation; relations inside an embedded "
                "document are not supported (nothing would join or cascade them).",
                hint="Store the other object's key in a plain field, or use "
                     "ArrayReferenceField on the outer model.",
                obj=field, id="djongo_core.E114"))
    return errors


class EmbeddedFieldTransform(Transform):
    """One field of an embedded document (`author__name`)."""

    def __init__(self, field, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.embedded_field = field
        self.key = _key(field)

    @property
    def output_field(self):
        return self.embedded_field


class ArrayMemberTransform(EmbeddedFieldTransform):
    """One field of every member of a list of embedded documents (`comments__author`); a
    lookup on it matches when any member's value does."""


class EmbeddedFieldTransformFactory:
    transform_class = EmbeddedFieldTransform

    def __init__(self, field):
        self.field = field

    def __call__(self, *args, **kwargs):
        return self.transform_class(self.field, *args, **kwargs)


class ArrayMemberTransformFactory(EmbeddedFieldTransformFactory):
    transform_class = ArrayMemberTransform
