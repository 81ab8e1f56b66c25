"""The embedded engine's geo shims (djongo_core/embedded/shims/geo.py): $geoNear in meters on the
sphere and $geoWithin with $centerSphere, as MongoDB answers them, on both of mongoeco's
engines; and each reported obsolete once mongoeco measures on the sphere itself.

Expected values are MongoDB's (sphere of radius 6,378.1 km): Paris-London 343.9 km,
Paris-Berlin 878.4 km; 179.9 E to 179.9 W on the equator 22.3 km.
"""

import pymongo
import pytest

from djongo_core.embedded import embedded_server_uri, shims

R = 6378.1 * 1000
PLACES = {
    "paris": (2.3522, 48.8566), "london": (-0.1276, 51.5072), "berlin": (13.405, 52.52),
    "nyc": (-74.006, 40.7128), "tokyo": (139.6917, 35.6895), "e179": (179.9, 0),
    "w179": (-179.9, 0), "north": (0, 89.9), "north2": (180, 89.9),
}


def point(lng, lat):
    return {"type": "Point", "coordinates": [lng, lat]}


@pytest.fixture(scope="module", params=["memory", "directory"])
def places(request, tmp_path_factory):
    """The probe's places, in insertion order unlike distance order, on each engine."""
    directory = tmp_path_factory.mktemp("geo")
    host = "embedded:" if request.param == "memory" else f"embedded://{directory}"
    client = pymongo.MongoClient(embedded_server_uri(host))
    collection = client.shim_geo.places
    collection.drop()
    collection.insert_many([{"_id": name, "loc": point(*where)}
                            for name, where in reversed(PLACES.items())])
    collection.insert_one({"_id": "nowhere"})
    collection.insert_one({"_id": "square", "loc": {"type": "Polygon", "coordinates": [
        [[1, 47], [3, 47], [3, 49], [1, 49], [1, 47]]]}})
    collection.insert_one({"_id": "road", "loc": {"type": "LineString", "coordinates": [
        [-10, 50], [-10, 40]]}})
    collection.create_index([("loc", "2dsphere")])
    yield collection
    client.drop_database("shim_geo")
    client.close()


def near(collection, origin, **options):
    stage = {"near": point(*origin), "distanceField": "d", "key": "loc", "spherical": True,
             **options}
    return [(d["_id"], round(d["d"] / 1000, 1)) for d in collection.aggregate([{"$geoNear": stage}])]


def test_geo_near_sorts_by_meters_on_the_sphere(places):
    found = near(places, PLACES["paris"], query={"_id": {"$in": list(PLACES)}})
    assert found == [("paris", 0.0), ("london", 343.9), ("berlin", 878.4), ("north", 4568.9),
                     ("north2", 4591.2), ("nyc", 5843.7), ("tokyo", 9722.9),
                     ("e179", 14593.6), ("w179", 14594.4)]


def test_geo_near_limits_and_scales_in_meters(places):
    assert near(places, PLACES["paris"], maxDistance=400_000,
                query={"_id": {"$ne": "paris"}, "loc.type": "Point"}) == [("london", 343.9)]
    assert near(places, PLACES["paris"], minDistance=400_000, maxDistance=1_000_000,
                query={"loc.type": "Point"}) == [("berlin", 878.4)]
    [(name, distance)] = near(places, PLACES["paris"], maxDistance=400_000,
                              distanceMultiplier=0.001, query={"_id": "london"})
    assert distance == pytest.approx(0.3, abs=0.05)  # 343.9 m, as km / 1000


def test_geo_near_crosses_the_antimeridian_and_the_pole(places):
    assert near(places, PLACES["e179"], maxDistance=100_000) == [("e179", 0.0), ("w179", 22.3)]
    assert near(places, PLACES["north"], maxDistance=100_000) == [("north", 0.0),
                                                                    ("north2", 22.3)]


def test_geo_near_measures_to_the_nearest_edge_of_lines_and_polygons(places):
    found = dict(near(places, PLACES["paris"], maxDistance=1_000_000))
    assert found["square"] == 0.0  # Paris is inside
    # The road runs along 10 W; from 5 W on 45 N the nearest point is (10 W, ~45 N): ~393 km.
    assert dict(near(places, (-5, 45), query={"_id": "road"})) == {"road": pytest.approx(393.2, abs=1)}
    assert "nowhere" not in found


def test_geo_near_must_be_the_first_stage(places):
    with pytest.raises(pymongo.errors.OperationFailure, match="only valid as the first stage") as raised:
        list(places.aggregate([{"$match": {}}, {"$geoNear": {
            "near": point(0, 0), "distanceField": "d", "key": "loc"}}]))
    assert raised.value.code == 40603


def test_center_sphere_selects_within_meters_in_finds_counts_and_matches(places):
    cap = {"loc": {"$geoWithin": {"$centerSphere": [list(PLACES["paris"]), 400_000 / R]}}}
    assert sorted(d["_id"] for d in places.find(cap)) == ["london", "paris", "square"]
    assert places.count_documents(cap) == 3
    assert sorted(d["_id"] for d in places.aggregate([{"$match": cap}])) == [
        "london", "paris", "square"]
    assert sorted(d["_id"] for d in places.find({"$nor": [{"loc": None}, cap]})) == [
        "berlin", "e179", "north", "north2", "nyc", "road", "tokyo", "w179"]
    across = {"loc": {"$geoWithin": {"$centerSphere": [[179.9, 0], 25_000 / R]}}}
    assert sorted(d["_id"] for d in places.find(across)) == ["e179", "w179"]


def test_center_sphere_combines_with_other_operators_on_the_field(places):
    cap = {"$geoWithin": {"$centerSphere": [list(PLACES["paris"]), 400_000 / R]},
           "$ne": None}
    assert sorted(d["_id"] for d in places.find({"loc": cap, "_id": {"$ne": "square"}})) == [
        "london", "paris"]


def test_center_sphere_in_geo_near_query(places):
    assert near(places, PLACES["berlin"], query={"loc": {"$geoWithin": {
        "$centerSphere": [list(PLACES["paris"]), 400_000 / R]}}, "loc.type": "Point"}) == [
        ("paris", 878.4), ("london", 932.6)]


def test_a_malformed_center_sphere_is_refused(places):
    with pytest.raises(pymongo.errors.OperationFailure, match="centerSphere requires"):
        list(places.find({"loc": {"$geoWithin": {"$centerSphere": [[0, 0]]}}}))


@pytest.fixture
def embedded_client():
    client = pymongo.MongoClient(embedded_server_uri("embedded:"))
    yield client
    client.close()


def test_geo_shims_are_still_needed(embedded_client):
    geo_near, center_sphere = shims.geo_still_needed(embedded_client)
    assert geo_near, ("mongoeco now measures $geoNear in meters on the sphere: delete the "
                      "$geoNear half of djongo_core/embedded/shims/geo.py and its deviation "
                      "entry geonear-planar.")
    assert center_sphere, ("mongoeco now runs $geoWithin $centerSphere: delete that half of "
                           "djongo_core/embedded/shims/geo.py and the entry centersphere-refused.")
