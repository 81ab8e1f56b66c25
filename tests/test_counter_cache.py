"""COUNTER_CACHE: a connection draws a block of integer keys per counter call (counters.py)."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from djongo_core.connection_params import counter_cache
from djongo_core.counters import SCHEMA_COLLECTION, CounterAllocator
from tests.testapp.models import Item

pytestmark = pytest.mark.usefixtures("db")


def counter_calls(captured):
    return [q["sql"] for q in captured if q["sql"].startswith(f"db.{SCHEMA_COLLECTION}.")]


@pytest.fixture
def cached():
    """This connection with COUNTER_CACHE = 5."""
    wrapper = connections["default"]   # the connection itself, not django.db's proxy
    previous = wrapper.__dict__.get("counters")
    wrapper.__dict__["counters"] = CounterAllocator(wrapper.executor, cache=5)
    yield wrapper.counters
    if previous is None:
        del wrapper.__dict__["counters"]
    else:
        wrapper.__dict__["counters"] = previous


def test_creates_share_one_counter_call_per_block(cached):
    with CaptureQueriesContext(connection) as captured:
        ids = [Item.objects.create(name=f"i{n}").pk for n in range(7)]
    assert ids == list(range(ids[0], ids[0] + 7))
    # Five values, then five more: two counter calls for seven creates, nothing given back.
    assert len(counter_calls(captured)) == 2
    assert all('"$inc": {"auto.seq": 5}' in call for call in counter_calls(captured))


def test_two_connections_never_hand_out_the_same_key(cached):
    other = CounterAllocator(connection.executor, cache=5)   # a second process's connection
    handed = []
    for turn in range(12):
        allocator = cached if turn % 3 else other
        handed.extend(allocator.reserve("testapp_item", "id", 1 + turn % 2))
    assert len(handed) == len(set(handed))
    # Writes of both keep their keys: no insert overwrites another's document.
    Item.objects.bulk_create([Item(pk=key, name=str(key)) for key in handed])
    assert Item.objects.count() == len(handed)


def test_a_batch_larger_than_the_cache_is_one_draw(cached):
    items = Item.objects.bulk_create([Item(name=f"b{n}") for n in range(12)])
    keys = [item.pk for item in items]
    assert keys == list(range(keys[0], keys[0] + 12))
    assert Item.objects.create(name="after").pk > keys[-1]


def test_a_reserving_ahead_block_inside_the_cache_draws_its_own_size(cached):
    with CaptureQueriesContext(connection) as captured:
        with cached.reserving_ahead(20):
            ids = [Item.objects.create(name=f"r{n}").pk for n in range(8)]
        # The block's rest stays in the cache: no call to give it back, none to draw again.
        more = Item.objects.create(name="more").pk
    assert more == ids[-1] + 1
    assert [call for call in counter_calls(captured) if "auto.seq" in call][0].count("20") == 1
    assert len(counter_calls(captured)) == 1


def test_rolled_back_values_are_forgotten(cached):
    first = Item.objects.create(name="x").pk
    cached.forget_ahead()
    assert Item.objects.create(name="y").pk == first + 5


@pytest.mark.parametrize("value", [0, -3, 2.5, "10", True])
def test_a_wrong_setting_is_refused_naming_it(value):
    with pytest.raises(ImproperlyConfigured, match=r'DATABASES\["default"\]\["COUNTER_CACHE"\]'):
        counter_cache("default", {"COUNTER_CACHE": value})


def test_the_cache_is_off_by_default():
    assert counter_cache("default", {}) == 1
