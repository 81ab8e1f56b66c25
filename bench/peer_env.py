"""The environment of django-mongodb-backend: a virtualenv of its own, bench/.peer-venv.

It cannot share djongo-core's environment (both are Django database backends with their own
pins), so the bench installs it once with pip and reuses it while the requirement is the same.
"""

import subprocess
import sys

from pathlib import Path

REQUIREMENT = "django-mongodb-backend>=6.1,<6.2"
VENV = Path(__file__).resolve().parent / ".peer-venv"
STAMP = VENV / ".bench-requirement"


def python():
    return VENV / "bin" / "python"


def ensure(log=print):
    """Create or refresh the environment; return its Python."""
    if python().exists() and STAMP.exists() and STAMP.read_text() == REQUIREMENT:
        return python()
    log(f"installing {REQUIREMENT} into {VENV} (once)")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)
    subprocess.run([str(python()), "-m", "pip", "install", "--quiet",
                    "--disable-pip-version-check", REQUIREMENT], check=True)
    STAMP.write_text(REQUIREMENT)
    return python()


def version(interpreter):
    return subprocess.run(
        [str(interpreter), "-c",
         "from importlib.metadata import version; print(version('django-mongodb-backend'))"],
        capture_output=True, text=True, check=True).stdout.strip()
