"""Faults: the database server dies in the middle of a request.

The server is the embedded engine's detached server (HOST "embedded:///dir"), a real process
that these tests kill with SIGKILL: between two commands of a request, or while a command is
on the wire (the server is frozen with SIGSTOP first, so the kill lands mid-command every time).
Requests go through Django's own WSGI handler, so the request_started/request_finished signals
close or check connections exactly as under a real server.

What must hold: the request that meets the dead server fails with an OperationalError that
names the cause and the fix; the next request succeeds without restarting the process (the
embedded HOST starts a new server over the same data file); an atomic block interrupted by the
fault leaves none of its writes behind (with the transactions plugin).
"""

import json
import os
import re
import signal
import sys
import threading
import time
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import got_request_exception
from django.db import OperationalError, transaction
from django.http import JsonResponse
from django.test import override_settings
from django.urls import path

from djongo_core.embedded.directory import read_advertisement
from tests.reliability.databases import add_alias, close_alias, running, stop_servers
from tests.testapp.models import Author

ALIAS = "faulty"
# The fault a test plants: called by the view just before writing the name at this position.
FAULT = {"before": None, "action": None}


def _interrupt(position):
    if FAULT["before"] == position:
        FAULT["action"]()


def write_view(request):
    """Write the comma-separated names one by one (in one atomic block with ?atomic=1)."""
    names = request.GET["names"].split(",")

    def write():
        for position, name in enumerate(names):
            _interrupt(position)
            Author.objects.using(ALIAS).create(name=name)

    if request.GET.get("atomic"):
        with transaction.atomic(using=ALIAS):
            write()
    else:
        write()
    return JsonResponse({"written": names})


def bulk_view(request):
    """Write two names, then a batch of many in one insert, all in one atomic block."""
    with transaction.atomic(using=ALIAS):
        Author.objects.using(ALIAS).create(name="first")
        Author.objects.using(ALIAS).create(name="second")
        _interrupt(2)
        Author.objects.using(ALIAS).bulk_create(
            Author(name=f"batch{number}") for number in range(int(request.GET["n"]))
        )
    return JsonResponse({})


def names_view(request):
    return JsonResponse({"names": sorted(Author.objects.using(ALIAS).values_list("name",
                                                                                 flat=True))})


urlpatterns = [
    path("write/", write_view),
    path("bulk/", bulk_view),
    path("names/", names_view),
]


class Served:
    """The outcome of one request: status line, decoded JSON body, and the view's exception."""

    def __init__(self, status, body, error):
        self.status, self.body, self.error = status, body, error


def serve(url):
    """Run one GET request through Django's WSGI handler, as a WSGI server would."""
    errors = []

    def note(sender, request, **kwargs):
        errors.append(sys.exc_info()[1])

    got_request_exception.connect(note, weak=False)
    try:
        route, _, query = url.partition("?")
        environ = {"PATH_INFO": route, "QUERY_STRING": query, "REQUEST_METHOD": "GET"}
        setup_testing_defaults(environ)
        statuses = []
        response = WSGIHandler()(environ, lambda status, headers, exc_info=None:
                                 statuses.append(status))
        try:
            body = b"".join(response)
        finally:
            response.close()  # sends request_finished, which closes or checks connections
    finally:
        got_request_exception.disconnect(note)
    parsed = json.loads(body) if statuses[0].startswith("200") else None
    return Served(statuses[0], parsed, errors[0] if errors else None)


def names():
    served = serve("/names/")
    assert served.status.startswith("200"), served.error
    return served.body["names"]


def kill(pid):
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while running(pid):
        assert time.monotonic() < deadline, "the killed server did not go away"
        time.sleep(0.02)


def server_pid(directory):
    return read_advertisement(directory)["pid"]


def faulty_database(directory, monkeypatch, **settings):
    """Configure the alias ALIAS on a persistent embedded server in directory."""
    monkeypatch.setenv("DJONGO_EMBEDDED_IDLE_SECONDS", "20")
    add_alias(monkeypatch, ALIAS, ENGINE="djongo_core", NAME="faults",
              HOST=f"embedded://{directory}", **settings)


@pytest.fixture
def served_app(tmp_path):
    """Requests routed to this module's views; the servers started in tmp_path stopped after."""
    FAULT.update(before=None, action=None)
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        yield tmp_path
    close_alias(ALIAS)
    stop_servers(tmp_path)


# How the operating system reports a server that died with the connection open, or is gone.
CAUSES = "connection closed|Connection reset by peer|Connection refused"


def assert_names_the_cause_and_the_fix(error):
    assert isinstance(error, OperationalError), repr(error)
    message = str(error)
    assert "collection 'testapp_author'" in message or "collection '__schema__'" in message
    assert re.search(CAUSES, message), message
    assert "Check that the server named by the DATABASES HOST is running" in message
    assert "Topology Description" not in message


CONNECTION_SETTINGS = {
    "closed after each request": {},
    "persistent": {"CONN_MAX_AGE": None},
    "persistent with health checks": {"CONN_MAX_AGE": None, "CONN_HEALTH_CHECKS": True},
}


@pytest.mark.parametrize("settings", CONNECTION_SETTINGS.values(), ids=CONNECTION_SETTINGS.keys())
def test_server_killed_between_two_writes_fails_that_request_and_the_next_one_succeeds(
        served_app, monkeypatch, settings):
    faulty_database(served_app, monkeypatch, **settings)
    assert serve("/write/?names=before").status.startswith("200")
    first_server = server_pid(served_app)
    FAULT.update(before=1, action=lambda: kill(first_server))

    served = serve("/write/?names=one,two,three")

    assert served.status.startswith("500")
    assert_names_the_cause_and_the_fix(served.error)
    FAULT.update(before=None)
    # Without autocommit transactions, what was written before the fault stays.
    assert names() == ["before", "one"]
    assert server_pid(served_app) != first_server
    assert serve("/write/?names=after").status.startswith("200")
    assert names() == ["after", "before", "one"]


def freeze_then_kill(pid):
    """Stop the server at once and kill it half a second later: a command sent meanwhile is
    on the wire, never answered, when the server dies."""
    os.kill(pid, signal.SIGSTOP)
    threading.Timer(0.5, kill, [pid]).start()


@pytest.mark.parametrize("settings", CONNECTION_SETTINGS.values(), ids=CONNECTION_SETTINGS.keys())
def test_server_killed_while_a_command_is_on_the_wire_fails_that_request_and_the_next_succeeds(
        served_app, monkeypatch, settings):
    faulty_database(served_app, monkeypatch, **settings)
    assert serve("/write/?names=before").status.startswith("200")
    first_server = server_pid(served_app)
    FAULT.update(before=1, action=lambda: freeze_then_kill(first_server))

    served = serve("/write/?names=one,two")

    assert served.status.startswith("500")
    assert_names_the_cause_and_the_fix(served.error)
    FAULT.update(before=None)
    assert names() == ["before", "one"]
    assert serve("/write/?names=after").status.startswith("200")
    assert names() == ["after", "before", "one"]


@pytest.fixture
def transactional(served_app, monkeypatch):
    # Ids from counters inside the transaction: the persistent engine serves one session at a
    # time while a transaction is open (docs/engine-deviations.md#sqlite-transaction-exclusive).
    faulty_database(served_app, monkeypatch, PLUGINS=["transactions"],
                    TRANSACTIONS={"counters": "inside"})
    assert serve("/write/?names=before").status.startswith("200")
    return served_app


def test_atomic_block_interrupted_between_writes_leaves_nothing_written(transactional):
    server = server_pid(transactional)
    FAULT.update(before=2, action=lambda: kill(server))

    served = serve("/write/?names=one,two,three&atomic=1")

    assert served.status.startswith("500")
    assert isinstance(served.error, OperationalError)
    assert re.search(CAUSES, str(served.error))
    FAULT.update(before=None)
    assert names() == ["before"]
    assert serve("/write/?names=after&atomic=1").status.startswith("200")
    assert names() == ["after", "before"]


def test_atomic_block_interrupted_during_a_batch_insert_leaves_nothing_written(transactional):
    server = server_pid(transactional)
    FAULT.update(before=2, action=lambda: freeze_then_kill(server))

    served = serve("/bulk/?n=50")

    assert served.status.startswith("500")
    assert isinstance(served.error, OperationalError)
    FAULT.update(before=None)
    assert names() == ["before"]
    assert serve("/bulk/?n=3").status.startswith("200")
    assert names() == ["batch0", "batch1", "batch2", "before", "first", "second"]
