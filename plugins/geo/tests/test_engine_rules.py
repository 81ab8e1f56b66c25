"""What MongoDB decides about geo queries, which the embedded engine does not (yet) copy."""

import pymongo
import pytest

from djongo_geo import Point, Polygon
from geo_testapp.models import Place, Zone


@pytest.mark.engine_deviation("geonear-without-index-accepted")
def test_geo_near_without_a_2dsphere_index_is_refused_by_the_server(db):
    Zone.objects.create(name="Z", boundary=Polygon([[0, 0], [1, 0], [1, 1], [0, 0]]),
                        center=Point(0.5, 0.5))
    collection = db.mongo_database[Zone._meta.db_table]
    with pytest.raises(pymongo.errors.OperationFailure, match="unable to find index"):
        list(collection.aggregate([{"$geoNear": {
            "near": {"type": "Point", "coordinates": [0, 0]}, "distanceField": "d",
            "key": "center", "spherical": True}}]))


@pytest.mark.engine_deviation("geo-polygon-edges-planar")
def test_a_polygon_across_the_antimeridian_holds_the_date_line(db):
    Place.objects.create(name="Date line", location=Point(lng=179.9, lat=0))
    Place.objects.create(name="Greenwich", location=Point(lng=0, lat=0))
    # Edges are great circles: this 20-degree square straddles 180, not the rest of the world.
    square = Polygon([[170, -10], [-170, -10], [-170, 10], [170, 10], [170, -10]])
    assert list(Place.objects.filter(location__within=square)
                .values_list("name", flat=True)) == ["Date line"]
