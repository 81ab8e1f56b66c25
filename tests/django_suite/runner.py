"""Run modules of Django's test suite: one runtests.py process per module, each with a time limit
and its whole output kept in .cache/django-suite-logs/<module>.log (for a Django version other
than uv.lock's, in .cache/django-suite-logs/django-<major.minor>/). The sqlite3 reference runs the
same way, with Django's own settings, its logs in a sqlite3/ folder beside them."""

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import browser, results
from .listing import LIST_ENV
from .parse import merge, parse, tally
from .source import REPO_ROOT

LOGS = REPO_ROOT / ".cache" / "django-suite-logs"
RUNTESTS_ARGS = ("--parallel=1", "-v", "2", "--noinput")
DJONGO, SQLITE3 = results.DJONGO, results.SQLITE3
# The settings each backend runs with: ours, and Django's own for the reference.
SETTINGS = {DJONGO: "tests.django_suite.settings", SQLITE3: "tests.django_suite.sqlite3_settings"}


@dataclass
class ModuleRun:
    module: str
    counts: dict  # parse.tally's counts, plus seconds and timed_out
    outcomes: dict  # test id -> outcome
    messages: dict  # test id -> exception line of its traceback
    log: Path
    backend: str = DJONGO


def run_module(module, tests_directory, timeout, backend=DJONGO):
    """Run one module on a backend; a module with Selenium tests gets a second pass in Chromium
    (browser.py). counts["browser"] says whether that pass ran: None when the module has no
    Selenium tests, False when Chromium is missing (so both backends' counts can be seen to be
    measured alike)."""
    logs = LOGS if results.directory() == results.HERE else LOGS / f"django-{results.series()}"
    if backend == SQLITE3:
        logs /= SQLITE3
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{module}.log"
    settings = (f"--settings={SETTINGS[backend]}",)
    started = time.monotonic()
    parsed, collected, timed_out = _runtests(module, tests_directory, timeout, log, settings)
    counts, outcomes = tally(parsed, collected)
    in_browser = None
    if not timed_out and browser.needs_browser(parsed.skip_reasons):
        variables = browser.environment()
        in_browser = variables is not None
        if variables is None:
            print(f"{module}: {browser.missing_message()}", flush=True)
        else:
            second, browser_collected, timed_out = _runtests(
                module, tests_directory, timeout, browser.log_path(log),
                settings + browser.RUNTESTS_ARGS, variables)
            parsed = merge(parsed, second, browser_collected)
            counts, outcomes = tally(parsed, collected)
    counts.update(seconds=round(time.monotonic() - started, 1), timed_out=timed_out,
                  crash=None if timed_out else parsed.crash and parsed.crash[:300],
                  browser=in_browser)
    return ModuleRun(module, counts, outcomes, parsed.messages, log, backend)


def _runtests(module, tests_directory, timeout, log, extra_args, extra_env=None):
    """One runtests.py process: its parsed output, the tests it found, whether it timed out."""
    listing = log.with_suffix(".tests")
    listing.unlink(missing_ok=True)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, (str(REPO_ROOT), os.environ.get("PYTHONPATH")))),
        # Output the tests print then lands where it was printed, not inside a status line.
        "PYTHONUNBUFFERED": "1",
        LIST_ENV: str(listing),
        **(extra_env or {}),
    }
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "runtests.py", *RUNTESTS_ARGS, *extra_args, module],
            cwd=tests_directory, env=env, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True)
        timed_out = False
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            # The new session holds runtests.py and whatever it started; being a session of its
            # own, it would also outlive this run when Ctrl-C stops it, so end it here.
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    parsed = parse(log.read_text(errors="replace"))
    collected = listing.read_text().split() if listing.exists() else None
    return parsed, collected, timed_out


def summary(run, top=3):
    counts = run.counts
    details = [f"{counts[key]} {label}" for key, label in (
        ("failures", "failures"), ("errors", "errors"), ("skipped", "skipped"),
        ("expected_failures", "expected failures"),
        ("unexpected_successes", "unexpected successes"), ("not_run", "not run"))
        if counts[key]]
    name = run.module if run.backend == DJONGO else f"{run.module} on {run.backend}"
    line = (f"{name}: {counts['passed']} passed of {counts['tests']}"
            + (f" ({', '.join(details)})" if details else "") + f" in {counts['seconds']} s")
    if counts["timed_out"]:
        # The first test without a result is where it hung, or the class whose setUpClass hung.
        stuck = next((test for test, outcome in run.outcomes.items()
                      if outcome in ("unfinished", "not_run")), None)
        line += f"; TIMED OUT at {stuck}"
    if counts["crash"]:
        line += f"; the run stopped on {counts['crash']}"
    lines = [line, f"  log: {run.log}"]
    for message, count in top_messages(run.messages, top):
        lines.append(f"  {count:4d} x {message}")
    return "\n".join(lines)


def top_messages(messages, top):
    # Object addresses would make every occurrence of the same error look different.
    normal = (re.sub(r" at 0x[0-9a-f]+", "", message)[:160] for message in messages.values())
    return Counter(normal).most_common(top)
