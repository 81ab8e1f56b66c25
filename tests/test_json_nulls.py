"""A JSONField's two nulls: SQL NULL is a field left out of the document, JSON null a stored
null (djongo_core/compiler/json_null.py)."""

import pytest
from django.db import connection, models
from django.db.models import Case, JSONField, Value, When
from django.test.utils import CaptureQueriesContext
from django.utils import deprecation

from tests.testapp.models import Note

pytestmark = pytest.mark.usefixtures("db")


def JSONNull():
    """JSON null: JSONNull() from Django 6.1 on, Value(None, JSONField()) before it."""
    if hasattr(models, "JSONNull"):
        return models.JSONNull()
    return Value(None, output_field=JSONField())


def stored(note):
    return connection.mongo_database[Note._meta.db_table].find_one({"_id": note.pk})


def test_sql_null_is_left_out_and_json_null_is_stored():
    sql_null = Note.objects.create(text="a", data=None)
    json_null = Note.objects.create(text="b", data=JSONNull())
    assert "data" not in stored(sql_null)
    assert stored(json_null)["data"] is None
    assert Note.objects.get(pk=sql_null.pk).data is None
    assert Note.objects.get(pk=json_null.pk).data is None


def test_each_filter_finds_its_own_null():
    sql_null = Note.objects.create(text="a", data=None)
    json_null = Note.objects.create(text="b", data=JSONNull())
    Note.objects.create(text="c", data={"k": None})
    with CaptureQueriesContext(connection) as queries:
        assert list(Note.objects.filter(data__isnull=True)) == [sql_null]
    assert '{"data": {"$exists": false}}' in queries[0]["sql"]
    assert list(Note.objects.filter(data=JSONNull())) == [json_null]
    # Aggregation compares a missing value as null: JSON null must also be present.
    assert str(Note.objects.filter(data=JSONNull()).query).startswith(
        'db.testapp_note.find({"$expr": {"$and": [{"$eq": ["$data", null]}, '
        '{"$ne": [{"$type": "$data"}, "missing"]}]}}')
    assert set(Note.objects.filter(data__isnull=False)) == set(Note.objects.exclude(pk=sql_null.pk))


@pytest.mark.skipif(not hasattr(models, "JSONNull"),
                    reason="Django deprecates json_field=None meaning JSON null from 6.1 on.")
def test_none_meaning_json_null_keeps_djangos_deprecation_warning():
    json_null = Note.objects.create(text="b", data=JSONNull())
    Note.objects.create(text="a", data=None)
    with pytest.warns(deprecation.RemovedInDjango2028Warning, match="JSONNull"):
        assert list(Note.objects.filter(data=None)) == [json_null]


def test_a_missing_key_is_not_a_json_null_key():
    with_null = Note.objects.create(text="a", data={"k": None})
    Note.objects.create(text="b", data={"other": 1})
    assert list(Note.objects.filter(data__k=JSONNull())) == [with_null]
    assert list(Note.objects.filter(data__k__in=[JSONNull(), 5])) == [with_null]


def test_updates_write_either_null():
    note = Note.objects.create(text="a", data={"k": 1})
    Note.objects.filter(pk=note.pk).update(data=JSONNull())
    assert "data" in stored(note) and stored(note)["data"] is None
    Note.objects.filter(pk=note.pk).update(data=None)
    assert "data" not in stored(note)
    Note.objects.filter(pk=note.pk).update(
        data=Case(When(text="a", then=Value({"k": 2}, output_field=JSONField()))))
    assert stored(note)["data"] == {"k": 2}
    note.data = None
    note.save()
    assert "data" not in stored(note)


def test_check_constraints_validate_json_null_apart_from_sql_null():
    from django.core.exceptions import ValidationError
    from django.db.models import CheckConstraint, Q

    constraint = CheckConstraint(condition=~Q(data=JSONNull()), name="data_not_json_null")
    constraint.validate(Note, Note(text="a", data={"key": None}))
    constraint.validate(Note, Note(text="a", data=None))  # SQL NULL: unknown, which passes
    with pytest.raises(ValidationError):
        constraint.validate(Note, Note(text="a", data=JSONNull()))
    keyed = CheckConstraint(condition=Q(data__has_key="name") & ~Q(data__name=JSONNull()),
                            name="data_name_not_json_null")
    keyed.validate(Note, Note(text="a", data={"name": "Django"}))
    with pytest.raises(ValidationError):
        keyed.validate(Note, Note(text="a", data={"name": None}))
    # Value(None, JSONField()), JSON null's spelling before Django 6.1, is JSON null in a query
    # on every version; the model's own None (SQL NULL) still passes.
    spelled = CheckConstraint(condition=~Q(data=Value(None, JSONField())), name="spelled")
    spelled.validate(Note, Note(text="a", data=None))
    with pytest.raises(ValidationError):
        spelled.validate(Note, Note(text="a", data=Value(None, JSONField())))


def test_an_expression_written_to_a_jsonfield_keeps_sql_null_apart_from_json_null():
    from django.db.models import IntegerField
    from django.db.models.functions import Coalesce

    note = Note.objects.create(text="a", data={})
    note.data = Coalesce(None, None, output_field=IntegerField())
    Note.objects.bulk_update([note], fields=["data"])
    assert "data" not in stored(note)
    assert list(Note.objects.filter(data__isnull=True)) == [note]
    # As Django's SQL: Value(None, JSONField()) assigned itself is JSON null, inside a Case NULL.
    Note.objects.filter(pk=note.pk).update(data=Value(None, output_field=JSONField()))
    assert "data" in stored(note) and stored(note)["data"] is None
    Note.objects.filter(pk=note.pk).update(data=Case(
        When(text="a", then=Value(None, output_field=JSONField())),
        default=Value({"k": 1}, output_field=JSONField())))
    assert "data" not in stored(note)
    if hasattr(models, "JSONNull"):  # JSONNull() is JSON null wherever it is (Django 6.1)
        Note.objects.filter(pk=note.pk).update(data=Case(When(text="a", then=JSONNull())))
        assert "data" in stored(note) and stored(note)["data"] is None
        Note.objects.filter(pk=note.pk).update(data=Case(When(text="zzz", then=JSONNull())))
        assert "data" not in stored(note)  # the Case's default: SQL NULL
    query = Note.objects.filter(text="a")
    update = query.query.chain(models.sql.UpdateQuery)
    update.add_update_values({"data": Coalesce(None, None, output_field=IntegerField())})
    assert update.get_compiler(connection=connection).as_sql()[0] == (
        'db.testapp_note.update_many({"text": "a"}, [{"$set": {"data": '
        '{"$cond": [{"$eq": [{"$ifNull": [{"$ifNull": [null, null]}, null]}, null]}, '
        '"$$REMOVE", {"$ifNull": [null, null]}]}}}])')


@pytest.mark.engine_deviation("ifnull-remove-replacement")
def test_ifnull_with_remove_as_replacement_leaves_the_field_out():
    # Why stored_expression() says SQL NULL with $cond (docs/engine-deviations.md).
    note = Note.objects.create(text="a", data={"k": 1})
    collection = connection.mongo_database[Note._meta.db_table]
    collection.update_one({"_id": note.pk}, [{"$set": {"data": {"$ifNull": [None, "$$REMOVE"]}}}])
    assert "data" not in stored(note)
