"""A migrate killed at any point can be run again to completion.

The example project is migrated onto a persistent embedded data directory by `manage.py
migrate` processes that are killed (SIGKILL) inside a migration: the first one while applying
the first migration it reaches, each next one a little later into it, each on what the previous
ones left. Then one more migrate runs to the end, and the result is the complete schema.
"""

import os
import signal
import subprocess
import sys
import time

import pymongo
import pytest

from djongo_core.embedded import embedded_server_uri
from tests.conftest import ON_REAL_MONGODB
from tests.test_demo import EXAMPLE, stop_embedded_server

pytestmark = pytest.mark.skipif(
    ON_REAL_MONGODB, reason="kills migrate processes on a persistent embedded data directory")

# Seconds after "Applying <migration>..." is printed: from its first command to its last.
KILL_AFTER_SECONDS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8)


def migrate(data_dir):
    env = {**os.environ, "DJONGO_EXAMPLE_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.Popen([sys.executable, "manage.py", "migrate", "--noinput"], cwd=EXAMPLE,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@pytest.fixture
def data_dir(tmp_path):
    directory = tmp_path / "data"
    yield directory
    stop_embedded_server(directory)


def test_a_migrate_killed_at_any_point_is_completed_by_the_next_one(data_dir):
    killed_in = []
    for delay in KILL_AFTER_SECONDS:
        process = migrate(data_dir)
        applying = _wait_for_applying(process)
        if applying is None:
            break  # nothing left to apply
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
        killed_in.append(applying)
        # The server outlives its client; stopping it ends what the killed client left open,
        # as MongoDB ends an abandoned session's transaction.
        stop_embedded_server(data_dir)
    assert killed_in, "no migrate could be killed while applying a migration"
    final = migrate(data_dir)
    output, _ = final.communicate(timeout=300)
    assert final.returncode == 0, f"killed in {killed_in}:\n{output}"
    check = migrate(data_dir)
    output, _ = check.communicate(timeout=300)
    assert (check.returncode, "No migrations to apply" in output) == (0, True), output
    with pymongo.MongoClient(embedded_server_uri(f"embedded://{data_dir}")) as client:
        database = client[_database_name(client)]
        unique_keys = [info["key"] for info in database.auth_user.index_information().values()
                       if info.get("unique")]
        assert [("username", 1)] in unique_keys


def _wait_for_applying(process):
    """Read the process's output until it starts applying a migration; return its name."""
    for line in process.stdout:
        if "Applying " in line:
            return line.split("Applying ", 1)[1].split("...", 1)[0]
    return None


def _database_name(client):
    names = [name for name in client.list_database_names() if name not in ("admin", "local",
                                                                           "config")]
    (name,) = names
    return name
