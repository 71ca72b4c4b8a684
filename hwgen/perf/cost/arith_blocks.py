"""Cost of the small arithmetic blocks: window reduction (pools), the depthwise unit and the
element-wise adder (``hwgen.hw.arith``).

Each keeps per-channel-group running values in registers (pools, depthwise: ``G`` groups of
``lanes`` values, read through a ``G``-way select), does one operation per lane and beat (a
max, a sum, a multiply-accumulate, a scaled sum of two inputs), requantizes where the result
changes scale, and writes an output FIFO.
"""

from __future__ import annotations

import numpy as np

from ...ir.blocks.depthwise import DepthwiseParams
from ...ir.blocks.eltwise_add import AddParams
from ...ir.blocks.window_reduce import WindowReduceParams
from .arith import index_bits, range_bits, width
from .components import (
    counter,
    fold_table,
    odd_zero_clamp,
    register_slice,
    requantizer,
    stream_fifo,
)
from .memory import Ram, rom_from_fields
from .model import cost_function
from .tally import Tally

__all__ = ["window_reduce_features", "window_reduce_control_ffs", "depthwise_features",
           "eltwise_add_features", "window_reduce_cost", "depthwise_cost", "eltwise_add_cost"]


def _credits(t: Tally, depth: int) -> None:
    t.reg(range_bits(depth + 1))
    t.add(range_bits(depth + 1))


def _running(t: Tally, groups: int, bits: int) -> None:
    """``groups`` registers of ``bits`` read through a select and written by group."""
    t.reg(groups * bits)
    if groups > 1:
        t.mux(bits, groups)
        t.logic(groups)


def window_reduce_control_ffs(positions: int, groups: int, fifo_depth: int) -> int:
    """The pool's control flip-flops: the position and group counters, the first / last
    position and last group flags, the output credits and their ``!= 0`` flag and, with
    several groups, the next group, the pending write's group and its valid bit."""
    ffs = index_bits(positions) + 3 + range_bits(fifo_depth + 1) + 1
    if groups > 1:
        ffs += 3 * index_bits(groups) + 1
    return ffs


def window_reduce_features(p: WindowReduceParams, t: Tally) -> None:
    t.block()
    lanes, bits = p.lanes, p.acc_bits if p.op == "avg" else p.input_type.bits
    if p.input_slice:
        register_slice(t, width_bits=lanes * p.input_type.bits)
    # The control (counters, flags set a cycle early, credits, with groups the next and the
    # pending group and their compare) as its flip-flops, each one's next state a small
    # function that ABC packs with its neighbours: ``wr_ctl``, measured on the pool alone
    # (the counters' and compares' fitted costs, from the MVAUs' wide ones, are far above)
    ctl = window_reduce_control_ffs(p.positions, p.groups, p.out_fifo_depth)
    t.reg(ctl)
    t.features["wr_ctl"] += ctl
    if p.groups > 1:
        # a memory read without a clock at the next group (a write-only port at the
        # pending group): the current group's value read a beat early into a register, the
        # merged value written a cycle late from registers, a bypass when they meet
        t.ram("running", Ram(depth=p.groups, width=lanes * bits, sync_read=False))
        t.reg(2 * lanes * bits)                       # current, pending_value
        # the pending value or the memory's read, a LUT a bit (``wr_bypass``)
        t.features["wr_bypass"] += lanes * bits
    else:
        t.reg(lanes * bits)
    if p.op == "max":
        t.cmp(bits, count=lanes)
        t.mux(lanes * bits)
        if p.input_type.signed and bits >= t.target.carry_min_bits:
            # a signed compare in a carry chain: the chain compares all but the sign bits, and
            # the sign bits' correction is folded into the lane's select (``cmp_signed``, a
            # lane; measured on the pool alone: on ECP5 about 5 of the select's bits become
            # two LUT4 and a PFUMX; nothing on xcup's LUT6s)
            t.features["cmp_signed"] += lanes
    else:
        t.add(bits, count=lanes)
    t.mux(lanes * bits)                                    # first position: the input
    t.reg(1 + lanes * bits)                                # result1, done1
    if p.op == "avg":
        lo, hi = p.acc_range
        acc = width(lo, hi)
        if p.in_zero_point:
            t.add(acc, count=lanes)
        requantizer(t, acc_bits=acc, out_bits=p.output_type.bits,
                    multiplier=np.full((1, lanes), p.multiplier),
                    shift=np.full((1, lanes), p.shift), rounding=p.rounding.value, lanes=lanes)
    stream_fifo(t, "fifo", width_bits=lanes * p.output_type.bits, depth=p.out_fifo_depth)


def depthwise_features(p: DepthwiseParams, t: Tally) -> None:
    t.block()
    lanes, steps = p.pe, p.positions * p.groups
    counter(t, steps)
    counter(t, p.groups)
    _credits(t, p.out_fifo_depth)
    t.cmp(index_bits(steps), constant=True)
    taps = p.weights.T.reshape(steps, lanes)
    t.rom("weights", rom_from_fields(taps, p.weight_type.bits, sync_read=True,
                                      counter_address=True))
    t.reg(3 + (index_bits(p.groups) if p.groups > 1 else 0))
    fold_table(t, "acc_bias", p.acc_bias.reshape(p.groups, lanes), bits=32)
    _running(t, p.groups, lanes * p.acc_bits)
    product = t.multiply(p.input_type.bits, p.weight_type.bits, p.acc_bits, count=lanes,
                         a_signed=p.input_type.signed)
    # the registered inputs: the products' operand registers where they are DSPs (xc7
    # packs them: d01-d03 keep 26 flip-flops a lane less on xc7 than on xcup, these 8 and
    # the finished sum's 18 below)
    (t.dsp_reg if product.dsp else t.reg)(lanes * p.input_type.bits)
    t.add(p.acc_bits, count=lanes, dsp_input=product.dsp > 0)
    if p.groups == 1 and product.dsp:
        # One group: the running sum is one register and the bias a constant. Yosys packs
        # no post-adder (each DSP a bare multiply), so the adder is a LUT a bit beside its
        # carry cells (on ECP5 the CCU2Cs' own) and the preload select folds into that LUT
        # (``dw_sum``, measured in d02: the select 1 LUT of 72 bits on xcup and on ECP5).
        # With groups the adder's LUTs merge with the group and preload selects, which the
        # fit carries (``mux_n``, ``acc_mux``; measured together only)
        t.features["dw_sum"] += lanes * p.acc_bits
    else:
        t.features["acc_mux"] += lanes * p.acc_bits            # first tap: the bias
    t.reg(1 + (index_bits(p.groups) if p.groups > 1 else 0))
    dsps = t.dsp
    requantizer(t, acc_bits=p.acc_bits, out_bits=p.output_type.bits,
                multiplier=p.multiplier.reshape(p.groups, lanes),
                shift=p.shift.reshape(p.groups, lanes), rounding=p.rounding.value,
                lanes=lanes)
    # the finished sums, read by the requantizer's multiplies only: where those are DSPs,
    # their operand registers (xc7 packs them: d02's 72 flip-flops on xcup, none on xc7
    # when synthesised alone)
    (t.dsp_reg if t.dsp > dsps else t.reg)(lanes * p.acc_bits)
    stream_fifo(t, "fifo", width_bits=lanes * p.output_type.bits, depth=p.out_fifo_depth)


def eltwise_add_features(p: AddParams, t: Tally) -> None:
    t.block()
    lanes = p.lanes
    _credits(t, p.out_fifo_depth)
    lo, hi = p.acc_range
    acc = width(lo, hi)
    for in_type, zero, factor in ((p.a_type, p.a_zero_point, p.a_factor),
                                  (p.b_type, p.b_zero_point, p.b_factor)):
        diff = width(in_type.qmin - zero, in_type.qmax - zero)
        if zero:
            t.add(diff, count=lanes)
        t.multiply_constant(diff, factor, acc, count=lanes)
    t.add(acc, count=lanes)
    t.reg(1)
    dsps = t.dsp
    requantizer(t, acc_bits=acc, out_bits=p.output_type.bits,
                multiplier=np.full((1, lanes), p.multiplier),
                shift=np.full((1, lanes), p.shift), rounding=p.rounding.value, lanes=lanes)
    # the sums, read by the requantizer's multiplies only: where those are DSPs, their
    # operand registers (xc7 packs them: a01's 88 ``i_acc`` flip-flops on xcup, none on xc7)
    (t.dsp_reg if t.dsp > dsps else t.reg)(lanes * acc)
    odd_zero_clamp(t, lanes=lanes, rounding=p.rounding.value, zero_point=p.out_zero_point,
                   out_min=p.out_min)
    stream_fifo(t, "fifo", width_bits=lanes * p.output_type.bits, depth=p.out_fifo_depth)


window_reduce_cost = cost_function(window_reduce_features)
depthwise_cost = cost_function(depthwise_features)
eltwise_add_cost = cost_function(eltwise_add_features)
