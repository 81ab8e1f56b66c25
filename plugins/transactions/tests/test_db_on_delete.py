"""Database-level on_delete (Django 6.1's DB_CASCADE, DB_SET_NULL) inside atomic(): the delete,
its cascades and its updates commit or roll back together."""

import pytest
from django.db import connection, models, transaction
from django.test.utils import isolate_apps

pytestmark = [
    pytest.mark.skipif(not hasattr(models, "DB_CASCADE"),
                       reason="database-level on_delete exists from Django 6.1 on"),
    pytest.mark.usefixtures("db"),
]


@pytest.fixture(scope="module")
def app(django_test_database):
    with isolate_apps("transactions_testapp"):
        class Crate(models.Model):
            class Meta:
                app_label = "transactions_testapp"
                db_table = "ondelete_crate"

        class Bottle(models.Model):
            crate = models.ForeignKey(Crate, models.DB_CASCADE)

            class Meta:
                app_label = "transactions_testapp"
                db_table = "ondelete_bottle"

        class Cap(models.Model):
            crate = models.ForeignKey(Crate, models.DB_SET_NULL, null=True)

            class Meta:
                app_label = "transactions_testapp"
                db_table = "ondelete_cap"

        created = [Crate, Bottle, Cap]
        with connection.schema_editor() as editor:
            for model in created:
                editor.create_model(model)
        yield {model.__name__: model for model in created}
        with connection.schema_editor() as editor:
            for model in created:
                editor.delete_model(model)


def test_a_rolled_back_block_restores_the_documents_and_what_referred_to_them(app):
    crate = app["Crate"].objects.create()
    crate_pk = crate.pk
    bottle = app["Bottle"].objects.create(crate=crate)
    cap = app["Cap"].objects.create(crate=crate)
    with pytest.raises(ValueError), transaction.atomic():
        crate.delete()
        assert not app["Bottle"].objects.exists()
        assert app["Cap"].objects.get(pk=cap.pk).crate_id is None
        raise ValueError
    assert app["Crate"].objects.filter(pk=crate_pk).exists()
    assert list(app["Bottle"].objects.all()) == [bottle]
    assert app["Cap"].objects.get(pk=cap.pk).crate_id == crate_pk


def test_a_committed_block_applies_them(app):
    crate = app["Crate"].objects.create()
    app["Bottle"].objects.create(crate=crate)
    cap = app["Cap"].objects.create(crate=crate)
    with transaction.atomic():
        crate.delete()
    assert not app["Crate"].objects.exists() and not app["Bottle"].objects.exists()
    assert app["Cap"].objects.get(pk=cap.pk).crate_id is None
