"""Text search: TextSearch filters, TextScore ranks, and clear errors where MongoDB refuses."""

import pytest
from django.db import NotSupportedError
from django.db.models import Case, Count, F, Q, When

from djongo_indexes import TextScore, TextSearch
from indexes_testapp.models import Article, Note


@pytest.fixture
def articles(db):
    # Inserted in an order unlike the score order of "coffee" (both, title, then the others),
    # so that ranking is the search's work, not the insertion order's.
    made = {
        "body": Article.objects.create(
            title="Morning routines", body="Some start with tea, some with coffee.", views=5),
        "running": Article.objects.create(title="Running", body="Runners run in the park."),
        "title": Article.objects.create(
            title="Coffee shops of Paris", body="Espresso and croissants on every street.",
            views=10),
        "decaf": Article.objects.create(
            title="Decaf", body="Decaf coffee has little caffeine.", section="health"),
        "cafe": Article.objects.create(title="Un café", body="Le café au lait.",
                                       language="french"),
        "both": Article.objects.create(
            title="Coffee at dawn", body="Coffee first, then more coffee.", views=30),
    }
    return {key: article.pk for key, article in made.items()}


def ids(queryset, articles):
    by_pk = {pk: key for key, pk in articles.items()}
    return [by_pk[pk] for pk in queryset.values_list("pk", flat=True)]


def test_text_search_finds_the_documents_holding_any_of_the_words(articles):
    found = ids(Article.objects.filter(TextSearch("coffee croissants")), articles)
    assert sorted(found) == ["body", "both", "decaf", "title"]


def test_text_search_is_the_filter_of_a_find(db):
    queryset = Article.objects.filter(TextSearch("coffee", language="english"), section="news")
    assert str(queryset.query).startswith(
        'db.indexes_testapp_article.find({"$text": {"$search": "coffee", "$language": '
        '"english"}, "section": "news"}, ')


def test_text_search_combines_with_other_filters(articles):
    assert ids(Article.objects.filter(TextSearch("coffee"), section="health"), articles) == [
        "decaf"]
    assert sorted(ids(Article.objects.filter(TextSearch("coffee")).filter(views__gte=10),
                      articles)) == ["both", "title"]
    assert ids(Article.objects.filter(Q(TextSearch("coffee")) & Q(views=5)), articles) == [
        "body"]


def test_phrases_must_appear_and_exclusions_must_not(articles):
    assert ids(Article.objects.filter(TextSearch(phrases=["coffee shops"])), articles) == [
        "title"]
    assert sorted(ids(Article.objects.filter(TextSearch("coffee", exclude=["decaf", "tea"])),
                      articles)) == ["both", "title"]
    assert ids(Article.objects.filter(TextSearch('"coffee shops" -tea')), articles) == ["title"]


def test_text_score_ranks_the_best_match_first(articles):
    ranked = Article.objects.filter(TextSearch("coffee")).annotate(
        score=TextScore()).order_by("-score")
    assert ids(ranked, articles)[:2] == ["both", "title"]
    scores = [article.score for article in ranked]
    assert scores == sorted(scores, reverse=True) and all(score > 0 for score in scores)


def test_ranked_search_is_a_find_sorted_by_the_text_score(db):
    queryset = Article.objects.filter(TextSearch("coffee")).annotate(
        score=TextScore()).order_by("-score").values_list("title", "score")[:3]
    assert str(queryset.query) == (
        'db.indexes_testapp_article.find({"$text": {"$search": "coffee"}}, {"title": 1, '
        '"c1": {"$meta": "textScore"}, "_id": 0}, {"sort": [["c1", {"$meta": "textScore"}]], '
        '"limit": 3})'
    )


def test_ordering_by_the_score_without_selecting_it_and_slicing(articles):
    best = Article.objects.filter(TextSearch("coffee")).order_by(TextScore().desc())
    assert ids(best[:1], articles) == ["both"]
    assert ids(best[1:2], articles) == ["title"]


def test_text_search_orders_by_fields_and_slices(articles):
    queryset = Article.objects.filter(TextSearch("coffee")).order_by("-views", "title")
    assert ids(queryset[:2], articles) == ["both", "title"]


def test_matches_load_with_their_fields(articles):
    article = Article.objects.filter(TextSearch("croissants")).get()
    assert (article.pk, article.title, article.views) == (
        articles["title"], "Coffee shops of Paris", 10)
    assert Article.objects.filter(TextSearch("coffee")).exists()
    assert not Article.objects.filter(TextSearch("nothingatall")).exists()


def test_case_diacritics_and_language_options(articles):
    assert ids(Article.objects.filter(TextSearch("cafe")), articles) == ["cafe"]
    assert ids(Article.objects.filter(TextSearch("cafe", diacritic_sensitive=True)),
               articles) == []
    assert ids(Article.objects.filter(TextSearch("COFFEE", case_sensitive=True)),
               articles) == []
    assert ids(Article.objects.filter(TextSearch("café", language="french")), articles) == [
        "cafe"]


@pytest.mark.engine_deviation("text-search-no-stemming")
def test_text_search_stems_words_in_the_index_language(articles):
    assert ids(Article.objects.filter(TextSearch("runner")), articles) == ["running"]


def test_counting_matches_runs_in_a_pipeline(articles):
    assert Article.objects.filter(TextSearch("coffee")).count() == 4


def test_text_search_with_other_annotations_runs_as_the_first_stage_of_a_pipeline(articles):
    queryset = Article.objects.filter(TextSearch("coffee"), views__gt=0).annotate(
        score=TextScore(), double=F("views") * 2).order_by("-score")
    pipeline = queryset.query.get_compiler("default").build_plan().command.args[0]
    assert pipeline[0] == {"$match": {"$text": {"$search": "coffee"}, "views": {"$gt": 0}}}
    assert [(a.pk, a.double) for a in queryset][0] == (articles["both"], 60)


def test_updating_the_matches_of_a_text_search(articles):
    assert Article.objects.filter(TextSearch("decaf")).update(views=99) == 1
    assert Article.objects.get(pk=articles["decaf"]).views == 99


def test_a_model_without_a_text_index_says_how_to_add_one(db):
    with pytest.raises(NotSupportedError, match=r"indexes_testapp.Note has no text index.*"
                                                r"TextIndex\(fields=\[\.\.\.\]\) to Note.Meta"):
        list(Note.objects.filter(TextSearch("x")))


@pytest.mark.parametrize("make, message", [
    (lambda: Article.objects.exclude(TextSearch("coffee")), "is negated"),
    (lambda: Article.objects.filter(~Q(TextSearch("coffee"))), "is negated"),
    (lambda: Article.objects.filter(Q(TextSearch("coffee")) | Q(views=1)), "combined with OR"),
    (lambda: Article.objects.filter(Q(TextSearch("coffee")) ^ Q(views=1)),
     "outside filter|combined with XOR"),
    (lambda: Article.objects.annotate(hit=TextSearch("coffee")), "outside filter"),
    (lambda: Article.objects.annotate(hit=Case(When(TextSearch("coffee"), then=1), default=0)),
     "outside filter"),
    (lambda: Article.objects.aggregate(n=Count("pk", filter=TextSearch("coffee"))),
     "outside filter"),
    (lambda: Article.objects.filter(TextSearch("coffee"), TextSearch("tea")), "2 text searches"),
    (lambda: Article.objects.annotate(score=TextScore()), "needs a text search"),
    (lambda: Article.objects.filter(TextSearch("coffee")).annotate(score=TextScore()).filter(
        score__gt=1), "used in a filter"),
])
def test_positions_mongodb_refuses_raise_a_clear_error(db, make, message):
    with pytest.raises(NotSupportedError, match=message):
        result = make()
        list(result) if hasattr(result, "query") else result


@pytest.mark.parametrize("arguments, message", [
    ({}, "at least one word"),
    ({"search": "-tea"}, "at least one word"),
    ({"search": "coffee", "phrases": ['say "hi"']}, "without double quotes"),
    ({"search": "coffee", "exclude": [""]}, "non-empty"),
])
def test_searches_that_cannot_match_are_refused_when_written(arguments, message):
    with pytest.raises(ValueError, match=message):
        TextSearch(**arguments)


def test_exclusions_of_several_words_become_negated_phrases():
    search = TextSearch("coffee", phrases=["flat white"], exclude=["decaf", "instant coffee"])
    assert search.text_query() == {"$search": 'coffee "flat white" -decaf -"instant coffee"'}
