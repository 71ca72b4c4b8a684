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


def block_component(block, roms=None):
    """A new component implementing ``block`` (``i_stream`` / ``o_stream``, and ``i_stream2``
    for a block with two inputs).

    ``roms`` (a :class:`~hwgen.hw.rom.RomFiles`) ships the tables of a kind with memories (a
    ``memory_images`` entry in the catalog; its component takes ``roms=``) as ``$readmemh``
    images; kinds without memories ignore it.
    """
    cls = component_class(block)
    if roms is None or kind_of(block).memory_images is None:
        return cls(params=block)
    return cls(params=block, roms=roms)
