"""Full-text search: conditions in filter(), the score and highlights, the exact $search sent,
and the refusals naming MongoDB's rule."""

import pytest
from django.db import NotSupportedError, connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from djongo_search import (
    Autocomplete, Compound, Phrase, SearchHeadline, SearchHighlights, SearchQuery, SearchRank,
    SearchScore, SearchVector, Text, VectorSearch, Wildcard,
)
from search_testapp.models import Article, Product

# Hand-checked: every description has six words, so the ranking by relevance is the ranking
# by how often the word occurs (BM25's length normalization is the same for all).
CATALOGUE = [
    ("Espresso machine", "coffee coffee coffee maker for home", "kitchen"),
    ("Coffee grinder", "grinds coffee coffee beans very fine", "kitchen"),
    ("Milk frother", "froths milk for coffee and tea", "kitchen"),
    ("Tea kettle", "boils water for tea and soup", "kitchen"),
    ("Espresso cups", "small cups for strong black drinks", "tableware"),
]


@pytest.fixture
def catalogue(db):
    Product.objects.bulk_create(Product(name=name, description=description, category=category)
                                for name, description, category in CATALOGUE)


def names(queryset):
    return [product.name for product in queryset]


def sent(queryset):
    with CaptureQueriesContext(connection) as captured:
        list(queryset.all())
    return captured.captured_queries[-1]["sql"]


def test_text_ranks_the_catalogue_by_relevance(catalogue):
    found = (Product.objects.filter(Text("coffee", path="description"))
             .annotate(score=SearchScore()).order_by("-score"))
    assert names(found) == ["Espresso machine", "Coffee grinder", "Milk frother"]
    scores = [product.score for product in found]
    assert scores == sorted(scores, reverse=True) and scores[-1] > 0
    assert len(set(scores)) == 3


def test_the_search_stage_opens_the_pipeline_and_the_score_sorts_through_a_field(catalogue):
    queryset = (Product.objects.filter(Text("coffee", path="description"), category="kitchen")
                .annotate(score=SearchScore()).order_by("-score").values_list("name", "score"))
    assert sent(queryset) == (
        'db.search_testapp_product.aggregate([{"$search": {"index": "product_search", "text": '
        '{"query": "coffee", "path": "description"}}}, {"$addFields": {"__search_searchScore": '
        '{"$meta": "searchScore"}}}, {"$match": {"category": "kitchen"}}, {"$sort": '
        '{"__search_searchScore": -1}}, {"$project": {"name": 1, "c1": {"$meta": '
        '"searchScore"}, "_id": 0}}])')


def test_without_a_path_the_index_text_fields_are_searched(catalogue):
    assert set(names(Product.objects.filter(Text("espresso")))) == {
        "Espresso machine", "Espresso cups"}


def test_phrase_wildcard_and_compound(catalogue):
    assert names(Product.objects.filter(Phrase("coffee beans", path="description"))) == [
        "Coffee grinder"]
    assert set(names(Product.objects.filter(Wildcard("kett*", path="name")))) == {"Tea kettle"}
    found = Product.objects.filter(Compound(
        must=[Text("coffee", path="description")], must_not=[Text("tea", path="description")],
        should=[Text("espresso", path="name")]))
    assert set(names(found)) == {"Espresso machine", "Coffee grinder"}


def test_q_algebra_becomes_compound(catalogue):
    either = Product.objects.filter(Q(Text("kettle", path="name")) | Q(Text("cups", path="name")))
    assert set(names(either)) == {"Tea kettle", "Espresso cups"}
    assert '"compound": {"should": [' in sent(either)
    without = Product.objects.filter(Text("coffee", path="description")).exclude(
        Text("tea", path="description"))
    assert set(names(without)) == {"Espresso machine", "Coffee grinder"}
    assert '"mustNot": [{"text": {"query": "tea"' in sent(without)


@pytest.mark.parametrize("typed, expected", [
    ("esp", {"Espresso machine", "Espresso cups"}),
    ("cu", {"Espresso cups"}),
    ("te", {"Tea kettle"}),
    ("gri", {"Coffee grinder"}),
    ("xyz", set()),
])
def test_autocomplete_finds_names_by_prefix(catalogue, typed, expected):
    assert set(names(Product.objects.filter(Autocomplete(typed, path="name")))) == expected


def test_autocomplete_tolerates_a_typo_when_fuzzy(catalogue):
    found = Product.objects.filter(Autocomplete("expr", path="name", fuzzy=1))
    assert {"Espresso machine", "Espresso cups"} <= set(names(found))


def test_count_values_and_slicing_after_the_search(catalogue):
    searched = Product.objects.filter(Text("coffee", path="description"))
    assert searched.count() == 3
    assert searched.exists()
    ranked = searched.annotate(score=SearchScore()).order_by("-score")
    assert list(ranked.values_list("name", flat=True)[:2]) == ["Espresso machine",
                                                              "Coffee grinder"]
    assert ranked[2:].get().name == "Milk frother"


def test_the_score_can_be_filtered_after_the_search(catalogue):
    best = (Product.objects.filter(Text("coffee", path="description"))
            .annotate(score=SearchScore()).order_by("-score"))
    threshold = best[1].score
    assert names(best.filter(score__gte=threshold)) == ["Espresso machine", "Coffee grinder"]


def test_highlights_mark_the_hits(catalogue):
    found = (Product.objects.filter(Text("tea", path="description"))
             .annotate(marks=SearchHighlights("description")).order_by("name"))
    first = found[0]
    assert first.name == "Milk frother"
    (passage,) = first.marks
    assert passage["path"] == "description"
    assert [text["value"] for text in passage["texts"] if text["type"] == "hit"] == ["tea"]


# -- django.contrib.postgres's names ------------------------------------------------------------

def test_the_search_lookup(catalogue):
    assert set(names(Product.objects.filter(description__search="tea"))) == {
        "Milk frother", "Tea kettle"}


def test_search_vector_search_query_and_rank(catalogue):
    vector = SearchVector("name", "description")
    found = (Product.objects.annotate(search=vector)
             .filter(search=SearchQuery("coffee"))
             .annotate(rank=SearchRank(vector, SearchQuery("coffee"))).order_by("-rank"))
    assert names(found)[:2] == ["Espresso machine", "Coffee grinder"]
    assert found[0].search == "Espresso machine coffee coffee coffee maker for home"
    assert '"text": {"query": "coffee", "path": ["name", "description"]}' in sent(found)


def test_search_query_types_and_combinations(catalogue):
    phrase = SearchQuery("coffee beans", search_type="phrase")
    assert names(Product.objects.filter(description__search=phrase)) == ["Coffee grinder"]
    web = SearchQuery('"for coffee" -tea', search_type="websearch")
    assert names(Product.objects.filter(description__search=web)) == []
    web = SearchQuery('coffee -tea', search_type="websearch")
    assert set(names(Product.objects.filter(description__search=web))) == {
        "Espresso machine", "Coffee grinder"}
    both = SearchQuery("tea") & SearchQuery("milk")
    assert names(Product.objects.filter(description__search=both)) == ["Milk frother"]
    either = SearchQuery("soup") | SearchQuery("beans")
    assert set(names(Product.objects.filter(description__search=either))) == {
        "Tea kettle", "Coffee grinder"}
    assert set(names(Product.objects.filter(description__search=~SearchQuery("coffee")))) == {
        "Tea kettle", "Espresso cups"}


def test_search_headline(catalogue):
    found = (Product.objects.filter(description__search="tea")
             .annotate(headline=SearchHeadline("description", SearchQuery("tea"),
                                               start_sel="[", stop_sel="]"))
             .order_by("name"))
    assert [(p.name, p.headline) for p in found] == [
        ("Milk frother", "froths milk for coffee and [tea]"),
        ("Tea kettle", "boils water for [tea] and soup")]


def test_postgresql_only_arguments_are_refused_with_the_alternative():
    with pytest.raises(NotSupportedError, match="boost with Text"):
        SearchVector("name", weight="A")
    with pytest.raises(NotSupportedError, match="tsquery"):
        SearchQuery("a & b", search_type="raw")
    with pytest.raises(NotSupportedError, match="BM25"):
        SearchRank(SearchVector("name"), SearchQuery("a"), normalization=2)


# -- what MongoDB cannot do, refused naming the rule -------------------------------------------

def refused(queryset, *words):
    with pytest.raises(NotSupportedError) as error:
        list(queryset)
    for word in words:
        assert word in str(error.value)
    return str(error.value)


def test_a_search_ored_with_a_plain_condition_is_refused(catalogue):
    refused(Product.objects.filter(Q(Text("tea")) | Q(category="kitchen")),
            "first stage", "OR or NOT")


def test_a_search_in_a_subquery_is_refused(catalogue):
    inner = Product.objects.filter(Text("tea")).values("pk")
    refused(Product.objects.filter(pk__in=inner), "inside a subquery", "first stage")


def test_a_search_in_update_or_delete_is_refused(catalogue):
    with pytest.raises(NotSupportedError, match="update.. or delete"):
        Product.objects.filter(Text("tea")).update(category="x")
    with pytest.raises(NotSupportedError, match="update.. or delete"):
        Product.objects.filter(Text("tea")).delete()
    assert Product.objects.count() == len(CATALOGUE)


def test_two_search_stages_are_refused(db):
    queryset = Article.objects.filter(Text("tea")).annotate(
        score=VectorSearch("embedding", [1, 0, 0], limit=2))
    refused(queryset, "runs 2 searches", "one per query", "HybridScore")


def test_a_search_used_as_a_value_is_refused(catalogue):
    from django.db.models import BooleanField, Case, Value, When

    refused(Product.objects.annotate(hit=Case(When(Text("tea"), then=Value(True)),
                                              default=Value(False), output_field=BooleanField())),
            "outside filter()")


def test_a_score_without_a_search_is_refused(catalogue):
    refused(Product.objects.annotate(score=SearchScore()), "needs a search in the same query")


def test_fields_the_index_does_not_hold_are_refused(catalogue):
    refused(Product.objects.filter(Text("tea", path="price")), "not in SearchIndex",
            "product_search")
    refused(Product.objects.filter(Autocomplete("te", path="description")),
            "autocomplete=[...]")
    refused(Product.objects.filter(Text("tea", path="nope")), "has no field 'nope'")


def test_only_excluding_is_refused(catalogue):
    refused(Product.objects.exclude(Text("tea")), "needs something to find")


def test_bad_arguments_are_refused_when_written():
    with pytest.raises(ValueError, match="1 or 2"):
        Text("tea", fuzzy=3)
    with pytest.raises(ValueError, match="empty string"):
        Text("  ")
    with pytest.raises(ValueError, match="one path"):
        Autocomplete("te", path=["name", "description"])
    with pytest.raises(ValueError, match="must_not alone"):
        Compound(must_not=[Text("tea")])


def test_highlight_options_reach_the_stage(catalogue):
    found = (Product.objects.filter(Text("coffee", path="description"))
             .annotate(marks=SearchHighlights("description", max_passages=1)))
    assert ('"highlight": {"path": "description", "maxNumPassages": 1}' in sent(found))
    assert all(len(product.marks) == 1 for product in found)
