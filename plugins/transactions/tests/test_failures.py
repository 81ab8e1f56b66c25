"""Concurrent transactions, write conflicts, commit retries, and the ids counters hand out."""

import dataclasses

import pytest
from django.db import DatabaseError, IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from pymongo.client_session import ClientSession
from pymongo.errors import ConnectionFailure, OperationFailure

from transactions_testapp.models import Account, Reporter

# Django 6.1 names it savepoint_create() (savepoint() is deprecated there); 5.2 and 6.0 savepoint().
savepoint_create = getattr(transaction, "savepoint_create", None) or transaction.savepoint

pytestmark = pytest.mark.usefixtures("db")

ACCOUNTS = Account._meta.db_table


def balances():
    return dict(Account.objects.using("other").values_list("owner", "balance"))


@pytest.fixture
def accounts():
    return Account.objects.create(owner="Ann"), Account.objects.create(owner="Bob")


@pytest.fixture
def transaction_settings():
    """Change the transactions settings of "default" for one test."""
    manager = connection.transaction_manager
    original = manager.settings

    def change(**settings):
        manager.settings = dataclasses.replace(original, **settings)
        manager.journal.limit = manager.settings.recovery_log_limit

    yield change
    manager.settings = original


@pytest.mark.engine_deviation("transaction-conflicts-database-wide")
def test_concurrent_transactions_on_different_documents_both_commit(accounts):
    ann, bob = accounts
    with transaction.atomic():
        Account.objects.filter(pk=ann.pk).update(balance=1)
        with transaction.atomic(using="other"):
            Account.objects.using("other").filter(pk=bob.pk).update(balance=2)
    assert balances() == {"Ann": 1, "Bob": 2}


def test_concurrent_transactions_on_the_same_document_let_one_win_and_fail_the_other(accounts):
    ann, _ = accounts
    failures = {}
    try:
        with transaction.atomic():
            Account.objects.filter(pk=ann.pk).update(balance=F("balance") + 1)
            try:
                with transaction.atomic(using="other"):
                    # MongoDB refuses this write at once (WriteConflict); the embedded engine
                    # takes it and fails the first transaction's commit instead.
                    Account.objects.using("other").filter(pk=ann.pk).update(
                        balance=F("balance") + 10)
            except DatabaseError as error:
                failures["other"] = error
    except DatabaseError as error:
        failures["default"] = error
    assert len(failures) == 1, failures
    [(loser, error)] = failures.items()
    assert ACCOUNTS in str(error)
    assert balances()["Ann"] == (1 if loser == "other" else 10)


def test_after_a_failed_transaction_the_next_one_on_the_connection_commits(accounts):
    ann, bob = accounts
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            Account.objects.filter(pk=ann.pk).update(balance=1)
            with transaction.atomic(using="other"):
                Account.objects.using("other").filter(pk=ann.pk).update(balance=2)
    for alias in ("default", "other"):
        with transaction.atomic(using=alias):
            Account.objects.using(alias).filter(pk=bob.pk).update(balance=F("balance") + 5)
    assert balances()["Bob"] == 10


def inject_commit_failures(monkeypatch, failures):
    """Make the next commits fail as a lost connection does: the outcome is unknown."""
    real = ClientSession.commit_transaction
    calls = []

    def commit_transaction(session):
        calls.append(session)
        if len(calls) <= failures:
            # What pymongo raises when the connection drops during a commit.
            error = ConnectionFailure("connection closed during commitTransaction")
            error._add_error_label("UnknownTransactionCommitResult")
            raise error
        return real(session)

    monkeypatch.setattr(ClientSession, "commit_transaction", commit_transaction)
    return calls


def test_a_commit_with_an_unknown_outcome_is_sent_again(monkeypatch, transaction_settings):
    transaction_settings(commit_retries=2)
    calls = inject_commit_failures(monkeypatch, failures=2)
    with transaction.atomic():
        Reporter.objects.create(name="Ann")
    assert len(calls) == 3
    assert list(Reporter.objects.using("other").values_list("name", flat=True)) == ["Ann"]


def test_a_commit_still_unknown_after_the_retries_is_an_operational_error(
        monkeypatch, transaction_settings):
    transaction_settings(commit_retries=1)
    calls = inject_commit_failures(monkeypatch, failures=5)
    with pytest.raises(OperationalError, match="outcome of the MongoDB commit .* is unknown"):
        with transaction.atomic():
            Reporter.objects.create(name="Ann")
    assert len(calls) == 2
    monkeypatch.undo()
    # The fake failures kept the commit from the server, where the transaction is still open
    # and holds what it wrote (MongoDB aborts it after transactionLifetimeLimitSeconds): end it.
    calls[-1].abort_transaction()
    # The connection starts its next transaction in a new session and goes on.
    with transaction.atomic():
        Reporter.objects.create(name="Bob")
    assert "Bob" in Reporter.objects.using("other").values_list("name", flat=True)


def test_a_transient_commit_error_is_not_retried(monkeypatch):
    real = ClientSession.commit_transaction
    calls = []

    def commit_transaction(session):
        calls.append(session)
        error = OperationFailure("WriteConflict", code=112)
        error._add_error_label("TransientTransactionError")
        raise error

    monkeypatch.setattr(ClientSession, "commit_transaction", commit_transaction)
    with pytest.raises(OperationalError, match="run the atomic block again"):
        with transaction.atomic():
            Reporter.objects.create(name="Ann")
    assert len(calls) == 1
    monkeypatch.setattr(ClientSession, "commit_transaction", real)
    # A server answering WriteConflict has aborted the transaction; the fake did not reach it.
    calls[0].abort_transaction()
    assert Reporter.objects.using("other").count() == 0


@pytest.mark.engine_deviation("failpoint-ignores-commit")
def test_the_server_failing_a_commit_twice_is_retried_until_it_commits(monkeypatch):
    admin = connection.mongo_client.admin
    try:
        admin.command({"configureFailPoint": "failCommand", "mode": {"times": 3},
                       "data": {"failCommands": ["commitTransaction"], "errorCode": 91}})
    except OperationFailure as error:
        pytest.skip(f"the server has no test commands (setParameter enableTestCommands): {error}")
    real = ClientSession.commit_transaction
    calls = []
    monkeypatch.setattr(ClientSession, "commit_transaction",
                        lambda session: calls.append(session) or real(session))
    try:
        with transaction.atomic():
            Reporter.objects.create(name="Ann")
    finally:
        admin.command({"configureFailPoint": "failCommand", "mode": "off"})
    # pymongo retries a commit once by itself; the plugin sent it a second time.
    assert len(calls) == 2
    assert Reporter.objects.using("other").count() == 1


def test_counters_inside_the_transaction_roll_back_with_it(transaction_settings):
    transaction_settings(counters="inside")
    first = Reporter.objects.create(name="Ann")
    with pytest.raises(ValueError):
        with transaction.atomic():
            Reporter.objects.create(name="Bob")
            raise ValueError
    assert Reporter.objects.create(name="Cid").pk == first.pk + 1


def test_counters_outside_the_transaction_are_not_rolled_back(transaction_settings):
    transaction_settings(counters="outside")
    first = Reporter.objects.create(name="Ann")
    with pytest.raises(ValueError):
        with transaction.atomic():
            Reporter.objects.create(name="Bob")
            raise ValueError
    assert Reporter.objects.create(name="Cid").pk == first.pk + 2


@pytest.mark.engine_deviation("transaction-conflicts-database-wide")
def test_counters_outside_the_transaction_let_it_insert_several_documents(transaction_settings):
    transaction_settings(counters="outside")
    try:
        with transaction.atomic():
            Reporter.objects.create(name="Ann")
            Reporter.objects.create(name="Bob")
    except DatabaseError as error:
        # Where the server fails such commits, the error says which setting avoids it.
        assert '"counters": "inside"' in str(error)
        raise
    assert Reporter.objects.using("other").count() == 2


def test_a_transaction_too_large_to_remember_fails_cleanly_when_it_must_be_rebuilt(
        transaction_settings):
    transaction_settings(recovery_log_limit=2)
    Reporter.objects.create(name="Ann")
    with transaction.atomic():
        Reporter.objects.bulk_create([Reporter(name=f"R{i}") for i in range(3)])
        sid = savepoint_create()
        with pytest.raises(IntegrityError):
            Reporter.objects.create(name="Ann")
        transaction.set_rollback(False)
        with pytest.raises(DatabaseError, match="must be rebuilt .* but cannot be"):
            transaction.savepoint_rollback(sid)
        transaction.set_rollback(True)
    assert Reporter.objects.using("other").count() == 1
