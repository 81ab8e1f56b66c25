"""GeoJSON fields, GeoDjango's lookups and distance ordering for djongo-core, without GDAL.

Enabled per database with "geo" in PLUGINS; see this distribution's README.md.

- Values (geometry.py): Point, LineString, Polygon, MultiPoint, MultiLineString, MultiPolygon,
  GeometryCollection; distances with units (measure.py): D.
- Fields (fields.py): PointField ... GeometryField, each with a 2dsphere index.
- Lookups (lookups.py): within, intersects, contains, disjoint, dwithin, distance_lt/lte/gt/gte.
- Distance() (functions.py): annotate, order and filter by the distance, run as $geoNear.
"""

from djongo_geo.geometry import (
    Geometry,
    GeometryCollection,
    GeometryError,
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
)
from djongo_geo.measure import D

__all__ = [
    "D", "Distance", "Geometry", "GeometryCollection", "GeometryCollectionField", "GeometryError",
    "GeometryField", "LineString", "LineStringField", "MultiLineString", "MultiLineStringField",
    "MultiPoint", "MultiPointField", "MultiPolygon", "MultiPolygonField", "Point", "PointField",
    "Polygon", "PolygonField",
]

_LAZY = {
    "Distance": "djongo_geo.functions",
    **{name: "djongo_geo.fields" for name in (
        "GeometryCollectionField", "GeometryField", "LineStringField", "MultiLineStringField",
        "MultiPointField", "MultiPolygonField", "PointField", "PolygonField")},
}


def __getattr__(name):
    # Fields and Distance import Django's model machinery, which settings must configure first;
    # the values and D do not.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'djongo_geo' has no attribute {name!r}")
