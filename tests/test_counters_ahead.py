"""counters.reserving_ahead(): many single inserts drawing from one counter call."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from djongo_core.counters import SCHEMA_COLLECTION
from tests.testapp.models import Author, Item

pytestmark = pytest.mark.usefixtures("db")


def seq(table):
    return connection.mongo_database[SCHEMA_COLLECTION].find_one({"name": table})["auto"]["seq"]


def counter_commands(captured):
    return [q["sql"] for q in captured if q["sql"].startswith(f"db.{SCHEMA_COLLECTION}.")]


def test_single_inserts_share_one_counter_call_and_the_rest_goes_back():
    before = Author.objects.create(name="first").pk
    with CaptureQueriesContext(connection) as captured:
        with connection.counters.reserving_ahead(10):
            ids = [Author.objects.create(name=f"a{n}").pk for n in range(4)]
            # Drawn ahead: the counter holds the end of the block of ten.
            assert seq("testapp_author") == before + 10
    assert ids == [before + 1, before + 2, before + 3, before + 4]
    assert counter_commands(captured) == [
        'db.__schema__.find_one_and_update({"name": "testapp_author"}, {"$inc": {"auto.seq": 10}, '
        '"$set": {"auto.field_names": ["id"]}}, {"upsert": true, "return_document": true, '
        '"projection": {"_id": 0, "auto.seq": 1}})',
        f'db.__schema__.update_one({{"name": "testapp_author", "auto.seq": {before + 10}}}, '
        '{"$inc": {"auto.seq": -6}})',
    ]
    # The six values not handed out went back: the next insert continues without a gap.
    assert seq("testapp_author") == before + 4
    assert Author.objects.create(name="next").pk == before + 5


def test_a_draw_covers_a_batch_larger_than_the_block_size():
    start = Item.objects.create(name="first").pk
    with connection.counters.reserving_ahead(3):
        items = Item.objects.bulk_create([Item(name=f"i{n}") for n in range(5)])
        more = Item.objects.bulk_create([Item(name="j")])
    assert [item.pk for item in items] == [start + 1 + n for n in range(5)]
    assert [item.pk for item in more] == [start + 6]
    assert seq("testapp_item") == start + 6


def test_values_drawn_by_another_process_meanwhile_leave_a_gap():
    with connection.counters.reserving_ahead(10):
        first = Item.objects.create(name="a").pk
        # Another process draws from the same counter while the block holds values.
        connection.mongo_database[SCHEMA_COLLECTION].update_one(
            {"name": "testapp_item"}, {"$inc": {"auto.seq": 1}})
    # The nine values left are not given back: the counter moved past them.
    assert seq("testapp_item") == first + 10
    assert Item.objects.create(name="b").pk == first + 11


def test_a_stale_counter_heals_inside_the_block_and_drops_the_values_it_held():
    start = Item.objects.create(name="counted").pk
    taken = start + 4
    connection.mongo_database["testapp_item"].insert_one({"_id": taken, "name": "outside"})
    with connection.counters.reserving_ahead(10):
        # Handed start + 1...: start + 4 is taken and collides. The insert heals the counter
        # (already past the stored ids: the block drew ten) and the values the block held,
        # drawn before the heal, are dropped: the next ones come from a new draw.
        made = [Item.objects.create(name=f"n{n}").pk for n in range(5)]
    assert made == [start + 1, start + 2, start + 3, start + 11, start + 12]
    assert connection.mongo_database["testapp_item"].find_one({"_id": taken})["name"] == "outside"
    assert seq("testapp_item") == start + 12


def test_nested_blocks_share_the_outer_one():
    start = Item.objects.create(name="first").pk
    with connection.counters.reserving_ahead(10):
        with connection.counters.reserving_ahead(2):
            ids = [Item.objects.create(name=f"n{n}").pk for n in range(3)]
        assert seq("testapp_item") == start + 10
    assert ids == [start + 1, start + 2, start + 3]
    assert seq("testapp_item") == start + 3


def test_the_block_size_must_be_a_positive_integer():
    with pytest.raises(ValueError, match="positive number of values, not 0"):
        with connection.counters.reserving_ahead(0):
            pass
