"""The cycle model of each block kind: a view of the block-kind catalog."""

from __future__ import annotations

from ..catalog import kind_of, resolve
from .cycle_model import CycleModel

__all__ = ["CycleModel", "cycle_model"]


def cycle_model(block) -> CycleModel:
    """The :class:`CycleModel` of ``block``'s kind."""
    try:
        return resolve(kind_of(block).cycle_model)
    except KeyError:
        raise TypeError(f"no cycle model for {type(block).__name__}") from None
