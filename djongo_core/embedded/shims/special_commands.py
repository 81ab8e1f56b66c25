"""mongoeco's dispatch of the commands its wire server handles itself
(``WireSpecialCommandHandlers.dispatch``), which more than one shim wraps.

Each shim adds a layer here instead of replacing the method, so that the shims stack and any one
of them can be set aside on its own (an obsolescence probe removes its shim while the others stay
installed). A layer is ``async layer(handlers, context)``; it passes a command on with
``forward(layer, handlers, context)``.
"""

from mongoeco.wire._executor_handlers import WireSpecialCommandHandlers

ORIGINAL = getattr(WireSpecialCommandHandlers, "dispatch", None)
_layers = []  # the first added sees a command first


async def _dispatch(handlers, context):
    return await (_layers[0] if _layers else ORIGINAL)(handlers, context)


async def forward(layer, handlers, context):
    """Pass a command on from ``layer`` to the next layer, or to mongoeco."""
    # A layer removed while one of its commands runs passes the rest on to mongoeco.
    index = _layers.index(layer) + 1 if layer in _layers else len(_layers)
    following = _layers[index] if index < len(_layers) else ORIGINAL
    return await following(handlers, context)


def add(layer):
    """Add a layer (idempotent); False when this mongoeco has no such dispatch to wrap."""
    if ORIGINAL is None:
        return False
    if layer not in _layers:
        _layers.append(layer)
    WireSpecialCommandHandlers.dispatch = _dispatch
    return True


def remove(layer):
    if layer in _layers:
        _layers.remove(layer)
    if ORIGINAL is not None and not _layers:
        WireSpecialCommandHandlers.dispatch = ORIGINAL
