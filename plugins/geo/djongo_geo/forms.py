"""The form field of the geometry fields and its map widget.

The widget works offline (no tiles, no CDN): the GeoJSON text is the value submitted; a point
also gets longitude and latitude inputs; and a world map drawn in SVG (a graticule and the
continents' outlines at a coarse scale) shows the geometry, where a click places the point or
adds a vertex to a line or polygon. Its script and style ship as static files of the
djongo_geo app (add "djongo_geo" to INSTALLED_APPS; `check` says so).
"""

from django import forms
from django.core.exceptions import ValidationError

from djongo_geo import geometry as geo


class GeoWidget(forms.Widget):
    template_name = "djongo_geo/geo_widget.html"

    class Media:
        css = {"all": ["djongo_geo/geo_widget.css"]}
        js = ["djongo_geo/geo_widget.js"]

    def __init__(self, attrs=None, geom_type=None):
        self.geom_type = geom_type
        super().__init__(attrs)

    def format_value(self, value):
        if value is None or value == "":
            return ""
        if isinstance(value, geo.Geometry):
            return value.json
        return str(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["geom_type"] = self.geom_type or "Geometry"
        return context


class GeometryFormField(forms.Field):
    widget = GeoWidget

    def __init__(self, *, geom_type=None, **kwargs):
        self.geom_type = geom_type
        super().__init__(**kwargs)
        self.widget.geom_type = geom_type

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            value = geo.Geometry.from_geojson(value)
        except geo.GeometryError as error:
            raise ValidationError(str(error), code="invalid") from None
        if self.geom_type is not None and value.geom_type != self.geom_type:
            raise ValidationError(f"Enter a {self.geom_type}, not a {value.geom_type}.",
                                  code="invalid_type")
        return value

    def prepare_value(self, value):
        return value.json if isinstance(value, geo.Geometry) else value

    def has_changed(self, initial, data):
        try:
            data = self.to_python(data)
            initial = self.to_python(initial)
        except ValidationError:
            return True
        return initial != data
