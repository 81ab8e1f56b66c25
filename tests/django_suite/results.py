"""The committed record: results.json (counts per module) and outcomes/<module>.txt (one
`test_id outcome` line per test, so a change shows up in a diff), and the comparison with it.
The sqlite3 reference measured in the same runs is recorded beside them: results.json's "sqlite3"
counts per module and outcomes/sqlite3/<module>.txt.

Each supported Django version (5.2, 6.0, 6.1) has its own record, since each runs its own test
suite: the Django that uv.lock pins keeps its record here (results.json, outcomes/), any other
under versions/<major.minor>/. The record read and written is always the installed Django's.
"""

import datetime
import importlib.metadata
import json
import os
import tomllib
from pathlib import Path

from .source import REPO_ROOT, django_version

HERE = Path(__file__).resolve().parent
# The backends a run measures: ours, and sqlite3 as the reference.
DJONGO = "djongo-core"
SQLITE3 = "sqlite3"
LISTED = 50  # tests named per module in a report; the rest are in the outcome files


def series(version=None):
    """Return a Django version's feature release: "5.2" for 5.2.19."""
    return ".".join((version or django_version()).split(".")[:2])


def locked_series():
    """Return the feature release of the Django that uv.lock pins."""
    lock = tomllib.loads((REPO_ROOT / "uv.lock").read_text())
    (version,) = [package["version"] for package in lock["package"]
                  if package["name"] == "django"]
    return series(version)


def directory(version=None):
    """Return the folder holding a Django version's record (the installed one's by default)."""
    wanted = series(version)
    return HERE if wanted == locked_series() else HERE / "versions" / wanted


def results_path():
    return directory() / "results.json"


def outcomes_directory():
    return directory() / "outcomes"


def load():
    if results_path().exists():
        return {SQLITE3: {}, **json.loads(results_path().read_text())}
    return {"metadata": {}, "modules": {}, SQLITE3: {}}


def load_outcomes(module, backend=DJONGO):
    path = _outcomes_path(module, backend)
    if not path.exists():
        return {}
    return dict(line.split(" ", 1) for line in path.read_text().splitlines() if line)


def save(runs, command):
    """Merge the runs into the committed record; modules not run keep their entries, and so does
    a module's sqlite3 reference when this run did not measure it."""
    results = load()
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()
    results["metadata"] = {
        "django": django_version(),
        "mongoeco": importlib.metadata.version("mongoeco"),
        "server": "MONGODB_URI" if os.environ.get("MONGODB_URI") else "embedded",
        "date": now,
        "command": command,
    }
    for run in runs:
        # The reference's own Django version, so a page never compares across versions unseen.
        entry = {**run.counts, "date": now} | ({"django": django_version()}
                                               if run.backend == SQLITE3 else {})
        results[_section(run.backend)][run.module] = entry
        path = _outcomes_path(run.module, run.backend)
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = sorted(f"{test_id} {outcome}\n" for test_id, outcome in run.outcomes.items())
        path.write_text("".join(lines))
    for section in ("modules", SQLITE3):
        results[section] = dict(sorted(results[section].items()))
    results_path().write_text(json.dumps(results, indent=2) + "\n")
    return results


def _section(backend):
    return "modules" if backend == DJONGO else backend


def _outcomes_path(module, backend):
    folder = outcomes_directory() if backend == DJONGO else outcomes_directory() / backend
    return folder / f"{module}.txt"


def compare(committed, runs):
    """(regressions, improvements): one report per module. A regression is fewer tests passing
    than committed, or a test that passed and now does not (or no longer ran)."""
    regressions, improvements = [], []
    for run in (run for run in runs if run.backend == DJONGO):
        before = committed["modules"].get(run.module)
        now = run.counts["passed"]
        if before is None:
            improvements.append(f"{run.module}: no committed result yet; {now} passed")
            continue
        old = load_outcomes(run.module)
        lost = sorted(test for test, outcome in old.items()
                      if outcome == "passed" and run.outcomes.get(test) != "passed")
        gained = sorted(test for test, outcome in run.outcomes.items()
                        if outcome == "passed" and old.get(test) != "passed")
        change = f"{run.module}: {before['passed']} -> {now} passed"
        if run.counts["timed_out"]:
            change += " (timed out)"
        if now < before["passed"] or lost:
            regressions.append("\n".join(
                [change + ("; no longer passing:" if lost else "")]
                + [_describe(run, test) for test in lost[:LISTED]]
                + _more(lost) + [f"  log: {run.log}"]))
        elif now > before["passed"] or gained:
            improvements.append("\n".join(
                [f"{change}; newly passing:"] + [f"  {test}" for test in gained[:LISTED]]
                + _more(gained)))
    return regressions, improvements


def _describe(run, test):
    outcome = run.outcomes.get(test, "missing")
    message = run.messages.get(test)
    return f"  {test}: {outcome}" + (f" ({message[:160]})" if message else "")


def _more(tests):
    return [f"  ... and {len(tests) - LISTED} more"] if len(tests) > LISTED else []
