"""Golden model of the streaming MX decoder (``hwgen.hw.mx.decoder.MxDecoder``).

Output word of a block, lowest bits first: per element ``sign`` (1), ``mant``
(``mant_bits``), ``exp`` (``exp_bits``), ``nan`` (1), ``inf`` (1); then the shared exponent
(8) and its NaN flag (1).
"""

from __future__ import annotations

from ..quant.mx import E8M0_NAN, SCALE_BITS, element_fields, mx_format, unpack_blocks

__all__ = ["decode_block_words", "decoded_bits"]


def decoded_bits(fmt, block_size: int) -> int:
    elem = mx_format(fmt).element
    return block_size * (3 + elem.mant_bits + elem.exp_bits) + SCALE_BITS + 1


def decode_block_words(words, fmt, block_size: int) -> list[int]:
    """Decoded output words of packed block words (``hwgen.quant.mx.pack_blocks``)."""
    fmt = mx_format(fmt)
    elem = fmt.element
    t = unpack_blocks(list(words), fmt, block_size, (len(words), block_size))
    f = element_fields(t.codes, elem, t.micro)
    width = 3 + elem.mant_bits + elem.exp_bits
    out = []
    for b in range(len(words)):
        word = 0
        for i in range(block_size):
            record = (int(f.sign[b, i]) | int(f.mant[b, i]) << 1
                      | int(f.exp[b, i]) << (1 + elem.mant_bits)
                      | int(f.nan[b, i]) << (1 + elem.mant_bits + elem.exp_bits)
                      | int(f.inf[b, i]) << (2 + elem.mant_bits + elem.exp_bits))
            word |= record << (i * width)
        scale = int(t.scales[b, 0])
        word |= (scale | int(scale == E8M0_NAN) << SCALE_BITS) << (block_size * width)
        out.append(word)
    return out
