"""Django's test suite ships only in its source distribution; fetch the one matching the
installed Django into .cache/django/ (gitignored) once, then reuse it."""

import importlib.metadata
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE = REPO_ROOT / ".cache" / "django"


def django_version():
    return importlib.metadata.version("django")


def tests_directory():
    """Django's tests/ folder (where runtests.py lives) for the installed version."""
    version = django_version()
    extracted = CACHE / f"django-{version}"
    if not (extracted / "tests" / "runtests.py").exists():
        _extract(_download(version), extracted)
    return extracted / "tests"


def _download(version):
    wanted = f"django-{version}.tar.gz"

    def cached():
        return next((path for path in CACHE.glob("*.tar.gz") if path.name.lower() == wanted), None)

    if cached() is None:
        CACHE.mkdir(parents=True, exist_ok=True)
        print(f"Downloading Django {version}'s source distribution into {CACHE} ...",
              file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                        "--no-binary", ":all:", f"django=={version}", "-d", str(CACHE)],
                       check=True)
    archive = cached()
    if archive is None:
        raise RuntimeError(f"pip download left no {wanted} in {CACHE}")
    return archive


def _extract(archive, destination):
    # Into a scratch folder first, so an interrupted extraction never looks complete.
    with tempfile.TemporaryDirectory(dir=CACHE) as scratch, tarfile.open(archive) as tar:
        tar.extractall(scratch, filter="data")
        (top,) = Path(scratch).iterdir()
        shutil.rmtree(destination, ignore_errors=True)
        top.rename(destination)
