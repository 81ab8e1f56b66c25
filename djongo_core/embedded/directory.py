"""The files of a persistent embedded server's data directory (HOST ``embedded:///DIR``).

- ``mongoeco.sqlite``: the data.
- ``embedded.json``: the advertisement ``{"pid": ..., "port": ...}``, present while a server
  serves the directory.
- ``embedded.lock``: flock()ed by whoever starts, joins or stops a server, so those never
  interleave: exactly one server per DIR, and never one advertising while it shuts down.
- ``embedded.log``: the server's output.
- ``changes.journal`` (and files named after it): the history of writes change streams read,
  kept by mongoeco's change stream hub, so that a stream resumes after a restart.

Both sides read this module: the backend (:mod:`djongo_core.embedded`), which starts or joins
the server, and the server itself (:mod:`djongo_core.embedded.server`).
"""

import json

from pathlib import Path

DATA_FILE = "mongoeco.sqlite"
ADVERTISEMENT_FILE = "embedded.json"
LOCK_FILE = "embedded.lock"
LOG_FILE = "embedded.log"
CHANGES_FILE = "changes.journal"


def read_advertisement(directory: Path) -> dict | None:
    """Return the ``{"pid", "port"}`` a server in ``directory`` advertises, or None."""
    try:
        advertised = json.loads((directory / ADVERTISEMENT_FILE).read_text())
        return {"pid": int(advertised["pid"]), "port": int(advertised["port"])}
    except (OSError, ValueError, TypeError, KeyError):
        return None
