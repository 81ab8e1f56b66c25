"""Translation microbenchmark: microseconds to compile representative QuerySets, no round trip.

    BENCH_BACKEND=djongo|peer BENCH_URI=... BENCH_DATABASE=... \
        python -m bench.translation ROUNDS OUTPUT.json

Each QuerySet is compiled ROUNDS times from a fresh compiler to the command the backend would
send (djongo-core: its query plan; django-mongodb-backend: its MongoQuery); the best of five
batches is reported, per compilation.
"""

import json
import os
import sys
import time


def querysets():
    from django.db.models import Avg, Count, F, Q

    from bench.workload.models import Author, Book

    return {
        "get by pk": Author.objects.filter(pk=Author._meta.pk.to_python(
            "6b01fb312225090188627bb1" if os.environ["BENCH_BACKEND"] == "peer" else 7)),
        "filter + order + slice": Book.objects.filter(genre="poetry", pages__gte=300)
        .order_by("-rating", "serial")[:20],
        "Q or/not + in": Book.objects.filter(
            Q(genre__in=["essay", "travel"]) | ~Q(pages__lt=100), rating__gt=2.5),
        "select_related two levels": Book.objects.select_related("author__publisher")
        .filter(pages__gte=100, pages__lt=200).order_by("serial")[:20],
        "filter across a relation": Book.objects.filter(author__publisher__country="fr",
                                                        author__age__gte=40),
        "values + annotate (group-by)": Book.objects.filter(pages__gte=300).values("genre")
        .annotate(n=Count("pk"), avg_rating=Avg("rating")).order_by("genre"),
        "annotate F arithmetic": Book.objects.annotate(per_page=F("rating") / F("pages"))
        .filter(per_page__gt=0.01),
    }


def compile_djongo(queryset):
    queryset.query.chain().get_compiler("default").build_plan()


def compile_peer(queryset):
    compiler = queryset.query.chain().get_compiler("default")
    compiler.pre_sql_setup()
    compiler.build_query(compiler.get_project_columns(compiler.columns))


def main(argv):
    rounds, output = int(argv[0]), argv[1]
    backend = os.environ["BENCH_BACKEND"]
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    compile_once = compile_djongo if backend == "djongo" else compile_peer
    results = {}
    for name, queryset in querysets().items():
        compile_once(queryset)  # warm: Django's caches, the connection
        best = min(_batch(compile_once, queryset, rounds) for _ in range(5))
        results[name] = best * 1e6
    with open(output, "w") as file:
        json.dump(results, file)


def _batch(compile_once, queryset, rounds):
    start = time.process_time()
    for _ in range(rounds):
        compile_once(queryset)
    return (time.process_time() - start) / rounds


if __name__ == "__main__":
    main(sys.argv[1:])
