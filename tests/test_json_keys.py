"""JSONField keys as Django reads them: negative array indexes, has_key's last key always an
object key, key__iexact=None, and exclude() where the key is missing (unknown, as SQL's NULL)."""

import django
import pytest
from django.db import DataError
from django.db.models import Q

from tests.testapp.models import Note

pytestmark = pytest.mark.usefixtures("db")

VALUES = {
    "sql_null": None,
    "empty_list": [],
    "empty_object": {},
    "a_b": {"a": "b", "c": 14},
    "j_null": {"a": "b", "d": ["e", {"f": "g"}], "j": None},
    "nested_list": [1, [2]],
    "foo_bax": {"k": True, "foo": "bax"},
    "foo_bar": {"foo": "bar", "j": 1},
    "number_keys": {"000": "val", "nested": {"456": "bar"}, "array": [{"789": "baz"}]},
}


@pytest.fixture
def notes():
    return {name: Note.objects.create(text=name, data=value) for name, value in VALUES.items()}


def names(queryset):
    return sorted(note.text for note in queryset)


def test_negative_indexes_count_from_the_end(notes):
    assert names(Note.objects.filter(**{"data__-2": 1})) == ["nested_list"]
    assert names(Note.objects.filter(**{"data__-1__0": 2})) == ["nested_list"]
    assert names(Note.objects.filter(**{"data__d__-1__f": "g"})) == ["j_null"]
    # A negative index is no object key: the form reads it from the end of an array.
    assert str(Note.objects.filter(**{"data__-2": 1}).query).startswith(
        'db.testapp_note.find({"$expr": {"$eq": [{"$cond": [{"$isArray": "$data"}, '
        '{"$arrayElemAt": ["$data", -2]}, ')
    assert names(Note.objects.filter(**{"data__-9": 1})) == []


def test_has_key_with_digits_asks_for_an_object_key(notes):
    # "000" is never read as the array index 0: nested_list ([1, [2]]) has no key "000".
    assert names(Note.objects.filter(data__has_key="000")) == ["number_keys"]
    assert names(Note.objects.filter(data__has_any_keys=["000", "nonexistent"])) == ["number_keys"]
    assert names(Note.objects.filter(data__nested__has_key="456")) == ["number_keys"]
    assert names(Note.objects.filter(data__array__0__has_key="789")) == ["number_keys"]
    assert names(Note.objects.filter(data__has_key="0")) == []


# Django 6.1 reads key__iexact=None as key=None (JSON null); before, as key__isnull=True.
IEXACT_NONE_IS_JSON_NULL = django.VERSION >= (6, 1)


def test_key_iexact_none_is_a_json_null_key(notes):
    assert names(Note.objects.filter(data__j=None)) == ["j_null"]
    if IEXACT_NONE_IS_JSON_NULL:
        assert names(Note.objects.filter(data__j__iexact=None)) == ["j_null"]
    else:
        assert names(Note.objects.filter(data__j__iexact=None)) == names(
            Note.objects.filter(data__j__isnull=True))


def test_exclude_leaves_out_a_missing_key_as_sql_does(notes):
    # NOT (data.a = "b" AND data IS NOT NULL): unknown where "a" is missing, so only the
    # document whose JSONField is SQL NULL (the AND is false there) is left.
    assert names(Note.objects.exclude(data__a="b")) == ["sql_null"]
    assert names(Note.objects.filter(~Q(data__a="b"))) == ["sql_null"]
    assert names(Note.objects.exclude(data__foo="bax")) == ["foo_bar", "sql_null"]
    assert names(Note.objects.exclude(~Q(data__foo="bax"))) == ["foo_bax"]
    # key=None is JSON null: a key holding another value is kept, a missing key is unknown.
    assert names(Note.objects.exclude(data__j=None)) == ["foo_bar"]
    if IEXACT_NONE_IS_JSON_NULL:
        assert names(Note.objects.exclude(data__j__iexact=None)) == ["foo_bar"]
    else:
        assert names(Note.objects.exclude(data__j__iexact=None)) == names(
            Note.objects.exclude(data__j__isnull=True))
    # A comparison through the aggregation form (a negative index) keeps the same rule.
    assert names(Note.objects.exclude(**{"data__-1": [2]})) == ["sql_null"]
    assert names(Note.objects.exclude(**{"data__-1": 1})) == ["nested_list", "sql_null"]
    assert names(Note.objects.exclude(data__c__gt=20)) == ["a_b", "sql_null"]


def test_exclude_translation_tests_the_missing_key():
    assert str(Note.objects.exclude(data__a="b").query) == (
        'db.testapp_note.find({"$nor": [{"$or": [{"data.a": {"$eq": "b"}}, '
        '{"data.a": {"$exists": false}}], "data": {"$exists": true}}]}, '
        '{"_id": 1, "text": 1, "author_id": 1, "data": 1})')


def test_an_encoder_writing_invalid_json_is_a_data_error(monkeypatch):
    from django.core.serializers.json import DjangoJSONEncoder

    class Broken(DjangoJSONEncoder):
        def encode(self, o):
            return "{@!invalid"

    field = Note._meta.get_field("data")
    monkeypatch.setattr(field, "encoder", Broken)
    with pytest.raises(DataError, match="Broken"):
        Note.objects.create(text="x", data={"a": 1})
