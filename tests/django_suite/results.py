"""The committed record: results.json (counts per module) and outcomes/<module>.txt (one
`test_id outcome` line per test, so a change shows up in a diff), and the comparison with it."""

import datetime
import importlib.metadata
import json
import os
from pathlib import Path

from .source import django_version

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.json"
OUTCOMES = HERE / "outcomes"
LISTED = 50  # tests named per module in a report; the rest are in the outcome files


def load():
    if RESULTS.exists():
        return json.loads(RESULTS.read_text())
    return {"metadata": {}, "modules": {}}


def load_outcomes(module):
    path = OUTCOMES / f"{module}.txt"
    if not path.exists():
        return {}
    return dict(line.split(" ", 1) for line in path.read_text().splitlines() if line)


def save(runs, command):
    """Merge the runs into the committed record; modules not run keep their entries."""
    results = load()
    now = datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()
    results["metadata"] = {
        "django": django_version(),
        "mongoeco": importlib.metadata.version("mongoeco"),
        "server": "MONGODB_URI" if os.environ.get("MONGODB_URI") else "embedded",
        "date": now,
        "command": command,
    }
    OUTCOMES.mkdir(exist_ok=True)
    for run in runs:
        results["modules"][run.module] = {**run.counts, "date": now}
        lines = sorted(f"{test_id} {outcome}\n" for test_id, outcome in run.outcomes.items())
        (OUTCOMES / f"{run.module}.txt").write_text("".join(lines))
    results["modules"] = dict(sorted(results["modules"].items()))
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return results


def compare(committed, runs):
    """(regressions, improvements): one report per module. A regression is fewer tests passing
    than committed, or a test that passed and now does not (or no longer ran)."""
    regressions, improvements = [], []
    for run in runs:
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
