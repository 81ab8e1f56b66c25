"""The files of a persistent embedded server's data directory (HOST ``embedded:///DIR``).

- ``mongoeco.sqlite``: the data.
- ``embedded.json``: the advertisement ``{"pid": ..., "port": ...}``, present while a server
  serves the directory.
- ``embedded.lock``: flock()ed by whoever starts, joins or stops a server, so those never
  interleave: exactly one server per DIR, and never one advertising while it shuts down.
- ``embedded.log``: the server's output.
- ``embedded.credentials``: the user the server requires, ``{"user": ..., "password": ...}``,
  made at random when the directory is first served (see credentials.py).
- ``changes.journal`` (and files named after it): the history of writes change streams read,
  kept by mongoeco's change stream hub, so that a stream resumes after a restart.

The directory is the owner's only (0700) and so are its files (0600): the data, and the
credentials that guard the server, are no other local user's to read.

Both sides read this module: the backend (:mod:`djongo_core.embedded`), which starts or joins
the server, and the server itself (:mod:`djongo_core.embedded.server`).
"""

import json

from pathlib import Path

DATA_FILE = "mongoeco.sqlite"
ADVERTISEMENT_FILE = "embedded.json"
LOCK_FILE = "embedded.lock"
LOG_FILE = "embedded.log"
CREDENTIALS_FILE = "embedded.credentials"
CHANGES_FILE = "changes.journal"
FILES = (DATA_FILE, ADVERTISEMENT_FILE, LOCK_FILE, LOG_FILE, CREDENTIALS_FILE, CHANGES_FILE)


def read_advertisement(directory: Path) -> dict | None:
    """Return the ``{"pid", "port"}`` a server in ``directory`` advertises, or None."""
    try:
        advertised = json.loads((directory / ADVERTISEMENT_FILE).read_text())
        return {"pid": int(advertised["pid"]), "port": int(advertised["port"])}
    except (OSError, ValueError, TypeError, KeyError):
        return None
