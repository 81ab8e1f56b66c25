"""The embedded engine's server lifecycle: djongo_core.embedded and djongo_core.embedded.server.

These tests start real servers (a thread for "embedded:", detached processes for
"embedded:///dir") and real client processes; no Django settings are involved.
"""

import importlib.util
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

from pathlib import Path

import pytest

from django.core.exceptions import ImproperlyConfigured
import pymongo
import pymongo.uri_parser
from pymongo import MongoClient

from djongo_core.embedded import EmbeddedServerError, embedded_server_uri, is_embedded_host
from djongo_core.embedded.directory import read_advertisement

# The tests that start servers; the others check errors raised before any server starts.
needs_mongoeco = pytest.mark.skipif(
    importlib.util.find_spec("mongoeco") is None,
    reason="the embedded engine needs mongoeco (Python 3.13+)",
)

REPO = Path(__file__).resolve().parent.parent

# A client process: joins HOST, reports what it saw, then writes a document of its own.
CLIENT_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from pymongo import MongoClient
    from djongo_core.embedded import embedded_server_uri

    host, start_at = sys.argv[1], float(sys.argv[2])
    time.sleep(max(0.0, start_at - time.time()))
    uri = embedded_server_uri(host)
    with MongoClient(uri) as client:
        seen = sorted(doc["who"] for doc in client.db.things.find())
        client.db.things.insert_one({"who": sys.argv[3]})
    print(json.dumps({"uri": uri, "seen": seen}))
    """
)


def run_client(host, who, start_at=0.0):
    return subprocess.Popen(
        [sys.executable, "-c", CLIENT_SCRIPT, host, str(start_at), who],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def client_report(process):
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return json.loads(out)


def running(pid):
    try:
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our own exited child
    except ChildProcessError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def server_pids(directory):
    """Every server ever started in directory, from its log."""
    log = directory / "embedded.log"
    lines = log.read_text().splitlines() if log.exists() else []
    return [int(line.split(" pid ")[1].split()[0]) for line in lines if " serving " in line]


def stop(pid):
    os.kill(pid, signal.SIGTERM)
    wait_until(lambda: not running(pid))


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A data directory whose servers are all stopped after the test."""
    # Any server a failed test leaves behind still goes away by itself soon.
    monkeypatch.setenv("DJONGO_EMBEDDED_IDLE_SECONDS", "20")
    directory = tmp_path / "data"
    yield directory
    for pid in server_pids(directory):
        if running(pid):
            stop(pid)


def test_is_embedded_host():
    assert is_embedded_host("embedded:")
    assert is_embedded_host("embedded:///srv/data")
    assert not is_embedded_host("localhost")
    assert not is_embedded_host("mongodb://localhost:27017")
    assert not is_embedded_host(None)


@needs_mongoeco
def test_memory_host_serves_one_server_per_process():
    uri = embedded_server_uri("embedded:")
    assert pymongo.uri_parser.parse_uri(uri)["nodelist"][0][0] == "127.0.0.1"
    assert embedded_server_uri("embedded:") == uri
    with MongoClient(uri) as client:
        client.memory_test.things.insert_one({"who": "me"})
    with MongoClient(uri) as client:
        assert [doc["who"] for doc in client.memory_test.things.find()] == ["me"]
        client.drop_database("memory_test")


@needs_mongoeco
def test_memory_server_stops_cleanly_at_exit():
    script = textwrap.dedent(
        """
        from pymongo import MongoClient
        from djongo_core.embedded import embedded_server_uri
        with MongoClient(embedded_server_uri("embedded:")) as client:
            client.db.things.insert_one({"a": 1})
            print(client.db.things.count_documents({}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-X", "dev", "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, "1\n", "")


@needs_mongoeco
def test_persistent_host_is_shared_by_processes_at_the_same_time(data_dir):
    host = f"embedded://{data_dir}"
    uri = embedded_server_uri(host)
    assert read_advertisement(data_dir)["port"] == pymongo.uri_parser.parse_uri(uri)["nodelist"][0][1]
    with MongoClient(uri) as client:
        client.db.things.insert_one({"who": "parent"})
        report = client_report(run_client(host, "child"))
        # The child joined this server, saw the parent's write, and the parent sees its.
        assert report == {"uri": uri, "seen": ["parent"]}
        assert sorted(doc["who"] for doc in client.db.things.find()) == ["child", "parent"]
    assert len(server_pids(data_dir)) == 1


@needs_mongoeco
def test_persistent_data_survives_a_restart(data_dir):
    host = f"embedded://{data_dir}"
    with MongoClient(embedded_server_uri(host)) as client:
        client.db.things.insert_one({"who": "before"})
    first = read_advertisement(data_dir)["pid"]
    stop(first)  # SIGTERM: a clean stop that withdraws the advertisement
    assert read_advertisement(data_dir) is None
    assert "stopping: SIGTERM" in (data_dir / "embedded.log").read_text()
    with MongoClient(embedded_server_uri(host)) as client:
        assert [doc["who"] for doc in client.db.things.find()] == ["before"]
    assert read_advertisement(data_dir)["pid"] != first


@needs_mongoeco
def test_processes_starting_at_once_share_one_server(data_dir):
    host = f"embedded://{data_dir}"
    start_at = time.time() + 1.5  # after the clients' imports
    clients = [run_client(host, f"client{n}", start_at) for n in range(3)]
    reports = [client_report(process) for process in clients]
    assert len({report["uri"] for report in reports}) == 1
    assert len(server_pids(data_dir)) == 1


@needs_mongoeco
def test_stale_advertisement_after_kill_is_replaced(data_dir):
    host = f"embedded://{data_dir}"
    with MongoClient(embedded_server_uri(host)) as client:
        client.db.things.insert_one({"who": "before"})
    killed = read_advertisement(data_dir)["pid"]
    os.kill(killed, signal.SIGKILL)
    wait_until(lambda: not running(killed))
    assert read_advertisement(data_dir)["pid"] == killed  # left behind
    started = time.monotonic()
    with MongoClient(embedded_server_uri(host)) as client:
        assert [doc["who"] for doc in client.db.things.find()] == ["before"]
    assert time.monotonic() - started < 10
    assert read_advertisement(data_dir)["pid"] != killed


@needs_mongoeco
def test_advertisement_of_another_server_on_the_port_is_replaced(data_dir):
    # After a crash the advertised port may serve someone else: here the memory server.
    data_dir.mkdir()
    other_port = pymongo.uri_parser.parse_uri(embedded_server_uri("embedded:"))["nodelist"][0][1]
    (data_dir / "embedded.json").write_text(json.dumps({"pid": 1, "port": other_port}))
    uri = embedded_server_uri(f"embedded://{data_dir}")
    assert f":{other_port}/" not in uri
    assert read_advertisement(data_dir)["pid"] in server_pids(data_dir)


@needs_mongoeco
def test_server_stops_after_the_idle_period(data_dir, monkeypatch):
    monkeypatch.setenv("DJONGO_EMBEDDED_IDLE_SECONDS", "1")
    client = MongoClient(embedded_server_uri(f"embedded://{data_dir}"))
    client.db.things.insert_one({"who": "me"})
    pid = read_advertisement(data_dir)["pid"]
    time.sleep(2)
    assert running(pid), "a server with a connected client must stay"
    client.close()
    wait_until(lambda: not running(pid))
    assert read_advertisement(data_dir) is None
    assert "stopping: no client for 1 s" in (data_dir / "embedded.log").read_text()


@needs_mongoeco
def test_failed_start_names_the_log(data_dir, monkeypatch):
    monkeypatch.setenv("DJONGO_EMBEDDED_IDLE_SECONDS", "soon")
    with pytest.raises(EmbeddedServerError, match=str(data_dir / "embedded.log")):
        embedded_server_uri(f"embedded://{data_dir}")
    assert "must be a positive number of seconds" in (data_dir / "embedded.log").read_text()


@pytest.mark.parametrize(
    "host, message",
    [
        ("embedded:relative/dir", "absolute data directory"),
        ("embedded:/one/slash", "absolute data directory"),
        ("embedded://", "absolute data directory"),
        ("embedded://host/x", "names a server \\('host'\\)"),
        ("mongodb://localhost", "not an embedded HOST"),
    ],
)
def test_malformed_host(host, message):
    with pytest.raises(ImproperlyConfigured, match=message) as raised:
        embedded_server_uri(host)
    assert "embedded:///absolute/path/to/dir" in str(raised.value)


@needs_mongoeco
def test_unusable_directory(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(ImproperlyConfigured, match="cannot use the data directory"):
        embedded_server_uri(f"embedded://{tmp_path}/file/data")


def test_mongoeco_not_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, "mongoeco", None)  # as if not installed
    with pytest.raises(ImproperlyConfigured, match=r'pip install "djongo-core\[embedded\]"'):
        embedded_server_uri("embedded:")


def test_python_older_than_3_13(monkeypatch):
    monkeypatch.setattr(sys, "version_info", (3, 12, 7, "final", 0))
    with pytest.raises(ImproperlyConfigured, match="needs Python 3.13 or newer"):
        embedded_server_uri("embedded:")


@pytest.mark.usefixtures("db")
def test_test_database_is_created_next_to_stored_decimals(monkeypatch):
    from bson import Decimal128
    from django.db import connection

    # Decimals stored anywhere made the embedded engine's listDatabases fail
    # (docs/engine-deviations.md#listdatabases-decimal128).
    connection.mongo_database["decimals"].insert_one({"d": Decimal128("1.5")})
    leftover = connection.mongo_client["djongo_core_leftover_test_db"]
    leftover["stale"].insert_one({"x": 1})
    creation = connection.creation
    monkeypatch.setattr(creation, "_get_test_db_name", lambda: leftover.name)
    try:
        assert creation._create_test_db(verbosity=0, autoclobber=True) == leftover.name
        # An old test database is dropped before the run, as on SQL backends.
        assert leftover.list_collection_names() == []
    finally:
        connection.mongo_database.drop_collection("decimals")
        connection.mongo_client.drop_database(leftover.name)
