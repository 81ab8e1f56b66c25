"""Run this folder's tests in a child pytest, for a run that also collects the core's tests.

The core's tests and these need Django configured with different settings, which one process
cannot do (see conftest.py): conftest.py collects this module only in such a combined run.
"""

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent


def test_the_indexes_plugin_tests_pass_in_their_own_process():
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(HERE), "-q", "-p", "no:cacheprovider"],
        cwd=ROOT, capture_output=True, text=True, timeout=900, env=os.environ.copy(),
    )
    report = result.stdout[-20000:] + result.stderr[-5000:]
    assert result.returncode == 0, report
