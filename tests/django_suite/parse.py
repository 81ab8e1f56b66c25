"""Per-test outcomes from the output of Django's runtests.py at verbosity 2.

unittest writes one status per test: `test_x (app.tests.Class.test_x) ... ok`. When the test has
a docstring its first line follows on a line of its own and carries the ` ... status`. A failing
subtest gets an indented line of its own and its test then reports no status. Output a test prints
can land between ` ... ` and the status, so a status may come on a later line. A failing
setUpClass (Django runs setUpTestData inside it) is reported as `setUpClass (app.tests.Class)`
and the tests of that class are never reported at all; `tally` names them from the list of tests
the runner found (listing.py), or at least counts them from the "Found N test(s)." line.
"""

import ast
import re
from collections import Counter
from dataclasses import dataclass, field

# Outcomes, worst first: when one test reports several (subtests, a cleanup error after a
# failure), the worst is kept.
SEVERITY = ("error", "failed", "unexpected_success", "unfinished", "expected_failure", "passed",
            "skipped")
FIXTURES = ("setUpClass", "setUpModule", "tearDownClass", "tearDownModule")

HEADER = re.compile(r"^\s*(?P<name>\w+) \((?P<path>[\w.]+)\)(?P<rest>.*)$")
STATUS = re.compile(
    r"ok|FAIL|ERROR|expected failure|unexpected success|skipped (?P<reason>'.*'|\".*\")"
)
# Only for a status glued to output the test printed without a final newline.
TRAILING_STATUS = re.compile(rf"(?:{STATUS.pattern})$")
SEPARATOR = " ... "
FOUND = re.compile(r"^Found (\d+) test\(s\)\.$")
ERROR_SECTION = re.compile(
    r"^(?:ERROR|FAIL|UNEXPECTED SUCCESS): (?P<name>\w+) \((?P<path>[\w.]+)\)")
EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(?:: |Error$|Exception$)")
OUTCOME_OF = {"ok": "passed", "FAIL": "failed", "ERROR": "error",
              "expected failure": "expected_failure", "unexpected success": "unexpected_success"}


@dataclass
class ParsedRun:
    outcomes: dict = field(default_factory=dict)  # test id -> outcome
    skip_reasons: dict = field(default_factory=dict)  # test id -> reason
    fixtures: dict = field(default_factory=dict)  # "app.tests.Class.setUpClass" -> outcome
    messages: dict = field(default_factory=dict)  # test or fixture id -> last traceback line
    found: int | None = None
    # When the output ends before unittest's summary and the process did not time out: the
    # exception that stopped it (a failed test database creation, an import error).
    crash: str | None = None


def parse(text):
    run = ParsedRun()
    lines = text.splitlines()
    pending = None  # the test whose status has not been seen yet
    awaiting_docstring = False
    stray = []  # what the pending test printed
    for index, line in enumerate(lines):
        if _summary_starts(lines, index):
            _close(run, pending, stray)
            _parse_error_sections(run, lines[index:])
            return run
        if found := FOUND.match(line):
            run.found = int(found.group(1))
            continue
        header = None if awaiting_docstring else HEADER.match(line)
        test_id = header and _test_id(header)
        if test_id and pending != test_id:
            _close(run, pending, stray)
        if test_id or awaiting_docstring:
            # A header names the test (a subtest names its parent); without " ... " the
            # description goes on with the docstring's first line.
            pending = test_id or pending
            text_after_name = header.group("rest") if test_id else line
            status = _status_after_separator(text_after_name)
            awaiting_docstring = SEPARATOR not in text_after_name
            stray = [] if awaiting_docstring else [text_after_name]
            if status:
                _record(run, pending, *status)
                pending = None
        elif pending:
            status = STATUS.fullmatch(line)
            if status:
                _record(run, pending, *_outcome(status))
                pending = None
            else:
                stray.append(line)
    _close(run, pending, stray)
    run.crash = _last_exception(lines)
    return run


def tally(run, collected=None):
    """Counts for one module, and the outcome of every test including the unreported ones.

    `collected` is the list of test ids the runner found; without it, the tests that never
    reported are counted from "Found N test(s)." but cannot be named.
    """
    outcomes = dict(run.outcomes)
    skip_reasons = dict(run.skip_reasons)
    unnamed = 0
    if collected is not None:
        for test_id in collected:
            if test_id not in outcomes:
                outcomes[test_id], reason = _fixture_outcome(run, test_id)
                if reason:
                    skip_reasons[test_id] = reason
    elif run.found is not None:
        unnamed = max(run.found - len(outcomes), 0)
    counts = Counter(outcomes.values())
    setup_failed = any(name.rsplit(".", 1)[1].startswith("setUp") and outcome == "error"
                       for name, outcome in run.fixtures.items())
    counts["error" if setup_failed else "not_run"] += unnamed
    return {
        "tests": len(outcomes) + unnamed,
        "passed": counts["passed"],
        "failures": counts["failed"],
        "errors": counts["error"],
        "skipped": counts["skipped"],
        "expected_failures": counts["expected_failure"],
        "unexpected_successes": counts["unexpected_success"],
        # A test that started and never finished (the run timed out in it) is counted here too.
        "not_run": counts["not_run"] + counts["unfinished"],
        "skip_reasons": dict(sorted(Counter(
            reason for test_id, reason in skip_reasons.items()
            if outcomes.get(test_id) == "skipped").items())),
        "class_errors": sorted(name for name, outcome in run.fixtures.items()
                               if outcome == "error"),
    }, outcomes


def merge(first, second, second_collected=None):
    """One run out of two passes over the same module, the second's outcomes replacing the first's
    for the tests it ran (browser.py: the Selenium pass after the pass that skipped them)."""
    _, second_outcomes = tally(second, second_collected)
    return ParsedRun(
        outcomes={**first.outcomes, **second_outcomes},
        skip_reasons={**first.skip_reasons, **second.skip_reasons},
        fixtures={**first.fixtures, **second.fixtures},
        messages={**first.messages, **second.messages},
        found=first.found,
        crash=first.crash or second.crash,
    )


def _summary_starts(lines, index):
    """The status lines end where unittest prints its error sections or "Ran N tests"."""
    following = lines[index + 1] if index + 1 < len(lines) else ""
    return ((lines[index] == "=" * 70 and ERROR_SECTION.match(following) is not None)
            or (lines[index] == "-" * 70 and following.startswith("Ran ")))


def _test_id(header):
    name, path = header.group("name", "path")
    if path.endswith("." + name):
        return path
    if name in FIXTURES:
        return f"{path}.{name}"
    return None


def _status_after_separator(text):
    """The status following a ` ... `; a docstring or subtest parameters may contain one too."""
    start = text.find(SEPARATOR)
    while start != -1:
        status = STATUS.fullmatch(text, start + len(SEPARATOR))
        if status:
            return _outcome(status)
        start = text.find(SEPARATOR, start + 1)
    return None


def _outcome(status):
    reason = status.group("reason")
    if reason is not None:
        return "skipped", ast.literal_eval(reason)
    return OUTCOME_OF[status.group(0)], None


def _close(run, pending, stray):
    if pending is None or pending in run.outcomes:
        return
    glued = TRAILING_STATUS.search(stray[-1]) if stray else None
    if glued:
        _record(run, pending, *_outcome(glued))
    else:
        _record(run, pending, "unfinished", None)


def _record(run, test_id, outcome, reason):
    table = run.fixtures if test_id.rsplit(".", 1)[1] in FIXTURES else run.outcomes
    previous = table.get(test_id)
    if previous is None or SEVERITY.index(outcome) < SEVERITY.index(previous):
        table[test_id] = outcome
        if reason:
            run.skip_reasons[test_id] = reason


def _fixture_outcome(run, test_id):
    """How an unreported test ended: as its class's or module's failed or skipped setUp."""
    for name, outcome in run.fixtures.items():
        owner, fixture = name.rsplit(".", 1)
        if fixture.startswith("setUp") and test_id.startswith(owner + "."):
            return outcome, run.skip_reasons.get(name)
    return "not_run", None


def _parse_error_sections(run, lines):
    """Keep each traceback's exception line, for the summary of a run."""
    current, body, in_traceback = None, [], False
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        section = ERROR_SECTION.match(following) if line == "=" * 70 else None
        ends = line == "-" * 70 and following.startswith("Ran ")
        if section or ends:
            if current and body:
                run.messages.setdefault(current, _exception_line(body))
            if ends:
                return
            current, body, in_traceback = _test_id(section), [], False
        elif current and not in_traceback:
            in_traceback = line == "-" * 70
        elif current and line.strip():
            body.append(line)


def _last_exception(lines):
    starts = [index for index, line in enumerate(lines) if line.startswith("Traceback (most")]
    return _exception_line(lines[starts[-1]:]) if starts else None


def _exception_line(body):
    """The last `SomeError: message` line; an assertion's diff can follow it."""
    for line in reversed(body):
        if EXCEPTION.match(line):
            return line
    return body[-1].strip()
