"""Django REST Framework serializer fields for the geo fields: GeoJSON out and in.

    from djongo_geo.rest_framework import GeoModelSerializer

    class StoreSerializer(GeoModelSerializer):
        class Meta:
            model = Store
            fields = ["id", "name", "location"]

A geometry is written as its GeoJSON document ({"type": "Point", "coordinates": [lng, lat]})
and read from one (a document, or its JSON text), validated as the model field validates it: a
wrong type for the field, coordinates out of range or an open ring is a ValidationError naming
what is wrong.
"""

try:
    from rest_framework import serializers
except ImportError as error:  # pragma: no cover - the message is the point
    raise ImportError(
        "djongo_geo.rest_framework needs Django REST Framework: pip install djangorestframework"
    ) from error

from djongo_geo import geometry as geo
from djongo_geo.fields import GeometryField


class GeometrySerializerField(serializers.Field):
    """A GeoJSON geometry of ``geom_class`` (any geometry by default)."""

    default_error_messages = {
        "invalid": "Invalid geometry: {error}",
        "wrong_type": "Expected a GeoJSON {expected}, got a {given}.",
    }

    def __init__(self, geom_class=geo.Geometry, **kwargs):
        self.geom_class = geom_class
        super().__init__(**kwargs)

    def to_representation(self, value):
        return geo.Geometry.from_geojson(value).geojson

    def to_internal_value(self, data):
        try:
            value = geo.Geometry.from_geojson(data)
        except geo.GeometryError as error:
            self.fail("invalid", error=error)
        if not isinstance(value, self.geom_class):
            self.fail("wrong_type", expected=self.geom_class.__name__,
                      given=type(value).__name__)
        return value


class GeoModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer that reads and writes the geo fields as GeoJSON."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if isinstance(model_field, GeometryField):
            kwargs = {key: value for key, value in kwargs.items()
                      if key in ("required", "allow_null", "label", "help_text", "read_only",
                                 "default", "validators")}
            kwargs["geom_class"] = (geo.GEOMETRY_TYPES[model_field.geom_type]
                                    if model_field.geom_type else geo.Geometry)
            return GeometrySerializerField, kwargs
        return field_class, kwargs
