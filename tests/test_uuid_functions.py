"""Django 6.1's UUID4() and UUID7() (djongo_core/uuids.py): made by the backend, one per
document, in inserts; refused in queries and updates, where MongoDB cannot make them."""

import datetime
import time
import uuid

import pytest
from django.db import NotSupportedError, connection, models
from django.db.models import Value, functions
from django.test.utils import isolate_apps

from djongo_core.uuids import uuid7
from tests.testapp.models import Sample

if not hasattr(functions, "UUID4"):
    pytest.skip("UUID4() and UUID7() came in Django 6.1", allow_module_level=True)
UUID4, UUID7 = functions.UUID4, functions.UUID7

pytestmark = pytest.mark.usefixtures("db")


def uuid7_time(value):
    """The Unix time a UUIDv7 holds, in seconds."""
    return int.from_bytes(value.bytes[:6]) / 1000


@pytest.fixture
def keyed_model():
    with isolate_apps("tests.testapp"):
        class Keyed(models.Model):
            id = models.UUIDField(primary_key=True, db_default=UUID7())
            token = models.UUIDField(db_default=UUID4())
            name = models.CharField(max_length=10, default="")

            class Meta:
                app_label = "testapp"

        with connection.schema_editor() as editor:
            editor.create_model(Keyed)
        yield Keyed
        connection.mongo_database.drop_collection("testapp_keyed")


def test_an_insert_stores_a_new_uuid4_per_document():
    first = Sample.objects.create(token=UUID4())
    second = Sample.objects.create(token=UUID4())
    first.refresh_from_db()
    second.refresh_from_db()
    assert isinstance(first.token, uuid.UUID) and first.token.version == 4
    assert first.token != second.token
    assert Sample.objects.get(token=first.token) == first
    batch = Sample.objects.bulk_create([Sample(token=UUID4()) for _ in range(5)])
    tokens = set(Sample.objects.filter(pk__in=[s.pk for s in batch])
                 .values_list("token", flat=True))
    assert len(tokens) == 5 and all(token.version == 4 for token in tokens)


def test_db_default_uuid7_keys_follow_the_order_of_creation(keyed_model):
    before = time.time()
    created = [keyed_model.objects.create(name=str(n)) for n in range(3)]
    created += keyed_model.objects.bulk_create([keyed_model(name=str(n)) for n in range(3, 8)])
    after = time.time()
    stored = list(keyed_model.objects.order_by("pk").values_list("pk", "name", "token"))
    assert [name for _, name, _ in stored] == [str(n) for n in range(8)]
    assert all(key.version == 7 and token.version == 4 for key, _, token in stored)
    assert all(before - 0.001 <= uuid7_time(key) <= after + 0.001 for key, _, _ in stored)
    assert len({token for _, _, token in stored}) == 8
    # The key the insert made is the one the instance holds.
    assert keyed_model.objects.get(pk=created[0].pk).name == "0"


def test_uuid7_takes_a_constant_shift():
    shift = datetime.timedelta(hours=1)
    sample = Sample.objects.create(token=UUID7(shift))
    sample.refresh_from_db()
    assert sample.token.version == 7
    assert uuid7_time(sample.token) == pytest.approx(time.time() + 3600, abs=5)
    with pytest.raises(NotSupportedError, match=r"testapp\.Sample\.token"):
        Sample.objects.create(token=UUID7(Value(shift) + Value(shift)))


def test_queries_and_updates_refuse_them_and_change_nothing():
    sample = Sample.objects.create(token=uuid.uuid4())
    for attempt in (lambda: Sample.objects.update(token=UUID4()),
                    lambda: Sample.objects.update(token=UUID7()),
                    lambda: list(Sample.objects.annotate(fresh=UUID4())),
                    lambda: list(Sample.objects.filter(token=UUID7()))):
        with pytest.raises(NotSupportedError) as refused:
            attempt()
        # Django's own wording first, then what to do instead.
        assert "is not supported on this database backend" in str(refused.value)
        assert "inserts only" in str(refused.value)
    assert Sample.objects.get(pk=sample.pk).token == sample.token


def test_uuid7_values_made_in_one_process_sort_in_order():
    made = [uuid7() for _ in range(2000)]
    assert sorted(made) == made and len(set(made)) == 2000
    assert {value.version for value in made} == {7}
    assert {value.variant for value in made} == {uuid.RFC_4122}
