"""Run this folder's tests in a child pytest, for a run that also collects the core's tests.

The core's tests and these need Django configured with different settings, which one process
cannot do: conftest.py collects this module only in such a combined run.
"""

from pathlib import Path

from djongo_core.plugin_testing import run_folder_in_child


def test_the_search_plugin_tests_pass_in_their_own_process():
    run_folder_in_child(Path(__file__).parent)
