"""The benchmark's MongoDB server: the embedded engine (mongoeco, in memory) in its own process.

    python -m bench.server

Prints the server's mongodb:// URI on its first line, then serves until stdin closes or it gets
SIGTERM. Its CPU time is not the clients' and is not measured.
"""

import asyncio
import signal
import sys


async def serve():
    from mongoeco.engines.memory import MemoryEngine
    from mongoeco.wire.proxy import AsyncMongoEcoProxyServer

    from djongo_core.embedded import shims
    from djongo_core.embedded.shims import materialization

    # As every user of the embedded engine gets it: the shims fill gaps of the engine only.
    shims.install()
    proxy = AsyncMongoEcoProxyServer(engine=MemoryEngine(**materialization.ENGINE_OPTIONS),
                                     host="127.0.0.1", port=0)
    address = await proxy.start()
    print(address.uri, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    # The parent holds our stdin: when it goes away, so do we.
    loop.add_reader(sys.stdin.fileno(), stop.set)
    try:
        await stop.wait()
    finally:
        await proxy.close()


if __name__ == "__main__":
    asyncio.run(serve())
