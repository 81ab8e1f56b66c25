"""``Distance(field, point)``: the distance on the sphere, computed by a ``$geoNear`` first stage.

``annotate(distance=Distance("location", paris)).order_by("distance")`` runs one aggregate that
opens with ``{"$geoNear": {"near": paris, "key": "location", "distanceField": ...,
"spherical": true, "query": <the filter>}}`` (plugin.py puts it there), so MongoDB reads the
2dsphere index, and the annotation reads the stage's distance as a D (``.km``, ``.m``).
Filters on it (``distance__lte=D(km=5)``) compare meters.

GeoDjango's other geometry functions need GEOS-like computations MongoDB does not offer in a
query; they are refused by name (UNSUPPORTED_FUNCTIONS).
"""

from django.db import NotSupportedError
from django.db.models import F, FloatField, Func

from djongo_geo import geometry as geo
from djongo_geo.measure import D

# Where $geoNear puts each document's distance, in meters.
DISTANCE_KEY = "__geo_distance"


class DistanceField(FloatField):
    """The output of Distance: a D in Python, meters in MongoDB."""

    def get_prep_value(self, value):
        if value is None:
            return None
        if isinstance(value, D):
            return value.meters
        raise ValueError(f"A Distance is compared with a distance with units, such as "
                         f"D(km=5) (from djongo_geo import D), not {value!r}.")

    def from_db_value(self, value, expression, connection):
        return None if value is None else D(m=value)

    def get_db_converters(self, connection):
        return [self.from_db_value]


class Distance(Func):
    """The distance from the geometries of a field to a Point, in meters on the sphere."""

    arity = 1
    function = None

    def __init__(self, expression, point, **extra):
        if isinstance(expression, str):
            expression = F(expression)
        try:
            point = geo.Geometry.from_geojson(point)
        except geo.GeometryError as error:
            raise ValueError(f"Distance() measures from a Point: {error}") from None
        if not isinstance(point, geo.Point):
            raise ValueError(f"Distance() measures from a Point, not a {point.geom_type}: "
                             "MongoDB's $geoNear starts from a point.")
        self.point = point
        super().__init__(expression, output_field=DistanceField(), **extra)

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("djongo_geo's Distance() runs on djongo-core databases with "
                                "'geo' in PLUGINS.")


def _unsupported(name, why):
    def __init__(self, *args, **kwargs):
        raise NotSupportedError(f"{name}() is not supported by djongo_geo: {why}")

    return type(name, (), {"__init__": __init__, "__doc__": f"Refused: {why}"})


UNSUPPORTED_FUNCTIONS = {
    name: _unsupported(name, why) for name, why in {
        "Area": "MongoDB computes no areas in queries; compute it in Python from the GeoJSON.",
        "Length": "MongoDB computes no lengths in queries; compute it in Python from the "
                  "GeoJSON.",
        "Perimeter": "MongoDB computes no perimeters in queries.",
        "Union": "MongoDB has no geometry union; combine the GeoJSON in Python.",
        "Intersection": "MongoDB has no geometry intersection (the intersects lookup filters).",
        "Difference": "MongoDB has no geometry difference.",
        "Centroid": "MongoDB computes no centroids in queries.",
        "Envelope": "MongoDB computes no envelopes in queries.",
        "Transform": "MongoDB stores GeoJSON in WGS84 only; there is nothing to transform.",
        "GeometryDistance": "use Distance() with order_by(): it runs $geoNear, MongoDB's "
                            "nearest-first search.",
    }.items()
}
Area = UNSUPPORTED_FUNCTIONS["Area"]
Length = UNSUPPORTED_FUNCTIONS["Length"]
Union = UNSUPPORTED_FUNCTIONS["Union"]
