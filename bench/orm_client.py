"""The workload through Django's ORM, for djongo-core or django-mongodb-backend.

    BENCH_BACKEND=djongo|peer BENCH_URI=mongodb://... BENCH_DATABASE=name \
        python -m bench.orm_client SIZE OUTPUT.json [--profile-dir DIRECTORY]

Run by bench/run.py in a process of its own (for django-mongodb-backend, with the Python of
its own environment). The database must be empty: run.py drops it first.
"""

import cProfile
import json
import os
import sys
import time

from contextlib import contextmanager

from bench.measure import Meter  # first: before any MongoClient exists


def main(argv):
    size, output = argv[0], argv[1]
    # --profile-dir DIR: one cProfile file per operation, DIR/<operation>.stats.
    profile_dir = argv[3] if argv[2:3] == ["--profile-dir"] else None
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from bench.workload import spec

    sizes = spec.SIZES[size]
    meter = Meter(sizes.budget_s)
    workload = OrmWorkload(sizes, meter, profile_dir)
    workload.create_schema()
    workload.run()
    with open(output, "w") as file:
        json.dump(meter.results, file)


class OrmWorkload:
    def __init__(self, sizes, meter, profile_dir):
        from bench.workload import models

        self.sizes, self.meter, self.profile_dir = sizes, meter, profile_dir
        self.m = models

    @contextmanager
    def measure(self, name):
        with self.meter.measure(name) as measurement:
            if self.profile_dir is None:
                yield measurement
                return
            # CPU time, as the benchmark measures: waiting for the server is not the client's.
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            try:
                yield measurement
            finally:
                profiler.disable()
                profiler.dump_stats(os.path.join(self.profile_dir, f"{name}.stats"))

    def create_schema(self):
        from django.db import connection

        with connection.schema_editor() as editor:
            for model in (self.m.Publisher, self.m.Author, self.m.Tag, self.m.Book):
                editor.create_model(model)  # with the many-to-many table of Book.tags

    def run(self):
        from django.db import DatabaseError, NotSupportedError

        from bench.workload import spec

        m, sizes = self.m, self.sizes
        # Not measured: the rows the measured operations refer to.
        self.publishers = m.Publisher.objects.bulk_create(
            [m.Publisher(**spec.publisher(i)) for i in range(sizes.publishers)])
        self.tags = m.Tag.objects.bulk_create([m.Tag(**spec.tag(i)) for i in range(sizes.tags)])
        self.create_one()
        self.bulk_create()
        self.link_tags()
        for operation in (self.get_by_pk, self.filter_order_slice, self.select_related,
                          self.prefetch_fk, self.prefetch_m2m, self.aggregate_group,
                          self.update, self.bulk_update, self.delete_cascade,
                          self.admin_changelist):
            try:
                operation()
            except NotSupportedError as error:
                # Reported as such in the table (django-mongodb-backend refuses some).
                self.meter.results[operation.__name__] = {"unsupported": str(error)}
            except DatabaseError as error:
                # Reported, and the run goes on: an engine that stalls on one plan (a write or
                # a nested-loop join running past pymongo's heartbeat) should not hide the rest.
                self.meter.results[operation.__name__] = {"failed": str(error)}

    def create_one(self):
        from bench.workload import spec

        create, sizes = self.m.Author.objects.create, self.sizes
        self.authors = []
        # Never cut short by the budget: the later operations need every author.
        with self.measure("create_one") as measured:
            measured.operations = sizes.authors
            for i in range(sizes.authors):
                values = spec.author(i, sizes)
                values["publisher"] = self.publishers[values["publisher"]]
                self.authors.append(create(**values))

    def bulk_create(self):
        from bench.workload import spec

        sizes = self.sizes
        books = []
        for i in range(sizes.books):
            values = spec.book(i, sizes)
            values["author"] = self.authors[values["author"]]
            books.append(self.m.Book(**values))
        with self.measure("bulk_create") as measured:
            measured.operations = -(-sizes.books // sizes.bulk_batch)
            self.books = self.m.Book.objects.bulk_create(books, batch_size=sizes.bulk_batch)

    def link_tags(self):
        from bench.workload import spec

        through = self.m.Book.tags.through
        through.objects.bulk_create([
            through(book=self.books[i], tag=self.tags[t])
            for i in range(self.sizes.tagged_books) for t in spec.book_tags(i, self.sizes)
        ], batch_size=spec.LINK_BATCH)

    def get_by_pk(self):
        from bench.workload import spec

        get, sizes = self.m.Author.objects.get, self.sizes
        keys = [self.authors[spec.get_author(j, sizes)].pk for j in range(sizes.gets)]
        with self.measure("get_by_pk") as measured:
            for j in measured.iterations(len(keys)):
                get(pk=keys[j])

    def filter_order_slice(self):
        from bench.workload import spec

        books = self.m.Book.objects
        with self.measure("filter_order_slice") as measured:
            for j in measured.iterations(self.sizes.filters):
                genre, pages = spec.filter_params(j)
                list(books.filter(genre=genre, pages__gte=pages)
                     .order_by("-rating", "serial")[:spec.PAGE])

    def select_related(self):
        from bench.workload import spec

        books = self.m.Book.objects
        with self.measure("select_related") as measured:
            for j in measured.iterations(self.sizes.select_related):
                low, high = spec.select_related_pages(j)
                for book in (books.select_related("author__publisher")
                             .filter(pages__gte=low, pages__lt=high)
                             .order_by("serial")[:spec.PAGE]):
                    book.author.publisher.name

    def prefetch_fk(self):
        from bench.workload import spec

        books, sizes = self.m.Book.objects, self.sizes
        with self.measure("prefetch_fk") as measured:
            for j in measured.iterations(sizes.prefetch_fk):
                start = spec.prefetch_fk_start(j, sizes)
                for book in (books.filter(serial__gte=start).order_by("serial")
                             .prefetch_related("author")[:spec.PAGE]):
                    book.author.name

    def prefetch_m2m(self):
        from bench.workload import spec

        books, sizes = self.m.Book.objects, self.sizes
        with self.measure("prefetch_m2m") as measured:
            for j in measured.iterations(sizes.prefetch_m2m):
                start = spec.prefetch_m2m_start(j, sizes)
                for book in (books.filter(serial__gte=start).order_by("serial")
                             .prefetch_related("tags")[:spec.PAGE]):
                    [tag.name for tag in book.tags.all()]

    def aggregate_group(self):
        from django.db.models import Avg, Count, Max

        from bench.workload import spec

        books = self.m.Book.objects
        with self.measure("aggregate_group") as measured:
            for j in measured.iterations(self.sizes.aggregates):
                list(books.filter(pages__gte=spec.aggregate_min_pages(j)).values("genre")
                     .annotate(n=Count("pk"), avg_rating=Avg("rating"), longest=Max("pages"))
                     .order_by("genre"))

    def update(self):
        from django.db.models import F

        from bench.workload import spec

        books, sizes = self.m.Book.objects, self.sizes
        with self.measure("update") as measured:
            for j in measured.iterations(sizes.updates):
                start = spec.update_start(j, sizes)
                books.filter(serial__gte=start, serial__lt=start + 10).update(
                    rating=F("rating") + 0.5)

    def bulk_update(self):
        sizes = self.sizes
        books = list(self.m.Book.objects.filter(serial__lt=sizes.bulk_update_objects))
        for book in books:
            book.rating += 1
            book.pages += 1
        with self.measure("bulk_update") as measured:
            measured.operations = -(-len(books) // sizes.bulk_update_batch)
            self.m.Book.objects.bulk_update(books, ["rating", "pages"],
                                            batch_size=sizes.bulk_update_batch)

    def delete_cascade(self):
        from bench.workload import spec

        authors, sizes = self.m.Author.objects, self.sizes
        keys = [self.authors[spec.deleted_author(j, sizes)].pk for j in range(sizes.deletes)]
        with self.measure("delete_cascade") as measured:
            for j in measured.iterations(len(keys)):
                authors.filter(pk=keys[j]).delete()

    def admin_changelist(self):
        from django.contrib import admin
        from django.contrib.auth.models import User
        from django.test import RequestFactory

        from bench.workload import spec

        # An unsaved superuser: permission checks pass without touching the database, so the
        # view's own queries are all that is measured.
        user = User(username="bench", is_active=True, is_staff=True, is_superuser=True)
        view = admin.site._registry[self.m.Book].changelist_view
        factory = RequestFactory()
        with self.measure("admin_changelist") as measured:
            for j in measured.iterations(self.sizes.changelists):
                request = factory.get("/admin/workload/book/", spec.changelist_query(j, self.sizes))
                request.user = user
                response = view(request)
                response.render()
                assert response.status_code == 200, response.status_code


if __name__ == "__main__":
    main(sys.argv[1:])
