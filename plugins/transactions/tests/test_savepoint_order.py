"""Rolling back to a savepoint over a delete leaves the documents where they were in natural
order, as SQL's rollback does: Django's TestCase rolls each test back to a savepoint, and tests
read their class data unordered (`Model.objects.all()[0]`)."""

import pytest
from django.db import transaction

from transactions_testapp.models import Reporter

pytestmark = pytest.mark.usefixtures("db")


def unordered_names():
    return [reporter.name for reporter in Reporter.objects.all()]


def test_a_delete_rolled_back_to_a_savepoint_keeps_the_natural_order():
    with transaction.atomic():
        for name in ("Ann", "Bob", "Cid"):
            Reporter.objects.create(name=name)
        with pytest.raises(ValueError), transaction.atomic():
            Reporter.objects.filter(name="Ann").delete()
            raise ValueError
        assert unordered_names() == ["Ann", "Bob", "Cid"]
    assert unordered_names() == ["Ann", "Bob", "Cid"]


def test_an_update_and_a_delete_rolled_back_together_leave_every_document_as_it_was():
    with transaction.atomic():
        for name in ("Ann", "Bob"):
            Reporter.objects.create(name=name)
        with pytest.raises(ValueError), transaction.atomic():
            Reporter.objects.filter(name="Bob").update(score=3)
            Reporter.objects.filter(name="Ann").delete()
            Reporter.objects.create(name="Cid")
            raise ValueError
        assert list(Reporter.objects.values_list("name", "score")) == [("Ann", 0), ("Bob", 0)]
