"""select_for_update() inside atomic(): the selected documents are locked against other
transactions, as on a SQL database (docs/queries.md#row-locks-select_for_update in the core)."""

import dataclasses
import threading

import pytest
from django.db import NotSupportedError, OperationalError, connection, connections, transaction
from django.db.transaction import TransactionManagementError

from transactions_testapp.models import Account, Reporter

pytestmark = pytest.mark.usefixtures("db")

THREADS = 8
INCREMENTS = 15


def _in_threads(work):
    errors = []

    def run():
        try:
            work()
        except Exception as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_read_modify_write_under_select_for_update_loses_no_increment():
    account = Account.objects.create(owner="Ann", balance=0)

    def increment():
        for _ in range(INCREMENTS):
            with transaction.atomic():
                locked = Account.objects.select_for_update().get(pk=account.pk)
                locked.balance += 1
                locked.save()

    assert _in_threads(increment) == []
    account.refresh_from_db()
    assert account.balance == THREADS * INCREMENTS


def test_the_lock_leaves_the_documents_unchanged():
    account = Account.objects.create(owner="Ann", balance=3)
    with transaction.atomic():
        assert Account.objects.select_for_update().get(pk=account.pk).balance == 3
    document = connection.mongo_database[Account._meta.db_table].find_one({"_id": account.pk})
    assert document == {"_id": account.pk, "owner": "Ann", "balance": 3}


def test_a_locked_document_makes_another_transaction_wait_until_the_holder_commits():
    account = Account.objects.create(owner="Ann", balance=0)
    locked, seen = threading.Event(), []

    def holder():
        with transaction.atomic():
            Account.objects.select_for_update().get(pk=account.pk)
            locked.set()
            Account.objects.filter(pk=account.pk).update(balance=10)
            threading.Event().wait(0.3)

    def waiter():
        locked.wait()
        with transaction.atomic():
            seen.append(Account.objects.select_for_update().get(pk=account.pk).balance)

    threads = [threading.Thread(target=holder), threading.Thread(target=waiter)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    connections.close_all()
    assert seen == [10]


def test_nowait_fails_at_once_when_another_transaction_holds_the_document():
    account = Account.objects.create(owner="Ann")
    with transaction.atomic(using="other"):
        Account.objects.using("other").select_for_update().get(pk=account.pk)
        with pytest.raises(OperationalError, match="nowait"):
            with transaction.atomic():
                Account.objects.select_for_update(nowait=True).get(pk=account.pk)


def test_waiting_longer_than_the_lock_timeout_is_an_operational_error():
    account = Account.objects.create(owner="Ann")
    settings = connection.transaction_manager.settings
    connection.transaction_manager.settings = dataclasses.replace(settings, lock_timeout_ms=200)
    try:
        with transaction.atomic(using="other"):
            Account.objects.using("other").select_for_update().get(pk=account.pk)
            with pytest.raises(OperationalError, match="lock_timeout_ms"):
                with transaction.atomic():
                    Account.objects.select_for_update().get(pk=account.pk)
    finally:
        connection.transaction_manager.settings = settings


def test_of_self_is_accepted_and_other_options_are_refused():
    reporter = Reporter.objects.create(name="Ann")
    with transaction.atomic():
        assert Reporter.objects.select_for_update(of=("self",)).get(pk=reporter.pk) == reporter
        for options in ({"skip_locked": True}, {"of": ("articles",)}, {"no_key": True}):
            with pytest.raises(NotSupportedError):
                list(Reporter.objects.select_for_update(**options))


def test_outside_a_transaction_it_is_refused_as_on_sql_databases():
    with pytest.raises(TransactionManagementError):
        list(Account.objects.select_for_update())


def test_update_or_create_still_works():
    Account.objects.update_or_create(owner="Ann", defaults={"balance": 5})
    account, created = Account.objects.update_or_create(owner="Ann", defaults={"balance": 6})
    assert (created, account.balance) == (False, 6)


def test_no_check_warning_about_row_locks_with_the_plugin():
    assert "djongo_core.W201" not in [issue.id for issue in connection.validation.check()]
