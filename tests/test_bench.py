"""The benchmark runs end to end (bench/README.md) on its tiny workload.

Nothing here times anything: it checks that every client completes every operation and that
djongo-core sends the fewest commands each operation allows (issue 8's round-trip targets).
django-mongodb-backend is left out: starting its environment would double the test's time.
"""

import json
import subprocess
import sys

from pathlib import Path

from bench.report import CORE, CORE_OBJECTID, FLOORS, MIN_COMMANDS, OBJECTID_MIN_COMMANDS, RAW
from bench.workload.spec import OPERATIONS

ROOT = Path(__file__).resolve().parent.parent


def test_the_benchmark_runs_end_to_end_and_sends_the_fewest_commands(tmp_path):
    command = [sys.executable, "-m", "bench.run", "--size", "tiny", "--no-peer",
               "--output", str(tmp_path)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=120)

    results = json.loads((tmp_path / "tiny.json").read_text())
    medians = results["operations"]
    floors = [operation + "_floor" for operation in FLOORS]
    assert sorted(medians[RAW]) == sorted([*OPERATIONS, *floors])
    assert list(medians[CORE]) == list(OPERATIONS)
    for floor in floors:
        # Plain pymongo inserts: ObjectId keys, no counter, one command per insert or batch.
        assert medians[RAW][floor]["commands"] == 1 and medians[RAW][floor]["cpu_ms"] > 0
    for operation in OPERATIONS:
        assert medians[RAW][operation]["cpu_ms"] > 0
        assert medians[CORE][operation]["commands"] == MIN_COMMANDS[operation][0], operation
    assert list(medians) == [RAW, CORE, CORE_OBJECTID]
    for operation in OPERATIONS:
        minimum = OBJECTID_MIN_COMMANDS.get(operation, MIN_COMMANDS[operation][0])
        assert medians[CORE_OBJECTID][operation]["commands"] == minimum, operation
    table = (tmp_path / "tiny.md").read_text()
    assert "| bulk_update |" in table and "## Translation" in table
    assert "### Plain pymongo inserts (the floor)" in table


def test_every_client_runs_the_counts_the_slowest_fitted_but_at_least_ten():
    from bench.run import _equal_counts

    first = {"fast": [{"select": {"operations": 46}, "get": {"operations": 100},
                       "m2m": {"unsupported": "no"}, "few": {"operations": 5}}],
             "slow": [{"select": {"operations": 1}, "get": {"operations": 100},
                       "m2m": {"operations": 19}, "few": {"operations": 2}}],
             "mid": [{"select": {"operations": 30}, "get": {"operations": 100},
                      "m2m": {"operations": 7}, "few": {"operations": 5}}]}
    # Every client ran all its gets: no count. The slowest select_related fitted 1: all run 10.
    assert _equal_counts(first) == {"select": 10, "m2m": 10, "few": 5}
