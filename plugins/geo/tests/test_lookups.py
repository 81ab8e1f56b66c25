"""GeoDjango's lookups as MongoDB's geo operators, on the sphere, against hand-checked data.

Distances from Paris (great circle, R = 6,378.1 km): London 343.9 km, Berlin 878.4 km,
New York 5,843.7 km, Tokyo 9,722.9 km.
"""

import pytest
from django.db import NotSupportedError
from django.db.models import Q

from djongo_geo import D, LineString, Point, Polygon
from geo_testapp.models import Area, Place, Zone

PARIS = Point(lng=2.3522, lat=48.8566)
CITIES = {
    "Paris": PARIS, "London": Point(lng=-0.1276, lat=51.5072), "Berlin": Point(lng=13.405, lat=52.52),
    "New York": Point(lng=-74.006, lat=40.7128), "Tokyo": Point(lng=139.6917, lat=35.6895),
}
# Western Europe, roughly: Paris, London and Berlin inside; New York and Tokyo out.
EUROPE = Polygon([[-10, 40], [20, 40], [20, 60], [-10, 60], [-10, 40]])
R = 6378.1 * 1000


@pytest.fixture
def cities(db):
    for name, point in CITIES.items():
        Place.objects.create(name=name, location=point)
    Place.objects.create(name="Nowhere", location=None)


def names(queryset):
    return sorted(queryset.values_list("name", flat=True))


def test_distance_lte_is_a_center_sphere_in_radians_and_count_agrees(cities):
    within = Place.objects.filter(location__distance_lte=(PARIS, D(km=400)))
    assert str(within.values("name").query) == (
        'db.geo_testapp_place.find({"location": {"$geoWithin": {"$centerSphere": '
        f'[[2.3522, 48.8566], {400000 / R!r}]}}}}}}, {{"name": 1, "_id": 0}})')
    assert names(within) == ["London", "Paris"]
    assert within.count() == 2
    assert within.exists()


def test_distance_gt_is_the_complement_without_null_locations(cities):
    beyond = Place.objects.filter(location__distance_gt=(PARIS, D(km=400)))
    assert str(beyond.values("name").query) == (
        'db.geo_testapp_place.find({"$nor": [{"location": null}, {"location": {"$geoWithin": '
        f'{{"$centerSphere": [[2.3522, 48.8566], {400000 / R!r}]}}}}}}]}}, '
        '{"name": 1, "_id": 0})')
    assert names(beyond) == ["Berlin", "New York", "Tokyo"]
    assert names(Place.objects.filter(location__distance_gte=(PARIS, D(mi=550)))) == [
        "New York", "Tokyo"]  # Berlin is 545.8 mi away
    assert Place.objects.filter(location__distance_lt=(PARIS, D(km=343))).count() == 1


def test_dwithin_equals_distance_lte_and_units_convert(cities):
    assert names(Place.objects.filter(location__dwithin=(PARIS, D(km=900)))) == [
        "Berlin", "London", "Paris"]
    assert names(Place.objects.filter(location__dwithin=(PARIS, D(mi=550)))) == names(
        Place.objects.filter(location__distance_lte=(PARIS, D(km=885.1))))


def test_a_number_without_units_is_refused_naming_d(db):
    with pytest.raises(ValueError, match=r"distance_lte lookup takes a distance with units, "
                                         r"such as D\(km=5\)"):
        Place.objects.filter(location__distance_lte=(PARIS, 400))
    with pytest.raises(ValueError, match="takes \\(point, D\\(km=...\\)\\)"):
        Place.objects.filter(location__dwithin=PARIS)


def test_the_antimeridian_is_crossed_on_the_sphere(db):
    Place.objects.create(name="East", location=Point(lng=179.9, lat=0))
    Place.objects.create(name="West", location=Point(lng=-179.9, lat=0))
    Place.objects.create(name="Greenwich", location=Point(lng=0, lat=0))
    assert names(Place.objects.filter(location__dwithin=(Point(lng=179.9, lat=0), D(km=25)))) == [
        "East", "West"]  # 22.3 km apart across the date line


def test_near_the_pole_longitudes_converge(db):
    Place.objects.create(name="North", location=Point(lng=0, lat=89.9))
    Place.objects.create(name="North2", location=Point(lng=180, lat=89.9))
    Place.objects.create(name="Oslo", location=Point(lng=10.75, lat=59.91))
    assert names(Place.objects.filter(location__distance_lte=(Point(lng=0, lat=89.9),
                                                              D(km=23)))) == ["North", "North2"]


def test_within_a_polygon_combines_with_other_filters_and_or(cities):
    within = Place.objects.filter(location__within=EUROPE, name__startswith="B")
    assert str(within.values("name").query) == (
        'db.geo_testapp_place.find({"location": {"$geoWithin": {"$geometry": '
        '{"type": "Polygon", "coordinates": [[[-10.0, 40.0], [20.0, 40.0], [20.0, 60.0], '
        '[-10.0, 60.0], [-10.0, 40.0]]]}}}, "name": {"$regex": "^B"}}, {"name": 1, "_id": 0})')
    assert names(within) == ["Berlin"]
    assert names(Place.objects.filter(Q(location__within=EUROPE) | Q(name="Tokyo"))) == [
        "Berlin", "London", "Paris", "Tokyo"]
    assert names(Place.objects.exclude(location__within=EUROPE)) == ["New York", "Nowhere",
                                                                      "Tokyo"]


def test_within_takes_polygons_only(db):
    with pytest.raises(NotSupportedError, match="within on geo_testapp.Place.location takes a "
                                                "Polygon or MultiPolygon, not a Point"):
        list(Place.objects.filter(location__within=PARIS))


@pytest.fixture
def shapes(db):
    square = Polygon([[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]])
    Area.objects.create(name="square", shape=square)
    Area.objects.create(name="line", shape=LineString([-1, 1], [3, 1]))
    Area.objects.create(name="far", shape=Polygon([[10, 10], [11, 10], [11, 11], [10, 10]]))
    Area.objects.create(name="dot", shape=Point(1, 1))


def test_intersects_contains_and_disjoint_on_stored_shapes(shapes):
    point = Point(lng=1, lat=1)
    contains = Area.objects.filter(shape__contains=point)
    assert str(contains.values("name").query) == (
        'db.geo_testapp_area.find({"shape": {"$geoIntersects": {"$geometry": {"type": "Point", '
        '"coordinates": [1.0, 1.0]}}}}, {"name": 1, "_id": 0})')
    assert names(contains) == ["dot", "line", "square"]
    assert names(Area.objects.filter(shape__contains=Point(1.5, 0.5))) == ["square"]
    crossing = LineString([1, -1], [1, 3])
    assert names(Area.objects.filter(shape__intersects=crossing)) == ["dot", "line", "square"]
    disjoint = Area.objects.filter(shape__disjoint=crossing)
    assert str(disjoint.values("name").query) == (
        'db.geo_testapp_area.find({"$nor": [{"shape": null}, {"shape": {"$geoIntersects": '
        '{"$geometry": {"type": "LineString", "coordinates": [[1.0, -1.0], [1.0, 3.0]]}}}}]}, '
        '{"name": 1, "_id": 0})')
    assert names(disjoint) == ["far"]
    assert names(Area.objects.filter(shape__within=Polygon(
        [[-0.5, -0.5], [2.5, -0.5], [2.5, 2.5], [-0.5, 2.5], [-0.5, -0.5]]))) == ["dot", "square"]


def test_contains_of_a_shape_and_distance_filters_on_polygons_are_refused(shapes):
    with pytest.raises(NotSupportedError, match="contains on geo_testapp.Area.shape takes a Point"):
        list(Area.objects.filter(shape__contains=LineString([0, 0], [1, 1])))
    with pytest.raises(NotSupportedError, match="keeps whole geometries inside a circle"):
        list(Zone.objects.filter(boundary__dwithin=(PARIS, D(km=1))))


def test_a_geo_lookup_outside_a_filter_is_refused(cities):
    from django.db.models import Case, Value, When

    with pytest.raises(NotSupportedError):
        list(Place.objects.annotate(near=Case(
            When(location__dwithin=(PARIS, D(km=1)), then=Value(1)), default=Value(0))))
