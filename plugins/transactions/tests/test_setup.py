"""Settings, the server check at start-up, and what the connection reports before connecting."""

import warnings

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections

from djongo_transactions.capability import (
    check_server, probe_transaction, topology, transactions_available,
)
from djongo_transactions.settings import TransactionSettings


def never_probe():
    raise AssertionError("a replica set or a mongos must not be probed")


@pytest.mark.parametrize("hello, kind", [
    ({"isWritablePrimary": True, "setName": "rs0"}, "replica set"),
    ({"isWritablePrimary": True, "msg": "isdbgrid"}, "sharded cluster"),
    ({"isWritablePrimary": True}, "standalone"),
])
def test_hello_tells_replica_sets_and_mongos_from_standalones(hello, kind):
    assert topology(hello) == kind
    if kind != "standalone":
        assert transactions_available("default", "error", hello, never_probe) is True


def test_a_standalone_that_runs_the_probe_transaction_has_transactions():
    assert transactions_available("default", "error", {}, lambda: None) is True


def test_a_standalone_that_refuses_transactions_stops_the_connection_with_the_fix():
    refusal = "Transaction numbers are only allowed on a replica set member or mongos"
    with pytest.raises(ImproperlyConfigured) as raised:
        transactions_available("shop", "error", {"isWritablePrimary": True}, lambda: refusal)
    message = str(raised.value)
    for expected in ("'shop'", "standalone", refusal, "--replSet rs0", "rs.initiate()",
                     "?replicaSet=rs0", "remove 'transactions' from PLUGINS",
                     "{'standalone': 'ignore'}"):
        assert expected in message


def test_a_standalone_that_refuses_transactions_is_only_a_warning_when_ignored():
    with pytest.warns(RuntimeWarning, match="atomic\\(\\) blocks run without a transaction"):
        assert transactions_available("shop", "ignore", {}, lambda: "refused") is False


@pytest.mark.usefixtures("db")
def test_the_test_server_runs_transactions():
    client = connection.mongo_client
    assert probe_transaction(client, connection.mongo_database.name) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_server(connection, "error") is True
    assert connection.transaction_manager.enabled is True


@pytest.mark.usefixtures("db")
def test_a_probe_that_fails_for_another_reason_is_not_taken_for_a_refusal():
    from django.db import OperationalError

    with pytest.raises(OperationalError, match="Could not check whether"):
        probe_transaction(connection.mongo_client, "no$such")


@pytest.mark.usefixtures("db")
def test_a_manager_turned_off_by_the_ignore_policy_does_nothing():
    from django.db import transaction

    from transactions_testapp.models import Reporter

    manager = connection.transaction_manager
    manager.enabled = False
    try:
        with pytest.raises(ValueError):
            with transaction.atomic():
                Reporter.objects.create(name="Ann")
                raise ValueError
    finally:
        manager.enabled = True
    assert Reporter.objects.count() == 1


def test_features_answer_without_contacting_the_server():
    fresh = connections.create_connection("default")
    try:
        assert fresh.features.supports_transactions is True
        assert fresh.features.uses_savepoints is True
        assert fresh.features.can_release_savepoints is True
        assert fresh.connection is None
    finally:
        fresh.close()


def test_without_the_plugin_the_connection_has_no_transactions():
    settings = {**connections["default"].settings_dict, "PLUGINS": []}
    bare = type(connections["default"])(settings, alias="bare")
    assert bare.transaction_manager is None
    assert bare.features.supports_transactions is False
    assert bare.features.uses_savepoints is False
    assert bare.connection is None


def test_the_settings_have_documented_defaults():
    settings = TransactionSettings.for_database("default", {})
    assert (settings.read_concern, settings.write_concern, settings.commit_retries,
            settings.counters, settings.standalone, settings.recovery_log_limit,
            settings.max_commit_time_ms) == ("snapshot", "majority", 2, "outside", "error",
                                             10_000, None)
    options = settings.transaction_options()
    assert options["read_concern"].level == "snapshot"
    assert options["write_concern"].document == {"w": "majority"}


@pytest.mark.parametrize("host", ["embedded:", "embedded:///srv/shop-data"])
def test_ids_are_taken_inside_transactions_by_default_on_the_embedded_engine(host):
    settings = TransactionSettings.for_database("default", {"HOST": host})
    assert settings.counters == "inside"
    # Every other key keeps its default, and an explicit "inside" is accepted as well.
    assert settings == TransactionSettings(counters="inside")
    assert TransactionSettings.for_database(
        "default", {"HOST": host, "TRANSACTIONS": {"counters": "inside"}}).counters == "inside"


@pytest.mark.parametrize("host", ["mongodb://db1,db2/?replicaSet=rs0", "db.example.com", ""])
def test_ids_are_taken_outside_transactions_by_default_on_mongodb(host):
    assert TransactionSettings.for_database("default", {"HOST": host}).counters == "outside"


@pytest.mark.parametrize("host", ["embedded:", "embedded:///srv/shop-data"])
def test_ids_outside_transactions_on_the_embedded_engine_are_refused_with_the_fix(host):
    with pytest.raises(ImproperlyConfigured) as raised:
        TransactionSettings.for_database(
            "shop", {"HOST": host, "TRANSACTIONS": {"counters": "outside"}})
    message = str(raised.value)
    for expected in ("DATABASES['shop']['TRANSACTIONS']['counters']", repr(host),
                     "Remove the 'counters' key", "set it to 'inside'"):
        assert expected in message


@pytest.mark.parametrize("given, message", [
    ("snapshot", "must be a dict"),
    ({"retries": 3}, "unknown key\\(s\\) 'retries'"),
    ({"read_concern": "linearizable"}, "\\['read_concern'\\] must be one of snapshot"),
    ({"counters": "both"}, "\\['counters'\\] must be 'outside' or 'inside'"),
    ({"standalone": "warn"}, "\\['standalone'\\] must be 'error' or 'ignore'"),
    ({"commit_retries": -1}, "\\['commit_retries'\\] must be an integer of 0 or more"),
    ({"max_commit_time_ms": 0}, "max_commit_time_ms"),
])
def test_a_wrong_setting_names_the_key_and_what_it_must_be(given, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        TransactionSettings.for_database("shop", {"TRANSACTIONS": given})
