"""Why the tests sqlite3 passes and djongo-core does not are not passed, test by test, from the
committed outcomes: the backend's own skips by their reason, Django's feature checks, engine
deviations, and the failures that are the backend's gaps to close."""

from collections import Counter

from djongo_core.django_test_skips import skips_for_django

from . import results as record

# Test packages of one SQL vendor's backend; Django's suite has no such package for MongoDB, so
# sqlite3 passes these where no other backend can run them.
VENDOR_PACKAGES = ("backends.sqlite.", "backends.postgresql.", "backends.mysql.",
                   "backends.oracle.")
VENDOR = "A test of sqlite3's own backend (backends.sqlite); no backend but sqlite3 runs it."
FEATURE_CHECK = ("Skipped by the test's own feature check (skipUnlessDBFeature and the like): "
                 "a feature this backend does not claim.")
DEVIATION = "Fails on the embedded engine only: an expected failure (docs/engine-deviations.md)."
FAILING = "Fails or errors: a gap of the backend to close."
NOT_RUN = "Not run (the module timed out or stopped)."


def causes(module_names, django_version):
    """Count, by cause, the tests of the modules that sqlite3 passed and djongo-core did not."""
    reasons = _reason_by_test(django_version)
    counts = Counter()
    for module in module_names:
        ours = record.load_outcomes(module)
        theirs = record.load_outcomes(module, record.SQLITE3)
        for test, outcome in theirs.items():
            if outcome == "passed" and ours.get(test) != "passed":
                counts[_cause(test, ours.get(test), reasons)] += 1
    return counts


def vendor_passes(module_names, backend):
    """How many tests of one SQL vendor's backend a backend passed in the modules."""
    return sum(1 for module in module_names
               for test, outcome in record.load_outcomes(module, backend).items()
               if outcome == "passed" and test.startswith(VENDOR_PACKAGES))


def _cause(test, outcome, reasons):
    if test.startswith(VENDOR_PACKAGES):
        return VENDOR
    if outcome == "skipped":
        return _own_reason(test, reasons) or FEATURE_CHECK
    if outcome == "expected_failure":
        return DEVIATION
    if outcome in ("failed", "error", "unexpected_success"):
        return FAILING
    return NOT_RUN


def _own_reason(test, reasons):
    # A skip names a test, its class or its module: the longest listed prefix is the one.
    parts = test.split(".")
    for length in range(len(parts), 0, -1):
        reason = reasons.get(".".join(parts[:length]))
        if reason:
            return reason
    return None


def _reason_by_test(django_version):
    major_minor = tuple(int(part) for part in django_version.split(".")[:2])
    return {test: reason for reason, tests in skips_for_django(major_minor).items()
            for test in tests}
