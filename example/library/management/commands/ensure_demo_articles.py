"""Create the demo's sample article (nested data to edit in the admin) unless there is one."""

import datetime

from django.core.management.base import BaseCommand

from library.models import Article, Byline, Comment


class Command(BaseCommand):
    help = "Create a sample article with a byline, tags and comments if there are no articles."

    def handle(self, *args, **options):
        if Article.objects.exists():
            self.stdout.write("Articles exist already.")
            return
        Article.objects.create(
            title="Documents inside documents",
            status=Article.Status.PUBLISHED,
            published=datetime.date(2026, 1, 15),
            byline=Byline(name="Ada Lovelace", email="ada@example.com",
                          bio="Writes about engines."),
            tags=["mongodb", "django"],
            comments=[Comment(author="Grace", text="Nested data, edited in the admin!", rating=5),
                      Comment(author="Alan", text="Lists too.")],
        )
        self.stdout.write("Created a sample article.")
