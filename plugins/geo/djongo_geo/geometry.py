"""GeoJSON geometries as small Python values, validated as MongoDB's 2dsphere index would.

No GDAL or GEOS: a geometry is its GeoJSON coordinates, checked when it is made. Positions are
[longitude, latitude], GeoJSON's order; ``Point(lng=2.35, lat=48.85)`` says which is which, so a
swapped pair is a visible mistake rather than a point in the wrong hemisphere. Invalid values
(a longitude outside -180..180, an open or too short ring, crossing edges) raise GeometryError,
which the model fields turn into a ValidationError naming the field.
"""

import json
import math


class GeometryError(ValueError):
    """A value that is not a valid GeoJSON geometry for a 2dsphere index."""


def _position(value, where):
    if isinstance(value, Point):
        return [value.lng, value.lat]
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise GeometryError(f"{where} must be a [longitude, latitude] pair, not {value!r}.")
    lng, lat = value
    for name, number, limit in (("longitude", lng, 180), ("latitude", lat, 90)):
        if isinstance(number, bool) or not isinstance(number, (int, float)):
            raise GeometryError(f"{where} has a {name} that is not a number: {number!r}.")
        if not math.isfinite(number) or not -limit <= number <= limit:
            raise GeometryError(f"{where} has {name} {number}, outside -{limit}..{limit}"
                                + (" (is the pair in [longitude, latitude] order?)"
                                   if name == "longitude" and -90 <= lat <= 90 < abs(number)
                                   or name == "latitude" and abs(number) <= 180 else "")
                                + ".")
    return [float(lng), float(lat)]


def _line(values, where, minimum):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise GeometryError(f"{where} must be a list of positions, not {values!r}.")
    positions = [_position(value, f"{where} position {i}") for i, value in enumerate(values)]
    if len(positions) < minimum:
        raise GeometryError(f"{where} needs at least {minimum} positions, not "
                            f"{len(positions)}.")
    for i, (a, b) in enumerate(zip(positions, positions[1:])):
        if a == b:
            raise GeometryError(f"{where} repeats position {i} ({a}) at once; MongoDB refuses "
                                "duplicate consecutive vertices.")
    return positions


def _cross(o, a, b):
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _segments_cross(p1, p2, p3, p4):
    d1, d2 = _cross(p3, p4, p1), _cross(p3, p4, p2)
    d3, d4 = _cross(p1, p2, p3), _cross(p1, p2, p4)
    return ((d1 > 0) != (d2 > 0) and d1 != 0 and d2 != 0
            and (d3 > 0) != (d4 > 0) and d3 != 0 and d4 != 0)


def _ring(values, where):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise GeometryError(f"{where} must be a list of positions, not {values!r}.")
    values = list(values)
    if values and _position(values[0], where) != _position(values[-1], where):
        raise GeometryError(f"{where} is not closed: its last position must repeat the first "
                            f"({list(values[0])}).")
    positions = _line(values, where, 4)
    edges = list(zip(positions, positions[1:]))
    for i, (a, b) in enumerate(edges):
        for j in range(i + 2, len(edges)):
            if i == 0 and j == len(edges) - 1:
                continue  # the closing edge meets the first at the shared position
            if _segments_cross(a, b, *edges[j]):
                raise GeometryError(f"{where} crosses itself (edges {i} and {j}); MongoDB "
                                    "refuses self-intersecting rings.")
    return positions


class Geometry:
    """A GeoJSON geometry: ``geojson`` is the document stored, ``json`` its text."""

    geom_type = None

    @property
    def coordinates(self):
        return self._coordinates

    @property
    def geojson(self):
        return {"type": self.geom_type, "coordinates": self.coordinates}

    @property
    def json(self):
        return json.dumps(self.geojson)

    @classmethod
    def from_geojson(cls, value):
        """Return the geometry a GeoJSON document (a dict, or its JSON text) describes."""
        if isinstance(value, Geometry):
            return value
        if isinstance(value, (str, bytes)):
            try:
                value = json.loads(value)
            except ValueError as error:
                raise GeometryError(f"Not GeoJSON: {error}.") from None
        if not isinstance(value, dict) or not isinstance(value.get("type"), str):
            raise GeometryError(f"A GeoJSON geometry is a document with a 'type', not {value!r}.")
        kind = GEOMETRY_TYPES.get(value["type"])
        if kind is None:
            raise GeometryError(f"Unknown GeoJSON type {value['type']!r}; expected one of "
                                f"{', '.join(GEOMETRY_TYPES)}.")
        if kind is GeometryCollection:
            parts = value.get("geometries")
            if not isinstance(parts, list):
                raise GeometryError("A GeometryCollection needs a list of 'geometries'.")
            return GeometryCollection(*(Geometry.from_geojson(part) for part in parts))
        if "coordinates" not in value:
            raise GeometryError(f"A GeoJSON {value['type']} needs 'coordinates'.")
        return kind._from_coordinates(value["coordinates"])

    @classmethod
    def _from_coordinates(cls, coordinates):
        if isinstance(coordinates, (str, bytes)) or not hasattr(coordinates, "__iter__"):
            raise GeometryError(f"{cls.__name__} coordinates must be a list, not "
                                f"{coordinates!r}.")
        return cls(*coordinates)

    def __eq__(self, other):
        return isinstance(other, Geometry) and self.geojson == other.geojson

    def __hash__(self):
        return hash(self.json)

    def __repr__(self):
        return f"{type(self).__name__}({self.json})"

    def __str__(self):
        return self.json


class Point(Geometry):
    """A position: ``Point(lng=2.35, lat=48.85)``, or positionally in GeoJSON order
    ``Point(2.35, 48.85)``."""

    geom_type = "Point"

    def __init__(self, *position, lng=None, lat=None):
        if position and (lng is not None or lat is not None):
            raise GeometryError("Give a Point either lng= and lat= or a position, not both.")
        if not position:
            if lng is None or lat is None:
                raise GeometryError("A Point needs both lng= and lat=.")
            position = (lng, lat)
        elif len(position) == 1:
            position = tuple(position[0])
        self._coordinates = _position(list(position), "A Point")

    @classmethod
    def _from_coordinates(cls, coordinates):
        return cls(coordinates)

    @property
    def lng(self):
        return self._coordinates[0]

    @property
    def lat(self):
        return self._coordinates[1]

    x, y = lng, lat


class LineString(Geometry):
    """A line through two or more positions: ``LineString([0, 0], [1, 1])``."""

    geom_type = "LineString"

    def __init__(self, *positions):
        self._coordinates = _line(positions, "A LineString", 2)


class Polygon(Geometry):
    """A polygon: its outer ring, then any holes; each ring closed (last position = first) and
    of at least four positions."""

    geom_type = "Polygon"

    def __init__(self, exterior, *holes):
        rings = [exterior, *holes]
        self._coordinates = [_ring(ring, "The polygon's outer ring" if i == 0
                                   else f"The polygon's hole {i}")
                             for i, ring in enumerate(rings)]

    @classmethod
    def from_bbox(cls, west, south, east, north):
        """Return the rectangle between two longitudes and two latitudes."""
        return cls([[west, south], [east, south], [east, north], [west, north], [west, south]])


class MultiPoint(Geometry):
    geom_type = "MultiPoint"

    def __init__(self, *points):
        self._coordinates = [_position(point, f"A MultiPoint position {i}")
                             for i, point in enumerate(points)]


class MultiLineString(Geometry):
    geom_type = "MultiLineString"

    def __init__(self, *lines):
        self._coordinates = [
            line.coordinates if isinstance(line, LineString)
            else _line(line, f"A MultiLineString's line {i}", 2)
            for i, line in enumerate(lines)]


class MultiPolygon(Geometry):
    geom_type = "MultiPolygon"

    def __init__(self, *polygons):
        self._coordinates = [
            polygon.coordinates if isinstance(polygon, Polygon) else Polygon(*polygon).coordinates
            for polygon in polygons]


class GeometryCollection(Geometry):
    geom_type = "GeometryCollection"

    def __init__(self, *geometries):
        for geometry in geometries:
            if not isinstance(geometry, Geometry):
                raise GeometryError(f"A GeometryCollection holds geometries, not {geometry!r}.")
        self.geometries = list(geometries)

    @property
    def coordinates(self):
        return [geometry.coordinates for geometry in self.geometries]

    @property
    def geojson(self):
        return {"type": self.geom_type,
                "geometries": [geometry.geojson for geometry in self.geometries]}


GEOMETRY_TYPES = {kind.geom_type: kind for kind in (
    Point, LineString, Polygon, MultiPoint, MultiLineString, MultiPolygon, GeometryCollection)}
