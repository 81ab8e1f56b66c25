"""ATOMIC_REQUESTS wraps each view in a transaction; non_atomic_requests opts a view out."""

import pytest
from django.db import connections
from django.test import Client

from transactions_testapp import views
from transactions_testapp.models import Reporter

pytestmark = pytest.mark.usefixtures("db")


@pytest.fixture
def atomic_requests(monkeypatch):
    monkeypatch.setitem(connections["default"].settings_dict, "ATOMIC_REQUESTS", True)
    views.COMMITTED.clear()


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def stored():
    return sorted(Reporter.objects.using("other").values_list("name", flat=True))


def test_a_view_that_succeeds_is_committed_with_its_callbacks(atomic_requests, client):
    response = client.get("/create/", {"name": "Ann", "on_commit": "1"})
    assert response.status_code == 200
    assert response.content == b"False"  # the view ran inside a transaction
    assert stored() == ["Ann"]
    assert views.COMMITTED == ["Ann"]


def test_a_view_that_raises_is_rolled_back_with_its_callbacks(atomic_requests, client):
    response = client.get("/create/", {"name": "Ann", "on_commit": "1", "fail": "1"})
    assert response.status_code == 500
    assert stored() == []
    assert views.COMMITTED == []


def test_a_non_atomic_view_is_not_wrapped(atomic_requests, client):
    response = client.get("/create-non-atomic/", {"name": "Ann", "fail": "1"})
    assert response.status_code == 500
    assert stored() == ["Ann"]


def test_without_atomic_requests_views_run_in_autocommit(client):
    response = client.get("/create/", {"name": "Ann", "fail": "1"})
    assert response.status_code == 500
    assert stored() == ["Ann"]
