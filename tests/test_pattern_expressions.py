"""Pattern lookups (contains, startswith...) with an expression on the right, on a column that
is not text: matched in the column's text form, as with a value on the right."""

import uuid

import pytest
from django.db.models import CharField, F, Value
from django.db.models.functions import Concat

from tests.testapp.models import Sample

pytestmark = pytest.mark.usefixtures("db")

TOKEN = uuid.UUID("550e8400-e29b-41d4-a716-446655440000")


def test_a_uuid_contains_an_annotated_fragment():
    match = Sample.objects.create(token=TOKEN, number=41)
    Sample.objects.create(token=uuid.UUID("00000000-0000-0000-0000-000000000001"), number=7)
    Sample.objects.create(token=None)
    fragment = Sample.objects.annotate(
        value=Concat(Value("8400"), Value("-"), Value("e29b"), output_field=CharField()))
    assert list(fragment.filter(token__contains=F("value"))) == [match]
    assert list(fragment.filter(token__icontains=F("value"))) == [match]
    # Stored with hyphens (a native UUID): the fragment without them is no part of it.
    no_hyphen = Sample.objects.annotate(
        value=Concat(Value("8400"), Value("e29b"), output_field=CharField()))
    assert list(no_hyphen.filter(token__contains=F("value"))) == []
    # A number's text form, too: 41 starts with "4".
    starts = Sample.objects.annotate(value=Value("4", output_field=CharField()))
    assert list(starts.filter(number__startswith=F("value"))) == [match]


def test_translation_reads_the_column_as_text():
    query = Sample.objects.annotate(value=Value("4", output_field=CharField())).filter(
        number__startswith=F("value")).query
    assert '{"$indexOfCP": [{"$toString": "$number"}, "4"]}' in str(query)
