"""Bit-accurate integer golden model, one function per hardware block. Never imports Amaranth."""

from .model import run_pipeline
from .mvau import int_mvau
from .requant import (
    requantize,
    requantize_and_clamp,
    rounding_divide_by_pot,
    saturating_rounding_doubling_high_mul,
)

__all__ = ["run_pipeline", "int_mvau", "rounding_divide_by_pot", "requantize",
           "requantize_and_clamp", "saturating_rounding_doubling_high_mul"]
