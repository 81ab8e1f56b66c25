"""transaction.atomic() runs its block as one MongoDB transaction: commit, rollback, isolation."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.db.models import Q, UniqueConstraint
from django.db.transaction import TransactionManagementError

from transactions_testapp.models import Account, Reporter

pytestmark = pytest.mark.usefixtures("db")


def names(using="default"):
    return sorted(Reporter.objects.using(using).values_list("name", flat=True))


def test_the_connection_reports_transactions_and_savepoints():
    features = connection.features
    assert features.supports_transactions is True
    assert features.uses_savepoints is True
    assert features.can_release_savepoints is True


def test_a_block_that_ends_normally_is_committed():
    with transaction.atomic():
        Reporter.objects.create(name="Ann")
        Reporter.objects.create(name="Bob")
    assert names("other") == ["Ann", "Bob"]


def test_a_block_that_raises_is_rolled_back_entirely():
    Reporter.objects.create(name="Ann")
    with pytest.raises(ValueError):
        with transaction.atomic():
            Reporter.objects.create(name="Bob")
            Reporter.objects.filter(name="Ann").update(score=7)
            Reporter.objects.filter(name="Ann").delete()
            raise ValueError
    assert list(Reporter.objects.values_list("name", "score")) == [("Ann", 0)]


def test_set_rollback_rolls_back_a_block_that_ends_normally():
    with transaction.atomic():
        Reporter.objects.create(name="Ann")
        transaction.set_rollback(True)
    assert names() == []


def test_the_block_reads_its_own_writes_and_other_connections_see_nothing_until_commit():
    Reporter.objects.create(name="Ann")
    with transaction.atomic():
        Reporter.objects.create(name="Bob")
        Reporter.objects.filter(name="Ann").update(score=3)
        assert names() == ["Ann", "Bob"]
        assert Reporter.objects.get(name="Ann").score == 3
        # Joins and aggregations read inside the transaction too.
        assert Reporter.objects.filter(score__gt=0).count() == 1
        assert names("other") == ["Ann"]
        assert Reporter.objects.using("other").get(name="Ann").score == 0
    assert names("other") == ["Ann", "Bob"]
    assert Reporter.objects.using("other").get(name="Ann").score == 3


def test_another_thread_sees_nothing_until_commit():
    seen = {}

    def look(key):
        try:
            seen[key] = names()
        finally:
            connections["default"].close()

    with transaction.atomic():
        Reporter.objects.create(name="Ann")
        thread = threading.Thread(target=look, args=("during",))
        thread.start()
        thread.join()
    thread = threading.Thread(target=look, args=("after",))
    thread.start()
    thread.join()
    assert seen == {"during": [], "after": ["Ann"]}


def test_autocommit_is_off_inside_a_block_and_back_on_after_it():
    assert transaction.get_autocommit() is True
    with transaction.atomic():
        assert transaction.get_autocommit() is False
        with pytest.raises(TransactionManagementError):
            transaction.set_autocommit(True)
    assert transaction.get_autocommit() is True


def test_without_autocommit_commit_and_rollback_end_each_transaction():
    transaction.set_autocommit(False)
    try:
        Reporter.objects.create(name="Ann")
        assert names("other") == []
        transaction.commit()
        assert names("other") == ["Ann"]
        Reporter.objects.create(name="Bob")
        transaction.rollback()
        assert names() == ["Ann"]
        Reporter.objects.create(name="Cid")
        transaction.commit()
    finally:
        transaction.rollback()
        transaction.set_autocommit(True)
    assert names("other") == ["Ann", "Cid"]


def test_a_durable_block_commits_when_it_ends():
    with transaction.atomic(durable=True):
        Reporter.objects.create(name="Ann")
        with transaction.atomic():
            Reporter.objects.create(name="Bob")
    assert names("other") == ["Ann", "Bob"]


def test_a_durable_block_cannot_be_nested():
    with transaction.atomic():
        with pytest.raises(RuntimeError, match="durable atomic block cannot be nested"):
            with transaction.atomic(durable=True):
                pass


def test_updates_with_expressions_and_deletes_are_committed_together():
    account = Account.objects.create(owner="Ann", balance=10)
    other = Account.objects.create(owner="Bob", balance=0)
    with transaction.atomic():
        from django.db.models import F

        Account.objects.filter(pk=account.pk).update(balance=F("balance") - 4)
        Account.objects.filter(pk=other.pk).update(balance=F("balance") + 4)
        assert Account.objects.using("other").get(pk=other.pk).balance == 0
    balances = dict(Account.objects.using("other").values_list("owner", "balance"))
    assert balances == {"Ann": 6, "Bob": 4}


def test_transaction_commands_appear_in_connection_queries():
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        with transaction.atomic():
            with transaction.atomic():
                Reporter.objects.create(name="Ann")
    statements = [query["sql"] for query in captured.captured_queries]
    # BEGIN is logged when the outermost block begins, though MongoDB starts the transaction
    # with its first command, as Django logs it on every backend.
    assert statements[0] == "BEGIN"
    assert statements[1].startswith("SAVEPOINT ")
    assert statements[-2].startswith("RELEASE SAVEPOINT ")
    assert statements[-1] == "COMMIT"
    assert any("insert_one" in statement for statement in statements)


def test_begin_and_commit_are_logged_to_django_db_backends(caplog):
    from django.test.utils import override_settings

    with override_settings(DEBUG=True), caplog.at_level("DEBUG", logger="django.db.backends"):
        with transaction.atomic():
            Reporter.objects.create(name="Ann")
    logged = [record.sql for record in caplog.records if hasattr(record, "sql")]
    assert logged[0] == "BEGIN"
    assert logged[-1] == "COMMIT"
    assert any("insert_one" in statement for statement in logged[1:-1])


def test_no_query_runs_in_a_block_marked_for_rollback_until_it_ends():
    with transaction.atomic():
        Reporter.objects.create(name="Ann")
        with pytest.raises(ValueError):
            with transaction.atomic(savepoint=False):
                raise ValueError
        with pytest.raises(TransactionManagementError, match="until the end of the 'atomic'"):
            Reporter.objects.count()
    assert names() == []


def test_constraint_validation_in_a_block_sees_the_blocks_own_writes():
    # UniqueConstraint.validate() with a condition runs a database-level aggregate ($documents
    # with a $lookup): inside the transaction it must read what the block wrote.
    unique = UniqueConstraint(fields=["name"], condition=Q(score=0), name="unscored_name")
    with transaction.atomic():
        Reporter.objects.create(name="Ann")
        with pytest.raises(ValidationError):
            unique.validate(Reporter, Reporter(name="Ann"))
        unique.validate(Reporter, Reporter(name="Bob"))
