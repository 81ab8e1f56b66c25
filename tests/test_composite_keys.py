"""CompositePrimaryKey: stored as its component fields under a unique compound index; lookups
on it (and on relations over several columns) compare column by column."""

from unittest import mock

import django
import pytest
from django.core.exceptions import FieldError
from django.db import IntegrityError, NotSupportedError, connection, models
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.fields.tuple_lookups import TupleGreaterThan, TupleIn
from django.test.utils import isolate_apps

from djongo_core.counters import SCHEMA_COLLECTION

pytestmark = pytest.mark.usefixtures("db")

TABLE = "testapp_seat"
TICKETS = "testapp_ticket"


@pytest.fixture
def models_():
    with isolate_apps("tests.testapp"):
        class Seat(models.Model):
            pk = models.CompositePrimaryKey("row", "number")
            row = models.CharField(max_length=2)
            number = models.IntegerField()
            holder = models.CharField(max_length=20, default="")

            class Meta:
                app_label = "testapp"

        class Ticket(models.Model):
            seat_row = models.CharField(max_length=2, null=True)
            seat_number = models.IntegerField(null=True)
            seat = models.ForeignObject(Seat, models.CASCADE, null=True,
                                        from_fields=["seat_row", "seat_number"],
                                        to_fields=["row", "number"], related_name="tickets")
            code = models.CharField(max_length=10)

            class Meta:
                app_label = "testapp"

        with connection.schema_editor() as editor:
            editor.create_model(Seat)
            editor.create_model(Ticket)
        yield Seat, Ticket
        for table in (TABLE, TICKETS):
            connection.mongo_database.drop_collection(table)
            connection.mongo_database[SCHEMA_COLLECTION].delete_many({"name": table})


@pytest.fixture
def seat_model(models_):
    return models_[0]


@pytest.fixture
def seats(seat_model):
    for row, number, holder in [("A", 1, "Ann"), ("A", 2, ""), ("A", 3, "Bob"), ("B", 1, ""),
                                ("B", 2, "Ann")]:
        seat_model.objects.create(row=row, number=number, holder=holder)
    return seat_model


def mql(queryset):
    return str(queryset.query)


def keys(queryset):
    return [tuple(seat.pk) for seat in queryset]


def test_the_key_is_unique(seat_model):
    index = connection.mongo_database[TABLE].index_information()[f"{TABLE}_pkey"]
    assert (index["key"], index["unique"]) == ([("row", 1), ("number", 1)], True)
    seat_model.objects.create(row="A", number=1)
    seat_model.objects.create(row="A", number=2)
    with pytest.raises(IntegrityError):
        seat_model.objects.create(row="A", number=1)


def test_a_seat_is_stored_as_its_fields_beside_the_drivers_id(seat_model):
    seat_model.objects.create(row="A", number=1, holder="Ann")
    stored = connection.mongo_database[TABLE].find_one({})
    assert {key: stored[key] for key in ("row", "number", "holder")} == {
        "row": "A", "number": 1, "holder": "Ann"}
    assert type(stored["_id"]).__name__ == "ObjectId"


# -- translation: values -------------------------------------------------------------------


def test_exact_and_in_compare_column_by_column(seat_model):
    assert mql(seat_model.objects.filter(pk=("A", 1)).values("holder")) == (
        'db.testapp_seat.find({"row": "A", "number": 1}, {"holder": 1, "_id": 0})')
    assert mql(seat_model.objects.filter(pk__in=[("A", 1), ("B", None), ("B", 2)])
               .values("holder")) == (
        'db.testapp_seat.find({"$or": [{"row": "A", "number": 1}, {"row": "B", "number": 2}]}, '
        '{"holder": 1, "_id": 0})')


def test_orderings_are_a_flat_chain_over_prefixes_of_the_key(seat_model):
    assert mql(seat_model.objects.filter(pk__gt=("A", 1)).values("holder")) == (
        'db.testapp_seat.find({"$or": [{"row": {"$gt": "A"}}, '
        '{"row": "A", "number": {"$gt": 1}}]}, {"holder": 1, "_id": 0})')
    assert mql(seat_model.objects.filter(pk__lte=("B", 2)).values("holder")) == (
        'db.testapp_seat.find({"$or": [{"row": {"$lt": "B"}}, '
        '{"row": "B", "number": {"$lte": 2}}]}, {"holder": 1, "_id": 0})')


def test_three_columns_give_three_branches(seat_model):
    lookup = TupleGreaterThan((F("row"), F("number"), F("holder")), ("A", 1, "Ann"))
    assert mql(seat_model.objects.filter(lookup).values("holder")) == (
        'db.testapp_seat.find({"$or": [{"row": {"$gt": "A"}}, '
        '{"row": "A", "number": {"$gt": 1}}, '
        '{"row": "A", "number": 1, "holder": {"$gt": "Ann"}}]}, {"holder": 1, "_id": 0})')


def test_a_none_component_compares_as_unknown(seats):
    # (a, b) > (x, NULL) is a > x OR unknown: only the first branch can match.
    assert mql(seats.objects.filter(pk__gt=("A", None)).values("holder")) == (
        'db.testapp_seat.find({"row": {"$gt": "A"}}, {"holder": 1, "_id": 0})')
    assert keys(seats.objects.filter(pk__gt=("A", None)).order_by("pk")) == [("B", 1), ("B", 2)]
    with CaptureQueries() as queries:
        assert list(seats.objects.filter(pk=("A", None))) == []
        assert list(seats.objects.filter(pk__in=[("A", None), (None, 1)])) == []
    assert queries.count == 0  # known to match nothing: not sent
    assert seats.objects.exclude(pk__in=[("A", None)]).count() == 5


def test_isnull_on_the_key(seats):
    assert mql(seats.objects.filter(pk__isnull=True).values("holder")) == (
        'db.testapp_seat.find({"$or": [{"row": null}, {"number": null}]}, '
        '{"holder": 1, "_id": 0})')
    assert seats.objects.filter(pk__isnull=True).count() == 0
    assert seats.objects.filter(pk__isnull=False).count() == 5


def test_expressions_inside_the_tuple(seats):
    assert keys(seats.objects.filter(pk=("A", F("number") * 0 + 3))) == [("A", 3)]


# -- translation: subqueries ---------------------------------------------------------------


def test_an_uncorrelated_subquery_is_run_first_and_its_rows_used_as_values(seats):
    queryset = seats.objects.filter(pk__in=seats.objects.filter(holder="Ann")).values("number")
    assert mql(queryset) == (
        'db.testapp_seat.find({"$or": [{"row": "A", "number": 1}, {"row": "B", "number": 2}]}, '
        '{"number": 1, "_id": 0})')
    assert sorted(queryset.values_list("row", "number")) == [("A", 1), ("B", 2)]
    first = seats.objects.filter(holder="Bob").values("pk")[:1]
    assert keys(seats.objects.filter(pk__gte=first).order_by("pk")) == [("A", 3), ("B", 1),
                                                                        ("B", 2)]
    # An empty subquery: nothing matches, and the query still prints.
    nobody = seats.objects.filter(holder="Zed")
    assert list(seats.objects.filter(pk__in=nobody)) == []
    assert mql(seats.objects.filter(pk__in=nobody).values("holder")) == (
        'db.testapp_seat.find({"$expr": false}, {"holder": 1, "_id": 0})')


@pytest.mark.skipif(django.VERSION < (6, 0), reason=(
    "Django 5.2 itself refuses Subquery() against a composite key ('only supports OuterRef and "
    "QuerySet objects')"))
def test_a_correlated_subquery_is_joined_and_compared_in_expr(seats):
    same = seats.objects.filter(pk=OuterRef("pk")).values("pk")[:1]
    queryset = seats.objects.filter(pk__gte=Subquery(same)).values("holder")
    assert mql(queryset) == (
        'db.testapp_seat.aggregate([{"$lookup": {"from": "testapp_seat", "pipeline": [{"$match": '
        '{"$and": [{"$expr": {"$and": [{"$eq": ["$row", "$$outer0"]}, '
        '{"$ne": [{"$ifNull": ["$row", null]}, null]}]}}, {"$expr": {"$and": '
        '[{"$eq": ["$number", "$$outer1"]}, {"$ne": [{"$ifNull": ["$number", null]}, null]}]}}]}}, '
        '{"$limit": 1}, {"$project": {"row": 1, "number": 1, "_id": 0}}], "as": "__subquery0", '
        '"let": {"outer0": "$row", "outer1": "$number"}}}, '
        '{"$match": {"$expr": {"$let": {"vars": {"found": {"$arrayElemAt": ["$__subquery0", 0]}}, '
        '"in": {"$and": [{"$or": [{"$gt": ["$row", "$$found.row"]}, {"$and": '
        '[{"$eq": ["$row", "$$found.row"]}, {"$gte": ["$number", "$$found.number"]}]}]}, '
        '{"$ne": [{"$ifNull": ["$row", null]}, null]}, '
        '{"$ne": [{"$ifNull": ["$number", null]}, null]}, '
        '{"$ne": [{"$ifNull": ["$$found.row", null]}, null]}, '
        '{"$ne": [{"$ifNull": ["$$found.number", null]}, null]}]}}}}}, '
        '{"$project": {"_id": 0, "c0": "$holder"}}])')
    assert queryset.count() == 5
    assert seats.objects.filter(pk=Subquery(same)).count() == 5
    assert seats.objects.filter(pk__gt=Subquery(same)).count() == 0
    everyone = seats.objects.filter(pk=OuterRef("pk")).values("pk")
    assert seats.objects.filter(pk__in=Subquery(everyone)).count() == 5
    assert mql(seats.objects.filter(pk__in=Subquery(everyone)).values("holder")).endswith(
        '{"$match": {"$expr": {"$and": [{"$in": [["$row", "$number"], {"$map": {"input": '
        '"$__subquery0", "as": "found", "in": ["$$found.row", "$$found.number"]}}]}, '
        '{"$ne": [{"$ifNull": ["$row", null]}, null]}, '
        '{"$ne": [{"$ifNull": ["$number", null]}, null]}]}}}, '
        '{"$project": {"_id": 0, "c0": "$holder"}}])')


@pytest.mark.skipif(django.VERSION < (6, 0), reason=(
    "Django 5.2 itself refuses Subquery() against a composite key ('only supports OuterRef and "
    "QuerySet objects')"))
def test_orderings_against_a_subquery_follow_the_backend_feature(seats):
    same = Subquery(seats.objects.filter(pk=OuterRef("pk")).values("pk")[:1])
    with mock.patch.object(connection.features, "supports_tuple_comparison_against_subquery",
                           False):
        with pytest.raises(NotSupportedError, match='"gt" cannot be used to target composite'):
            seats.objects.filter(pk__gt=same).count()


def test_subquery_and_value_errors_are_djangos(seats):
    with pytest.raises(ValueError, match="must have 2 selected fields"):
        seats.objects.filter(pk__in=seats.objects.values("pk", "holder"))
    with pytest.raises(ValueError, match="'gte' lookup must have 2 selected fields .received 3"):
        seats.objects.filter(pk__gte=seats.objects.all()[:1]).count()
    with pytest.raises(ValueError, match="cannot be used as a lookup value"):
        seats.objects.filter(holder__gt=F("pk")).count()
    with pytest.raises(ValueError, match="only work with composite expressions"):
        seats.objects.filter(
            number=Subquery(seats.objects.filter(pk=OuterRef("number")).values("number")[:1])
        ).count()
    with pytest.raises(FieldError, match="Composite primary keys expressions are not allowed"):
        seats.objects.update(holder=F("pk"))


# -- the key as a column -------------------------------------------------------------------


def test_values_order_by_and_group_by_the_key_use_its_columns(seats, models_):
    _, ticket_model = models_
    assert mql(seats.objects.values("pk")) == (
        'db.testapp_seat.find({}, {"row": 1, "number": 1, "_id": 0})')
    assert list(seats.objects.order_by("pk").values_list("pk", flat=True)) == [
        ("A", 1), ("A", 2), ("A", 3), ("B", 1), ("B", 2)]
    assert mql(seats.objects.order_by("-pk").values("holder")) == (
        'db.testapp_seat.find({}, {"holder": 1, "_id": 0}, '
        '{"sort": [["row", -1], ["number", -1]]})')
    assert keys(seats.objects.order_by("-pk")[:2]) == [("B", 2), ("B", 1)]
    ticket_model.objects.create(seat_row="A", seat_number=1, code="t1")
    ticket_model.objects.create(seat_row="A", seat_number=1, code="t2")
    counted = seats.objects.values("pk").annotate(n=Count("tickets")).order_by("pk")
    assert [(row["pk"], row["n"]) for row in counted][:2] == [(("A", 1), 2), (("A", 2), 0)]
    assert seats.objects.filter(pk__in=[("A", 1), ("A", 2)]).values_list("pk")[0] == (
        ("A", 1),)


# -- relations over several columns ---------------------------------------------------------


def test_related_lookups_become_tuple_lookups(seats, models_):
    _, ticket_model = models_
    seat = seats.objects.get(pk=("A", 1))
    ticket_model.objects.create(seat=seat, code="t1")
    ticket_model.objects.create(seat=seats.objects.get(pk=("B", 2)), code="t2")
    ticket_model.objects.create(code="none")
    assert mql(ticket_model.objects.filter(seat=seat).values("code")) == (
        'db.testapp_ticket.find({"seat_row": "A", "seat_number": 1}, {"code": 1, "_id": 0})')
    assert mql(ticket_model.objects.filter(seat__in=[seat, ("B", 2)]).values("code")) == (
        'db.testapp_ticket.find({"$or": [{"seat_row": "A", "seat_number": 1}, '
        '{"seat_row": "B", "seat_number": 2}]}, {"code": 1, "_id": 0})')
    assert sorted(ticket_model.objects.filter(seat__isnull=True).values_list("code", flat=True)
                  ) == ["none"]
    assert sorted(ticket_model.objects.filter(seat__gt=("A", 1))
                  .values_list("code", flat=True)) == ["t2"]
    ann = seats.objects.filter(holder="Ann")
    assert sorted(ticket_model.objects.filter(seat__in=ann).values_list("code", flat=True)) == [
        "t1", "t2"]
    assert sorted(seats.objects.filter(tickets__code="t2").values_list("row", "number")) == [
        ("B", 2)]


def test_related_lookup_errors_are_djangos(seats, models_):
    _, ticket_model = models_
    with pytest.raises(ValueError, match="'exact' lookup of 'seat' must have 2 elements"):
        ticket_model.objects.get(seat=1)
    with pytest.raises(ValueError, match="'in' lookup of 'seat' must have 2 elements each"):
        ticket_model.objects.get(seat__in=(1, 2, 3))
    with pytest.raises(ValueError, match="'gt' doesn't support multi-column subqueries"):
        ticket_model.objects.get(seat__gt=seats.objects.all()[:1])


def test_a_join_without_columns_or_restriction_is_refused():
    class Unjoined(models.ForeignObject):
        def get_joining_fields(self, reverse_join=False):
            return ()

    with isolate_apps("tests.testapp"):
        class Page(models.Model):
            slug = models.CharField(max_length=20)
            others = Unjoined("self", models.CASCADE, from_fields=["slug"], to_fields=["slug"],
                              related_name="+")

            class Meta:
                app_label = "testapp"

        with pytest.raises(ValueError, match="Join generated an empty ON clause"):
            str(Page.objects.filter(others__id=1).query)


def test_tuple_lookup_on_plain_fields(seats):
    lookup = TupleIn((F("row"), F("holder")), [("A", "Ann"), ("B", "Ann"), ("B", "Bob")])
    assert keys(seats.objects.filter(lookup).order_by("pk")) == [("A", 1), ("B", 2)]


# -- writes ----------------------------------------------------------------------------------


def test_save_get_refresh_and_delete_by_the_key(seat_model):
    for row, number in [("A", 1), ("A", 2), ("B", 1)]:
        seat_model.objects.create(row=row, number=number)
    seat = seat_model.objects.get(pk=("A", 2))
    assert seat.pk == ("A", 2)
    seat.holder = "Ann"
    seat.save()
    seat.refresh_from_db()
    assert seat.holder == "Ann"
    assert list(seat_model.objects.filter(pk__gte=("A", 2)).order_by("row", "number")
                .values_list("row", "number")) == [("A", 2), ("B", 1)]
    assert seat_model.objects.filter(pk__in=[("A", 1), ("B", 1)]).count() == 2
    seat.delete()
    assert sorted(seat_model.objects.values_list("row", "number")) == [("A", 1), ("B", 1)]


def test_a_delete_across_a_relation_deletes_by_the_key_columns(seats, models_):
    _, ticket_model = models_
    ticket_model.objects.create(seat=seats.objects.get(pk=("A", 2)), code="gone")
    deleted, _ = seats.objects.filter(tickets__code="gone").delete()
    assert deleted == 2  # the seat and, by cascade, its ticket
    assert ("A", 2) not in [tuple(pk) for pk in seats.objects.values_list("pk", flat=True)]
    assert seats.objects.count() == 4


def test_in_bulk_by_the_key(seats):
    found = seats.objects.in_bulk([("A", 1), ("B", 2), ("C", 9)])
    assert sorted(found) == [("A", 1), ("B", 2)]


@pytest.mark.skipif(django.VERSION < (6, 1), reason=(
    "Django applies features.max_query_params in its base bulk_batch_size() from 6.1 on"))
def test_in_bulk_batches_by_a_declared_parameter_limit(seats):
    # Django's rule: max_query_params // columns per key (two here), so 4 keys per query.
    wanted = [("A", 1), ("A", 2), ("A", 3), ("B", 1), ("B", 2)]
    with mock.patch.object(type(connection.features), "max_query_params", 8), \
            CaptureQueries() as queries:
        assert sorted(seats.objects.in_bulk(wanted)) == wanted
    assert queries.count == 2
    with CaptureQueries() as queries:
        assert sorted(seats.objects.in_bulk(wanted)) == wanted
    assert queries.count == 1


def test_introspection_reports_the_composite_key(seat_model):
    introspection = connection.introspection
    assert introspection.get_primary_key_columns(None, TABLE) == ["row", "number"]
    constraints = introspection.get_constraints(None, TABLE)
    assert constraints[f"{TABLE}_pkey"]["primary_key"] is True
    assert constraints["_id_"]["primary_key"] is False


class CaptureQueries:
    """Count the commands sent (a lookup known to match nothing sends none)."""

    def __enter__(self):
        from django.test.utils import CaptureQueriesContext

        self._context = CaptureQueriesContext(connection)
        self._context.__enter__()
        return self

    def __exit__(self, *exc):
        self._context.__exit__(*exc)

    @property
    def count(self):
        return len(self._context.captured_queries)


# -- a composite key added and removed by migrations ------------------------------------------

PONIES = "ck_pony"


@pytest.fixture
def pony_state():
    """A migration state of ck.Pony (integer key `id`) with its collection created."""
    from django.db.migrations.state import ModelState, ProjectState

    state = ProjectState()
    state.add_model(ModelState("ck", "Pony", [
        ("id", models.IntegerField(primary_key=True)),
        ("pink", models.IntegerField(default=3)),
    ]))
    with connection.schema_editor() as editor:
        editor.create_model(state.apps.get_model("ck", "Pony"))
    yield state
    connection.mongo_database.drop_collection(PONIES)
    connection.mongo_database[SCHEMA_COLLECTION].delete_many({"name": PONIES})


def migrate(state, *operations, collect=False):
    """Apply operations to the database from state; return the new state (and, with collect,
    the MQL the schema editor would run, without running it)."""
    for operation in operations:
        new_state = state.clone()
        operation.state_forwards("ck", new_state)
        with connection.schema_editor(collect_sql=collect) as editor:
            operation.database_forwards("ck", editor, state, new_state)
        state = new_state
    return (state, editor.collected_sql) if collect else state


def composite(state):
    """Give ck.Pony the key (id, pink), then make id a plain field."""
    from django.db import migrations

    return migrate(state, migrations.AddField("Pony", "pk", models.CompositePrimaryKey(
        "id", "pink")), migrations.AlterField("Pony", "id", models.IntegerField()))


def removing_the_key():
    from django.db import migrations

    return migrations.RemoveField("Pony", "pk")


def test_an_added_composite_key_is_held_by_a_unique_index_and_recorded(pony_state):
    state = composite(pony_state)
    index = connection.mongo_database[PONIES].index_information()[f"{PONIES}_pkey"]
    assert (index["key"], index["unique"]) == ([("id", 1), ("pink", 1)], True)
    entry = connection.mongo_database[SCHEMA_COLLECTION].find_one({"name": PONIES})
    assert entry["primary_key"] == ["id", "pink"]
    pony = state.apps.get_model("ck", "Pony")
    pony.objects.create(id=1, pink=3)
    with pytest.raises(IntegrityError):
        pony.objects.create(id=1, pink=3)


def test_removing_a_composite_key_stores_the_id_field_as_the_documents_id(pony_state):
    state = composite(pony_state)
    pony = state.apps.get_model("ck", "Pony")
    pony.objects.create(id=5, pink=3)
    pony.objects.create(id=2, pink=4)
    state = migrate(state, removing_the_key())
    stored = list(connection.mongo_database[PONIES].find({}, sort=[("_id", 1)]))
    assert stored == [{"_id": 2, "id": 2, "pink": 4}, {"_id": 5, "id": 5, "pink": 3}]
    assert f"{PONIES}_pkey" not in connection.mongo_database[PONIES].index_information()
    entry = connection.mongo_database[SCHEMA_COLLECTION].find_one({"name": PONIES})
    assert "primary_key" not in entry
    pony = state.apps.get_model("ck", "Pony")
    assert pony.objects.get(pk=5).pink == 3
    # The counter went past the moved ids, for the key the model falls back to.
    assert entry["auto"] == {"field_names": ["id"], "seq": 5}


@pytest.mark.parametrize("documents, refusal", [
    ([{"id": 1, "pink": 3}, {"id": 1, "pink": 4}], "share the value 1"),
    ([{"id": 1, "pink": 3}, {"pink": 4}], "hold null or lack 'id'"),
])
def test_removing_a_composite_key_over_unusable_ids_changes_nothing(pony_state, documents,
                                                                     refusal):
    state = composite(pony_state)
    connection.mongo_database[PONIES].insert_many(documents)
    before = list(connection.mongo_database[PONIES].find({}, sort=[("pink", 1)]))
    with pytest.raises(IntegrityError, match=rf"ck\.Pony.*{refusal}"):
        migrate(state, removing_the_key())
    assert list(connection.mongo_database[PONIES].find({}, sort=[("pink", 1)])) == before


def test_removing_a_composite_key_collects_the_commands_that_move_the_documents(pony_state):
    state = composite(pony_state)
    _, collected = migrate(state, removing_the_key(), collect=True)
    moving = '{"$expr": {"$ne": ["$_id", "$id"]}}'
    assert collected == [
        f'db.{PONIES}.drop_index("{PONIES}_pkey");',
        f'db.__schema__.update_one({{"name": "{PONIES}"}}, {{"$unset": {{"primary_key": ""}}}}, '
        '{"upsert": true});',
        f'db.{PONIES}.aggregate([{{"$match": {moving}}}, {{"$set": {{"_id": "$id"}}}}, '
        f'{{"$merge": {{"into": "{PONIES}", "on": "_id", "whenMatched": "fail", '
        '"whenNotMatched": "insert"}}]);',
        f'db.{PONIES}.delete_many({moving});',
    ]


@pytest.mark.engine_deviation("merge-ignores-bypass-validation")
def test_removing_a_composite_key_moves_documents_past_a_validator_of_the_old_model(pony_state):
    # The validator still describes the model before the change (plugins bring it in line
    # after the documents are), as for every rewrite a migration makes.
    state = composite(pony_state)
    state.apps.get_model("ck", "Pony").objects.create(id=4, pink=3)
    connection.mongo_database.command(
        {"collMod": PONIES, "validator": {"_id": {"$type": "objectId"}}})
    migrate(state, removing_the_key())
    assert list(connection.mongo_database[PONIES].find()) == [{"_id": 4, "id": 4, "pink": 3}]
