"""The workload written by hand with pymongo: the lower bound for an ORM client.

    BENCH_URI=mongodb://... BENCH_DATABASE=name python -m bench.raw_client SIZE OUTPUT.json

It stores the documents djongo-core stores (integer keys from a counter in `__schema__`, foreign
keys in `<name>_id`, the same indexes) and sends, for each operation, the fewest commands that
do the same work. It returns pymongo's dicts instead of building model instances, and for the
admin changelist it runs the view's three queries but renders no page: that row is the data
access only.
"""

import datetime
import json
import os
import sys

from bench.measure import Meter  # first: before any MongoClient exists

from pymongo import ASCENDING, MongoClient, ReturnDocument, UpdateOne


def main(argv):
    size, output = argv[0], argv[1]
    from bench.workload import spec

    sizes = spec.SIZES[size]
    meter = Meter(sizes.budget_s)
    client = MongoClient(os.environ["BENCH_URI"])
    try:
        workload = RawWorkload(client[os.environ["BENCH_DATABASE"]], sizes, meter)
        workload.create_schema()
        workload.run()
    finally:
        client.close()
    with open(output, "w") as file:
        json.dump(meter.results, file)


def _datetime(date):
    # BSON has no date-only type; DateField values are stored as midnight UTC.
    return datetime.datetime(date.year, date.month, date.day)


class RawWorkload:
    def __init__(self, database, sizes, meter):
        self.db, self.sizes, self.meter = database, sizes, meter
        self.publishers = database.workload_publisher
        self.authors = database.workload_author
        self.tags = database.workload_tag
        self.books = database.workload_book
        self.links = database.workload_book_tags
        self.counters = database["__schema__"]

    def create_schema(self):
        self.authors.create_index("publisher_id")
        self.books.create_index("author_id")
        self.links.create_index("book_id")
        self.links.create_index("tag_id")
        self.links.create_index([("book_id", ASCENDING), ("tag_id", ASCENDING)], unique=True)

    def reserve(self, collection, count):
        counter = self.counters.find_one_and_update(
            {"name": collection.name},
            {"$inc": {"auto.seq": count}, "$setOnInsert": {"auto.field_names": ["id"]}},
            upsert=True, return_document=ReturnDocument.AFTER, projection={"_id": 0, "auto.seq": 1},
        )
        last = counter["auto"]["seq"]
        return range(last - count + 1, last + 1)

    def insert_batch(self, collection, documents):
        for key, document in zip(self.reserve(collection, len(documents)), documents,
                                  strict=True):
            document["_id"] = key
        collection.insert_many(documents)
        return [document["_id"] for document in documents]

    def run(self):
        from bench.workload import spec

        sizes = self.sizes
        self.publisher_ids = self.insert_batch(
            self.publishers, [spec.publisher(i) for i in range(sizes.publishers)])
        self.tag_ids = self.insert_batch(self.tags, [spec.tag(i) for i in range(sizes.tags)])
        self.create_one()
        self.bulk_create()
        self.insert_floor()
        self.link_tags()
        for operation in (self.get_by_pk, self.filter_order_slice, self.select_related,
                          self.prefetch_fk, self.prefetch_m2m, self.aggregate_group,
                          self.update, self.bulk_update, self.delete_cascade,
                          self.admin_changelist):
            operation()

    def create_one(self):
        from bench.workload import spec

        sizes = self.sizes
        self.author_ids = []
        # Never cut short by the budget: the later operations need every author.
        with self.meter.measure("create_one") as measured:
            measured.operations = sizes.authors
            for i in range(sizes.authors):
                values = spec.author(i, sizes)
                document = {"_id": self.reserve(self.authors, 1)[0], "name": values["name"],
                            "age": values["age"],
                            "publisher_id": self.publisher_ids[values["publisher"]]}
                self.authors.insert_one(document)
                self.author_ids.append(document["_id"])

    def bulk_create(self):
        from bench.workload import spec

        sizes = self.sizes
        documents = []
        for i in range(sizes.books):
            values = spec.book(i, sizes)
            values["author_id"] = self.author_ids[values.pop("author")]
            values["published"] = _datetime(values["published"])
            documents.append(values)
        batch = sizes.bulk_batch
        self.book_ids = []
        with self.meter.measure("bulk_create") as measured:
            measured.operations = -(-sizes.books // batch)
            for start in range(0, len(documents), batch):
                self.book_ids += self.insert_batch(self.books, documents[start:start + batch])

    def insert_floor(self):
        """The same authors and books inserted as a plain pymongo user inserts them: ObjectId
        keys from the driver, no counter (one command per insert or batch), into collections
        of their own that nothing else reads. Shown beside create_one and bulk_create, which
        replay djongo-core's counter, so that the counter's cost is visible."""
        from bench.workload import spec

        sizes = self.sizes
        authors, books = self.db.floor_author, self.db.floor_book
        with self.meter.measure("create_one_floor") as measured:
            measured.operations = sizes.authors
            for i in range(sizes.authors):
                values = spec.author(i, sizes)
                authors.insert_one({"name": values["name"], "age": values["age"],
                                    "publisher_id": self.publisher_ids[values["publisher"]]})
        documents = []
        for i in range(sizes.books):
            values = spec.book(i, sizes)
            values["author_id"] = self.author_ids[values.pop("author")]
            values["published"] = _datetime(values["published"])
            documents.append(values)
        batch = sizes.bulk_batch
        with self.meter.measure("bulk_create_floor") as measured:
            measured.operations = -(-sizes.books // batch)
            for start in range(0, len(documents), batch):
                books.insert_many(documents[start:start + batch])
        self.db.drop_collection(authors)
        self.db.drop_collection(books)

    def link_tags(self):
        from bench.workload import spec

        links = [{"book_id": self.book_ids[i], "tag_id": self.tag_ids[t]}
                 for i in range(self.sizes.tagged_books) for t in spec.book_tags(i, self.sizes)]
        for start in range(0, len(links), spec.LINK_BATCH):
            self.insert_batch(self.links, links[start:start + spec.LINK_BATCH])

    def get_by_pk(self):
        from bench.workload import spec

        sizes = self.sizes
        keys = [self.author_ids[spec.get_author(j, sizes)] for j in range(sizes.gets)]
        with self.meter.measure("get_by_pk") as measured:
            for j in measured.iterations(len(keys)):
                self.authors.find_one({"_id": keys[j]})

    def filter_order_slice(self):
        from bench.workload import spec

        with self.meter.measure("filter_order_slice") as measured:
            for j in measured.iterations(self.sizes.filters):
                genre, pages = spec.filter_params(j)
                list(self.books.find({"genre": genre, "pages": {"$gte": pages}},
                                     sort=[("rating", -1), ("serial", 1)], limit=spec.PAGE))

    def select_related(self):
        from bench.workload import spec

        with self.meter.measure("select_related") as measured:
            for j in measured.iterations(self.sizes.select_related):
                low, high = spec.select_related_pages(j)
                for book in self.books.aggregate([
                    {"$match": {"pages": {"$gte": low, "$lt": high}}},
                    {"$sort": {"serial": 1}},
                    {"$limit": spec.PAGE},
                    {"$lookup": {"from": self.authors.name, "localField": "author_id",
                                 "foreignField": "_id", "as": "author"}},
                    {"$unwind": "$author"},
                    {"$lookup": {"from": self.publishers.name,
                                 "localField": "author.publisher_id", "foreignField": "_id",
                                 "as": "author.publisher"}},
                    {"$unwind": "$author.publisher"},
                ]):
                    book["author"]["publisher"]["name"]

    def prefetch_fk(self):
        from bench.workload import spec

        sizes = self.sizes
        with self.meter.measure("prefetch_fk") as measured:
            for j in measured.iterations(sizes.prefetch_fk):
                start = spec.prefetch_fk_start(j, sizes)
                books = list(self.books.find({"serial": {"$gte": start}}, sort=[("serial", 1)],
                                             limit=spec.PAGE))
                authors = {author["_id"]: author for author in self.authors.find(
                    {"_id": {"$in": list({book["author_id"] for book in books})}})}
                for book in books:
                    authors[book["author_id"]]["name"]

    def prefetch_m2m(self):
        from bench.workload import spec

        sizes = self.sizes
        with self.meter.measure("prefetch_m2m") as measured:
            for j in measured.iterations(sizes.prefetch_m2m):
                start = spec.prefetch_m2m_start(j, sizes)
                books = list(self.books.find({"serial": {"$gte": start}}, sort=[("serial", 1)],
                                             limit=spec.PAGE))
                tags = {book["_id"]: [] for book in books}
                for link in self.links.aggregate([
                    {"$match": {"book_id": {"$in": list(tags)}}},
                    {"$lookup": {"from": self.tags.name, "localField": "tag_id",
                                 "foreignField": "_id", "as": "tag"}},
                    {"$unwind": "$tag"},
                ]):
                    tags[link["book_id"]].append(link["tag"]["name"])

    def aggregate_group(self):
        from bench.workload import spec

        with self.meter.measure("aggregate_group") as measured:
            for j in measured.iterations(self.sizes.aggregates):
                list(self.books.aggregate([
                    {"$match": {"pages": {"$gte": spec.aggregate_min_pages(j)}}},
                    {"$group": {"_id": "$genre", "n": {"$sum": 1},
                                "avg_rating": {"$avg": "$rating"},
                                "longest": {"$max": "$pages"}}},
                    {"$sort": {"_id": 1}},
                ]))

    def update(self):
        from bench.workload import spec

        sizes = self.sizes
        with self.meter.measure("update") as measured:
            for j in measured.iterations(sizes.updates):
                start = spec.update_start(j, sizes)
                self.books.update_many({"serial": {"$gte": start, "$lt": start + 10}},
                                       {"$inc": {"rating": 0.5}})

    def bulk_update(self):
        sizes = self.sizes
        books = list(self.books.find({"serial": {"$lt": sizes.bulk_update_objects}}))
        for book in books:
            book["rating"] += 1
            book["pages"] += 1
        batch = sizes.bulk_update_batch
        with self.meter.measure("bulk_update") as measured:
            measured.operations = -(-len(books) // batch)
            for start in range(0, len(books), batch):
                self.books.bulk_write([
                    UpdateOne({"_id": book["_id"]},
                              {"$set": {"rating": book["rating"], "pages": book["pages"]}})
                    for book in books[start:start + batch]
                ])

    def delete_cascade(self):
        from bench.workload import spec

        sizes = self.sizes
        keys = [self.author_ids[spec.deleted_author(j, sizes)] for j in range(sizes.deletes)]
        with self.meter.measure("delete_cascade") as measured:
            for j in measured.iterations(len(keys)):
                key = keys[j]
                book_ids = [book["_id"] for book in self.books.find({"author_id": key}, {"_id": 1})]
                self.links.delete_many({"book_id": {"$in": book_ids}})
                self.books.delete_many({"_id": {"$in": book_ids}})
                self.authors.delete_one({"_id": key})

    def admin_changelist(self):
        from bench.workload import spec

        with self.meter.measure("admin_changelist") as measured:
            for j in measured.iterations(self.sizes.changelists):
                query = spec.changelist_query(j, self.sizes)
                match = {"genre": query["genre__exact"]}
                self.books.count_documents(match)
                self.books.count_documents({})
                page = int(query["p"]) - 1
                list(self.books.aggregate([
                    {"$match": match},
                    {"$sort": {"serial": 1}},
                    {"$skip": page * spec.ADMIN_PAGE},
                    {"$limit": spec.ADMIN_PAGE},
                    {"$lookup": {"from": self.authors.name, "localField": "author_id",
                                 "foreignField": "_id", "as": "author"}},
                    {"$unwind": "$author"},
                ]))


if __name__ == "__main__":
    main(sys.argv[1:])
