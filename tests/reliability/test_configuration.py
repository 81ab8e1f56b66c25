"""Misconfiguration: every wrong DATABASES entry fails clearly, at once, and says what to do.

Each case below is a settings mistake a project can make. It goes through the path a real
project takes (a DatabaseWrapper for the entry, then its first command) and must end in
ImproperlyConfigured (a mistake in the settings) or OperationalError (a server that cannot be
reached), with a message that names the setting or the server and says how to fix it, and
never shows the password. "At once" means before any server is contacted for a settings
mistake, and after the configured server selection timeout (kept short here) for an
unreachable server: never a hang.
"""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import NotSupportedError, OperationalError, connections
from pymongo.errors import OperationFailure

from djongo_core import clients
from djongo_core.base import DatabaseWrapper
from djongo_core.command import Command
from djongo_core.connection_params import parse_connection_params
from djongo_core.errors import translate

PASSWORD = "Sup3r-Secret-Value"
UNREACHABLE = {"serverSelectionTimeoutMS": 300}

CASES = {
    "host with an unsupported scheme": (
        {"HOST": "http://db.example.com/"}, ImproperlyConfigured,
        r"\['HOST'\] has an unsupported scheme.*Use \"mongodb://"),
    "host uri with an unescaped password": (
        {"HOST": f"mongodb://app:{PASSWORD}@x@127.0.0.1/"}, ImproperlyConfigured,
        r"invalid setting: Username and password must be escaped.*Check HOST"),
    "host uri with a bad port": (
        {"HOST": f"mongodb://app:{PASSWORD}@127.0.0.1:port/"}, ImproperlyConfigured,
        r"invalid setting: Port contains non-digit characters.*Check HOST"),
    "host uri without a host": (
        {"HOST": f"mongodb://app:{PASSWORD}@/db"}, ImproperlyConfigured,
        r"invalid setting: Empty host.*Check HOST"),
    "host uri with an unknown option": (
        {"HOST": f"mongodb://app:{PASSWORD}@127.0.0.1/?retryWirtes=false"}, ImproperlyConfigured,
        # pymongo's own words about the option change between releases; ours do not.
        r"gives MongoClient an invalid setting: .*Check HOST and the OPTIONS keys"),
    "port with a uri host": (
        {"HOST": f"mongodb://app:{PASSWORD}@127.0.0.1/", "PORT": 27018}, ImproperlyConfigured,
        r"\['PORT'\] cannot be combined with HOST 'mongodb://app:\*\*\*@127.0.0.1/'.*remove PORT"),
    "port out of range": (
        {"HOST": "127.0.0.1", "PORT": 99999}, ImproperlyConfigured,
        r"\['PORT'\] must be a port number between 1 and 65535.*remove PORT"),
    "embedded host with a relative directory": (
        {"HOST": "embedded:data"}, ImproperlyConfigured,
        r"does not give an absolute data directory.*embedded:///absolute/path/to/dir"),
    "embedded host naming a machine": (
        {"HOST": "embedded://db.example.com/data"}, ImproperlyConfigured,
        r"names a server \('db.example.com'\).*only runs on this machine"),
    "credentials with an embedded host": (
        {"HOST": "embedded:", "USER": "app", "PASSWORD": PASSWORD}, ImproperlyConfigured,
        r"\['USER'\] cannot be used with HOST 'embedded:': the embedded engine runs without "
        r"authentication.*Leave USER, PASSWORD"),
    "unknown OPTIONS key": (
        {"HOST": "127.0.0.1", "OPTIONS": {"retryWirtes": False}}, ImproperlyConfigured,
        r"gives MongoClient an invalid setting: .*Check HOST and the OPTIONS keys"),
    "OPTIONS value of the wrong type": (
        {"HOST": "127.0.0.1", "OPTIONS": {"serverSelectionTimeoutMS": "soon"}},
        ImproperlyConfigured, r"serverSelectionTimeoutMS must be an integer or float"),
    "OPTIONS naming a missing certificate file": (
        {"HOST": "127.0.0.1", "OPTIONS": {"tls": True, "tlsCAFile": "/nonexistent/ca.pem"}},
        ImproperlyConfigured, r"No such file or directory: '/nonexistent/ca.pem'.*OPTIONS"),
    "OPTIONS that is not a dict": (
        {"HOST": "127.0.0.1", "OPTIONS": [("w", 1)]}, ImproperlyConfigured,
        r"\['OPTIONS'\] must be a dict of MongoClient options"),
    "invalid database name": (
        {"HOST": "127.0.0.1", "NAME": "my.shop"}, ImproperlyConfigured,
        r"\['NAME'\] 'my.shop' is not a valid MongoDB database name.*Use at most 63 bytes"),
    "unknown authentication mechanism": (
        {"HOST": "127.0.0.1", "AUTH_MECHANISM": "SCRAM-SHA-512"}, ImproperlyConfigured,
        r"\['AUTH_MECHANISM'\] 'SCRAM-SHA-512' is not.*Use one of SCRAM-SHA-1"),
    "password without a user": (
        {"HOST": "127.0.0.1", "USER": "", "PASSWORD": PASSWORD}, ImproperlyConfigured,
        r"\['PASSWORD'\] is set without USER.*Set USER as well"),
    "plugin that is not installed": (
        {"HOST": "127.0.0.1", "PLUGINS": ["transactionz"]}, ImproperlyConfigured,
        r"enables plugin 'transactionz' in PLUGINS, but no plugin named 'transactionz' is "
        r"known.*did you mean the installed plugin 'transactions'\?"),
    "PLUGINS that is a string": (
        {"HOST": "127.0.0.1", "PLUGINS": "transactions"}, ImproperlyConfigured, r"PLUGINS"),
    "unknown key of a plugin's settings": (
        {"HOST": "embedded:", "PLUGINS": ["transactions"], "TRANSACTIONS": {"retries": 3}},
        ImproperlyConfigured, r"retries"),
    "unreachable server": (
        {"HOST": f"mongodb://app:{PASSWORD}@127.0.0.1:9/", "OPTIONS": UNREACHABLE},
        OperationalError,
        r"127.0.0.1:9: \[Errno 111\] Connection refused.*Check that the server named by the "
        r"DATABASES HOST is running and reachable"),
    "host name that does not resolve": (
        {"HOST": "no-such-host.invalid", "USER": "app", "PASSWORD": PASSWORD,
         "OPTIONS": UNREACHABLE},
        OperationalError,
        r"no-such-host.invalid:27017: .*Check that the server named by the DATABASES HOST"),
}


def first_command(settings):
    """Open a connection for settings the way Django does and run one command on it."""
    wrapper = DatabaseWrapper({**connections["default"].settings_dict, "NAME": "config",
                               "USER": "", "PASSWORD": "", **settings}, alias="config")
    try:
        wrapper.executor.run(Command("things", "find_one", ({},)))
    finally:
        wrapper.close()


@pytest.mark.parametrize("settings, error, message", CASES.values(), ids=CASES.keys())
def test_misconfiguration_is_reported_clearly_with_the_fix(settings, error, message):
    clients_before = dict(clients._clients)
    with pytest.raises(error) as raised:
        first_command(settings)
    text = str(raised.value)
    assert re.search(message, text, re.DOTALL), text
    assert PASSWORD not in text
    assert "Topology Description" not in text
    assert clients._clients == clients_before  # nothing left open by the failed attempt


def test_authentication_failure_from_mongodb_names_the_settings_to_check():
    # MongoDB reports a refused login with code 18 (AuthenticationFailed); the embedded
    # engine gives no code (docs/engine-deviations.md#auth-errors-without-codes).
    error = OperationFailure("Authentication failed.", code=18,
                             details={"ok": 0, "code": 18, "errmsg": "Authentication failed."})
    translated = translate(error, Command("things", "find"))
    assert isinstance(translated, OperationalError)
    assert str(translated) == (
        "MongoDB refused the credentials for find on collection 'things': Authentication "
        "failed., full error: {'ok': 0, 'code': 18, 'errmsg': 'Authentication failed.'}. Check "
        "USER, PASSWORD, AUTH_SOURCE and AUTH_MECHANISM (or the user and password in HOST)."
    )


def test_embedded_hosts_fail_selection_fast_but_let_long_operations_finish():
    # The in-memory server answers no heartbeat while it works: with pymongo's 20 s default a
    # 3,000-document bulk insert (about 35 s there) was cancelled midway ("operation
    # cancelled"); too slow to run here, so the settings that prevent it are checked.
    kwargs = parse_connection_params("default", {"NAME": "x", "HOST": "embedded:"}).client_kwargs
    assert kwargs["serverSelectionTimeoutMS"] == 5000
    assert kwargs["connectTimeoutMS"] == 300_000
    chosen = parse_connection_params("default", {"NAME": "x", "HOST": "embedded:", "OPTIONS": {
        "serverSelectionTimeoutMS": 100, "connectTimeoutMS": 1000}}).client_kwargs
    assert (chosen["serverSelectionTimeoutMS"], chosen["connectTimeoutMS"]) == (100, 1000)


def test_a_server_older_than_mongodb_7_is_refused_once_per_client(monkeypatch):
    asked = []

    def old_server(wrapper):
        asked.append(wrapper.alias)
        return (6, 0, 14)

    monkeypatch.setattr(DatabaseWrapper, "get_database_version", old_server)
    settings = {**connections["default"].settings_dict, "NAME": "config_old_server"}
    wrapper = DatabaseWrapper(settings, alias="old_server")
    with pytest.raises(NotSupportedError, match=r"7\.0 or later is required \(found 6\.0\.14\)"):
        wrapper.ensure_connection()
    assert wrapper.connection is None  # the refused connection keeps no client open
    asked.clear()
    monkeypatch.setattr(DatabaseWrapper, "get_database_version", lambda wrapper: (7, 0, 2))
    first, second = (DatabaseWrapper(settings, alias="old_server") for _ in range(2))
    try:
        first.ensure_connection()
        monkeypatch.setattr(DatabaseWrapper, "get_database_version", old_server)
        second.ensure_connection()  # shares first's client: the version is not asked again
    finally:
        first.close()
        second.close()
    assert asked == []
