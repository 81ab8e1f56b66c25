"""The embedded engine's server process, for the persistent HOST form ``embedded:///DIR``.

:func:`djongo_core.embedded.embedded_server_uri` starts it detached, as
``python -m djongo_core.embedded.server DIR``, while holding DIR's lock (do not start it
by hand: nothing would then stop a second server on the same files).
It serves the MongoDB wire protocol with mongoeco over a SQLite file in DIR, so that every
process of a project (runserver and its reloader child, shell, migrate, tests) shares the
same data through ordinary pymongo connections. Its files in DIR are described in
:mod:`djongo_core.embedded.directory`.

It requires the user kept in DIR/embedded.credentials (made by the process that starts it),
creates its files for their owner only, and runs outside DIR with Python's -P, so that no
module placed in DIR is ever imported.

It stops by itself once no client has been connected for DJONGO_EMBEDDED_IDLE_SECONDS
(default 60), and on SIGTERM.

It needs no Django settings; of Django it imports only django.core.exceptions (through
its package), so that it starts fast.
"""

import asyncio
import json
import logging
import os
import signal
import sys

from pathlib import Path

from djongo_core.embedded import credentials
from djongo_core.embedded.directory import (
    ADVERTISEMENT_FILE, CHANGES_FILE, DATA_FILE, LOCK_FILE, read_advertisement,
)

IDLE_SECONDS_ENV = "DJONGO_EMBEDDED_IDLE_SECONDS"
DEFAULT_IDLE_SECONDS = 60.0

log = logging.getLogger("djongo_core.embedded.server")


def _advertise(directory: Path, port: int) -> None:
    # Write then rename, so that a reader never sees a half-written file.
    temporary = directory / f"{ADVERTISEMENT_FILE}.{os.getpid()}"
    temporary.write_text(json.dumps({"pid": os.getpid(), "port": port}))
    temporary.replace(directory / ADVERTISEMENT_FILE)


def _withdraw_advertisement(directory: Path) -> None:
    # Only our own: if this server was given up for dead, a successor owns the file now.
    advertised = read_advertisement(directory)
    if advertised is not None and advertised["pid"] == os.getpid():
        (directory / ADVERTISEMENT_FILE).unlink()


def _activity(proxy) -> tuple[int, int]:
    """(open client connections, wire events so far) of a running proxy server.

    mongoeco's diagnostics are its public window on the server; with a capacity of one event
    they cost next to nothing. ``dropped_events + len(events)`` counts every event ever
    recorded, so a connection that opened and closed between two polls (a joiner's probe)
    is noticed too.
    """
    diagnostics = proxy.diagnostics
    connections = diagnostics["resources"].get("connections", 0)
    return connections, diagnostics["dropped_events"] + len(diagnostics["events"])


async def _serve_until_stopped(
    proxy, stop: asyncio.Event, lock_fd: int, idle_seconds: float
) -> str:
    """Wait for a stop signal or the idle period; return the reason, holding the lock."""
    import fcntl  # POSIX-only: imported here so that clients can import this module anywhere

    loop = asyncio.get_running_loop()
    poll_seconds = min(1.0, idle_seconds / 4)
    seen, idle_since = _activity(proxy), loop.time()
    while True:
        try:
            await asyncio.wait_for(stop.wait(), poll_seconds)
        except TimeoutError:
            pass
        if stop.is_set():
            # Blocking flock in a thread: meanwhile the loop goes on answering the joiner
            # that holds the lock, so that it can finish and release it.
            await asyncio.to_thread(fcntl.flock, lock_fd, fcntl.LOCK_EX)
            return "SIGTERM"
        current = _activity(proxy)
        if current[0] or current != seen:
            seen, idle_since = current, loop.time()
            continue
        if loop.time() - idle_since < idle_seconds:
            continue
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # someone is starting or joining: that is activity
        # A joiner may have probed us just before we took the lock; it will connect
        # soon, so only a server still untouched under the lock may go.
        if _activity(proxy) == seen:
            return f"no client for {idle_seconds:g} s"
        fcntl.flock(lock_fd, fcntl.LOCK_UN)


async def _serve(client, proxy, directory: Path, idle_seconds: float) -> None:
    # The proxy leaves a client it was given to its owner: connected and closed here.
    await client.__aenter__()
    try:
        await _serve_proxy(proxy, directory, idle_seconds)
    finally:
        await client.__aexit__(None, None, None)


async def _serve_proxy(proxy, directory: Path, idle_seconds: float) -> None:
    address = await proxy.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    lock_fd = os.open(directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        # No lock needed: the process that started us holds it until we advertise.
        _advertise(directory, address.port)
        log.info("serving %s at %s", directory, address.uri)
        reason = await _serve_until_stopped(proxy, stop, lock_fd, idle_seconds)
        log.info("stopping: %s", reason)
    finally:
        # Still under the lock (or without one, after an error): a joiner never gets the
        # port of a closing server, and a successor never opens the SQLite file before
        # this one has closed it.
        _withdraw_advertisement(directory)
        await proxy.close()
        os.close(lock_fd)
    log.info("stopped")


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        sys.exit("usage: python -m djongo_core.embedded.server DIRECTORY")
    raw_idle = os.environ.get(IDLE_SECONDS_ENV, str(DEFAULT_IDLE_SECONDS))
    try:
        idle_seconds = float(raw_idle)
    except ValueError:
        idle_seconds = 0.0
    if not idle_seconds > 0:
        sys.exit(f"{IDLE_SECONDS_ENV} must be a positive number of seconds, not {raw_idle!r}")
    logging.basicConfig(format="%(asctime)s pid %(process)d %(message)s", level=logging.INFO)
    directory = Path(argv[0]).resolve()
    # Every file the server creates (the SQLite data and its journals, the advertisement) is
    # its owner's only.
    os.umask(0o077)
    try:
        users = (credentials.read(directory).auth_user(),)
    except (OSError, ValueError, KeyError) as error:
        sys.exit(f"cannot read the credentials in {directory}: {error}")

    # Imported here, not at the top: importing this module needs no mongoeco, and the slow
    # import (about a second) is done before the event loop starts, which it would block.
    from mongoeco.api import AsyncMongoClient
    from mongoeco.engines.sqlite import SQLiteEngine
    from mongoeco.wire.proxy import AsyncMongoEcoProxyServer

    from djongo_core.embedded import shims
    from djongo_core.embedded.shims import materialization

    shims.install()

    engine = SQLiteEngine(str(directory / DATA_FILE), executor_workers=1,
                          **materialization.ENGINE_OPTIONS)
    # The change stream hub keeps a journal of every write, so that a change stream resumes
    # after a restart (the change streams shim reads it).
    client = AsyncMongoClient(engine, change_stream_journal_path=str(directory / CHANGES_FILE),
                              change_stream_journal_max_bytes=None)
    # diagnostic_capacity=1: enough for _activity() to see the connections.
    proxy = AsyncMongoEcoProxyServer(client=client, host="127.0.0.1", port=0, diagnostic_capacity=1,
                                     auth_users=users)
    asyncio.run(_serve(client, proxy, directory, idle_seconds))


if __name__ == "__main__":
    main(sys.argv[1:])
