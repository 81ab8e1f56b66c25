"""System checks with ids, and the admin's map widget served without any network."""

import json

import pytest
from django.contrib.auth.models import User
from django.core import checks
from django.test import Client
from django.test.utils import override_settings

from djongo_geo import Point
from geo_testapp.models import Place, Zone


def ids(field, **kwargs):
    return [message.id for message in field.check(**kwargs)]


def test_spatial_index_false_warns():
    assert ids(Zone._meta.get_field("center")) == ["djongo_geo.W001"]
    assert ids(Place._meta.get_field("location")) == []


def test_a_database_without_the_plugin_is_an_error():
    from django.db import connections

    field = Place._meta.get_field("location")
    plugins = connections["default"].settings_dict["PLUGINS"]
    connections["default"].settings_dict["PLUGINS"] = []
    try:
        [error] = field.check(databases=["default"])
    finally:
        connections["default"].settings_dict["PLUGINS"] = plugins
    assert error.id == "djongo_geo.E001"
    assert 'Add "geo" to DATABASES[\'default\']["PLUGINS"]' in error.hint
    assert ids(field, databases=["default"]) == []


class RoutedElsewhere:
    """A router keeping geo_testapp off the database 'default'."""

    def allow_migrate(self, db, app_label, **hints):
        return False if app_label == "geo_testapp" else None


def test_a_database_the_model_is_not_routed_to_needs_no_plugin():
    from django.db import connections

    field = Place._meta.get_field("location")
    plugins = connections["default"].settings_dict["PLUGINS"]
    connections["default"].settings_dict["PLUGINS"] = []
    try:
        with override_settings(DATABASE_ROUTERS=[RoutedElsewhere()]):
            assert "djongo_geo.E001" not in ids(field, databases=["default"])
        assert "djongo_geo.E001" in ids(field, databases=["default"])
    finally:
        connections["default"].settings_dict["PLUGINS"] = plugins


def test_the_widget_needs_the_app():
    with override_settings(INSTALLED_APPS=["django.contrib.contenttypes", "geo_testapp"]):
        assert "djongo_geo.E004" in ids(Place._meta.get_field("location"))


def test_the_project_passes_its_checks(db):
    errors = [m for m in checks.run_checks(databases=["default"])
              if m.level >= checks.ERROR]
    assert errors == []


@pytest.fixture
def admin_client(db):
    User.objects.create_superuser("admin", "admin@example.com", "admin")
    client = Client()
    client.login(username="admin", password="admin")
    return client


def test_the_admin_form_shows_the_map_widget_and_saves_geojson(admin_client):
    page = admin_client.get("/admin/geo_testapp/place/add/").content.decode()
    assert 'class="djongo-geo"' in page and 'data-geom-type="Point"' in page
    assert "/static/djongo_geo/geo_widget.js" in page and "<svg" in page
    assert "https://" not in page.split("djongo-geo", 1)[1].split("</textarea>", 1)[0]
    geojson = json.dumps({"type": "Point", "coordinates": [2.3522, 48.8566]})
    response = admin_client.post("/admin/geo_testapp/place/add/",
                                 {"name": "Paris", "location": geojson})
    assert response.status_code == 302
    assert Place.objects.get().location == Point(lng=2.3522, lat=48.8566)


def test_the_admin_form_names_an_invalid_geometry(admin_client):
    response = admin_client.post("/admin/geo_testapp/place/add/", {
        "name": "Bad", "location": '{"type": "Point", "coordinates": [500, 0]}'})
    assert response.status_code == 200
    assert "longitude 500, outside -180..180" in response.content.decode()
    assert not Place.objects.exists()


def test_the_widget_script_ships_as_a_static_file():
    from django.contrib.staticfiles import finders

    script = finders.find("djongo_geo/geo_widget.js")
    assert script and "createElementNS" in open(script).read()
