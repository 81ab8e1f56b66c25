"""The command line: python -m tests.django_suite run [MODULE ...] [--all] [--yardstick]
[--widened] [--migrations] [--fast] [--write] [--check] [--sqlite3 | --no-sqlite3] [--timeout S]"""

import argparse
import shlex
import sys

from . import report, results
from .modules import FAST, MIGRATIONS, WIDENED, YARDSTICK
from .runner import SQLITE3, run_module, summary
from .source import tests_directory


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="python -m tests.django_suite",
                                     description="Run Django's test suite against djongo-core.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run modules of the suite, one process each")
    run.add_argument("modules", nargs="*", metavar="MODULE")
    run.add_argument("--all", action="store_true",
                     help="the full run: the yardstick and the widened set")
    run.add_argument("--yardstick", action="store_true", help="the yardstick modules")
    run.add_argument("--widened", action="store_true",
                     help="the modules measured beside the yardstick")
    run.add_argument("--migrations", action="store_true", help="the migrations work's modules")
    run.add_argument("--fast", action="store_true", help="the quick subset the pytest gate runs")
    run.add_argument("--write", action="store_true",
                     help="merge the results into the installed Django's results.json, outcomes/ "
                          "and page of docs/")
    run.add_argument("--check", action="store_true",
                     help="fail when a module passes fewer tests than committed, or a test that "
                          "passed no longer does")
    run.add_argument("--sqlite3", action=argparse.BooleanOptionalAction,
                     help="also run each module on Django's sqlite3 settings, the reference, in "
                          "the same environment (default: with --write)")
    run.add_argument("--timeout", type=float, default=1800, metavar="S",
                     help="seconds per module before it is stopped and recorded as timed out "
                          "(default: %(default)s)")
    options = parser.parse_args(argv)

    modules = list(options.modules)
    for chosen, group in ((options.all or options.yardstick, YARDSTICK),
                          (options.all or options.widened, WIDENED),
                          (options.migrations, MIGRATIONS), (options.fast, FAST)):
        if chosen:
            modules += [name for name in group if name not in modules]
    if not modules:
        run.error("name modules, or pass --all, --yardstick, --widened, --migrations or --fast")
    # What --write records is compared with sqlite3 measured alike, so it measures the reference
    # too unless told not to (then each module keeps the reference recorded before).
    reference = options.write if options.sqlite3 is None else options.sqlite3

    if options.check and not results.results_path().exists():
        # Nothing to compare with would pass every check: a Django version needs its record.
        print(f"check: FAILED, no committed results for Django {results.series()} "
              f"({results.results_path()}); record them with `run --fast --write`")
        return 1
    committed = results.load()
    tests = tests_directory()
    runs = []
    for module in modules:
        runs.append(run_module(module, tests, options.timeout))
        print(summary(runs[-1]), flush=True)
        if reference:
            runs.append(run_module(module, tests, options.timeout, SQLITE3))
            print(summary(runs[-1]), flush=True)

    status = 0
    if options.check:
        regressions, improvements = results.compare(committed, runs)
        for text in improvements:
            print(f"IMPROVED {text}")
        for text in regressions:
            print(f"REGRESSED {text}")
        status = 1 if regressions else 0
        print("check: " + ("FAILED" if status else "no module lost a passing test"))
    if options.write:
        command = shlex.join(["python", "-m", "tests.django_suite", *argv])
        page = report.write(results.save(runs, command))
        print(f"wrote {results.results_path()}, {results.outcomes_directory()}/ and {page}")
    return status


if __name__ == "__main__":
    sys.exit(main())
