"""On-chip memory contents per block kind, as $readmemh images (the Verilog carries the same)."""

from __future__ import annotations

from ..ir.mvau_params import IntMvauParams
from ..ir.packing import pack_words, weight_memory_words

__all__ = ["MEMORY_IMAGES", "memory_images"]


def _int_mvau(p: IntMvauParams) -> dict:
    return {
        "weights": (weight_memory_words(p.weights, p.pe, p.simd, p.weight_type.bits),
                    p.pe * p.simd * p.weight_type.bits),
        "acc_bias": (pack_words(p.acc_bias.reshape(p.nf, p.pe), 32), p.pe * 32),
        "multiplier": (pack_words(p.multiplier.reshape(p.nf, p.pe), 31), p.pe * 31),
        "shift": (pack_words(p.shift.reshape(p.nf, p.pe), 6), p.pe * 6),
    }


#: block class -> function(block) -> {table name: (words, bits per word)}
MEMORY_IMAGES = {IntMvauParams: _int_mvau}


def memory_images(block) -> dict:
    """Tables of ``block``; a block kind without memories has none."""
    images = MEMORY_IMAGES.get(type(block))
    return images(block) if images else {}
