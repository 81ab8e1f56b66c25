"""Run the benchmark: one embedded server, three clients, several repetitions, medians.

    flock /tmp/djongo-heavy.lock .venv/bin/python -m bench.run [--quick] [--repetitions N]
        [--no-peer] [--size full|quick|tiny] [--output DIR]

See bench/README.md. Each repetition runs every client once, in turn, each in a process of its
own against a fresh database on the same server process; the table reports medians over the
repetitions.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

from importlib import metadata
from pathlib import Path

from bench import peer_env, report
from bench.workload.spec import SIZES

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CLIENT_TIMEOUT = 1800
CLIENTS = {
    # name: (module, BENCH_BACKEND or None)
    "raw pymongo": ("bench.raw_client", None),
    "djongo-core": ("bench.orm_client", "djongo"),
    # The same backend with the key type django-mongodb-backend uses: no counter reservations.
    "djongo-core, ObjectId keys": ("bench.orm_client", "djongo_objectid"),
    "django-mongodb-backend": ("bench.orm_client", "peer"),
}
TRANSLATION_ROUNDS = {"full": 2000, "quick": 300, "tiny": 20}


def main(argv=None):
    options = _parse(argv)
    clients = [name for name in CLIENTS if not (options.no_peer and CLIENTS[name][1] == "peer")]
    pythons = {name: sys.executable for name in clients}
    if "django-mongodb-backend" in clients:
        pythons["django-mongodb-backend"] = str(peer_env.ensure(log=_log))
    with Server() as uri:
        runs = {name: [] for name in clients}
        counts = None
        for repetition in range(options.repetitions):
            for name in clients:
                started = time.perf_counter()
                runs[name].append(_run_client(name, pythons[name], uri, options.size, counts))
                _log(f"repetition {repetition + 1}/{options.repetitions}: {name} "
                     f"({time.perf_counter() - started:.0f} s)")
            if counts is None and options.repetitions > 1:
                counts = _equal_counts(runs)
        translation = {
            name: _run_translation(name, pythons[name], uri, options.size)
            for name in clients if CLIENTS[name][1] in ("djongo", "peer")
        }
    results = {
        "size": options.size,
        "repetitions": options.repetitions,
        "budget_s": SIZES[options.size].budget_s,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": _machine(pythons),
        # With more than one repetition the first only calibrates the counts (under the time
        # budget); the figures are those of the others, every client running the same counts.
        "operations": _medians({name: measured[1:] or measured for name, measured in runs.items()}),
        "equal_counts": counts,
        "translation_us": translation,
        "runs": runs,
    }
    options.output.mkdir(parents=True, exist_ok=True)
    (options.output / f"{options.size}.json").write_text(json.dumps(results, indent=1) + "\n")
    table = report.markdown(results)
    (options.output / f"{options.size}.md").write_text(table)
    print(table)


def _parse(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=SIZES, default="full")
    parser.add_argument("--quick", dest="size", action="store_const", const="quick",
                        help="the smaller workload (--size quick), for a look in a minute")
    parser.add_argument("--repetitions", type=int, default=None,
                        help="runs of each client (default: 3 for full, 3 for quick, 1 for tiny)")
    parser.add_argument("--no-peer", action="store_true",
                        help="leave django-mongodb-backend out (no environment to install)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    options = parser.parse_args(argv)
    if options.repetitions is None:
        options.repetitions = 1 if options.size == "tiny" else 3
    if options.repetitions < 1:
        parser.error("--repetitions must be at least 1")
    return options


def _log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


class Server:
    """The embedded engine in a process of its own; yields its URI."""

    def __enter__(self):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.server"], cwd=ROOT, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True)
        uri = self.process.stdout.readline().strip()
        if not uri.startswith("mongodb://"):
            self.process.kill()
            raise RuntimeError(f"the benchmark server did not start (it printed {uri!r})")
        return uri

    def __exit__(self, *exc_info):
        # Closing its stdin stops it.
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.process.stdout.close()


def _environment(name, uri):
    module, backend = CLIENTS[name]
    database = "bench_" + (backend or "raw")
    env = {**os.environ, "BENCH_URI": uri, "BENCH_DATABASE": database,
           "PYTHONPATH": str(ROOT)}
    if backend:
        env["BENCH_BACKEND"] = backend
    return module, database, env


def _drop(uri, database):
    from pymongo import MongoClient

    with MongoClient(uri) as client:
        client.drop_database(database)


def _equal_counts(runs, least=10):
    """Per operation kind, the operations every client runs after the first repetition: what
    the slowest client fitted in the time budget, but at least `least` (the slow client then
    takes longer rather than the fast ones being measured on too few), never more than planned.
    Kinds that set their own count (create_one, bulk_create, bulk_update) are not listed."""
    counts = {}
    first = [measured[0] for measured in runs.values()]
    for operation in first[0]:
        done = [m[operation]["operations"] for m in first
                if operation in m and "operations" in m[operation] and "unsupported" not in m[operation]]
        planned = max(done, default=0)
        if done and min(done) < planned:
            counts[operation] = min(planned, max(min(done), least))
    return counts


def _run_client(name, python, uri, size, counts=None):
    module, database, env = _environment(name, uri)
    if counts:
        env["BENCH_COUNTS"] = json.dumps(counts)
    _drop(uri, database)
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "result.json"
        subprocess.run([python, "-m", module, size, str(output)], cwd=ROOT, env=env,
                       check=True, timeout=CLIENT_TIMEOUT)
        result = json.loads(output.read_text())
    _drop(uri, database)
    return result


def _run_translation(name, python, uri, size):
    _, database, env = _environment(name, uri)
    _drop(uri, database)
    with tempfile.TemporaryDirectory() as directory:
        output = Path(directory) / "translation.json"
        subprocess.run([python, "-m", "bench.translation", str(TRANSLATION_ROUNDS[size]),
                        str(output)], cwd=ROOT, env=env, check=True, timeout=CLIENT_TIMEOUT)
        return json.loads(output.read_text())


def _medians(runs):
    """Per client and operation: medians over the repetitions of the per-operation figures."""
    medians = {}
    for name, repetitions in runs.items():
        medians[name] = {}
        for operation in repetitions[0]:
            measured = [repetition[operation] for repetition in repetitions]
            problems = [m for m in measured if "unsupported" in m or "failed" in m]
            if problems:
                medians[name][operation] = problems[0]
                continue

            def median(key, scale=1.0):
                return statistics.median(m[key] / m["operations"] * scale for m in measured)

            medians[name][operation] = {
                "operations": min(m["operations"] for m in measured),
                "cpu_ms": median("cpu_s", 1e3),
                "wall_ms": median("wall_s", 1e3),
                "commands": median("commands"),
                "command_names": {
                    command: count / measured[0]["operations"]
                    for command, count in measured[0]["command_names"].items()},
            }
    return medians


def _machine(pythons):
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kb = next(int(line.split()[1]) for line in
                         Path("/proc/meminfo").read_text().splitlines()
                         if line.startswith("MemTotal"))
        memory = f"{memory_kb / 1024 ** 2:.1f} GiB"
    except OSError:
        memory = "unknown"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip() or "unknown"
    versions = {package: metadata.version(package)
                for package in ("Django", "pymongo", "mongoeco")}
    versions["djongo-core"] = f"{metadata.version('djongo-core')} (commit {commit})"
    if "django-mongodb-backend" in pythons:
        versions["django-mongodb-backend"] = peer_env.version(pythons["django-mongodb-backend"])
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "versions": versions,
    }


if __name__ == "__main__":
    main()
