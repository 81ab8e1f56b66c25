"""How shims put their code in mongoeco's place: replaced attributes and stacked layers.

A mongoeco method (or module function) only one shim wraps is replaced outright:
``originals(...)`` reads mongoeco's own attributes once, at import, ``replace`` sets the
shim's replacements (all of them or, when this mongoeco lacks one, none) and ``restore`` puts
mongoeco's back (an obsolescence probe sets a shim aside that way).

A method more than one shim wraps is a ``Layers``: a shim adds its layer instead of replacing
the method, so that the shims stack in any order and any one of them can be set aside on its
own while the others stay. A layer has the method's signature and passes a call on with
``forward(layer, ...)``; ``original`` is mongoeco's own method, for a shim's internal calls.
"""

import inspect

from mongoeco.api._async.client import AsyncDatabase
from mongoeco.wire._executor_handlers import WireSpecialCommandHandlers
from mongoeco.wire.surface import WireSurface


def originals(*targets):
    """{(owner, name): mongoeco's attribute, or None where this mongoeco lacks it}."""
    return {(owner, name): getattr(owner, name, None) for owner, name in targets}


def replace(originals, replacements):
    """Set each of replacements ({(owner, name): stand-in}) in mongoeco's place, unless one of
    originals is missing (a renamed method: the shim stands down whole). Idempotent; returns
    whether the replacements are in place."""
    if any(original is None for original in originals.values()):
        return False
    for (owner, name), replacement in replacements.items():
        setattr(owner, name, replacement)
    return True


def restore(originals):
    """Put mongoeco's own attributes back (those this mongoeco has)."""
    for (owner, name), original in originals.items():
        if original is not None:
            setattr(owner, name, original)


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
