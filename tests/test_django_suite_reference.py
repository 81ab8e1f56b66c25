"""The sqlite3 reference the conformance runner measures beside djongo-core (issue #21): how it is
recorded next to the results, kept out of the regression check, and compared set by set on the
generated page (tests/django_suite/results.py, report.py)."""

import json

import pytest

from tests.django_suite import report, results, source
from tests.django_suite.modules import GOALS, WIDENED, YARDSTICK
from tests.django_suite.runner import DJONGO, SQLITE3, ModuleRun, run_module
from tests.django_suite.source import django_version


def counts(passed, tests=None, skipped=0, browser=None):
    return {"tests": tests or passed + skipped, "passed": passed, "failures": 0, "errors": 0,
            "skipped": skipped, "expected_failures": 0, "unexpected_successes": 0,
            "not_run": 0, "skip_reasons": {"some reason": skipped} if skipped else {},
            "class_errors": [], "seconds": 1.0, "timed_out": False, "crash": None,
            "browser": browser}


def module_run(module, backend, outcomes, tmp_path):
    passed = sum(outcome == "passed" for outcome in outcomes.values())
    return ModuleRun(module, counts(passed, tests=len(outcomes)), outcomes, {},
                     tmp_path / f"{module}.log", backend)


@pytest.fixture
def record(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "results_path", lambda: tmp_path / "results.json")
    monkeypatch.setattr(results, "outcomes_directory", lambda: tmp_path / "outcomes")
    return tmp_path


def test_the_reference_is_recorded_beside_the_results_with_its_own_outcomes(record):
    ours = module_run("basic", DJONGO, {"basic.tests.A.test_a": "passed",
                                        "basic.tests.A.test_b": "error"}, record)
    theirs = module_run("basic", SQLITE3, {"basic.tests.A.test_a": "passed",
                                           "basic.tests.A.test_b": "passed"}, record)
    results.save([ours, theirs], "run basic --write")

    saved = json.loads((record / "results.json").read_text())
    assert saved["modules"]["basic"]["passed"] == 1
    assert saved["sqlite3"]["basic"]["passed"] == 2
    assert saved["sqlite3"]["basic"]["django"] == django_version()
    assert (record / "outcomes" / "basic.txt").read_text() == (
        "basic.tests.A.test_a passed\nbasic.tests.A.test_b error\n")
    assert results.load_outcomes("basic", SQLITE3) == {
        "basic.tests.A.test_a": "passed", "basic.tests.A.test_b": "passed"}


def test_a_run_without_the_reference_keeps_the_recorded_one(record):
    outcomes = {"basic.tests.A.test_a": "passed"}
    results.save([module_run("basic", DJONGO, outcomes, record),
                  module_run("basic", SQLITE3, outcomes, record)], "first")
    results.save([module_run("basic", DJONGO, {"basic.tests.A.test_a": "failed"}, record)],
                 "second")
    saved = json.loads((record / "results.json").read_text())
    assert (saved["modules"]["basic"]["passed"], saved["sqlite3"]["basic"]["passed"]) == (0, 1)


def test_the_check_compares_only_djongo_cores_runs(record):
    committed = {"modules": {}}
    reference = module_run("basic", SQLITE3, {"basic.tests.A.test_a": "passed"}, record)
    assert results.compare(committed, [reference]) == ([], [])


def recorded(ours, theirs, meta_django=None):
    return {"metadata": {"django": meta_django or django_version(), "mongoeco": "x",
                         "server": "embedded", "date": "today", "command": "run"},
            "modules": ours, "sqlite3": theirs}


def test_each_set_is_compared_with_sqlite3_on_the_modules_recorded_on_both():
    ours = {"basic": counts(76, skipped=7), "lookup": counts(135, skipped=13),
            "xor_lookups": counts(6, tests=7)}
    theirs = {"basic": {**counts(80, skipped=3), "django": django_version()},
              "xor_lookups": {**counts(7), "django": django_version()}}
    rows = {name: row for name, *row in report.totals(ours, theirs)}

    _, _, yardstick_ours, yardstick_theirs, missing = rows["yardstick"]
    # lookup has no reference yet, so it stays out of both sums.
    assert (yardstick_ours["passed"], yardstick_theirs["passed"]) == (76, 80)
    assert "lookup" in missing and "basic" not in missing
    assert rows["widened set"][2]["passed"] == 6

    page = report.render(recorded(ours, theirs))
    assert "| yardstick | 1 of 40 | 83 | 76 | 7 | 80 | 3 | 95.0% | 95% |" in page
    assert "| widened set | 1 of 29 | 7 | 6 | 0 | 7 | 0 | 85.7% | 90% |" in page
    assert ("The yardstick row covers the modules recorded on both backends; not yet recorded "
            "on both: lookup,") in page
    assert "djongo-core alone has 2 of the 40 recorded: 211 passed of 231 tests." in page
    assert "| basic | 83 | 76 | 0 | 0 | 7 | 0 | 80 | 1 |  |" in page
    assert "| lookup | 148 | 135 | 0 | 0 | 13 | 0 | – | 1 |  |" in page
    assert "| xor_lookups | 7 | 6 | 0 | 0 | 0 | 0 | 7 | 1 | widened set |" in page


def test_the_page_says_when_the_two_were_not_measured_alike():
    ours = {"admin_views": counts(554, browser=True)}
    theirs = {"admin_views": {**counts(490, skipped=64, browser=False), "django": "6.0.10"}}
    page = report.render(recorded(ours, theirs, meta_django="6.1.3"))
    assert "Measured with a browser on one backend only, so not alike: admin_views." in page
    assert "sqlite3 measured on another Django release than the page's" in page


def test_the_page_says_why_each_test_sqlite3_passes_is_not_passed(record):
    tests = {
        "backends.sqlite.tests.Tests.test_a": ("skipped", "passed"),
        "backends.tests.LastExecutedQueryTest.test_last_executed_query": ("error", "passed"),
        "backends.tests.FkConstraintsTests.test_check_constraints": ("skipped", "passed"),
        "backends.base.test_base.ExecuteWrapperTests.test_database_queried": (
            "skipped", "passed"),
        "backends.tests.BackendTestCase.test_b": ("passed", "passed"),
        "backends.tests.BackendTestCase.test_c": ("skipped", "skipped"),
    }
    results.save([
        module_run("backends", DJONGO, {test: ours for test, (ours, _) in tests.items()},
                   record),
        module_run("backends", SQLITE3, {test: theirs for test, (_, theirs) in tests.items()},
                   record),
    ], "run backends --write")
    saved = json.loads((record / "results.json").read_text())
    page = report.render(recorded(saved["modules"], saved["sqlite3"]))

    # One row per cause, counted in the widened set's column (yardstick, widened, migrations).
    assert "| A test of sqlite3's own backend (backends.sqlite); no backend but sqlite3 runs " \
        "it. | 0 | 1 | 0 |" in page
    assert "| Fails or errors: a gap of the backend to close. | 0 | 1 | 0 |" in page
    assert "| Skipped by the test's own feature check (skipUnlessDBFeature and the like): a " \
        "feature this backend does not claim. | 0 | 1 | 0 |" in page
    # A skip the backend declares (djongo_core/django_test_skips.py) shows its own reason.
    assert "| Runs raw SQL (cursor.execute, RawSQL, extra(), raw()); MongoDB has no SQL. | 0 " \
        "| 1 | 0 |" in page
    # Left out: sqlite3's one vendor test; djongo-core passed 1 of the other 4 sqlite3 passed.
    assert "the widened set is 1 of 4 (25.0%)." in page


def test_the_widened_set_stays_apart_from_the_yardstick():
    assert not set(WIDENED) & set(YARDSTICK)
    assert [goal for name, _, goal in GOALS if name in ("yardstick", "widened set")] == [0.95, 0.90]


@pytest.mark.conformance
def test_the_reference_runs_a_module_on_djangos_own_sqlite3_settings():
    run = run_module("db_typecasts", source.tests_directory(), timeout=300, backend=SQLITE3)
    assert (run.backend, run.counts["passed"], run.counts["tests"]) == (SQLITE3, 1, 1)
    assert run.log.parent.name == SQLITE3
    assert run.counts["browser"] is None
