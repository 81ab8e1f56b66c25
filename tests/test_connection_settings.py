"""DATABASES keys: what each accepts, and the error a wrong value gets. No server needed."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from djongo_core import clients
from djongo_core.connection_params import parse_connection_params


def parse(**settings):
    return parse_connection_params("default", settings)


def test_host_name_port_and_credentials_become_client_arguments():
    params = parse(NAME="shop", HOST="db.example.com", PORT="27018", USER="app",
                   PASSWORD="s3cret", AUTH_SOURCE="admin", AUTH_MECHANISM="SCRAM-SHA-256")
    assert params.host == "db.example.com"
    assert params.database == "shop"
    assert params.client_kwargs["port"] == 27018
    assert params.client_kwargs["username"] == "app"
    assert params.client_kwargs["password"] == "s3cret"
    assert params.client_kwargs["authSource"] == "admin"
    assert params.client_kwargs["authMechanism"] == "SCRAM-SHA-256"


def test_missing_host_means_localhost():
    assert parse(NAME="shop").host == "localhost"


@pytest.mark.parametrize("uri", [
    "mongodb://db1,db2,db3/shop?replicaSet=rs0",
    "mongodb+srv://cluster0.example.mongodb.net/shop?retryWrites=true",
])
def test_database_comes_from_the_uri_when_name_is_absent(uri):
    params = parse(HOST=uri)
    assert params.database == "shop"
    assert params.host == uri


def test_name_wins_over_the_uri_database():
    assert parse(NAME="other", HOST="mongodb://db1/shop").database == "other"


def test_options_are_passed_to_mongoclient_and_override_defaults():
    params = parse(NAME="shop", OPTIONS={"w": "majority", "appname": "mine"})
    assert params.client_kwargs["w"] == "majority"
    assert params.client_kwargs["appname"] == "mine"


@pytest.mark.parametrize(("settings", "message"), [
    ({"HOST": "localhost"}, r"\['NAME'\] is missing.*put the database in the HOST URI"),
    ({"NAME": "a.b"}, r"\['NAME'\] 'a.b' is not a valid MongoDB database name"),
    ({"NAME": "shop", "PORT": "eighty"}, r"\['PORT'\] must be a port number"),
    ({"NAME": "shop", "PORT": 70000}, r"\['PORT'\] must be a port number"),
    ({"NAME": "shop", "HOST": "mongodb://h:1/", "PORT": 2}, r"\['PORT'\] cannot be combined"),
    ({"NAME": "shop", "HOST": "http://h/"}, r"\['HOST'\] has an unsupported scheme"),
    ({"NAME": "shop", "HOST": 5}, r"\['HOST'\] must be a string"),
    ({"NAME": "shop", "AUTH_MECHANISM": "SHA1"}, r"\['AUTH_MECHANISM'\] 'SHA1' is not"),
    ({"NAME": "shop", "PASSWORD": "x"}, r"\['PASSWORD'\] is set without USER"),
    ({"NAME": "shop", "OPTIONS": ["w"]}, r"\['OPTIONS'\] must be a dict"),
])
def test_wrong_values_raise_improperly_configured_naming_the_key(settings, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        parse(**settings)


@pytest.mark.parametrize(("host", "meant"), [
    ("embeded:", "embedded:"),
    ("embedded", "embedded:"),
    ("Embedded:", "embedded:"),
    ("embeded:///srv/shop-data", "embedded:///srv/shop-data"),
    ("embedd://srv/data", "embedded://srv/data"),
    ("mongdb://db1/", "mongodb://db1/"),
    ("mongodb+sr://cluster0.example.net/", "mongodb+srv://cluster0.example.net/"),
])
def test_a_misspelt_scheme_in_host_says_what_was_meant(host, meant):
    with pytest.raises(ImproperlyConfigured) as raised:
        parse(NAME="shop", HOST=host)
    message = str(raised.value)
    assert message.startswith("DATABASES['default']['HOST']")
    assert f'Did you mean "{meant}"?' in message
    assert "Port contains" not in message


@pytest.mark.parametrize("host", ["localhost:27018", "db1.example.com", "10.0.0.5:27017",
                                  "[::1]:27017", "embedded-db.internal"])
def test_host_names_with_or_without_a_port_are_not_taken_for_schemes(host):
    assert parse(NAME="shop", HOST=host).host == host


def test_errors_never_echo_the_password_in_a_uri():
    with pytest.raises(ImproperlyConfigured) as raised:
        parse(NAME="shop", HOST="mongodb://app:hunter2@h/", PORT=1)
    assert "hunter2" not in str(raised.value)


def test_unknown_client_option_is_improperly_configured():
    params = parse(NAME="shop", OPTIONS={"notAnOption": 1})
    with pytest.raises(ImproperlyConfigured, match="OPTIONS"):
        clients.acquire("default", params)


def test_connections_of_one_alias_share_one_client_closed_by_the_last():
    params = parse(NAME="shop", HOST="mongodb://127.0.0.1:1/")
    first = clients.acquire("x", params)
    second = clients.acquire("x", params)
    assert first is second
    clients.release("x", params)
    assert clients.acquire("x", params) is first
    clients.release("x", params)
    clients.release("x", params)
    assert clients.acquire("x", params) is not first
    clients.release("x", params)
