"""Geometry values and D: unambiguous constructors, validation as MongoDB's 2dsphere index."""

import pytest

from djongo_geo import (
    D, GeometryCollection, GeometryError, LineString, MultiPolygon, Point, Polygon,
)
from djongo_geo.geometry import Geometry

SQUARE = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]


def test_a_point_by_keyword_is_longitude_then_latitude_in_geojson():
    point = Point(lng=2.35, lat=48.85)
    assert point.geojson == {"type": "Point", "coordinates": [2.35, 48.85]}
    assert (point.lng, point.lat, point.x, point.y) == (2.35, 48.85, 2.35, 48.85)
    assert Point(2.35, 48.85) == point == Point([2.35, 48.85])


@pytest.mark.parametrize("kwargs, message", [
    ({"lng": 500, "lat": 0}, r"longitude 500, outside -180\.\.180"),
    ({"lng": 0, "lat": 91}, r"latitude 91, outside -90\.\.90"),
    ({"lng": float("nan"), "lat": 0}, "longitude nan"),
    ({"lng": "2", "lat": 0}, "not a number"),
    ({"lng": 1}, "needs both lng= and lat="),
])
def test_a_point_out_of_range_or_incomplete_is_refused(kwargs, message):
    with pytest.raises(GeometryError, match=message):
        Point(**kwargs)


def test_a_swapped_pair_is_named_as_a_likely_order_mistake():
    with pytest.raises(GeometryError, match=r"\[longitude, latitude\] order"):
        Point(48.85, 120)  # latitude 120 looks like a longitude


def test_polygon_rings_must_be_closed_long_enough_and_simple():
    assert Polygon(SQUARE).coordinates == [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0],
                                            [0.0, 0.0]]]
    with pytest.raises(GeometryError, match="not closed"):
        Polygon([[0, 0], [1, 0], [1, 1], [0, 1]])
    with pytest.raises(GeometryError, match="at least 4 positions"):
        Polygon([[0, 0], [1, 0], [0, 0]])
    with pytest.raises(GeometryError, match="crosses itself"):
        Polygon([[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]])  # a bow tie
    with pytest.raises(GeometryError, match="duplicate consecutive"):
        Polygon([[0, 0], [1, 0], [1, 0], [1, 1], [0, 0]])
    with pytest.raises(GeometryError, match="hole 1"):
        Polygon(SQUARE, [[0.2, 0.2], [0.4, 0.2], [0.2, 0.4]])


def test_geojson_round_trips_every_type():
    documents = [
        {"type": "Point", "coordinates": [1.0, 2.0]},
        {"type": "LineString", "coordinates": [[0.0, 0.0], [1.0, 1.0]]},
        {"type": "Polygon", "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]},
        {"type": "MultiPoint", "coordinates": [[0.0, 0.0], [1.0, 1.0]]},
        {"type": "MultiLineString", "coordinates": [[[0.0, 0.0], [1.0, 1.0]]]},
        {"type": "MultiPolygon",
         "coordinates": [[[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]]},
        {"type": "GeometryCollection", "geometries": [
            {"type": "Point", "coordinates": [1.0, 2.0]},
            {"type": "LineString", "coordinates": [[0.0, 0.0], [1.0, 1.0]]}]},
    ]
    for document in documents:
        geometry = Geometry.from_geojson(document)
        assert geometry.geojson == document
        assert Geometry.from_geojson(geometry.json) == geometry
    assert isinstance(Geometry.from_geojson(documents[-1]), GeometryCollection)
    assert MultiPolygon(Polygon(SQUARE)).geojson["coordinates"] == [Polygon(SQUARE).coordinates]
    assert LineString(Point(0, 0), [1, 1]).coordinates == [[0.0, 0.0], [1.0, 1.0]]


@pytest.mark.parametrize("value, message", [
    ({"type": "Circle", "coordinates": [0, 0]}, "Unknown GeoJSON type 'Circle'"),
    ({"coordinates": [0, 0]}, "document with a 'type'"),
    ("{not json", "Not GeoJSON"),
    ({"type": "Point"}, "needs 'coordinates'"),
])
def test_what_is_not_geojson_is_refused(value, message):
    with pytest.raises(GeometryError, match=message):
        Geometry.from_geojson(value)


def test_distances_carry_units_and_compare():
    assert D(km=1).m == 1000
    assert D(mi=1).km == pytest.approx(1.609344)
    assert D(km=1, m=500) == D(m=1500)
    assert D(km=1) < D(mi=1)
    assert (D(km=2) * 2).km == 4
    with pytest.raises(ValueError, match="such as D\\(km=5\\)"):
        D(furlongs=3)
