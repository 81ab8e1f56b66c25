"""`manage.py dbshell`: mongosh where it can run, else a Python shell with the database bound.

mongosh cannot reach the in-memory embedded engine (its data lives in the process running it),
the embedded engine is not MongoDB, and mongosh may simply not be installed: in each case
dbshell says why and opens a Python shell with `db` bound, instead of failing with "You appear
not to have the 'mongosh' program installed" and no hint.
"""

import io
import json
import sys

import pymongo.uri_parser
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from djongo_core.client import DatabaseClient
from djongo_core.embedded import embedded_server_uri
from tests.reliability.databases import add_alias, close_alias
from tests.test_demo import stop_embedded_server
from tests.testapp.models import Author

ALIAS = "shell"


def run_shell(monkeypatch, capsys, typed, database="default"):
    """Run dbshell with `typed` as its standard input; return (stdout, stderr).

    Python's shell writes its banner to stderr, and its prompts (>>>) and what is printed to
    stdout.
    """
    monkeypatch.setattr(sys, "stdin", io.StringIO(typed))
    call_command("dbshell", database=database)
    return capsys.readouterr()


@pytest.fixture
def without_mongosh(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))


@pytest.fixture
def server_alias(monkeypatch):
    """An alias naming the test server by its mongodb:// URI, as a real MongoDB would be."""
    add_alias(monkeypatch, ALIAS, ENGINE="djongo_core", NAME=connection.settings_dict["NAME"],
              HOST=embedded_server_uri("embedded:"))
    yield ALIAS
    close_alias(ALIAS)


def test_in_memory_embedded_host_opens_a_python_shell_with_the_database_bound(
        db, monkeypatch, capsys):
    if connection.settings_dict["HOST"] != "embedded:":
        pytest.skip("runs on the in-memory embedded engine")
    Author.objects.create(name="Ann")
    out, err = run_shell(monkeypatch, capsys,
                         "print(db.name, db.testapp_author.find_one()['name'])\n")
    assert f"{connection.settings_dict['NAME']} Ann" in out
    assert "the in-memory embedded engine keeps its data inside the process" in err
    assert "`db` is the database" in err


def test_missing_mongosh_opens_a_python_shell_and_says_how_to_install_and_run_it(
        db, server_alias, without_mongosh, monkeypatch, capsys):
    out, err = run_shell(monkeypatch, capsys, "print(sorted(db.list_collection_names())[:1])\n",
                         database=ALIAS)
    assert "['" in out
    assert "mongosh is not installed" in err
    assert "https://www.mongodb.com/try/download/shell" in err
    password = pymongo.uri_parser.parse_uri(embedded_server_uri("embedded:"))["password"]
    assert f"mongosh {embedded_server_uri('embedded:').replace(':' + password, '')}" in (
        err.replace("'", ""))
    assert password not in err


def test_the_mongosh_command_never_shows_a_password():
    client = DatabaseClient(type("Connection", (), {"settings_dict": {
        "NAME": "shop", "HOST": "mongodb://app:s3cret@db1,db2/?replicaSet=rs0"}})())
    command = client.mongosh_command()
    assert "s3cret" not in command
    assert command.startswith("mongosh 'mongodb://app@db1,db2/?replicaSet=rs0'")
    assert """--eval 'db = db.getSiblingDB("shop")' --shell""" in command


def test_parameters_for_mongosh_are_refused_when_it_cannot_run(
        db, server_alias, without_mongosh):
    with pytest.raises(CommandError, match="takes no parameters: remove '--quiet'"):
        call_command("dbshell", "--", "--quiet", database=ALIAS)


def test_persistent_embedded_host_gives_the_connection_string(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DJONGO_EMBEDDED_IDLE_SECONDS", "3")
    add_alias(monkeypatch, ALIAS, ENGINE="djongo_core", NAME="shop",
              HOST=f"embedded://{tmp_path}")
    try:
        out, err = run_shell(monkeypatch, capsys, "print(db.name)\n", database=ALIAS)
    finally:
        close_alias(ALIAS)
        stop_embedded_server(tmp_path)
    assert "shop" in out.split()
    assert "the embedded engine is not MongoDB" in err
    assert "@127.0.0.1:" in err and "/shop?directConnection=true" in err
    password = json.loads((tmp_path / "embedded.credentials").read_text())["password"]
    assert password not in err and "embedded.credentials" in err
