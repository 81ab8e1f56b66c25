# Written by hand: makemigrations writes a changed search index as RemoveIndex + AddIndex; one
# AlterSearchIndex runs updateSearchIndex instead (djongo_search/operations.py).

from django.db import migrations

import djongo_search


class Migration(migrations.Migration):

    dependencies = [
        ("search_testapp", "0001_initial"),
    ]

    operations = [
        djongo_search.AlterSearchIndex(
            "article", djongo_search.SearchIndex(fields=["title", "body", "topic"],
                                                 name="article_search")),
    ]
