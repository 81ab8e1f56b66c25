"""docs/conformance.md: a hand-written introduction, kept as it is, then the tables generated from
results.json below a marker line. Another Django version's results have a page of their own,
docs/conformance-django-<major.minor>.md, generated whole."""

from collections import defaultdict

from . import results as record
from .modules import FAST, SQLITE_REFERENCE, TARGET_PASSED, YARDSTICK
from .source import REPO_ROOT

DOC = REPO_ROOT / "docs" / "conformance.md"
MARKER = ("<!-- Everything below is generated from tests/django_suite/results.json by "
          "`python -m tests.django_suite run --write`; edit above this line only. -->")
COLUMNS = ("tests", "passed", "failures", "errors", "skipped", "expected_failures")


def page(version=None):
    """Return the page that shows a Django version's results (the installed one's by default)."""
    series = record.series(version)
    if series == record.locked_series():
        return DOC
    return REPO_ROOT / "docs" / f"conformance-django-{series}.md"


def write(results):
    """Regenerate the installed Django's page from its results; return the page's path."""
    path = page()
    if path == DOC:
        intro = DOC.read_text().split(MARKER)[0] if DOC.exists() else "# Conformance\n\n"
        DOC.write_text(intro + MARKER + "\n\n" + render(results))
        return path
    series = record.series()
    path.write_text(
        f"# Conformance on Django {series}\n\n"
        f"<!-- Generated from tests/django_suite/versions/{series}/results.json by "
        f"`DJANGO_VERSION={series} ./dev conformance run --write`; do not edit. -->\n\n"
        f"Django {series}'s own test suite against djongo-core, run and counted as "
        "[conformance.md](conformance.md) describes for the Django version uv.lock pins. "
        "The sqlite3 reference there was measured on that version's suite, so it is not "
        "repeated here.\n\n" + render(results, reference=False))
    return path


def render(results, reference=True):
    modules = results["modules"]
    meta = results["metadata"]
    lines = [
        "## Results",
        "",
        f"Django {meta['django']}, mongoeco {meta['mongoeco']}, server: {meta['server']}. "
        f"Last written {meta['date']} by `{meta['command']}`; each module's own date is in "
        "results.json.",
        "",
        f"The fast subset (`--fast`, which `./dev test` checks): {', '.join(FAST)}.",
        "",
    ]
    lines += _totals(modules, reference) + _per_module(modules) + _skips(modules)
    return "\n".join(lines) + "\n"


def _totals(modules, reference):
    recorded = [name for name in YARDSTICK if name in modules]
    total = {column: sum(modules[name][column] for name in recorded) for column in COLUMNS}
    lines = [
        "### Totals on the yardstick",
        "",
        "| | modules | tests | passed | skipped |",
        "|---|---:|---:|---:|---:|",
        f"| djongo-core | {len(recorded)} of {len(YARDSTICK)} | {total['tests']:,} "
        f"| {total['passed']:,} | {total['skipped']:,} |",
    ]
    if reference:
        lines += [
            f"| sqlite3 (reference) | {len(YARDSTICK)} | {SQLITE_REFERENCE['tests']:,} "
            f"| {SQLITE_REFERENCE['passed']:,} | {SQLITE_REFERENCE['skipped']:,} |",
            f"| target | {len(YARDSTICK)} | | {TARGET_PASSED:,} | |",
        ]
    lines += [""]
    missing = [name for name in YARDSTICK if name not in modules]
    if missing:
        lines += ["Not recorded yet, so the djongo-core total is not comparable: "
                  + ", ".join(missing) + ".", ""]
    return lines


def _per_module(modules):
    lines = [
        "### Per module",
        "",
        "| module | tests | passed | failures | errors | skipped | expected failures "
        "| seconds | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    # The yardstick in its own order, then anything else recorded (the migrations list's extras).
    order = [name for name in YARDSTICK if name in modules]
    order += sorted(set(modules) - set(YARDSTICK))
    for name in order:
        entry = modules[name]
        cells = [name] + [f"{entry[column]:,}" for column in COLUMNS] + [f"{entry['seconds']:.0f}"]
        lines.append("| " + " | ".join(cells + [_notes(entry, name)]) + " |")
    return lines + [""]


def _notes(entry, name):
    notes = []
    if name not in YARDSTICK:
        notes.append("not in the yardstick")
    if entry["timed_out"]:
        notes.append("timed out")
    if entry["crash"]:
        notes.append(f"stopped on: {_cell(entry['crash'][:120])}")
    if entry["not_run"]:
        notes.append(f"{entry['not_run']} not run")
    if entry["class_errors"]:
        notes.append(f"{len(entry['class_errors'])} class-level errors")
    return "; ".join(notes)


def _skips(modules):
    tests, where = defaultdict(int), defaultdict(set)
    for name, entry in modules.items():
        for reason, count in entry["skip_reasons"].items():
            tests[reason] += count
            where[reason].add(name)
    lines = ["### Skips by reason", "", "| reason | tests | modules |", "|---|---:|---|"]
    for reason in sorted(tests, key=lambda reason: (-tests[reason], reason)):
        names = ", ".join(sorted(where[reason]))
        lines.append(f"| {_cell(reason)} | {tests[reason]:,} | {names} |")
    return lines


def _cell(text):
    """Text that cannot break a table row, open emphasis or read as HTML."""
    return text.replace("|", "\\|").replace("\n", " ").replace("*", "\\*").replace("<", "&lt;")
