"""MongoDB's rules for concerns inside a transaction: a model's MODEL_OPTIONS give way to the
transaction's, a QuerySet's explicit with_concerns() is refused (docs/concerns.md)."""

import pytest
from django.db import NotSupportedError, transaction

from djongo_core import plugin_testing
from djongo_core.concerns import with_concerns
from transactions_testapp.models import Reporter

pytestmark = pytest.mark.usefixtures("db")


def wired(model_options):
    return plugin_testing.wired("default", MODEL_OPTIONS=model_options)


OPTIONS = {"transactions_testapp.Reporter": {"w": "majority", "readConcernLevel": "majority"}}


def test_a_model_s_concerns_give_way_to_the_transaction_s_and_apply_outside_it():
    with wired(OPTIONS) as wire:
        with transaction.atomic():
            Reporter.objects.create(name="Inside")
            assert Reporter.objects.filter(name="Inside").count() == 1
        Reporter.objects.create(name="Outside")
    inside, outside = wire.commands("insert", Reporter._meta.db_table)
    # Inside: the transaction's; MongoDB refuses a write concern on an operation there.
    assert "writeConcern" not in inside and "txnNumber" in inside
    assert outside["writeConcern"] == {"w": "majority"}
    # The count ran in the transaction, which sets its read concern on its first command
    # only: the model's readConcernLevel was not added.
    counted = [body for name, body in wire.sent
               if name == "aggregate" and body["aggregate"] == Reporter._meta.db_table]
    assert "txnNumber" in counted[0] and "readConcern" not in counted[0]


def test_a_queryset_asking_for_concerns_inside_a_transaction_is_refused():
    Reporter.objects.create(name="Ann")
    asked = with_concerns(Reporter.objects.all(), readPreference="secondaryPreferred")
    with transaction.atomic():
        with pytest.raises(NotSupportedError, match=r"inside a transaction.*with_concerns\("):
            list(asked)
        transaction.set_rollback(True)
    assert [r.name for r in asked] == ["Ann"]
