"""The reading of runtests.py -v 2 output (tests/django_suite/parse.py) and the check against the
committed results, on excerpts of real output: Django modules run against djongo-core, Django's
own test_runner_apps, and for what Django's modules did not produce here (a failing setUpClass,
printed output), a plain `python -m unittest -v` run, whose lines come from the same
unittest.TextTestResult."""

from tests.django_suite import results
from tests.django_suite.browser import needs_browser
from tests.django_suite.parse import merge, parse, tally
from tests.django_suite.runner import ModuleRun

# basic, trimmed: two docstring tests, a skip whose reason holds a quote (so repr uses double
# quotes), an error, and the start of the error sections.
BASIC = """\
Found 83 test(s).
Skipping setup of unused database(s): other.
Creating test database for alias 'default' ('test_djangotests')...
System check identified no issues (0 silenced).
test_old_signature_iteration (basic.tests.ModelFromDbTests.test_old_signature_iteration) ... ok
test_old_signature_raw (basic.tests.ModelFromDbTests.test_old_signature_raw) ... ERROR
test_auto_field_with_value_refreshed (basic.tests.ModelInstanceCreationTests.test_auto_field_with_value_refreshed)
An auto field must be refreshed by Model.save() even when a value is ... ok
test_can_initialize_model_instance_using_positional_arguments (basic.tests.ModelInstanceCreationTests.test_can_initialize_model_instance_using_positional_arguments)
You can initialize a model instance using positional arguments, ... ok
test_refresh_for_update (basic.tests.ModelRefreshTests.test_refresh_for_update) ... skipped "Database doesn't support feature(s): has_select_for_update"
test_emptyqs_distinct (basic.tests.ModelTest.test_emptyqs_distinct) ... skipped "Database doesn't support feature(s): can_distinct_on_fields"

======================================================================
ERROR: test_old_signature_raw (basic.tests.ModelFromDbTests.test_old_signature_raw)
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/work/main/djongo_core/base.py", line 35, in execute
    raise NotSupportedError(
    ...<2 lines>...
    )
django.db.utils.NotSupportedError: MongoDB does not run SQL: cursor.execute() and RawSQL are not available. Use the ORM, or run pymongo commands on connection.mongo_database.

----------------------------------------------------------------------
Ran 83 tests in 33.258s

FAILED (failures=5, errors=11, skipped=2)
"""

# get_or_create and model_inheritance: failing subtests, one test with a FAIL and an ERROR
# subtest, and subtests of a docstring test.
SUBTESTS = """\
test_update_only_defaults_and_pre_save_fields_when_local_fields (get_or_create.tests.UpdateOrCreateTests.test_update_only_defaults_and_pre_save_fields_when_local_fields) ... 
  test_update_only_defaults_and_pre_save_fields_when_local_fields (get_or_create.tests.UpdateOrCreateTests.test_update_only_defaults_and_pre_save_fields_when_local_fields) (defaults={'publisher': <Publisher: Publisher object (4)>}) ... FAIL
  test_update_only_defaults_and_pre_save_fields_when_local_fields (get_or_create.tests.UpdateOrCreateTests.test_update_only_defaults_and_pre_save_fields_when_local_fields) (defaults={'publisher_id': <Publisher: Publisher object (4)>}) ... ERROR
test_update_or_create_with_model_property_defaults (get_or_create.tests.UpdateOrCreateTests.test_update_or_create_with_model_property_defaults)
Using a property with a setter implemented is allowed. ... ok
test_abstract_parent_link (model_inheritance.tests.ModelInheritanceTests.test_abstract_parent_link) ... ok
test_create_child_no_update (model_inheritance.tests.ModelInheritanceTests.test_create_child_no_update)
Creating a child with non-abstract parents only issues INSERTs. ... 
  test_create_child_no_update (model_inheritance.tests.ModelInheritanceTests.test_create_child_no_update) (i=0)
Creating a child with non-abstract parents only issues INSERTs. ... FAIL
  test_create_child_no_update (model_inheritance.tests.ModelInheritanceTests.test_create_child_no_update) (i=1)
Creating a child with non-abstract parents only issues INSERTs. ... FAIL
test_create_copy_with_inherited_m2m (model_inheritance.tests.ModelInheritanceTests.test_create_copy_with_inherited_m2m) ... ok
test_extract_year_greaterthan_lookup (db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_year_greaterthan_lookup) ... 
  test_extract_year_greaterthan_lookup (db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_year_greaterthan_lookup) [year] ... FAIL
  test_extract_year_greaterthan_lookup (db_functions.datetime.test_extract_trunc.DateFunctionTests.test_extract_year_greaterthan_lookup) [iso_year] ... FAIL

======================================================================
FAIL: test_create_child_no_update (model_inheritance.tests.ModelInheritanceTests.test_create_child_no_update) (i=0)
Creating a child with non-abstract parents only issues INSERTs.
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/work/main/.cache/django/django-6.1.3/tests/model_inheritance/tests.py", line 229, in test_create_child_no_update
    self.assertIn("INSERT INTO", sql, sql)
    ~~~~~~~~~~~~~^^^^^^^^^^^^^^^^^^^^^^^^^
AssertionError: 'INSERT INTO' not found in 'db.__schema__.find_one_and_update(...)'

----------------------------------------------------------------------
Ran 5 tests in 1.000s
"""

# runtests.py test_runner_apps.failures.tests_failures, and a sessions_tests expected failure.
EXPECTATIONS = """\
Found 5 test(s).
test_sample (test_runner_apps.failures.tests_failures.ErrorTestCase.test_sample) ... ERROR
test_sample (test_runner_apps.failures.tests_failures.ExpectedFailureTestCase.test_sample) ... expected failure
test_sample (test_runner_apps.failures.tests_failures.FailureTestCase.test_sample) ... FAIL
test_sample (test_runner_apps.failures.tests_failures.UnexpectedSuccessTestCase.test_sample) ... unexpected success
test_actual_expiry (sessions_tests.tests.CookieSessionTests.test_actual_expiry) ... expected failure

======================================================================
UNEXPECTED SUCCESS: test_sample (test_runner_apps.failures.tests_failures.UnexpectedSuccessTestCase.test_sample)
----------------------------------------------------------------------
Ran 5 tests in 0.001s
"""

# unittest: setUpClass raising (as a failing setUpTestData does inside Django's setUpClass),
# setUpClass raising SkipTest, and tearDownClass raising after its tests passed.
CLASS_LEVEL = """\
Found 5 test(s).
setUpClass (test_classerr.Broken) ... ERROR
test_d (test_classerr.Fine.test_d) ... ok
tearDownClass (test_classerr.Fine) ... ERROR
setUpClass (test_classerr.Skipped) ... skipped 'no feature'

======================================================================
ERROR: setUpClass (test_classerr.Broken)
----------------------------------------------------------------------
Traceback (most recent call last):
  File "/tmp/ds/uc/test_classerr.py", line 6, in setUpClass
    raise RuntimeError("setUpTestData failed")
RuntimeError: setUpTestData failed

----------------------------------------------------------------------
Ran 1 test in 0.001s

FAILED (errors=2, skipped=1)
"""
CLASS_LEVEL_TESTS = ["test_classerr.Broken.test_a", "test_classerr.Broken.test_b",
                     "test_classerr.Skipped.test_c", "test_classerr.Fine.test_d",
                     "test_classerr.Later.test_e"]

# unittest with PYTHONUNBUFFERED=1 and stdout merged into stderr: what tests print lands
# between the name and the status.
PRINTED = """\
test_glued (test_prints.Prints.test_glued) ... no newline at the endFAIL
test_line (test_prints.Prints.test_line) ... a line the test printed
ok
"""

# ordering: the test database could not be created, so no test ran.
CRASHED = """\
Importing application ordering
Found 43 test(s).
Skipping setup of unused database(s): other.
Creating test database for alias 'default' ('test_djangotests')...
Traceback (most recent call last):
  File "/work/main/djongo_core/errors.py", line 54, in translated_errors
    raise translate(error, command) from error
django.db.utils.DatabaseError: MongoDB rejected create_index on collection 'ordering_barcodedarticle': Conflicting index definition for key pattern '[('rank', 1)]'
"""

# queries, stopped by the time limit in the middle of a docstring test.
TIMED_OUT = """\
Found 506 test(s).
test_missing_field (queries.test_q.QCheckTests.test_missing_field) ... ok
test_rawsql (queries.test_q.QCheckTests.test_rawsql)
RawSQL expressions cause a database error because "price" cannot be ... """


def counts_of(text, collected=None):
    counts, outcomes = tally(parse(text), collected)
    return counts, outcomes


def test_status_lines_docstrings_and_skip_reasons():
    run = parse(BASIC)
    counts, outcomes = tally(run)
    assert run.found == 83
    assert outcomes == {
        "basic.tests.ModelFromDbTests.test_old_signature_iteration": "passed",
        "basic.tests.ModelFromDbTests.test_old_signature_raw": "error",
        "basic.tests.ModelInstanceCreationTests.test_auto_field_with_value_refreshed": "passed",
        "basic.tests.ModelInstanceCreationTests"
        ".test_can_initialize_model_instance_using_positional_arguments": "passed",
        "basic.tests.ModelRefreshTests.test_refresh_for_update": "skipped",
        "basic.tests.ModelTest.test_emptyqs_distinct": "skipped",
    }
    # Without the runner's list, the 77 tests of the trimmed excerpt that never reported are
    # counted from "Found 83 test(s)." as not run.
    assert {key: counts[key] for key in ("tests", "passed", "errors", "skipped", "not_run")} == {
        "tests": 83, "passed": 3, "errors": 1, "skipped": 2, "not_run": 77}
    assert counts["skip_reasons"] == {
        "Database doesn't support feature(s): can_distinct_on_fields": 1,
        "Database doesn't support feature(s): has_select_for_update": 1,
    }
    assert run.messages == {
        "basic.tests.ModelFromDbTests.test_old_signature_raw":
            "django.db.utils.NotSupportedError: MongoDB does not run SQL: cursor.execute() and "
            "RawSQL are not available. Use the ORM, or run pymongo commands on "
            "connection.mongo_database.",
    }
    assert run.crash is None


def test_a_test_with_subtests_counts_once_with_its_worst_outcome():
    run = parse(SUBTESTS)
    counts, outcomes = tally(run)
    assert outcomes == {
        "get_or_create.tests.UpdateOrCreateTests"
        ".test_update_only_defaults_and_pre_save_fields_when_local_fields": "error",
        "get_or_create.tests.UpdateOrCreateTests"
        ".test_update_or_create_with_model_property_defaults": "passed",
        "model_inheritance.tests.ModelInheritanceTests.test_abstract_parent_link": "passed",
        "model_inheritance.tests.ModelInheritanceTests.test_create_child_no_update": "failed",
        "model_inheritance.tests.ModelInheritanceTests.test_create_copy_with_inherited_m2m":
            "passed",
        "db_functions.datetime.test_extract_trunc.DateFunctionTests"
        ".test_extract_year_greaterthan_lookup": "failed",
    }
    assert (counts["tests"], counts["passed"], counts["failures"], counts["errors"]) == (6, 3, 2, 1)
    assert run.messages == {
        "model_inheritance.tests.ModelInheritanceTests.test_create_child_no_update":
            "AssertionError: 'INSERT INTO' not found in 'db.__schema__.find_one_and_update(...)'",
    }


def test_expected_failures_and_unexpected_successes():
    counts, _ = counts_of(EXPECTATIONS)
    assert {key: counts[key] for key in ("tests", "passed", "failures", "errors",
                                         "expected_failures", "unexpected_successes")} == {
        "tests": 5, "passed": 0, "failures": 1, "errors": 1, "expected_failures": 2,
        "unexpected_successes": 1}


def test_a_failing_setupclass_counts_its_tests_as_errors():
    counts, outcomes = counts_of(CLASS_LEVEL, CLASS_LEVEL_TESTS)
    assert outcomes == {
        "test_classerr.Fine.test_d": "passed",
        "test_classerr.Broken.test_a": "error",
        "test_classerr.Broken.test_b": "error",
        "test_classerr.Skipped.test_c": "skipped",
        "test_classerr.Later.test_e": "not_run",
    }
    assert {key: counts[key] for key in ("tests", "passed", "errors", "skipped", "not_run")} == {
        "tests": 5, "passed": 1, "errors": 2, "skipped": 1, "not_run": 1}
    assert counts["skip_reasons"] == {"no feature": 1}
    assert counts["class_errors"] == ["test_classerr.Broken.setUpClass",
                                      "test_classerr.Fine.tearDownClass"]


def test_without_the_list_a_failing_setupclass_still_counts_the_missing_tests_as_errors():
    counts, _ = counts_of(CLASS_LEVEL)
    assert (counts["tests"], counts["passed"], counts["errors"], counts["not_run"]) == (5, 1, 4, 0)


def test_output_printed_between_name_and_status():
    _, outcomes = counts_of(PRINTED)
    assert outcomes == {"test_prints.Prints.test_glued": "failed",
                        "test_prints.Prints.test_line": "passed"}


def test_a_run_that_stopped_before_its_tests():
    run = parse(CRASHED)
    counts, _ = tally(run)
    assert (counts["tests"], counts["passed"], counts["not_run"]) == (43, 0, 43)
    assert run.crash.startswith("django.db.utils.DatabaseError: MongoDB rejected create_index")


def test_a_timed_out_run_names_the_test_it_stopped_in():
    collected = ["queries.test_q.QCheckTests.test_missing_field",
                 "queries.test_q.QCheckTests.test_rawsql",
                 "queries.test_qs_combinators.QuerySetSetOperationTests.test_count_difference"]
    counts, outcomes = counts_of(TIMED_OUT, collected)
    assert outcomes == {"queries.test_q.QCheckTests.test_missing_field": "passed",
                        "queries.test_q.QCheckTests.test_rawsql": "unfinished",
                        "queries.test_qs_combinators.QuerySetSetOperationTests"
                        ".test_count_difference": "not_run"}
    assert (counts["tests"], counts["passed"], counts["not_run"]) == (3, 1, 2)


def test_each_django_version_keeps_its_own_record():
    # uv.lock's Django keeps results.json and outcomes/ where they are; another under versions/.
    locked = results.locked_series()
    assert results.directory(f"{locked}.3") == results.HERE
    other = "5.2" if locked != "5.2" else "6.0"
    assert results.directory(f"{other}.19") == results.HERE / "versions" / other


def test_check_names_the_tests_that_stopped_passing(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "outcomes_directory", lambda: tmp_path)
    (tmp_path / "basic.txt").write_text("basic.tests.A.test_a passed\nbasic.tests.A.test_b passed\n"
                                        "basic.tests.A.test_c error\n")
    committed = {"modules": {"basic": {"passed": 2}}}

    def run_with(outcomes):
        counts = {"passed": sum(outcome == "passed" for outcome in outcomes.values()),
                  "timed_out": False}
        return ModuleRun("basic", counts, outcomes, {"basic.tests.A.test_b": "KeyError: 'x'"},
                         tmp_path / "basic.log")

    regressions, improvements = results.compare(committed, [run_with({
        "basic.tests.A.test_a": "passed", "basic.tests.A.test_b": "error",
        "basic.tests.A.test_c": "passed"})])
    assert improvements == []
    assert regressions == [f"basic: 2 -> 2 passed; no longer passing:\n"
                           f"  basic.tests.A.test_b: error (KeyError: 'x')\n"
                           f"  log: {tmp_path / 'basic.log'}"]

    regressions, improvements = results.compare(committed, [run_with({
        "basic.tests.A.test_a": "passed", "basic.tests.A.test_b": "passed",
        "basic.tests.A.test_c": "passed"})])
    assert regressions == []
    assert improvements == ["basic: 2 -> 3 passed; newly passing:\n  basic.tests.A.test_c"]


# admin_changelist: the first pass skips the Selenium class, the browser pass runs only it.
WITHOUT_BROWSER = """\
Found 3 test(s).
test_builtin_lookup_in_search_fields (admin_changelist.tests.ChangeListTests.test_builtin_lookup_in_search_fields) ... ok
test_add_row_selection (admin_changelist.tests.SeleniumTests.test_add_row_selection) ... skipped 'No browsers specified.'
test_collapse_filters (admin_changelist.tests.SeleniumTests.test_collapse_filters) ... skipped 'No browsers specified.'

----------------------------------------------------------------------
Ran 3 tests in 0.5s

OK (skipped=2)
"""
IN_BROWSER = """\
Found 2 test(s).
test_add_row_selection (admin_changelist.tests.SeleniumTests.test_add_row_selection)
The status line for selected rows gets updated correctly (#22038). ... ok
test_collapse_filters (admin_changelist.tests.SeleniumTests.test_collapse_filters) ... FAIL

======================================================================
FAIL: test_collapse_filters (admin_changelist.tests.SeleniumTests.test_collapse_filters)
----------------------------------------------------------------------
AssertionError: False is not true

----------------------------------------------------------------------
Ran 2 tests in 9.1s

FAILED (failures=1)
"""


def test_the_browser_pass_replaces_the_skips_of_the_first():
    first = parse(WITHOUT_BROWSER)
    assert needs_browser(first.skip_reasons)
    counts, outcomes = tally(merge(first, parse(IN_BROWSER)))
    assert (counts["tests"], counts["passed"], counts["failures"], counts["skipped"]) == (3, 2, 1, 0)
    assert counts["skip_reasons"] == {}
    assert outcomes["admin_changelist.tests.SeleniumTests.test_collapse_filters"] == "failed"


def test_a_browser_class_failing_set_up_counts_its_tests_as_errors():
    broken = "Found 2 test(s).\nsetUpClass (admin_changelist.tests.SeleniumTests) ... ERROR\n"
    collected = ["admin_changelist.tests.SeleniumTests.test_add_row_selection",
                 "admin_changelist.tests.SeleniumTests.test_collapse_filters"]
    counts, _ = tally(merge(parse(WITHOUT_BROWSER), parse(broken), collected))
    assert (counts["passed"], counts["errors"], counts["skipped"]) == (1, 2, 0)
