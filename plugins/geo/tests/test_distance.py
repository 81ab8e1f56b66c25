"""Distance(): annotate, order and filter by the distance on the sphere, run as $geoNear."""

import pytest
from django.db import NotSupportedError, connection
from django.test.utils import CaptureQueriesContext

from djongo_geo import D, Distance, Point
from geo_testapp.models import Place, Zone

PARIS = Point(lng=2.3522, lat=48.8566)
CITIES = {  # inserted out of distance order, so that order comes from $geoNear
    "Tokyo": Point(lng=139.6917, lat=35.6895), "Berlin": Point(lng=13.405, lat=52.52),
    "New York": Point(lng=-74.006, lat=40.7128), "Paris": PARIS,
    "London": Point(lng=-0.1276, lat=51.5072),
}


@pytest.fixture
def cities(db):
    for name, point in CITIES.items():
        Place.objects.create(name=name, location=point)
    Place.objects.create(name="Nowhere", location=None)


def test_ordering_by_distance_from_paris(cities):
    places = list(Place.objects.annotate(distance=Distance("location", PARIS))
                  .order_by("distance"))
    assert [p.name for p in places] == ["Paris", "London", "Berlin", "New York", "Tokyo"]
    assert places[1].distance.km == pytest.approx(343.9, abs=1)
    assert places[2].distance.m == pytest.approx(878_400, abs=1_000)
    assert places[0].distance == D(m=0)


def test_one_aggregate_opens_with_geo_near_holding_the_filter(cities):
    queryset = (Place.objects.filter(name__startswith="L")
                .annotate(distance=Distance("location", PARIS)).order_by("distance")
                .values_list("name", "distance"))
    assert str(queryset.query) == (
        'db.geo_testapp_place.aggregate([{"$geoNear": {"near": {"type": "Point", '
        '"coordinates": [2.3522, 48.8566]}, "distanceField": "__geo_distance", '
        '"key": "location", "spherical": true, "query": {"name": {"$regex": "^L"}}}}, '
        '{"$project": {"_id": 0, "c0": "$name", "c1": "$__geo_distance"}}, '
        '{"$sort": {"c1": 1}}])')
    with CaptureQueriesContext(connection) as queries:
        [(name, distance)] = list(queryset[:2])
    assert name == "London" and distance.km == pytest.approx(343.9, abs=1)
    assert len(queries) == 1 and "$near" not in queries[0]["sql"].replace("$geoNear", "")


def test_filtering_on_the_distance_agrees_with_its_count(cities):
    near = (Place.objects.annotate(distance=Distance("location", PARIS))
            .filter(distance__lte=D(km=900)).order_by("distance"))
    assert [p.name for p in near] == ["Paris", "London", "Berlin"]
    assert near.count() == 3
    assert near.exists()
    assert not near.filter(distance__gt=D(km=900)).exists()
    assert [p.name for p in near[1:2]] == ["London"]


def test_the_distance_filter_and_the_distance_annotation_agree(cities):
    within = Place.objects.filter(location__distance_lte=(PARIS, D(km=400)))
    annotated = (Place.objects.annotate(distance=Distance("location", PARIS))
                 .filter(distance__lte=D(km=400)))
    assert sorted(p.name for p in within) == sorted(p.name for p in annotated) == [
        "London", "Paris"]
    assert within.count() == annotated.count() == 2


def test_from_the_antimeridian_the_nearest_is_across_it(db):
    for name, lng in (("East", 179.9), ("West", -179.9), ("Greenwich", 0)):
        Place.objects.create(name=name, location=Point(lng=lng, lat=0))
    nearest = (Place.objects.exclude(name="East")
               .annotate(distance=Distance("location", Point(lng=179.9, lat=0)))
               .order_by("distance").first())
    assert nearest.name == "West"
    assert nearest.distance.km == pytest.approx(22.3, abs=0.1)


def test_near_the_pole(db):
    Place.objects.create(name="Oslo", location=Point(lng=10.75, lat=59.91))
    Place.objects.create(name="Across the pole", location=Point(lng=180, lat=89.9))
    nearest = (Place.objects.annotate(distance=Distance("location", Point(lng=0, lat=89.9)))
               .order_by("distance").first())
    assert nearest.name == "Across the pole"
    assert nearest.distance.km == pytest.approx(22.3, abs=0.1)


def test_a_distance_is_compared_with_units_only(cities):
    with pytest.raises(ValueError, match=r"D\(km=5\)"):
        list(Place.objects.annotate(distance=Distance("location", PARIS))
             .filter(distance__lte=400))


def test_two_distances_in_one_query_are_refused(cities):
    with pytest.raises(NotSupportedError, match="measures 2 different distances; MongoDB "
                                                "computes one per query"):
        list(Place.objects.annotate(a=Distance("location", PARIS),
                                    b=Distance("location", CITIES["Tokyo"])))


def test_a_distance_without_a_2dsphere_index_is_refused(db):
    with pytest.raises(NotSupportedError, match=r"Zone\.center needs a 2dsphere index"):
        list(Zone.objects.annotate(d=Distance("center", PARIS)))


def test_a_distance_needs_a_point():
    with pytest.raises(ValueError, match="measures from a Point, not a LineString"):
        Distance("location", {"type": "LineString", "coordinates": [[0, 0], [1, 1]]})
