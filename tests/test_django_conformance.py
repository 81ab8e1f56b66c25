"""Layer 4: the fast subset of Django's own test suite, checked against the committed results.

It runs `python -m tests.django_suite run --fast --check` (a few minutes; the first run also
downloads Django's source distribution) and fails when a module passes fewer tests than
tests/django_suite/results.json records, or a test listed as passing in
tests/django_suite/outcomes/ no longer passes; on another Django version than uv.lock's
(DJANGO_VERSION=5.2 ./dev test), against tests/django_suite/versions/<version>/. Skip it for
quick local runs: `./dev test -m "not conformance"`. See docs/conformance.md.
"""

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# Per module; a module that hangs is stopped, recorded as timed out, and so fails the check.
MODULE_TIMEOUT = 600


@pytest.mark.conformance
def test_fast_subset_keeps_every_passing_test():
    completed = subprocess.run(
        [sys.executable, "-m", "tests.django_suite", "run", "--fast", "--check",
         "--timeout", str(MODULE_TIMEOUT)],
        cwd=REPO_ROOT, capture_output=True, text=True,
    )
    if completed.returncode != 0:
        pytest.fail(
            "Django's test suite regressed against its committed results "
            "(the REGRESSED lines name the module and the tests; if the change is intended, "
            "rerun with `./dev conformance run --fast --write` and commit the result):\n"
            + completed.stdout + completed.stderr[-4000:],
            pytrace=False,
        )
