"""Django REST Framework serializer fields for the MongoDB-native model fields.

    from djongo_core.rest_framework import MongoModelSerializer

    class PostSerializer(MongoModelSerializer):
        class Meta:
            model = Post
            fields = ["id", "title", "author", "comments", "tags"]

MongoModelSerializer maps ObjectIdField, EmbeddedModelField, EmbeddedModelArrayField, ArrayField
and ArrayReferenceField to the fields below; they can also be declared by hand on any serializer.
"""

try:
    from rest_framework import serializers
except ImportError as error:  # pragma: no cover - the message is the point
    raise ImportError(
        "djongo_core.rest_framework needs Django REST Framework: pip install djangorestframework"
    ) from error

import json

from bson import ObjectId
from bson.errors import InvalidId

from djongo_core import fields
from djongo_core.encoders import MongoJSONEncoder
from djongo_core.fields.embedded import EmbeddedModelField, validate_embedded


class ObjectIdSerializerField(serializers.Field):
    """An ObjectId, read and written as its 24 hexadecimal digits."""

    default_error_messages = {"invalid": "“{value}” is not a valid ObjectId: it must be 24 "
                                         "hexadecimal digits."}

    def to_representation(self, value):
        return str(value)

    def to_internal_value(self, data):
        try:
            return ObjectId(str(data))
        except (InvalidId, TypeError):
            self.fail("invalid", value=data)


class EmbeddedModelSerializerField(serializers.Field):
    """An embedded document, read and written as a JSON object of its fields."""

    def __init__(self, embedded_model, **kwargs):
        self.embedded_model = embedded_model
        super().__init__(**kwargs)

    def to_representation(self, value):
        # Through the JSON encoder, so dates and ObjectIds inside are text as DRF renders them.
        document = EmbeddedModelField(self.embedded_model).serializable(value)
        return json.loads(json.dumps(document, cls=MongoJSONEncoder))

    def to_internal_value(self, data):
        from django.core.exceptions import ValidationError

        field = EmbeddedModelField(self.embedded_model)
        try:
            instance = field.to_python(data)
            validate_embedded(instance)
        except ValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return instance


class MongoModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer that knows the MongoDB-native model fields."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        fields.ObjectIdField: ObjectIdSerializerField,
        fields.ObjectIdAutoField: ObjectIdSerializerField,
    }

    def build_standard_field(self, field_name, model_field):
        if isinstance(model_field, fields.EmbeddedModelField):
            return EmbeddedModelSerializerField, {
                "embedded_model": model_field.embedded_model,
                "required": not (model_field.blank or model_field.has_default()),
                "allow_null": model_field.null}
        if isinstance(model_field, fields.EmbeddedModelArrayField):
            child = EmbeddedModelSerializerField(model_field.embedded_model)
            return serializers.ListField, {"child": child, "required": False}
        if isinstance(model_field, fields.ArrayReferenceField):
            return serializers.PrimaryKeyRelatedField, {
                "many": True, "queryset": model_field.target._default_manager.all(),
                "required": False}
        if isinstance(model_field, fields.ArrayField):
            child_class, child_kwargs = self.build_standard_field(field_name, model_field.base_field)
            child_kwargs = {key: value for key, value in child_kwargs.items()
                            if key not in ("required", "allow_null", "label", "help_text")}
            return serializers.ListField, {"child": child_class(**child_kwargs),
                                           "required": False, "allow_null": model_field.null}
        return super().build_standard_field(field_name, model_field)
