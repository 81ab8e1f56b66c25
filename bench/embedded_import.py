"""How much data the embedded engine holds: a bulk import and a backfill migration, timed.

    flock /tmp/djongo-heavy.lock .venv/bin/python -m bench.embedded_import \
        [--books 100000] [--backfill 20000] [--host embedded:] [--output DIR]

Issue 24's targets: 100,000 documents imported with `bulk_create` in under 60 s and a
20,000-document backfill migration in under 20 s, on the embedded engine as a project gets it
(HOST "embedded:": mongoeco in a thread of the same process, its shims installed; or
"embedded:///dir" for the persistent engine). Everything runs in one fresh process, so the
wall times include the engine's and the client's work, which is what a user waits for.

- import: `Book.objects.bulk_create(books)` of --books new books (the backend's default batch
  size: one insert command, split by pymongo at MongoDB's message size);
- delete: `QuerySet.delete()` of all but --backfill of them, through Django's deletion
  collector (a delete command per batch of ids);
- backfill (schema): a migration adding `IntegerField(default=0)` to the --backfill books left
  (djongo_core/backfill.py: update_many in batches of 1,000);
- backfill (data): a data migration's usual loop, every book changed and written back with
  `bulk_update(..., batch_size=1000)`;
- then one more `create()` and one `get()`, to show that single writes and reads stay cheap
  beside the data.

Results go to DIR/embedded_import.md and .json (default bench/results/).
"""

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.embedded_import")
    parser.add_argument("--books", type=int, default=100_000)
    parser.add_argument("--backfill", type=int, default=20_000)
    parser.add_argument("--host", default="embedded:")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.backfill > options.books:
        parser.error("--backfill cannot exceed --books: the backfills work on imported books")
    if options.result:
        options.result.write_text(json.dumps(_measure(options.host, options.books,
                                                      options.backfill)))
        return
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "result.json"
        env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_BACKEND": "djongo",
               "BENCH_URI": options.host, "BENCH_DATABASE": "bench_import"}
        subprocess.run([sys.executable, "-m", "bench.embedded_import", "--books",
                        str(options.books), "--backfill", str(options.backfill), "--host",
                        options.host, "--result", str(output)], cwd=ROOT, env=env, check=True,
                       timeout=3600)
        figures = json.loads(output.read_text())
    from bench.run import _machine

    results = {"host": options.host, "books": options.books, "backfill": options.backfill,
               "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
               "machine": _machine({}), "figures": figures}
    options.output.mkdir(parents=True, exist_ok=True)
    (options.output / "embedded_import.json").write_text(json.dumps(results, indent=1) + "\n")
    table = markdown(results)
    (options.output / "embedded_import.md").write_text(table)
    print(table)


def _timed(figures, name, documents, target_s, work):
    started = time.perf_counter()
    work()
    figures.append({"step": name, "documents": documents, "wall_s": time.perf_counter() - started,
                    "target_s": target_s})


def _measure(host, books, backfill):
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, models

    from bench.workload.models import Author, Book, Publisher

    call_command("migrate", run_syncdb=True, verbosity=0)
    publisher = Publisher.objects.create(name="p", country="fr")
    authors = Author.objects.bulk_create(
        Author(name=f"a{i}", age=40, publisher=publisher) for i in range(100))
    day = datetime.date(2020, 1, 1)

    def book(serial):
        return Book(serial=serial, title=f"Book {serial}", genre="fantasy", pages=100 + serial % 500,
                    rating=serial % 50 / 10, published=day, author=authors[serial % 100])

    figures = []
    _timed(figures, "import: bulk_create", books, 60,
           lambda: Book.objects.bulk_create(book(serial) for serial in range(books)))
    assert Book.objects.count() == books
    # The backfills work on the first --backfill books: Django's deletion collector deletes the
    # others (their tag links, then the books, by batches of ids).
    _timed(figures, "delete: QuerySet.delete() through the collector", books - backfill, None,
           lambda: Book.objects.filter(serial__gte=backfill).delete())
    assert Book.objects.count() == backfill
    field = models.IntegerField(default=0)
    field.set_attributes_from_name("copies")

    def add_field():
        with connection.schema_editor() as editor:
            editor.add_field(Book, field)

    _timed(figures, "backfill: AddField with a default", backfill, 20, add_field)

    def data_migration():
        changed = []
        for each in Book.objects.only("pk", "pages").iterator(chunk_size=2000):
            each.pages += 1
            changed.append(each)
        Book.objects.bulk_update(changed, ["pages"], batch_size=1000)

    _timed(figures, "backfill: data migration (bulk_update)", backfill, 20, data_migration)
    assert Book.objects.filter(pages=101).count() == backfill // 500 + (backfill % 500 > 0)
    _timed(figures, "one create() beside them", 1, None, lambda: book(books + 1).save())
    _timed(figures, "one get() beside them", 1, None, lambda: Book.objects.get(serial=3))
    return figures


def markdown(results):
    machine = results["machine"]
    lines = [
        f"{results['when']}; HOST {results['host']!r}, one process (engine and client); "
        f"{machine['cpu']}, {machine['cores']} cores; Python {machine['python']}; "
        + ", ".join(f"{k} {v}" for k, v in machine["versions"].items()) + ".",
        "",
        "| step | documents | wall s | target s |",
        "| --- | --- | --- | --- |",
    ]
    for figure in results["figures"]:
        target = figure["target_s"]
        verdict = "" if target is None else (
            f"< {target} ✓" if figure["wall_s"] < target else f"< {target} ✗")
        lines.append(f"| {figure['step']} | {figure['documents']:,} | {figure['wall_s']:.2f} | "
                     f"{verdict} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
