"""The sharded-collection check (djongo_core/sharding.py, docs/scaling.md).

No sharded cluster runs here: the decision is tested on the models and shard keys themselves,
and the server side by the check saying nothing on a server that is no mongos.
"""

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps

from djongo_core import sharding
from tests.testapp.models import Author, Profile, Tag


def ids(issues):
    return [issue.id for issue in issues]


def test_a_unique_field_prefixed_by_the_shard_key_holds():
    assert sharding.model_issues(Tag, ["label"]) == []
    assert sharding.model_issues(Profile, ["author_id"]) == []


def test_a_unique_field_the_shard_key_does_not_prefix_is_an_error():
    issues = sharding.model_issues(Tag, ["_id"])
    assert ids(issues) == ["djongo_core.E140"]
    assert "'label'" in issues[0].msg and "testapp_tag" in issues[0].msg
    assert ids(sharding.model_issues(Author, ["name"])) == ["djongo_core.E140"]


@isolate_apps("tests.testapp")
def test_constraints_and_unique_together_are_checked_too():
    class Seat(models.Model):
        hall = models.CharField(max_length=10)
        row = models.IntegerField()
        number = models.IntegerField()

        class Meta:
            app_label = "testapp"
            unique_together = [("hall", "row", "number")]
            constraints = [models.UniqueConstraint(fields=["row", "hall"], name="row_hall")]

    assert ids(sharding.model_issues(Seat, ["hall"])) == ["djongo_core.E140"]
    assert ids(sharding.model_issues(Seat, ["row"])) == ["djongo_core.E140"]
    issues = sharding.model_issues(Seat, ["hall", "row"])
    assert ids(issues) == ["djongo_core.E140"] and "'row_hall'" in issues[0].msg


@isolate_apps("tests.testapp")
def test_an_application_chosen_key_warns_unless_the_collection_is_sharded_on_it():
    class Code(models.Model):
        code = models.CharField(max_length=10, primary_key=True)

        class Meta:
            app_label = "testapp"

    assert ids(sharding.model_issues(Code, ["other"])) == ["djongo_core.W141"]
    assert sharding.model_issues(Code, ["_id"]) == []
    assert "djongo_core.W141" not in ids(sharding.model_issues(Author, ["name"]))


@pytest.mark.usefixtures("db")
def test_nothing_is_reported_by_a_server_that_is_no_mongos():
    assert sharding.sharded_collections(connection) == {}
    assert not [issue for issue in connection.validation.check()
                if issue.id in ("djongo_core.E140", "djongo_core.W141")]
