"""Every engine deviation a test points at is documented."""

import re
from pathlib import Path

from djongo_core.django_test_skips import ENGINE_DEVIATION_FAILURES

DEVIATIONS = Path(__file__).resolve().parent.parent / "docs" / "engine-deviations.md"


def documented_entries():
    return {match.group(1) for match in re.finditer(r"^## ([a-z0-9-]+)", DEVIATIONS.read_text(),
                                                    re.MULTILINE)}


def test_django_suite_expected_failures_point_at_documented_deviations():
    assert set(ENGINE_DEVIATION_FAILURES) <= documented_entries()


def test_django_suite_expected_failures_name_django_tests():
    for tests in ENGINE_DEVIATION_FAILURES.values():
        assert tests and all(re.fullmatch(r"[a-z_]+(\.[A-Za-z_0-9]+){2,}", test) for test in tests)
