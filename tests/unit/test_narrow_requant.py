"""hwgen.passes.narrow_requantizers: an accumulator saturated to 18 bits only where no output
changes, checked by brute force over every accumulator the weights allow."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hwgen.errors import IRError
from hwgen.golden.requant import requantize_and_clamp
from hwgen.ir import RequantRounding
from hwgen.passes import narrow_requantizers
from hwgen.quant.multiplier import quantize_multiplier
from tests.fixtures.factories import random_mvau_params


def layer(scale, *, rounding=RequantRounding.GEMMLOWP, pe=2, simd=16, mw=16, relu=True):
    """int8 weights x uint8 inputs, 16 per output: accumulators of about 20 bits."""
    rng = np.random.default_rng(3)
    p = random_mvau_params(rng, mh=4, mw=mw, pe=pe, simd=simd, w_bits=8, in_bits=8,
                           rounding=rounding, relu=relu)
    multiplier, shift = quantize_multiplier(scale * np.array([1.0, 1.3, 1.7, 1.99]))
    return replace(p, multiplier=multiplier, shift=shift)


def saturation_changes_nothing(p, bits=18) -> bool:
    """Brute force: every accumulator of every channel, saturated or not, the same output."""
    w = p.weights
    x_lo, x_hi = p.input_type.qmin, p.input_type.qmax
    lo = np.minimum(w * x_lo, w * x_hi).sum(axis=1) + p.acc_bias
    hi = np.maximum(w * x_lo, w * x_hi).sum(axis=1) + p.acc_bias
    for c in range(p.mh):
        acc = np.arange(lo[c], hi[c] + 1)
        sat = np.clip(acc, -(1 << (bits - 1)), (1 << (bits - 1)) - 1)
        args = (p.multiplier[c], p.shift[c], p.rounding, p.out_zero_point, p.out_min, p.out_max)
        if not np.array_equal(requantize_and_clamp(acc, *args),
                              requantize_and_clamp(sat, *args)):
            return False
    return True


@pytest.mark.parametrize("rounding", list(RequantRounding))
def test_narrowed_exactly_where_saturation_changes_nothing(rounding):
    # 2**17 accumulator units of 2**-9 each are 256 output steps: beyond the int8 range
    wide = layer(2.0 ** -9, rounding=rounding)
    assert wide.acc_bits > 18 and not wide.requant_serial
    (narrowed,) = narrow_requantizers((wide,))
    assert narrowed.requant_acc_bits == 18
    assert saturation_changes_nothing(narrowed)
    # 2**-12: 2**17 units are 32 output steps, inside the range: saturating would change
    # outputs, and the pass leaves the layer alone
    fine = layer(2.0 ** -12, rounding=rounding)
    assert not saturation_changes_nothing(fine)
    (kept,) = narrow_requantizers((fine,))
    assert kept.requant_acc_bits == 0


def test_serial_and_narrow_layers_are_left_alone():
    serial = layer(2.0 ** -9, pe=2, simd=4)                 # SF 4: serial lanes, 1 DSP each
    assert serial.requant_serial and narrow_requantizers((serial,))[0].requant_acc_bits == 0
    narrow = replace(layer(2.0 ** -9, mw=1, simd=1), acc_bias=np.zeros(4))  # 16-bit products
    assert narrow.acc_bits <= 18
    assert narrow_requantizers((narrow,))[0].requant_acc_bits == 0


def test_requant_acc_bits_is_validated():
    p = layer(2.0 ** -9)
    with pytest.raises(IRError, match=r"layer 'layer': requant_acc_bits = 17 is not valid; "
                                      r"use 0, or 18 for an accumulator of more bits whose "
                                      r"requantizer lanes are not serial"):
        replace(p, requant_acc_bits=17)
    with pytest.raises(IRError, match="requant_acc_bits = 18 is not valid"):
        replace(layer(2.0 ** -9, pe=2, simd=4), requant_acc_bits=18)     # serial lanes


def test_design_refuses_a_narrow_lane_that_would_change_outputs():
    # The golden and cycle models ignore requant_acc_bits, so a design built by hand (or a
    # manifest edited) with a narrow lane the proof rejects must not reach the hardware.
    from hwgen.backend import LoweredDesign
    from hwgen.ir import TensorQuant

    def design(block):
        return LoweredDesign(name="narrow", blocks=(block,),
                             input_quant=TensorQuant(block.input_type, 1 / 255, 0),
                             output_quant=TensorQuant(block.output_type, 1.0, 0))

    wide = layer(2.0 ** -9)
    assert design(replace(wide, requant_acc_bits=18)).blocks[0].requant_acc_bits == 18
    fine = layer(2.0 ** -12)
    with pytest.raises(IRError, match=r"layer: requant_acc_bits = 18 would change outputs"):
        design(replace(fine, requant_acc_bits=18))
