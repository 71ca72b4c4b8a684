"""On-chip memory contents per block kind, as $readmemh images (the Verilog carries the same)."""

from __future__ import annotations

from ..ir.blocks.binary_mvau import BinaryWeightMvauParams, TernaryMvauParams, XnorMvauParams
from ..ir.blocks.depthwise import DepthwiseParams
from ..ir.blocks.int_mvau import IntMvauParams
from ..ir.mx.packing import mx_memory_images
from ..ir.blocks.mx_mvau import MxMvauParams
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


def _binary_mvau(p) -> dict:
    # The hardware's own view: weight bits (ternary: mask and sign planes), accumulator
    # preloads and, for thresholds, the thresholds and flips in the accumulator's domain.
    from ..hw.arith.adder_tree import shape_for_range
    images = {"weights": p.weight_memory()}
    bits = shape_for_range(min(int(p.hw_bias.min()), -1), max(int(p.hw_bias.max()), 0)).width
    images["acc_preload"] = (pack_words(p.hw_bias.reshape(p.nf, p.pe), bits), p.pe * bits)
    if p.thresholds is not None:
        thresholds, flip = p.hw_thresholds()
        bits = shape_for_range(int(thresholds.min()), int(thresholds.max())).width
        per_row = thresholds.shape[1] * p.pe
        images["thresholds"] = (pack_words(thresholds.reshape(p.nf, per_row), bits),
                                per_row * bits)
        images["threshold_flip"] = (pack_words(flip.reshape(p.nf, p.pe), 1), p.pe)
    return images


def _depthwise(p: DepthwiseParams) -> dict:
    from ..hw.arith.depthwise_unit import depthwise_weight_words
    return {
        "weights": (depthwise_weight_words(p), p.pe * p.weight_type.bits),
        "acc_bias": (pack_words(p.acc_bias.reshape(p.groups, p.pe), 32), p.pe * 32),
        "multiplier": (pack_words(p.multiplier.reshape(p.groups, p.pe), 31), p.pe * 31),
        "shift": (pack_words(p.shift.reshape(p.groups, p.pe), 6), p.pe * 6),
    }


#: block class -> function(block) -> {table name: (words, bits per word)}
MEMORY_IMAGES = {IntMvauParams: _int_mvau, XnorMvauParams: _binary_mvau,
                 BinaryWeightMvauParams: _binary_mvau, TernaryMvauParams: _binary_mvau,
                 MxMvauParams: mx_memory_images, DepthwiseParams: _depthwise}


def memory_images(block) -> dict:
    """Tables of ``block``; a block kind without memories has none."""
    images = MEMORY_IMAGES.get(type(block))
    return images(block) if images else {}
