"""Profile an ORM client's operations with cProfile and say where their CPU time goes.

    .venv/bin/python -m bench.profile [OPERATION] [--backend djongo|peer|both] [--size quick]
        [--sort tottime|cumulative] [--limit 30]

Runs the client's whole workload once on its own embedded server, profiling each operation
separately (timer: process CPU time). With an OPERATION, prints that operation's top functions;
without, prints for every operation the profiled CPU per operation and its share by package:
Django itself, the backend, pymongo/bson, and the rest (pluggy, the standard library). A
builtin's time (isinstance, socket calls) counts for the package that called it. The
summaries in bench/README.md come from here. Profiling slows Python code several times, so
compare shares, not these milliseconds with the benchmark's.
"""

import argparse
import pstats
import subprocess
import sys
import tempfile

from collections import Counter
from pathlib import Path

from bench import peer_env
from bench.run import ROOT, Server, _drop, _environment
from bench.workload.spec import OPERATIONS, SIZES

NAMES = {"djongo": "djongo-core", "peer": "django-mongodb-backend"}
PACKAGES = [  # the first that appears in a function's file path names its package
    ("/djongo_core/", "backend"), ("/site-packages/django_mongodb_backend/", "backend"),
    ("/bench/peer_backend/", "backend"), ("/site-packages/django/", "Django"),
    ("/site-packages/pymongo/", "pymongo"), ("/site-packages/bson/", "pymongo"),
]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("operation", nargs="?", choices=OPERATIONS)
    parser.add_argument("--backend", choices=[*NAMES, "both"], default="djongo")
    parser.add_argument("--size", choices=SIZES, default="quick")
    parser.add_argument("--sort", choices=["tottime", "cumulative"], default="tottime")
    parser.add_argument("--limit", type=int, default=30)
    options = parser.parse_args(argv)
    backends = list(NAMES) if options.backend == "both" else [options.backend]
    with tempfile.TemporaryDirectory() as directory, Server() as uri:
        for backend in backends:
            profiles = Path(directory) / backend
            profiles.mkdir()
            _profile(backend, options.size, uri, profiles)
            if options.operation:
                stats = pstats.Stats(str(profiles / f"{options.operation}.stats"))
                stats.strip_dirs().sort_stats(options.sort).print_stats(options.limit)
            else:
                print(_summary(NAMES[backend], profiles, _operation_counts(profiles)))


def _profile(backend, size, uri, profiles):
    python = sys.executable if backend == "djongo" else str(peer_env.ensure())
    module, database, env = _environment(NAMES[backend], uri)
    _drop(uri, database)
    subprocess.run([python, "-m", module, size, str(profiles / "result.json"),
                    "--profile-dir", str(profiles)], cwd=ROOT, env=env, check=True)


def _operation_counts(profiles):
    import json

    results = json.loads((profiles / "result.json").read_text())
    return {name: result.get("operations") for name, result in results.items()}


def shares(stats):
    """Total time and {package: time} of a pstats.Stats, builtins charged to their callers."""
    by_package = Counter()
    for (filename, _, _), (_, _, own, _, callers) in stats.stats.items():
        if filename == "~":  # a builtin: split by caller
            for (caller_file, _, _), edge in callers.items():
                by_package[_package(caller_file)] += edge[2]
        else:
            by_package[_package(filename)] += own
    return stats.total_tt, by_package


def _package(filename):
    for marker, package in PACKAGES:
        if marker in filename:
            return package
    return "other"


def _summary(name, profiles, counts):
    lines = [f"\n{name}: profiled CPU per operation and its share by package", "",
             "| operation | ms/op (profiled) | Django | backend | pymongo | other |",
             "| --- | --- | --- | --- | --- | --- |"]
    for operation in OPERATIONS:
        path = profiles / f"{operation}.stats"
        if not path.exists() or not counts.get(operation):
            lines.append(f"| {operation} | unsupported | | | | |")
            continue
        total, by_package = shares(pstats.Stats(str(path)))
        cells = [f"{by_package[p] / total:.0%}" for p in ("Django", "backend", "pymongo", "other")]
        lines.append(f"| {operation} | {total / counts[operation] * 1e3:.2f} | "
                     + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
