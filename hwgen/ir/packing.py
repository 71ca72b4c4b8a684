"""Bit layout of stream beats and memory words.

Element ``i`` of a word of ``n`` elements of ``bits`` bits occupies bits
``[i * bits, (i + 1) * bits)``, two's complement for signed types: element 0 is in the least
significant bits, as in an Amaranth ``data.ArrayLayout``. A vector of ``MW`` elements
streamed ``SIMD`` at a time travels as beats ``0 .. MW/SIMD - 1``, beat ``b`` carrying
elements ``b*SIMD .. (b+1)*SIMD - 1``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pack_words", "unpack_words", "to_beats", "from_beats", "weight_memory_words"]


def pack_words(values, bits: int) -> list[int]:
    """Pack the last axis of integer ``values`` (shape ``(..., n)``) into Python ints."""
    values = np.asarray(values, dtype=np.int64)
    mask = (1 << bits) - 1
    flat = values.reshape(-1, values.shape[-1]) if values.ndim else values.reshape(1, 1)
    words = []
    for row in flat:
        word = 0
        for i, v in enumerate(row.tolist()):
            word |= (v & mask) << (i * bits)
        words.append(word)
    return words


def unpack_words(words, n: int, bits: int, signed: bool) -> np.ndarray:
    """Inverse of :func:`pack_words`: ints to an int64 array of shape ``(len(words), n)``."""
    mask = (1 << bits) - 1
    out = np.empty((len(words), n), dtype=np.int64)
    for r, word in enumerate(words):
        word = int(word)
        for i in range(n):
            v = (word >> (i * bits)) & mask
            if signed and v >> (bits - 1):
                v -= 1 << bits
            out[r, i] = v
    return out


def to_beats(vectors, per_beat: int) -> np.ndarray:
    """Split vectors ``(N, M)`` into beats ``(N * M / per_beat, per_beat)``."""
    vectors = np.asarray(vectors)
    n, m = vectors.shape
    if m % per_beat:
        raise ValueError(f"{per_beat} elements per beat do not divide vectors of {m}")
    return vectors.reshape(n * (m // per_beat), per_beat)


def from_beats(beats, vector_len: int) -> np.ndarray:
    """Join beats ``(B, per_beat)`` into vectors ``(B * per_beat / vector_len, vector_len)``."""
    beats = np.asarray(beats)
    return beats.reshape(-1, vector_len)


def weight_memory_words(weights, pe: int, simd: int, bits: int) -> list[int]:
    """Words of an MVAU weight memory, one per step ``(nf, sf)`` at address ``nf * SF + sf``.

    The word for step ``(nf, sf)`` holds ``W[nf*PE + p, sf*SIMD + s]`` as element
    ``p * SIMD + s`` (PE-major, lane 0 least significant).
    """
    weights = np.asarray(weights, dtype=np.int64)
    mh, mw = weights.shape
    nf, sf = mh // pe, mw // simd
    steps = weights.reshape(nf, pe, sf, simd).transpose(0, 2, 1, 3).reshape(nf * sf, pe * simd)
    return pack_words(steps, bits)
