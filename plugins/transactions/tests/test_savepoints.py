"""Savepoints, which MongoDB lacks: a nested atomic() block that fails undoes exactly its own
writes (inserts, updates, update_many, F() updates, deletes, cascades) and the outer block goes
on; a failed command inside a transaction loses only itself."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F

from djongo_core.command import Command
from transactions_testapp.models import Account, Article, Comment, Reporter

# Django 6.1 names it savepoint_create() (savepoint() is deprecated there); 5.2 and 6.0 savepoint().
savepoint_create = getattr(transaction, "savepoint_create", None) or transaction.savepoint

pytestmark = pytest.mark.usefixtures("db")


def state():
    """Everything stored, as comparable tuples."""
    return (
        sorted(Reporter.objects.values_list("pk", "name", "score")),
        sorted(Article.objects.values_list("pk", "reporter_id", "title")),
        sorted(Comment.objects.values_list("pk", "article_id", "text")),
    )


def committed_state():
    return (
        sorted(Reporter.objects.using("other").values_list("pk", "name", "score")),
        sorted(Article.objects.using("other").values_list("pk", "reporter_id", "title")),
        sorted(Comment.objects.using("other").values_list("pk", "article_id", "text")),
    )


class Undone(Exception):
    pass


@pytest.fixture
def newsroom():
    ann = Reporter.objects.create(name="Ann", score=1)
    bob = Reporter.objects.create(name="Bob", score=2)
    article = Article.objects.create(reporter=ann, title="First")
    Comment.objects.create(article=article, text="Nice")
    Article.objects.create(reporter=bob, title="Second")
    return ann, bob


def test_rolling_back_an_inner_block_undoes_exactly_its_writes_and_the_outer_goes_on(newsroom):
    ann, bob = newsroom
    with transaction.atomic():
        cid = Reporter.objects.create(name="Cid")
        Reporter.objects.filter(pk=bob.pk).update(score=20)
        before_inner = state()
        with pytest.raises(Undone):
            with transaction.atomic():
                Reporter.objects.create(name="Dee")
                Article.objects.bulk_create([Article(reporter=cid, title=f"T{i}") for i in range(3)])
                Reporter.objects.update(score=F("score") + 100)           # update_many, pipeline
                Reporter.objects.filter(name="Ann").update(name="Anne")   # update by filter
                ann.delete()                                              # cascades
                Article.objects.filter(title="Second").delete()
                raise Undone
        assert state() == before_inner
        Reporter.objects.filter(pk=cid.pk).update(score=5)
    final = committed_state()
    assert [row[1:] for row in final[0]] == [("Ann", 1), ("Bob", 20), ("Cid", 5)]
    assert [row[2] for row in final[1]] == ["First", "Second"]
    assert [row[2] for row in final[2]] == ["Nice"]


def test_a_released_inner_block_is_undone_with_the_block_around_it(newsroom):
    before = state()
    with transaction.atomic():
        with pytest.raises(Undone):
            with transaction.atomic():
                with transaction.atomic():
                    Reporter.objects.filter(name="Ann").update(score=50)
                    Reporter.objects.create(name="Eve")
                Reporter.objects.filter(name="Bob").delete()
                raise Undone
        assert state() == before
    assert committed_state() == before


def test_three_levels_roll_back_to_the_level_that_failed():
    with transaction.atomic():
        Reporter.objects.create(name="L1")
        with transaction.atomic():
            Reporter.objects.create(name="L2")
            with pytest.raises(Undone):
                with transaction.atomic():
                    Reporter.objects.create(name="L3")
                    Reporter.objects.filter(name="L1").update(score=9)
                    raise Undone
            Reporter.objects.create(name="L2b")
    assert sorted(Reporter.objects.using("other").values_list("name", "score")) == [
        ("L1", 0), ("L2", 0), ("L2b", 0)
    ]


def test_the_savepoint_api_rolls_back_to_a_savepoint():
    with transaction.atomic():
        Reporter.objects.create(name="Ann")
        sid = savepoint_create()
        Reporter.objects.create(name="Bob")
        transaction.savepoint_rollback(sid)
        Reporter.objects.create(name="Cid")
        sid = savepoint_create()
        Reporter.objects.create(name="Dee")
        transaction.savepoint_commit(sid)
    assert sorted(Reporter.objects.using("other").values_list("name", flat=True)) == [
        "Ann", "Cid", "Dee"
    ]


def test_an_unknown_savepoint_is_a_database_error():
    with transaction.atomic():
        with pytest.raises(DatabaseError, match="No savepoint 'nope'"):
            connection.savepoint_rollback("nope")
        with pytest.raises(DatabaseError, match="No savepoint 'nope'"):
            connection.savepoint_commit("nope")


def test_an_integrity_error_in_an_inner_block_leaves_the_outer_block_usable(newsroom):
    # MongoDB aborts the whole transaction when the insert fails; the plugin rebuilds it.
    with transaction.atomic():
        Reporter.objects.create(name="Cid")
        with pytest.raises(IntegrityError, match="testapp_reporter"):
            with transaction.atomic():
                Reporter.objects.create(name="Dee")
                Reporter.objects.create(name="Ann")
        assert Reporter.objects.filter(name__in=["Cid", "Dee"]).count() == 1
        Reporter.objects.create(name="Eve")
    assert sorted(Reporter.objects.using("other").values_list("name", flat=True)) == [
        "Ann", "Bob", "Cid", "Eve"
    ]


def test_get_or_create_that_runs_into_a_duplicate_leaves_the_transaction_usable():
    Reporter.objects.create(name="Ann", score=4)
    with transaction.atomic():
        Reporter.objects.create(name="Bob")
        # The lookup misses (score differs), the create clashes on the unique name inside
        # get_or_create's own atomic block, and the get() after it finds nothing either.
        with pytest.raises(IntegrityError):
            Reporter.objects.get_or_create(name="Ann", score=0)
        assert Reporter.objects.count() == 2
        assert Reporter.objects.get_or_create(name="Ann")[1] is False
    assert Reporter.objects.using("other").count() == 2


def test_update_or_create_and_the_failed_command_after_it_lose_only_the_failed_command():
    with transaction.atomic():
        Reporter.objects.create(name="Ann")
        with pytest.raises(IntegrityError):
            with transaction.atomic():
                Reporter.objects.create(name="Ann")
        Reporter.objects.update_or_create(name="Ann", defaults={"score": 8})
    assert list(Reporter.objects.using("other").values_list("name", "score")) == [("Ann", 8)]


def test_bulk_create_ignoring_conflicts_keeps_the_other_documents_inside_a_transaction():
    with transaction.atomic():
        Reporter.objects.create(name="Ann")
        Reporter.objects.bulk_create(
            [Reporter(name="Bob"), Reporter(name="Ann"), Reporter(name="Cid")],
            ignore_conflicts=True,
        )
        Reporter.objects.create(name="Dee")
    assert sorted(Reporter.objects.using("other").values_list("name", flat=True)) == [
        "Ann", "Bob", "Cid", "Dee"
    ]


def test_a_savepoint_over_a_write_it_cannot_undo_is_rolled_back_by_rebuilding():
    from pymongo import InsertOne, UpdateOne

    Reporter.objects.create(name="Ann")
    with transaction.atomic():
        Reporter.objects.create(name="Bob")
        with pytest.raises(Undone):
            with transaction.atomic():
                # A bulk_write leaves no exact pre-image; the transaction is rebuilt instead.
                connection.executor.run(Command(
                    Reporter._meta.db_table, "bulk_write",
                    ([InsertOne({"_id": 99, "name": "Zed", "score": 0}),
                      UpdateOne({"name": "Ann"}, {"$set": {"score": 5}})],),
                ))
                assert Reporter.objects.count() == 3
                raise Undone
        assert sorted(Reporter.objects.values_list("name", "score")) == [("Ann", 0), ("Bob", 0)]
    assert sorted(Reporter.objects.using("other").values_list("name", "score")) == [
        ("Ann", 0), ("Bob", 0)
    ]


def test_no_pre_image_is_read_or_kept_while_no_savepoint_is_open(monkeypatch):
    from djongo_transactions import manager as manager_module

    reads = []
    real = manager_module.read_before
    monkeypatch.setattr(manager_module, "read_before",
                        lambda *args: reads.append(args[2].operation) or real(*args))
    Reporter.objects.create(name="Ann")
    with transaction.atomic():
        Reporter.objects.filter(name="Ann").update(score=1)
        assert connection.transaction_manager.undo == []
        with transaction.atomic():
            Reporter.objects.filter(name="Ann").update(score=2)
        assert connection.transaction_manager.undo == []
        Reporter.objects.filter(name="Ann").delete()
    assert reads == ["update_many"]


def test_a_write_after_a_failed_rebuild_is_refused_until_the_block_ends(monkeypatch):
    from djongo_transactions import journal

    Reporter.objects.create(name="Ann")
    with pytest.raises(DatabaseError, match="rebuilding it failed"):
        with transaction.atomic():
            Reporter.objects.create(name="Bob")
            with pytest.raises(IntegrityError):
                with transaction.atomic(savepoint=False):
                    Reporter.objects.create(name="Ann")
            # The data changed under the transaction: the rebuild must not pretend otherwise.
            monkeypatch.setattr(journal, "outcome", lambda operation, result: object())
            transaction.set_rollback(False)
            Reporter.objects.create(name="Cid")
    monkeypatch.undo()
    assert list(Reporter.objects.using("other").values_list("name", flat=True)) == ["Ann"]


def test_rolled_back_balances_transfer_example():
    account = Account.objects.create(owner="Ann", balance=10)
    with transaction.atomic():
        for amount in (3, 30):
            try:
                with transaction.atomic():
                    Account.objects.filter(pk=account.pk).update(balance=F("balance") - amount)
                    if Account.objects.get(pk=account.pk).balance < 0:
                        raise Undone
            except Undone:
                pass
    assert Account.objects.using("other").get(pk=account.pk).balance == 7
