"""On-chip memory contents of each block, as $readmemh images: a view of the block-kind
catalog (each kind's hardware module says what its memories hold)."""

from __future__ import annotations

from ..catalog import kind_of, resolve

__all__ = ["memory_images"]


def memory_images(block) -> dict:
    """``{table: (words, bits per word)}`` of ``block``; a kind without memories has none."""
    reference = kind_of(block).memory_images
    return resolve(reference)(block) if reference else {}
