"""Bit-packed storage of MX blocks: what a memory holds.

One block of ``k`` elements of ``w``-bit codes is a word of :func:`block_bits` bits::

    bits [0, 8)                       the E8M0 shared exponent E
    bits [8 + i*w, 8 + (i+1)*w)       element i's code (i = 0 .. k-1), lane 0 lowest
    bits [8 + k*w + p]                micro formats: pair p's micro-exponent (p = 0 .. k/2-1)

A tensor is a stream of such words, block after block (row-major over the leading axes,
then along the blocked axis); :func:`pack_mx` concatenates them into bytes, least
significant bit first. A shorter last block along an axis is stored padded with zero codes.
Memory bits per element are ``block_bits / k``: ``w + 8/k`` (OCP formats, e.g. 4.25 for
MXFP4 with k = 32) and ``(m + 1) + 8/16 + 1/2`` = 4 / 6 / 9 for MX4 / MX6 / MX9.
"""

from __future__ import annotations

import numpy as np

from hwgen.errors import QuantizationError

from .block import MxTensor, check_block_size
from .formats import SCALE_BITS, mx_format

__all__ = ["block_bits", "pack_blocks", "unpack_blocks", "pack_mx", "unpack_mx"]


def block_bits(fmt, block_size=None) -> int:
    """Bits of one packed block."""
    fmt = mx_format(fmt)
    k = check_block_size(fmt, block_size)
    return SCALE_BITS + k * fmt.element.bits + (k // 2 if fmt.micro else 0)


def pack_blocks(t: MxTensor) -> list[int]:
    """One integer word per block (see the module docstring for the layout)."""
    fmt, k, w = t.fmt, t.block_size, t.fmt.element.bits
    n = t.codes.shape[-1]
    nb = t.scales.shape[-1]
    codes = np.zeros(t.codes.shape[:-1] + (nb * k,), dtype=np.int64)
    codes[..., :n] = t.codes
    codes = codes.reshape(-1, nb, k)
    scales = t.scales.reshape(-1, nb)
    if fmt.micro:
        micro = np.zeros(t.codes.shape[:-1] + (nb * k,), dtype=np.int64)
        micro[..., :n] = t.micro
        micro = micro.reshape(-1, nb, k)[..., 0::2]
    words = []
    for r in range(codes.shape[0]):
        for b in range(nb):
            word = int(scales[r, b])
            for i, c in enumerate(codes[r, b].tolist()):
                word |= c << (SCALE_BITS + i * w)
            if fmt.micro:
                for p, mu in enumerate(micro[r, b].tolist()):
                    word |= mu << (SCALE_BITS + k * w + p)
            words.append(word)
    return words


def unpack_blocks(words, fmt, block_size, shape) -> MxTensor:
    """Inverse of :func:`pack_blocks` for a tensor of ``shape`` (blocked along the last axis)."""
    fmt = mx_format(fmt)
    k = check_block_size(fmt, block_size)
    w = fmt.element.bits
    shape = tuple(shape)
    n = shape[-1]
    nb = -(-n // k)
    rows = int(np.prod(shape[:-1], dtype=np.int64))
    if len(words) != rows * nb:
        raise QuantizationError(f"{len(words)} blocks do not make a tensor of shape {shape}")
    codes = np.zeros((rows * nb, k), dtype=np.int64)
    micro = np.zeros((rows * nb, k), dtype=np.int64)
    scales = np.zeros(rows * nb, dtype=np.int64)
    for b, word in enumerate(words):
        word = int(word)
        scales[b] = word & ((1 << SCALE_BITS) - 1)
        for i in range(k):
            codes[b, i] = (word >> (SCALE_BITS + i * w)) & ((1 << w) - 1)
        if fmt.micro:
            for p in range(k // 2):
                micro[b, 2 * p: 2 * p + 2] = (word >> (SCALE_BITS + k * w + p)) & 1
    codes = codes.reshape(shape[:-1] + (nb * k,))[..., :n]
    micro = micro.reshape(shape[:-1] + (nb * k,))[..., :n] if fmt.micro else None
    return MxTensor(fmt=fmt, block_size=k, codes=codes, scales=scales.reshape(shape[:-1] + (nb,)),
                    micro=micro)


def pack_mx(t: MxTensor) -> bytes:
    """The tensor as bytes: its blocks' words back to back, least significant bit first."""
    bits = block_bits(t.fmt, t.block_size)
    stream = 0
    for index, word in enumerate(pack_blocks(t)):
        stream |= word << (index * bits)
    total = bits * t.scales.size
    return stream.to_bytes(-(-total // 8), "little")


def unpack_mx(data: bytes, fmt, block_size, shape) -> MxTensor:
    """Inverse of :func:`pack_mx`."""
    fmt = mx_format(fmt)
    k = check_block_size(fmt, block_size)
    bits = block_bits(fmt, k)
    shape = tuple(shape)
    count = int(np.prod(shape[:-1], dtype=np.int64)) * -(-shape[-1] // k)
    if len(data) != -(-bits * count // 8):
        raise QuantizationError(
            f"{len(data)} bytes do not hold {count} {fmt.name} blocks of {bits} bits")
    stream = int.from_bytes(data, "little")
    mask = (1 << bits) - 1
    words = [(stream >> (i * bits)) & mask for i in range(count)]
    return unpack_blocks(words, fmt, k, shape)
