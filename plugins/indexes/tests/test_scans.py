"""The opt-in DEBUG warning about queries that scan a whole large collection."""

import warnings
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import override_settings

from djongo_core.command import Command
from djongo_indexes import CollectionScanWarning
from djongo_indexes.scans import (
    ScanWatcher,
    command_filter,
    filtered_fields,
    is_collection_scan,
    scan_message,
    suggested_keys,
    threshold,
)
from indexes_testapp.models import Article

# explain() answers of MongoDB 7.0 (classic and slot-based engines), trimmed to the planner.
COLLSCAN_CLASSIC = {"queryPlanner": {"winningPlan": {"stage": "COLLSCAN",
                                                     "filter": {"views": {"$eq": 5}}}}}
COLLSCAN_SBE = {"queryPlanner": {"winningPlan": {"queryPlan": {
    "stage": "PROJECTION_SIMPLE", "inputStage": {"stage": "COLLSCAN"}}}}}
IXSCAN = {"queryPlanner": {"winningPlan": {"stage": "FETCH", "inputStage": {
    "stage": "IXSCAN", "indexName": "views_1"}}, "rejectedPlans": [{"stage": "COLLSCAN"}]}}


def test_a_winning_collection_scan_is_recognised_in_both_engines_plans():
    assert is_collection_scan(COLLSCAN_CLASSIC)
    assert is_collection_scan(COLLSCAN_SBE)
    # A rejected plan is not the one that ran.
    assert not is_collection_scan(IXSCAN)


def test_the_filter_of_each_kind_of_command_is_what_gets_explained():
    assert command_filter(Command("t", "find", ({"a": 1}, {"a": 1}))) == {"a": 1}
    assert command_filter(Command("t", "aggregate", ([{"$match": {"a": 1}}, {"$limit": 1}],))
                          ) == {"a": 1}
    assert command_filter(Command("t", "aggregate", ([{"$group": {"_id": 1}}],))) is None
    assert command_filter(Command("t", "update_many", ({"a": 1}, {"$set": {"b": 1}}))) == {
        "a": 1}
    assert command_filter(Command("t", "insert_one", ({"a": 1},))) is None


def test_the_filtered_fields_come_from_the_top_level_and_its_and():
    assert filtered_fields({"a": 1, "$and": [{"b": {"$gt": 1}}, {"a": 2}], "$expr": {}}) == (
        "a", "b")


def test_the_index_suggested_has_equality_then_sort_then_range_keys():
    find = Command("t", "find", ({"views": {"$gt": 5}, "section": "news", "_id": {"$in": [1]}},
                                {}), {"sort": [("title", -1), ("c0", {"$meta": "textScore"})]})
    assert suggested_keys(find, find.args[0]) == ("section", "_id", "-title", "views")
    aggregate = Command("t", "aggregate", ([{"$match": {"views": {"$lt": 3}}},
                                            {"$sort": {"section": 1}}],))
    assert suggested_keys(aggregate, {"views": {"$lt": 3}}) == ("section", "views")


def test_the_message_names_the_model_and_the_index_to_add():
    message = scan_message(Command("indexes_testapp_article", "find", ({"views": 5},)),
                           ("section", "views"), ("section", "-_id", "views"), 5000)
    assert message == (
        "find on collection 'indexes_testapp_article' (indexes_testapp.Article) scanned all "
        "5000 documents to filter on section, views; add models.Index(fields=['section', "
        "'-id', 'views']) to Article.Meta.indexes and migrate."
    )


@pytest.mark.parametrize("value", [-1, "1000", True, 1.5])
def test_a_threshold_that_is_not_a_document_count_is_refused(value):
    with mock.patch.dict(connection.settings_dict, {"INDEXES": {"warn_scans_above": value}}):
        with pytest.raises(ImproperlyConfigured, match="warn_scans_above"):
            threshold(connection)


def test_nothing_is_explained_outside_debug_or_without_the_setting(db):
    watcher = ScanWatcher(connection)
    command = Command("indexes_testapp_article", "find", ({"views": 5}, {}))
    with mock.patch.dict(connection.settings_dict, {"INDEXES": {"warn_scans_above": 0}}):
        watcher.after(command)  # DEBUG is off under tests
    with override_settings(DEBUG=True):
        watcher.after(command)  # no threshold set
    assert watcher.seen == set()


@pytest.mark.engine_deviation("explain-format")
def test_a_large_collection_scan_warns_naming_the_index_that_would_help(db):
    Article.objects.bulk_create(Article(title=f"t{n}", body="b", views=n) for n in range(5))
    with (mock.patch.dict(connection.settings_dict, {"INDEXES": {"warn_scans_above": 5}}),
          override_settings(DEBUG=True), warnings.catch_warnings(record=True) as caught):
        warnings.simplefilter("always")
        list(Article.objects.filter(views=3))
        list(Article.objects.filter(views=4))  # the same shape warns once
    scans = [w for w in caught if issubclass(w.category, CollectionScanWarning)]
    assert len(scans) == 1
    assert "models.Index(fields=['views'])" in str(scans[0].message)
