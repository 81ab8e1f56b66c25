"""The embedded engine is its owner's: owner-only files, a required user, no code from the data
directory, and a deploy check that says an embedded HOST is in use."""

import stat
from types import SimpleNamespace

import pymongo
import pymongo.uri_parser
import pytest
from django.core import checks

from djongo_core import checks as backend_checks
from djongo_core.embedded import embedded_server_uri
from djongo_core.embedded.directory import CREDENTIALS_FILE, read_advertisement
from tests.test_embedded_engine import data_dir, needs_mongoeco, server_pids  # noqa: F401

pytestmark = needs_mongoeco


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def port_of(uri):
    return pymongo.uri_parser.parse_uri(uri)["nodelist"][0][1]


def without_credentials(uri, **credentials):
    return pymongo.MongoClient(f"mongodb://127.0.0.1:{port_of(uri)}/?directConnection=true",
                               serverSelectionTimeoutMS=3000, **credentials)


def test_the_data_directory_and_its_files_are_owner_only(data_dir):
    uri = embedded_server_uri(f"embedded://{data_dir}")
    with pymongo.MongoClient(uri) as client:
        client.db.things.insert_one({"who": "me"})
    assert mode(data_dir) == 0o700
    files = list(data_dir.iterdir())
    assert {path.name for path in files} >= {"mongoeco.sqlite", CREDENTIALS_FILE, "embedded.log"}
    assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}


def test_a_directory_made_open_before_is_closed_when_served(data_dir):
    data_dir.mkdir(mode=0o755)
    (data_dir / "embedded.log").write_text("")
    (data_dir / "embedded.log").chmod(0o644)
    embedded_server_uri(f"embedded://{data_dir}")
    assert mode(data_dir) == 0o700
    assert mode(data_dir / "embedded.log") == 0o600


@pytest.mark.parametrize("where", ["directory", "memory"])
def test_a_connection_without_the_credentials_is_refused(data_dir, where):
    host = f"embedded://{data_dir}" if where == "directory" else "embedded:"
    uri = embedded_server_uri(host)
    # What a second local user can do: reach the port, without the owner's credentials.
    with without_credentials(uri) as stranger, pytest.raises(pymongo.errors.OperationFailure):
        stranger.db.things.find_one()
    with without_credentials(uri, username="djongo", password="guess", authSource="admin",
                             authMechanism="SCRAM-SHA-256") as guesser:
        with pytest.raises(pymongo.errors.OperationFailure):
            guesser.db.things.find_one()
    with pymongo.MongoClient(uri) as owner:
        owner.db.things.insert_one({"who": "owner"})


def test_every_process_of_the_project_joins_with_the_same_credentials(data_dir):
    host = f"embedded://{data_dir}"
    first = embedded_server_uri(host)
    assert embedded_server_uri(host) == first
    assert (data_dir / CREDENTIALS_FILE).read_text().count("password") == 1
    assert len(server_pids(data_dir)) == 1


def test_no_module_in_the_data_directory_is_imported_by_the_server(data_dir):
    data_dir.mkdir(mode=0o700)
    marker = data_dir / "imported"
    for module in ("json.py", "asyncio.py", "mongoeco.py", "logging.py"):
        (data_dir / module).write_text(f"open({str(marker)!r}, 'w').close()\nraise SystemExit\n")
    with pymongo.MongoClient(embedded_server_uri(f"embedded://{data_dir}")) as client:
        client.db.things.insert_one({"who": "me"})
    assert read_advertisement(data_dir) is not None
    assert not marker.exists()


@pytest.mark.parametrize(("host", "warned"), [("embedded:", True), ("embedded:///srv/data", True),
                                              ("mongodb://db1/", False)])
def test_check_deploy_warns_that_an_embedded_host_is_in_use(host, warned, monkeypatch):
    databases = {"default": {"ENGINE": "djongo_core", "NAME": "shop", "HOST": host}}
    monkeypatch.setattr(backend_checks, "settings", SimpleNamespace(DATABASES=databases))
    ids = [issue.id for issue in checks.run_checks(include_deployment_checks=True,
                                                   tags=[checks.Tags.security])]
    assert ("djongo_core.W204" in ids) is warned
    # A deployment check only: `manage.py check` without --deploy stays quiet.
    assert "djongo_core.W204" not in [issue.id for issue in checks.run_checks(
        tags=[checks.Tags.security])]
