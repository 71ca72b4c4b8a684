"""The golden function of each block kind: a view of the block-kind catalog.

Each input has shape ``(N, *input_shape)``; a block with two input ports gets two arrays.
"""

from __future__ import annotations

from ..catalog import kind_of, resolve

__all__ = ["golden_function", "golden_codes_function", "golden_block"]


def golden_function(block):
    """``f(*inputs, params)`` of ``block``'s kind (:attr:`hwgen.catalog.BlockKind.golden`)."""
    try:
        return resolve(kind_of(block).golden)
    except KeyError:
        raise TypeError(f"no golden model for {type(block).__name__}") from None


def golden_codes_function(block):
    """The kind's narrow-codes variant (:attr:`hwgen.catalog.BlockKind.golden_codes`), or None."""
    reference = kind_of(block).golden_codes
    return None if reference is None else resolve(reference)


def golden_block(block, *inputs):
    """Outputs of ``block`` for ``inputs``, bit for bit what its hardware computes."""
    return golden_function(block)(*inputs, block)
