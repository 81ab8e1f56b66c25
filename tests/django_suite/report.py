"""docs/conformance.md: a hand-written introduction, kept as it is, then the tables generated from
results.json below a marker line. Another Django version's results have a page of their own,
docs/conformance-django-<major.minor>.md, generated whole."""

from collections import Counter, defaultdict

from . import gap
from . import results as record
from .modules import FAST, GOALS, WIDENED, YARDSTICK
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
        f"Django {series}'s own test suite against djongo-core, with sqlite3 measured as the "
        "reference on the same modules in the same runs, run and counted as "
        "[conformance.md](conformance.md) describes for the Django version uv.lock pins.\n\n"
        + render(results))
    return path


def render(results):
    modules = results["modules"]
    reference = results.get("sqlite3", {})
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
    lines += (_totals(modules, reference, meta["django"])
              + _gap(modules, reference, meta["django"]) + _per_module(modules, reference)
              + _skips(modules, "Skips by reason") + _skips(reference, "sqlite3's skips by reason"))
    return "\n".join(lines).rstrip() + "\n"


def totals(modules, reference):
    """Per set of GOALS: (name, its modules, goal, djongo-core's and sqlite3's sums over the
    modules recorded on both, the modules left out). A module recorded on one backend only
    stays out of both sums, so the ratio always compares the same modules."""
    rows = []
    for name, names, goal in GOALS:
        both = [module for module in names if module in modules and module in reference]
        ours = {column: sum(modules[module][column] for module in both) for column in COLUMNS}
        theirs = {column: sum(reference[module][column] for module in both) for column in COLUMNS}
        missing = [module for module in names if module not in both]
        rows.append((name, names, goal, ours, theirs, missing))
    return rows


def _totals(modules, reference, meta_django):
    lines = [
        "### Totals, against sqlite3 on the same modules",
        "",
        "sqlite3 is measured by the same runner in the same runs (`--write` runs each module on "
        "Django's own sqlite3 settings right after djongo-core's), with the same optional test "
        "libraries and the same browser, so the two counts compare like with like.",
        "",
        "| set | modules | tests | djongo-core passed | djongo-core skipped | sqlite3 passed "
        "| sqlite3 skipped | djongo-core / sqlite3 | goal |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    notes = []
    for name, names, goal, ours, theirs, missing in totals(modules, reference):
        ratio = f"{ours['passed'] / theirs['passed']:.1%}" if theirs["passed"] else "–"
        lines.append(
            f"| {name} | {len(names) - len(missing)} of {len(names)} | {ours['tests']:,} "
            f"| {ours['passed']:,} | {ours['skipped']:,} | {theirs['passed']:,} "
            f"| {theirs['skipped']:,} | {ratio} | {goal:.0%} |")
        if missing:
            alone = [module for module in names if module in modules]
            passed = sum(modules[module]["passed"] for module in alone)
            tests = sum(modules[module]["tests"] for module in alone)
            notes.append(f"The {name} row covers the modules recorded on both backends; not yet "
                         f"recorded on both: {', '.join(missing)}. djongo-core alone "
                         f"has {len(alone)} of the {len(names)} recorded: {passed:,} passed of "
                         f"{tests:,} tests.")
    unlike = [module for module in modules if module in reference
              and modules[module].get("browser") != reference[module].get("browser")]
    if unlike:
        notes.append("Measured with a browser on one backend only, so not alike: "
                     + ", ".join(sorted(unlike)) + ".")
    other_django = [module for module, entry in reference.items()
                    if entry.get("django") != meta_django]
    if other_django:
        notes.append("sqlite3 measured on another Django release than the page's, so not "
                     "alike: " + ", ".join(sorted(other_django)) + ".")
    return lines + [""] + [line for note in notes for line in (note, "")]


def _gap(modules, reference, django_version):
    """Why the tests sqlite3 passes and djongo-core does not are not passed, per set."""
    sets = [(name, [module for module in names if module in modules and module in reference])
            for name, names, _goal in GOALS]
    counts = {name: gap.causes(names, django_version) for name, names in sets}
    every_cause = Counter()
    for by_cause in counts.values():
        every_cause.update(by_cause)
    if not every_cause:
        return []
    lines = [
        "### Where sqlite3 passes and djongo-core does not",
        "",
        "Each test sqlite3 passes and djongo-core does not, by cause, from the outcome files. "
        "Skips the backend declares carry their reason (djongo_core/django_test_skips.py, with "
        "the evidence per test).",
        "",
        "| cause | " + " | ".join(name for name, _names in sets) + " |",
        "|---|" + "---:|" * len(sets),
    ]
    for cause, _total in every_cause.most_common():
        cells = [f"{counts[name][cause]:,}" for name, _names in sets]
        lines.append(f"| {_cell(cause)} | " + " | ".join(cells) + " |")
    lines.append("")
    for name, names in sets:
        theirs_vendor = gap.vendor_passes(names, record.SQLITE3)
        if theirs_vendor:
            ours_vendor = gap.vendor_passes(names, record.DJONGO)
            ours = sum(modules[module]["passed"] for module in names) - ours_vendor
            theirs = sum(reference[module]["passed"] for module in names) - theirs_vendor
            lines += [f"Leaving out the tests of sqlite3's own backend (backends.sqlite: "
                      f"{theirs_vendor} passed by sqlite3, {ours_vendor} by djongo-core), which "
                      f"Django's suite has no MongoDB counterpart of, the {name} is {ours:,} of "
                      f"{theirs:,} ({ours / theirs:.1%}).", ""]
    return lines


def _per_module(modules, reference):
    lines = [
        "### Per module",
        "",
        "| module | tests | passed | failures | errors | skipped | expected failures "
        "| sqlite3 passed | seconds | notes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    # The yardstick and the widened set in their own order, then anything else recorded.
    order = [name for name in YARDSTICK + WIDENED if name in modules]
    order += sorted(set(modules) - set(order))
    for name in order:
        entry = modules[name]
        cells = [name] + [f"{entry[column]:,}" for column in COLUMNS]
        cells.append(f"{reference[name]['passed']:,}" if name in reference else "–")
        cells.append(f"{entry['seconds']:.0f}")
        lines.append("| " + " | ".join(cells + [_notes(entry, name)]) + " |")
    return lines + [""]


def _notes(entry, name):
    notes = []
    if name in WIDENED:
        notes.append("widened set")
    elif name not in YARDSTICK:
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


def _skips(modules, title):
    tests, where = defaultdict(int), defaultdict(set)
    for name, entry in modules.items():
        for reason, count in entry["skip_reasons"].items():
            tests[reason] += count
            where[reason].add(name)
    if not tests:
        return []
    lines = [f"### {title}", "", "| reason | tests | modules |", "|---|---:|---|"]
    for reason in sorted(tests, key=lambda reason: (-tests[reason], reason)):
        names = ", ".join(sorted(where[reason]))
        lines.append(f"| {_cell(reason)} | {tests[reason]:,} | {names} |")
    return lines + [""]


def _cell(text):
    """Text that cannot break a table row, open emphasis or read as HTML."""
    return text.replace("|", "\\|").replace("\n", " ").replace("*", "\\*").replace("<", "&lt;")
