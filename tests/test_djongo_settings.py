"""djongo 1.x's DATABASES keys keep their meaning; unknown and misspelt keys fail at start-up."""

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from djongo_core.base import DatabaseWrapper
from djongo_core.settings_keys import DjongoSettingsDeprecationWarning, prepare_settings
from tests.testapp.models import Author


def wrapper(alias="legacy", **settings):
    # What Django's ConnectionHandler fills in before it makes a connection.
    filled = {"ATOMIC_REQUESTS": False, "AUTOCOMMIT": True, "CONN_MAX_AGE": 0,
              "CONN_HEALTH_CHECKS": False, "TIME_ZONE": None, "TEST": {}}
    return DatabaseWrapper({"ENGINE": "djongo_core", **filled, **settings}, alias)


@pytest.mark.parametrize(("key", "meant"), [
    ("CLEINT", "CLIENT"), ("plugins", "PLUGINS"), ("OPTION", "OPTIONS"),
    ("AUTHSOURCE", "AUTH_SOURCE"), ("FLEXIBLE", "FLEXIBLE_SCHEMA"),
])
def test_a_misspelt_key_is_refused_naming_it_and_the_nearest_key(key, meant):
    with pytest.raises(ImproperlyConfigured, match=rf"unknown key '{key}'\. Did you mean '{meant}'\?"):
        wrapper(NAME="shop", **{key: {}})


def test_an_unknown_key_with_nothing_near_is_refused_without_a_guess():
    with pytest.raises(ImproperlyConfigured, match=r"unknown key 'ZZZ'\. The keys are"):
        wrapper(NAME="shop", ZZZ=1)


def test_keys_django_fills_in_and_plugin_settings_are_accepted():
    settings = {
        "NAME": "shop", "HOST": "embedded:", "ATOMIC_REQUESTS": False, "AUTOCOMMIT": True,
        "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False, "OPTIONS": {}, "TIME_ZONE": None,
        "USER": "", "PASSWORD": "", "PORT": "", "TEST": {"NAME": None},
        "PLUGINS": [], "MODEL_OPTIONS": {}, "FLEXIBLE_SCHEMA": False,
    }
    assert wrapper(**settings).settings_dict["NAME"] == "shop"


def test_each_installed_plugin_s_settings_key_is_accepted(monkeypatch):
    from importlib.metadata import EntryPoint

    from djongo_core.plugins import manager

    installed = [EntryPoint("my-plugin.v2", "x:y", manager.ENTRY_POINT_GROUP)]
    monkeypatch.setattr(manager, "installed_entry_points", lambda: installed)
    assert wrapper(NAME="shop", MY_PLUGIN_V2={}).settings_dict["MY_PLUGIN_V2"] == {}
    with pytest.raises(ImproperlyConfigured, match=r"unknown key 'TRANSACTIONS'"):
        wrapper(NAME="shop", TRANSACTIONS={})


def test_client_is_merged_into_the_keys_and_options_with_a_warning_showing_them():
    settings = {"NAME": "shop", "CLIENT": {
        "host": "mongodb://app:secret@db1/?replicaSet=rs0", "username": "app",
        "password": "secret", "authSource": "admin", "tls": True}}
    with pytest.warns(DjongoSettingsDeprecationWarning) as caught:
        prepare_settings("legacy", settings)
    assert settings == {"NAME": "shop", "HOST": "mongodb://app:secret@db1/?replicaSet=rs0",
                        "USER": "app", "PASSWORD": "secret", "AUTH_SOURCE": "admin",
                        "OPTIONS": {"tls": True}}
    message = str(caught[0].message)
    assert '"AUTH_SOURCE": \'admin\'' in message and '"OPTIONS": {\'tls\': True}' in message
    # The warning shows the new spelling, never the password.
    assert "secret" not in message


def test_client_disagreeing_with_a_key_of_its_own_is_refused():
    with pytest.raises(ImproperlyConfigured, match=r"CLIENT'\] sets HOST to 'db2'.*'HOST'\] is 'db1'"):
        prepare_settings("legacy", {"NAME": "s", "HOST": "db1", "CLIENT": {"host": "db2"}})
    with pytest.raises(ImproperlyConfigured, match=r"client option 'w' to 1 but OPTIONS sets it"):
        prepare_settings("legacy", {"NAME": "s", "OPTIONS": {"w": 2}, "CLIENT": {"w": 1}})


@pytest.mark.usefixtures("db")
def test_a_djongo_1_block_connects_where_client_says():
    Author.objects.create(name="Ann")
    host = connection.settings_dict["HOST"]
    name = connection.settings_dict["NAME"]
    with pytest.warns(DjongoSettingsDeprecationWarning):
        legacy = wrapper(NAME=name, CLIENT={"host": host}, ENFORCE_SCHEMA=True)
    try:
        found = legacy.mongo_database["testapp_author"].find_one({"name": "Ann"})
    finally:
        legacy.close()
    assert found is not None


@pytest.mark.parametrize(("enforce", "flexible"), [(True, False), (False, True)])
def test_enforce_schema_maps_to_flexible_schema(enforce, flexible):
    settings = {"NAME": "shop", "ENFORCE_SCHEMA": enforce}
    with pytest.warns(DjongoSettingsDeprecationWarning, match=f'"FLEXIBLE_SCHEMA": {flexible}'):
        prepare_settings("legacy", settings)
    assert settings == {"NAME": "shop", "FLEXIBLE_SCHEMA": flexible}


def test_enforce_schema_must_be_a_boolean():
    with pytest.raises(ImproperlyConfigured, match=r"'ENFORCE_SCHEMA'\] must be True or False"):
        prepare_settings("legacy", {"NAME": "shop", "ENFORCE_SCHEMA": "no"})


def test_logging_configures_the_backend_logger_as_djongo_did():
    backend = logging.getLogger("django.db.backends")
    level, propagate = backend.level, backend.propagate
    settings = {"NAME": "shop", "LOGGING": {
        "version": 1, "loggers": {"djongo": {"level": "DEBUG", "propagate": False}}}}
    try:
        with pytest.warns(DjongoSettingsDeprecationWarning, match="django.db.backends"):
            prepare_settings("legacy", settings)
        assert backend.level == logging.DEBUG and backend.propagate is False
        # djongo's dictConfig disabled every other logger; this one leaves them alone.
        assert not logging.getLogger("django.request").disabled
    finally:
        backend.setLevel(level)
        backend.propagate = propagate
    assert "LOGGING" not in settings


def test_an_invalid_logging_block_is_improperly_configured():
    with pytest.raises(ImproperlyConfigured, match=r"'LOGGING'\] is not a valid logging"):
        prepare_settings("legacy", {"NAME": "s", "LOGGING": {"version": 2}})


# -- DjongoManager's mongo_* passthrough ---------------------------------------------------------


@pytest.mark.usefixtures("db")
def test_mongo_methods_of_the_manager_call_the_collection_through_the_executor():
    from django.test.utils import CaptureQueriesContext

    from tests.testapp.models import Idea

    with CaptureQueriesContext(connection) as queries:
        Idea.objects.mongo_insert_one({"_id": 1, "title": "raw"})
        found = list(Idea.objects.mongo_find({"title": "raw"}, {"_id": 0}))
        counted = Idea.objects.filter(title="x").mongo_count_documents({})
    assert found == [{"title": "raw"}] and counted == 1
    assert [q["sql"] for q in queries.captured_queries] == [
        'db.testapp_idea.insert_one({"_id": 1, "title": "raw"})',
        # The key of the microseconds of Idea.noted is the backend's own: left out.
        'db.testapp_idea.find({"title": "raw"}, {"_id": 0, "__djongo_us__noted": 0})',
        'db.testapp_idea.count_documents({})',
    ]
    with pytest.raises(AttributeError, match="no attribute 'mongo_'"):
        Idea.objects.mongo_
    with pytest.raises(AttributeError, match="no attribute 'other'"):
        Idea.objects.other
