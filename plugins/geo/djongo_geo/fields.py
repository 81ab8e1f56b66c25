"""Model fields holding GeoJSON geometries, each indexed with a 2dsphere index by migrations.

``PointField`` holds a Point, ``PolygonField`` a Polygon... and ``GeometryField`` any geometry.
The document holds the GeoJSON (``{"type": "Point", "coordinates": [2.35, 48.85]}``), which is
what MongoDB's geo operators and 2dsphere indexes read. ``spatial_index=False`` (GeoDjango's
option) leaves the index out.
"""

from django.core import exceptions
from django.db import models
from django.utils.translation import gettext_lazy as _

from djongo_geo import geometry as geo
from djongo_geo.lookups import GEO_LOOKUPS


class GeometryField(models.Field):
    """Any GeoJSON geometry; the subclasses accept one type only."""

    geom_type = None
    geom_class = geo.Geometry
    description = _("GeoJSON geometry")
    empty_strings_allowed = False
    # The core builds this field's own index as {column: "2dsphere"} (docs/plugin-api.md).
    mongo_index_kind = "2dsphere"

    def __init__(self, *args, spatial_index=True, **kwargs):
        self.spatial_index = spatial_index
        kwargs.setdefault("db_index", spatial_index)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        if kwargs.get("db_index") == self.spatial_index:
            kwargs.pop("db_index", None)
        if not self.spatial_index:
            kwargs["spatial_index"] = False
        # Import from the package root, so migrations do not depend on this module's name.
        return name, f"djongo_geo.{type(self).__name__}", args, kwargs

    def db_type(self, connection):
        return "object"

    def get_internal_type(self):
        return type(self).__name__

    def _label(self):
        model = getattr(self, "model", None)
        return f"{model._meta.label}.{self.name}" if model is not None else repr(self.name)

    def to_python(self, value):
        if value is None or isinstance(value, geo.Geometry) and self._accepts(value):
            return value
        if isinstance(value, str) and not value.strip():
            return None
        try:
            value = geo.Geometry.from_geojson(value)
        except geo.GeometryError as error:
            raise exceptions.ValidationError(
                "Invalid geometry for %(field)s: %(error)s", code="invalid",
                params={"field": self._label(), "error": error}) from None
        if not self._accepts(value):
            raise exceptions.ValidationError(
                "%(field)s holds a %(expected)s, not a %(given)s.", code="invalid_type",
                params={"field": self._label(), "expected": self.geom_type,
                        "given": value.geom_type})
        return value

    def _accepts(self, value):
        return self.geom_type is None or value.geom_type == self.geom_type

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        try:
            return geo.Geometry.from_geojson(value)
        except geo.GeometryError:
            # A document written outside Django: give the stored value back rather than fail
            # the whole query.
            return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return self.to_python(value).geojson

    def value_to_string(self, obj):
        """GeoJSON text, as Django's serializers write it (and to_python reads it back)."""
        value = self.value_from_object(obj)
        return None if value is None else self.to_python(value).json

    def formfield(self, **kwargs):
        from djongo_geo.forms import GeometryFormField

        return super().formfield(**{"form_class": GeometryFormField,
                                    "geom_type": self.geom_type, **kwargs})

    def check(self, **kwargs):
        from djongo_geo.checks import check_geometry_field

        return [*super().check(**kwargs), *check_geometry_field(self, **kwargs)]


class PointField(GeometryField):
    geom_type = "Point"
    description = _("GeoJSON Point")


class LineStringField(GeometryField):
    geom_type = "LineString"
    description = _("GeoJSON LineString")


class PolygonField(GeometryField):
    geom_type = "Polygon"
    description = _("GeoJSON Polygon")


class MultiPointField(GeometryField):
    geom_type = "MultiPoint"
    description = _("GeoJSON MultiPoint")


class MultiLineStringField(GeometryField):
    geom_type = "MultiLineString"
    description = _("GeoJSON MultiLineString")


class MultiPolygonField(GeometryField):
    geom_type = "MultiPolygon"
    description = _("GeoJSON MultiPolygon")


class GeometryCollectionField(GeometryField):
    geom_type = "GeometryCollection"
    description = _("GeoJSON GeometryCollection")


for _lookup in GEO_LOOKUPS:
    GeometryField.register_lookup(_lookup)

__all__ = [
    "GeometryCollectionField", "GeometryField", "LineStringField", "MultiLineStringField",
    "MultiPointField", "MultiPolygonField", "PointField", "PolygonField",
]
