"""The Amaranth component of each block kind: a view of the block-kind catalog."""

from __future__ import annotations

from ..catalog import kind_of, resolve

__all__ = ["component_class", "block_component"]


def component_class(block) -> type:
    """The ``wiring.Component`` class of ``block``'s kind."""
    try:
        return resolve(kind_of(block).component)
    except KeyError:
        raise TypeError(f"no hardware block implements {type(block).__name__}") from None


def block_component(block):
    """A new component implementing ``block`` (``i_stream`` / ``o_stream``, and ``i_stream2``
    for a block with two inputs)."""
    return component_class(block)(params=block)
