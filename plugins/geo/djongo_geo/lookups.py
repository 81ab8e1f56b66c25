"""GeoDjango's spatial lookups, by their names, for the GeoJSON fields.

Each lookup checks its right-hand side when the filter is built (a ValueError naming the lookup
for anything else); translation.py turns it into MongoDB's geo query operators, which exist only
in query documents (filter(), exclude(), Q).
"""

from django.db.models import Lookup

from djongo_geo import geometry as geo
from djongo_geo.measure import D, meters


class GeoLookup(Lookup):
    """``field__<name>=geometry``: a Geometry, or its GeoJSON (a dict or text)."""

    prepare_rhs = False
    can_use_none_as_rhs = False

    def get_prep_lookup(self):
        try:
            return geo.Geometry.from_geojson(self.rhs)
        except geo.GeometryError as error:
            raise ValueError(f"The {self.lookup_name} lookup takes a geometry: {error}") from None

    def as_sql(self, compiler, connection):
        # Only djongo-core (with "geo" in PLUGINS) can run these lookups; a SQL backend would
        # otherwise get no SQL at all.
        from django.db import NotSupportedError

        raise NotSupportedError(f"The {self.lookup_name} lookup of djongo_geo runs on "
                                "djongo-core databases with 'geo' in PLUGINS.")


class Within(GeoLookup):
    """The stored geometry lies inside the given Polygon or MultiPolygon ($geoWithin)."""

    lookup_name = "within"


class Intersects(GeoLookup):
    """The stored geometry and the given one share a point ($geoIntersects)."""

    lookup_name = "intersects"


class Contains(GeoLookup):
    """The stored geometry contains the given Point ($geoIntersects with that point)."""

    lookup_name = "contains"


class Disjoint(GeoLookup):
    """The stored geometry and the given one share no point (not $geoIntersects)."""

    lookup_name = "disjoint"


class DistanceLookup(GeoLookup):
    """``field__<name>=(point, D(km=5))``: the distance on the sphere compared with D()."""

    #: True when the lookup keeps the geometries within the distance.
    inside = True

    def get_prep_lookup(self):
        value = self.rhs
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise ValueError(f"The {self.lookup_name} lookup takes (point, D(km=...)), not "
                             f"{value!r}.")
        point, distance = value
        try:
            point = geo.Geometry.from_geojson(point)
        except geo.GeometryError as error:
            raise ValueError(f"The {self.lookup_name} lookup takes a Point: {error}") from None
        if not isinstance(point, geo.Point):
            raise ValueError(f"The {self.lookup_name} lookup measures from a Point, not a "
                             f"{point.geom_type}; MongoDB's $centerSphere has a point center.")
        meters(distance, f"The {self.lookup_name} lookup")
        if distance.meters < 0:
            raise ValueError(f"The {self.lookup_name} lookup takes a distance of 0 or more, "
                             f"not {distance!r}.")
        return (point, distance)


class DWithin(DistanceLookup):
    lookup_name = "dwithin"


class DistanceLT(DistanceLookup):
    lookup_name = "distance_lt"


class DistanceLTE(DistanceLookup):
    lookup_name = "distance_lte"


class DistanceGT(DistanceLookup):
    lookup_name = "distance_gt"
    inside = False


class DistanceGTE(DistanceLookup):
    lookup_name = "distance_gte"
    inside = False


GEO_LOOKUPS = [Within, Intersects, Contains, Disjoint, DWithin, DistanceLT, DistanceLTE,
               DistanceGT, DistanceGTE]

__all__ = ["D", "GEO_LOOKUPS", *(lookup.__name__ for lookup in GEO_LOOKUPS)]
