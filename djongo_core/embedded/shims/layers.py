"""mongoeco methods that more than one shim wraps, each shim a layer.

A shim adds its layer here instead of replacing the method, so that the shims stack in any
order and any one of them can be set aside on its own (an obsolescence probe removes its shim
while the others stay). A layer has the method's signature and passes a call on with
``forward(layer, ...)``; ``original`` is mongoeco's own method, for a shim's internal calls.
"""

import inspect

from mongoeco.api._async.client import AsyncDatabase
from mongoeco.wire._executor_handlers import WireSpecialCommandHandlers
from mongoeco.wire.surface import WireSurface


class Layers:
    def __init__(self, owner, name):
        self.owner, self.name = owner, name
        self.original = getattr(owner, name, None)
        self._layers = []  # the first added sees a call first
        if inspect.iscoroutinefunction(self.original):
            async def entry(*args, **kwargs):
                return await self._first()(*args, **kwargs)
        else:
            def entry(*args, **kwargs):
                return self._first()(*args, **kwargs)
        self._entry = entry

    @property
    def available(self):
        """Whether this mongoeco has the method (a shim stands down otherwise)."""
        return self.original is not None

    def _first(self):
        return self._layers[0] if self._layers else self.original

    def forward(self, layer, *args, **kwargs):
        """Call the layer after ``layer``, or mongoeco's method (a coroutine when it is async)."""
        # A layer removed while one of its calls runs passes the rest on to mongoeco.
        index = self._layers.index(layer) + 1 if layer in self._layers else len(self._layers)
        following = self._layers[index] if index < len(self._layers) else self.original
        return following(*args, **kwargs)

    def add(self, layer):
        """Add a layer (idempotent; nothing when this mongoeco lacks the method)."""
        if not self.available:
            return
        if layer not in self._layers:
            self._layers.append(layer)
        setattr(self.owner, self.name, self._entry)

    def remove(self, layer):
        if layer in self._layers:
            self._layers.remove(layer)
        if self.available and not self._layers:
            setattr(self.owner, self.name, self.original)


# The wire server's dispatch of the commands it handles itself (getMore, killCursors,
# transactions...): the write-conflict and change-stream shims.
SPECIAL_COMMANDS = Layers(WireSpecialCommandHandlers, "dispatch")
# A command document run on a database, which the wire server calls for every query and write:
# the text-search and search shims.
DATABASE_COMMAND = Layers(AsyncDatabase, "command")
# Whether the wire server takes a command at all: the collMod and search shims.
SUPPORTS_COMMAND = Layers(WireSurface, "supports_command")
