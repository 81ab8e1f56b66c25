"""transaction.on_commit(): callbacks run after a successful commit, in order, never after a
rollback; robust=True callbacks may fail without stopping the others."""

import pytest
from django.db import transaction

from transactions_testapp.models import Reporter

pytestmark = pytest.mark.usefixtures("db")


class Undone(Exception):
    pass


def test_callbacks_run_after_the_commit_in_registration_order():
    ran = []
    with transaction.atomic():
        Reporter.objects.create(name="Ann")
        transaction.on_commit(lambda: ran.append(("first", Reporter.objects.using("other").count())))
        with transaction.atomic():
            transaction.on_commit(lambda: ran.append(("inner", None)))
        transaction.on_commit(lambda: ran.append(("last", None)))
        assert ran == []
    # The first callback already sees the committed data from another connection.
    assert ran == [("first", 1), ("inner", None), ("last", None)]


def test_callbacks_of_a_rolled_back_block_never_run():
    ran = []
    with pytest.raises(Undone):
        with transaction.atomic():
            transaction.on_commit(lambda: ran.append("outer"))
            raise Undone
    assert ran == []


def test_callbacks_of_a_rolled_back_savepoint_are_dropped_and_the_others_run():
    ran = []
    with transaction.atomic():
        transaction.on_commit(lambda: ran.append("kept"))
        with pytest.raises(Undone):
            with transaction.atomic():
                transaction.on_commit(lambda: ran.append("dropped"))
                raise Undone
        transaction.on_commit(lambda: ran.append("after"))
    assert ran == ["kept", "after"]


def test_a_robust_callback_that_fails_does_not_stop_the_others():
    ran = []

    def failing():
        raise RuntimeError("callback failed")

    with transaction.atomic():
        transaction.on_commit(lambda: ran.append(1))
        transaction.on_commit(failing, robust=True)
        transaction.on_commit(lambda: ran.append(3))
    assert ran == [1, 3]


def test_a_callback_that_fails_without_robust_raises_after_the_commit():
    ran = []

    def failing():
        raise RuntimeError("callback failed")

    with pytest.raises(RuntimeError, match="callback failed"):
        with transaction.atomic():
            Reporter.objects.create(name="Ann")
            transaction.on_commit(failing)
            transaction.on_commit(lambda: ran.append("not reached"))
    assert ran == []
    assert Reporter.objects.using("other").count() == 1


def test_outside_a_transaction_a_callback_runs_at_once():
    ran = []
    transaction.on_commit(lambda: ran.append("now"))
    assert ran == ["now"]


def test_on_commit_is_refused_under_manual_transaction_management():
    from django.db.transaction import TransactionManagementError

    transaction.set_autocommit(False)
    try:
        with pytest.raises(TransactionManagementError, match="manual transaction management"):
            transaction.on_commit(lambda: None)
    finally:
        transaction.rollback()
        transaction.set_autocommit(True)
