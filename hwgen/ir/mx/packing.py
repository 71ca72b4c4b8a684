"""Memory words of the MX MVAU (what its on-chip memories hold).

Element memory: one word per step ``(nf, sf)`` at address ``nf * SF + sf``, holding the
``PE x SIMD`` element codes of that step, element ``p * SIMD + s`` (``W[nf*PE + p,
sf*SIMD + s]``) in bits ``[(p*SIMD + s) * w, ...)``, then, for MX4 / MX6 / MX9, one
micro-exponent per pair: pair ``(p, s // 2)`` at bit ``PE*SIMD*w + p*SIMD/2 + s//2``.

Scale memory (MX weights): one word per *scale step* at address ``nf * SS + ss``, holding
``PE x G`` shared exponents (``G = max(1, SIMD / k)`` blocks per beat), exponent
``p * G + g`` in bits ``[(p*G + g) * 8, ...)``. A scale step covers ``R = max(1, k / SIMD)``
steps (``SS = MW / max(k, SIMD)``), so each shared exponent is stored once: the memories hold
exactly the format's bits per weight.
"""

from __future__ import annotations

import numpy as np

from ...quant.mx import mx_format
from ..blocks.mx_mvau import MxMvauParams
from ..packing import pack_words

__all__ = ["mx_element_words", "mx_scale_words", "mx_element_word_bits", "mx_scale_word_bits",
           "mx_memory_images",
           "mx_code_bits", "is_micro"]


def is_micro(p: MxMvauParams) -> bool:
    return p.weight_format in ("mx4", "mx6", "mx9")


def mx_code_bits(p: MxMvauParams) -> int:
    """Bits of one weight element code."""
    return p.weight_int_type.bits if p.weight_int_type else mx_format(p.weight_format).element.bits


def mx_element_word_bits(p: MxMvauParams) -> int:
    micro = p.pe * p.simd // 2 if is_micro(p) else 0
    return p.pe * p.simd * mx_code_bits(p) + micro


def mx_scale_word_bits(p: MxMvauParams) -> int:
    return p.pe * p.groups * 8


def _steps(values: np.ndarray, p: MxMvauParams, lanes: int) -> np.ndarray:
    """Rearrange ``(MH, MW')`` into ``(NF * steps, PE * lanes)`` step-major words."""
    _, width = values.shape
    steps = width // lanes
    return values.reshape(p.nf, p.pe, steps, lanes).transpose(0, 2, 1, 3).reshape(
        p.nf * steps, p.pe * lanes)


def mx_element_words(p: MxMvauParams) -> list[int]:
    """Element memory words, address ``nf * SF + sf``."""
    w = mx_code_bits(p)
    codes = _steps(p.weight_codes, p, p.simd)
    words = pack_words(codes, w)
    if is_micro(p):
        micro = _steps(p.weight_micro[:, 0::2], p, p.simd // 2)
        base = p.pe * p.simd * w
        words = [word | (bits << base)
                 for word, bits in zip(words, pack_words(micro, 1), strict=True)]
    return words


def mx_scale_words(p: MxMvauParams) -> list[int]:
    """Scale memory words, address ``nf * SS + ss`` (MX weights only)."""
    if not p.weight_block:
        return []
    # A row's blocks in one scale step: G of them (SIMD >= k) or one (SIMD < k).
    return pack_words(_steps(p.weight_scales, p, p.groups), 8)


def _pack_rows(rows, bits: int) -> list[int]:
    """Pack rows of Python ints (any size, two's complement in ``bits``) into words."""
    mask = (1 << bits) - 1
    return [sum((int(v) & mask) << (i * bits) for i, v in enumerate(row)) for row in rows]


def mx_memory_images(p: MxMvauParams) -> dict:
    """``{table: (words, bits per word)}``: what the MX MVAU's memories and tables hold."""
    images = {"weights": (mx_element_words(p), mx_element_word_bits(p))}
    if p.weight_block:
        images["scales"] = (mx_scale_words(p), mx_scale_word_bits(p))
        images["exp_lo"] = (_pack_rows(p.weight_exp_lo.reshape(p.nf, p.pe), 8), p.pe * 8)
    acc = p.acc_bits
    images["acc_bias"] = (_pack_rows(p.acc_bias.reshape(p.nf, p.pe), acc), p.pe * acc)
    images["multiplier"] = (_pack_rows(p.multiplier.reshape(p.nf, p.pe), 31), p.pe * 31)
    bits = max(1, int(p.shift.max()).bit_length())
    images["shift"] = (_pack_rows(p.shift.reshape(p.nf, p.pe), bits), p.pe * bits)
    return images
