"""The fields store GeoJSON, validate with a ValidationError naming the field, serialize as
GeoJSON, and migrations build (and drop) their 2dsphere index."""

import json

import pytest
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from djongo_geo import Point, Polygon
from djongo_geo.fields import PointField
from geo_testapp.models import Area, Place, Zone

PARIS = Point(lng=2.3522, lat=48.8566)


def test_a_point_is_stored_as_geojson_and_read_back_as_a_point(db):
    place = Place.objects.create(name="Paris", location=PARIS)
    document = db.mongo_database.geo_testapp_place.find_one({"_id": place.pk})
    assert document["location"] == {"type": "Point", "coordinates": [2.3522, 48.8566]}
    assert Place.objects.get(pk=place.pk).location == PARIS
    assert Place.objects.create(name="Nowhere").location is None


def test_geojson_dicts_and_text_are_accepted_as_values(db):
    place = Place.objects.create(name="P", location={"type": "Point", "coordinates": [1, 2]})
    assert Place.objects.get(pk=place.pk).location == Point(1, 2)
    area = Area.objects.create(name="A", shape=json.dumps(
        {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}))
    assert Area.objects.get(pk=area.pk).shape.geom_type == "LineString"


def test_invalid_coordinates_raise_a_validation_error_naming_the_field(db):
    with pytest.raises(ValidationError, match=r"geo_testapp\.Place\.location.*longitude 500"):
        Place.objects.create(name="Bad", location={"type": "Point", "coordinates": [500, 0]})
    assert not Place.objects.exists()
    place = Place(name="Bad", location={"type": "Point", "coordinates": [0, 100]})
    with pytest.raises(ValidationError) as raised:
        place.full_clean()
    assert list(raised.value.message_dict) == ["location"]


def test_a_field_of_one_type_refuses_another(db):
    with pytest.raises(ValidationError, match=r"Zone\.boundary holds a Polygon, not a Point"):
        Zone.objects.create(name="Z", boundary=PARIS)


def test_django_serializers_write_and_read_geojson(db):
    Place.objects.create(name="Paris", location=PARIS)
    text = serializers.serialize("json", Place.objects.all())
    fields = json.loads(text)[0]["fields"]
    assert json.loads(fields["location"]) == PARIS.geojson
    Place.objects.all().delete()
    for restored in serializers.deserialize("json", text):
        restored.save()
    assert Place.objects.get().location == PARIS


def test_the_2dsphere_index_of_each_geo_field_is_made_by_migrate(db):
    indexes = db.mongo_database.geo_testapp_place.index_information()
    assert indexes["location_2dsphere"]["key"] == [("location", "2dsphere")]
    zone = db.mongo_database.geo_testapp_zone.index_information()
    assert "boundary_2dsphere" in zone and "center_2dsphere" not in zone


def test_add_field_creates_and_remove_field_drops_the_index(db):
    field = PointField(null=True)
    field.set_attributes_from_name("spot")
    with connection.schema_editor(collect_sql=True) as editor:
        editor.add_field(Place, field)
    assert ('db.geo_testapp_place.create_index([["spot", "2dsphere"]], '
            '{"name": "spot_2dsphere"});') in editor.collected_sql
    with connection.schema_editor() as editor:
        editor.add_field(Place, field)
    try:
        assert "spot_2dsphere" in db.mongo_database.geo_testapp_place.index_information()
    finally:
        with connection.schema_editor() as editor:
            editor.remove_field(Place, field)
    assert "spot_2dsphere" not in db.mongo_database.geo_testapp_place.index_information()


def test_sqlmigrate_shows_the_index(capsys):
    call_command("sqlmigrate", "geo_testapp", "0001")
    assert ('db.geo_testapp_place.create_index([["location", "2dsphere"]], '
            '{"name": "location_2dsphere"});') in capsys.readouterr().out


def test_spatial_index_false_is_kept_by_deconstruct():
    _, path, _, kwargs = Zone._meta.get_field("center").deconstruct()
    assert (path, kwargs) == ("djongo_geo.PointField", {"null": True, "spatial_index": False})
    _, path, _, kwargs = Place._meta.get_field("location").deconstruct()
    assert (path, kwargs) == ("djongo_geo.PointField", {"null": True, "blank": True})


def test_the_form_field_parses_geojson_and_names_the_type():
    form_field = Zone._meta.get_field("boundary").formfield()
    square = Polygon([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]])
    assert form_field.clean(square.json) == square
    with pytest.raises(ValidationError, match="Enter a Polygon, not a Point"):
        form_field.clean(PARIS.json)
    with pytest.raises(ValidationError, match="not closed"):
        form_field.clean('{"type": "Polygon", "coordinates": [[[0,0],[1,0],[1,1],[0,1]]]}')
