"""What the benchmark does, independent of any client: sizes, data and query parameters.

Every client (raw pymongo, each ORM backend) builds its data and picks its query parameters
from these functions, so that all of them do the same work on the same documents.
"""

import datetime

from dataclasses import dataclass

GENRES = [
    "essay", "fantasy", "history", "horror", "mystery",
    "poetry", "romance", "science", "thriller", "travel",
]
COUNTRIES = ["de", "fr", "gb", "it", "jp", "us"]
TAGS_PER_BOOK = 3
# Tag links are inserted in small batches: the many-to-many table's unique index makes each
# insert on the embedded engine scan the stored links, and a write that runs for more than
# about 20 s stalls pymongo's heartbeat, which then cancels the operation.
LINK_BATCH = 200
EPOCH = datetime.date(1950, 1, 1)


@dataclass(frozen=True)
class Sizes:
    publishers: int
    tags: int
    authors: int  # created one by one
    books: int  # bulk_created
    bulk_batch: int
    tagged_books: int  # the first ones get TAGS_PER_BOOK tags each
    gets: int
    filters: int
    select_related: int
    prefetch_fk: int
    prefetch_m2m: int
    aggregates: int
    updates: int
    bulk_update_objects: int
    bulk_update_batch: int
    deletes: int
    changelists: int
    # Wall seconds after which a repeated operation stops early (see Measurement.iterations).
    budget_s: float


SIZES = {
    # The default: a full run of all three clients in a few minutes on the embedded engine,
    # whose inserts get slower as a collection grows (docs/engine-deviations.md).
    "full": Sizes(publishers=20, tags=50, authors=400, books=2000, bulk_batch=500,
                  tagged_books=200, gets=1000, filters=500, select_related=200,
                  prefetch_fk=100, prefetch_m2m=100, aggregates=50, updates=100,
                  bulk_update_objects=500, bulk_update_batch=100, deletes=30,
                  changelists=30, budget_s=3),
    "quick": Sizes(publishers=10, tags=20, authors=200, books=1000, bulk_batch=250,
                   tagged_books=200, gets=200, filters=100, select_related=50,
                   prefetch_fk=40, prefetch_m2m=40, aggregates=20, updates=40,
                   bulk_update_objects=200, bulk_update_batch=50, deletes=10,
                   changelists=10, budget_s=3),
    # Issue 8's counts as written: about an hour on the embedded engine (filling 10,000 books
    # one batch after another is quadratic there); meant for a real MongoDB's speed.
    "issue": Sizes(publishers=20, tags=50, authors=2000, books=10000, bulk_batch=1000,
                   tagged_books=1000, gets=2000, filters=1000, select_related=500,
                   prefetch_fk=200, prefetch_m2m=200, aggregates=200, updates=200,
                   bulk_update_objects=1000, bulk_update_batch=100, deletes=50,
                   changelists=50, budget_s=3600),
    # End to end in seconds: for the smoke test.
    "tiny": Sizes(publishers=4, tags=10, authors=20, books=100, bulk_batch=50,
                  tagged_books=40, gets=5, filters=5, select_related=5, prefetch_fk=3,
                  prefetch_m2m=3, aggregates=3, updates=3, bulk_update_objects=20,
                  bulk_update_batch=10, deletes=2, changelists=2, budget_s=5),
}

# The operations in the order they run, with the unit one "operation" stands for.
OPERATIONS = {
    "create_one": "one Model.objects.create()",
    "bulk_create": "one bulk_create batch",
    "get_by_pk": "one get(pk=...)",
    "filter_order_slice": "one filter().order_by()[:20]",
    "select_related": "one select_related() query of 20 rows, two joins",
    "prefetch_fk": "one query of 20 rows with prefetch_related() of a ForeignKey",
    "prefetch_m2m": "one query of 20 rows with prefetch_related() of a ManyToManyField",
    "aggregate_group": "one values().annotate() with group-by",
    "update": "one filter().update() of 10 rows",
    "bulk_update": "one bulk_update batch",
    "delete_cascade": "one delete() of an author, cascading to books and their tag links",
    "admin_changelist": "one admin changelist rendered (50 rows)",
}
PAGE = 20


def publisher(i):
    return {"name": f"publisher {i}", "country": COUNTRIES[i % len(COUNTRIES)]}


def tag(i):
    return {"name": f"tag {i}"}


def author(i, sizes):
    """Field values of author i; publisher is the index of its publisher."""
    return {"name": f"author {i}", "age": 20 + (i * 7) % 60, "publisher": i % sizes.publishers}


def book(i, sizes):
    """Field values of book i; author is the index of its author."""
    return {
        "serial": i,
        "title": f"book {i}",
        "genre": GENRES[i % len(GENRES)],
        "pages": 50 + (i * 37) % 950,
        "rating": ((i * 53) % 100) / 20,
        "published": EPOCH + datetime.timedelta(days=(i * 101) % 25000),
        "author": i % sizes.authors,
    }


def book_tags(i, sizes):
    """Indexes of the tags of book i."""
    if i >= sizes.tagged_books:
        return []
    return sorted({(i + k * 7) % sizes.tags for k in range(TAGS_PER_BOOK)})


# Query parameters of the j-th operation of each kind.

def get_author(j, sizes):
    return (j * 7) % sizes.authors


def filter_params(j):
    return GENRES[j % len(GENRES)], 100 + (j * 13) % 800


def select_related_pages(j):
    low = 50 + (j * 19) % 850
    return low, low + 100


def prefetch_fk_start(j, sizes):
    return (j * 47) % (sizes.books - PAGE)


def prefetch_m2m_start(j, sizes):
    return (j * 17) % (sizes.tagged_books - PAGE)


def aggregate_min_pages(j):
    return 100 + (j * 29) % 800


def update_start(j, sizes):
    return (j * 31) % (sizes.books - 10)


def deleted_author(j, sizes):
    """Authors whose first book is tagged, so that the cascade reaches the tag links."""
    return (j * 3) % min(sizes.authors, sizes.tagged_books)


ADMIN_PAGE = 50


def changelist_query(j, sizes):
    """The changelist's filter and page; only pages that exist (others redirect)."""
    pages = max(1, min(5, sizes.books // len(GENRES) // ADMIN_PAGE))
    return {"genre__exact": GENRES[j % len(GENRES)], "p": str(j % pages + 1)}
