"""Width helpers of the MX datapath."""

from __future__ import annotations

__all__ = ["signed_width"]


def signed_width(lo: int, hi: int) -> int:
    """Fewest two's complement bits holding every integer in ``[lo, hi]``."""
    bits = 1
    while not (-(1 << (bits - 1)) <= lo and hi < (1 << (bits - 1))):
        bits += 1
    return bits

