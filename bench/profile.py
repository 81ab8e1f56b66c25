"""Profile one operation of one ORM client with cProfile and print where its time goes.

    .venv/bin/python -m bench.profile OPERATION [--backend djongo|peer] [--size quick]
        [--sort tottime|cumulative] [--limit 30]

Runs the whole workload of that client once (on its own embedded server), profiling only the
named operation, and prints the top functions. The summaries in bench/README.md come from here.
"""

import argparse
import pstats
import subprocess
import sys
import tempfile

from pathlib import Path

from bench import peer_env
from bench.run import ROOT, Server, _drop, _environment
from bench.workload.spec import OPERATIONS, SIZES

NAMES = {"djongo": "djongo-core", "peer": "django-mongodb-backend"}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("operation", choices=OPERATIONS)
    parser.add_argument("--backend", choices=NAMES, default="djongo")
    parser.add_argument("--size", choices=SIZES, default="quick")
    parser.add_argument("--sort", choices=["tottime", "cumulative"], default="tottime")
    parser.add_argument("--limit", type=int, default=30)
    options = parser.parse_args(argv)
    python = sys.executable if options.backend == "djongo" else str(peer_env.ensure())
    with tempfile.TemporaryDirectory() as directory, Server() as uri:
        module, database, env = _environment(NAMES[options.backend], uri)
        _drop(uri, database)
        stats_file = Path(directory) / "profile.stats"
        subprocess.run([python, "-m", module, options.size, str(Path(directory) / "r.json"),
                        "--profile", options.operation, str(stats_file)],
                       cwd=ROOT, env=env, check=True)
        stats = pstats.Stats(str(stats_file))
        stats.strip_dirs().sort_stats(options.sort).print_stats(options.limit)


if __name__ == "__main__":
    main()
