"""The README's worked examples (a product catalogue, similar articles), and the options the
embedded engine refuses (deviation search-text-options)."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from djongo_search import Autocomplete, SearchHighlights, SearchScore, Text, VectorSearch
from search_testapp.models import Article, Author, Product


@pytest.fixture
def catalogue(db):
    for name, description, category in [
        ("Espresso machine", "pump espresso machine for home baristas", "kitchen"),
        ("Burr grinder", "grinder for espresso and filter coffee", "kitchen"),
        ("Espresso cups", "two small cups for espresso", "tableware"),
        ("Tea kettle", "kettle for tea and filter coffee", "kitchen"),
    ]:
        Product.objects.create(name=name, description=description, category=category)


def test_searching_a_product_catalogue(catalogue):
    results = (Product.objects
               .filter(Text("espresso grinder", path=["name", "description"]))
               .filter(category="kitchen")
               .annotate(score=SearchScore(), marks=SearchHighlights("description"))
               .order_by("-score")[:20])
    # Burr grinder holds both words (and "grinder" is the rarer), Espresso machine one.
    assert [p.name for p in results] == ["Burr grinder", "Espresso machine"]
    assert all(p.marks and p.marks[0]["path"] == "description" for p in results)
    suggestions = Product.objects.filter(Autocomplete("espr", path="name")).values_list(
        "name", flat=True)[:5]
    assert set(suggestions) == {"Espresso machine", "Espresso cups"}
    with CaptureQueriesContext(connection) as captured:
        assert Product.objects.filter(Text("coffee")).count() == 2
    (query,) = captured.captured_queries
    assert query["sql"].startswith('db.search_testapp_product.aggregate([{"$search": ')


def similar_articles(article, count=5):
    return (Article.objects
            .annotate(similarity=VectorSearch("embedding", article.embedding,
                                              limit=count + 1, filter=Q(topic=article.topic)))
            .exclude(pk=article.pk)
            .select_related("author")
            .order_by("-similarity", "-year")[:count])


def test_finding_similar_articles(db):
    ada = Author.objects.create(name="Ada")
    made = {title: Article.objects.create(title=title, body=title, topic=topic, year=year,
                                          author=ada, embedding=vector)
            for title, topic, year, vector in [
                ("Cold brew at home", "coffee", 2020, [1.0, 0.0, 0.0]),
                ("Iced coffee", "coffee", 2021, [0.9, 0.1, 0.0]),
                ("Nitro cold brew", "coffee", 2022, [0.9, 0.1, 0.0]),
                ("Espresso basics", "coffee", 2019, [0.1, 0.9, 0.0]),
                ("Cold brew tea", "tea", 2022, [1.0, 0.0, 0.0]),
            ]}
    with CaptureQueriesContext(connection) as captured:
        found = [(a.title, a.author.name) for a in similar_articles(made["Cold brew at home"], 2)]
    assert found == [("Nitro cold brew", "Ada"), ("Iced coffee", "Ada")]
    (query,) = captured.captured_queries
    assert '"filter": {"topic": "coffee"}' in query["sql"]


@pytest.mark.engine_deviation("search-text-options")
def test_fuzzy_text_forgives_a_typo(catalogue):
    found = Product.objects.filter(Text("expresso", path="name", fuzzy=1))
    assert {p.name for p in found} == {"Espresso machine", "Espresso cups"}


@pytest.mark.engine_deviation("search-text-options")
def test_a_boost_raises_its_clause(catalogue):
    boosted = (Product.objects
               .filter(Text("kettle", path="name", score=10) | Text("grinder", path="name"))
               .annotate(score=SearchScore()).order_by("-score"))
    assert [p.name for p in boosted] == ["Tea kettle", "Burr grinder"]
