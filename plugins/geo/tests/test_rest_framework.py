"""The DRF fields write geometries as GeoJSON and read them back, validated as the model field
validates them."""

import pytest

from djongo_geo import Point, Polygon
from djongo_geo.rest_framework import GeoModelSerializer, GeometrySerializerField
from geo_testapp.models import Area, Place


class PlaceSerializer(GeoModelSerializer):
    class Meta:
        model = Place
        fields = ["id", "name", "location"]


class AreaSerializer(GeoModelSerializer):
    class Meta:
        model = Area
        fields = ["id", "name", "shape"]


def test_a_point_is_written_as_its_geojson(db):
    place = Place.objects.create(name="Paris", location=Point(lng=2.3522, lat=48.8566))
    assert PlaceSerializer(place).data["location"] == {
        "type": "Point", "coordinates": [2.3522, 48.8566]}


def test_geojson_in_is_saved_as_the_geometry(db):
    serializer = PlaceSerializer(data={
        "name": "Berlin", "location": {"type": "Point", "coordinates": [13.405, 52.52]}})
    assert serializer.is_valid(), serializer.errors
    place = serializer.save()
    assert Place.objects.get(pk=place.pk).location == Point(lng=13.405, lat=52.52)


def test_geojson_text_is_accepted_and_any_geometry_fits_a_generic_field(db):
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1), (0, 0)])
    serializer = AreaSerializer(data={"name": "sq", "shape": square.json})
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data["shape"] == square


@pytest.mark.parametrize("value, message", [
    ({"type": "Point", "coordinates": [200, 10]}, "Invalid geometry"),
    ({"type": "LineString", "coordinates": [[0, 0], [1, 1]]}, "Expected a GeoJSON Point, got a LineString"),
    ("not json", "Invalid geometry: Not GeoJSON"),
])
def test_a_wrong_geometry_is_a_validation_error_saying_what_is_wrong(db, value, message):
    serializer = PlaceSerializer(data={"name": "x", "location": value})
    assert not serializer.is_valid()
    assert message in str(serializer.errors["location"][0])


def test_the_field_alone_reads_and_writes_geojson():
    field = GeometrySerializerField()
    point = field.to_internal_value('{"type": "Point", "coordinates": [1, 2]}')
    assert point == Point(1, 2)
    assert field.to_representation(point) == {"type": "Point", "coordinates": [1, 2]}
