"""Integer-only parameters of an integer MVAU: the single bridge from a layer to hardware.

:class:`IntMvauParams` is what the golden model (``hwgen.golden.mvau.int_mvau``), the cycle
model (``hwgen.perf``) and the hardware (``hwgen.hw.arith.int_mvau.IntMvau``) all take. It holds
integers only; :meth:`IntMvauParams.from_layer` derives it from a :class:`QuantDense` by
folding the input zero point into the bias and writing each ``M_i = S_W[i] S_X / S_Y`` as a
multiplier and shift.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ...errors import IRError
from ...quant.multiplier import quantize_multiplier
from ..layers.conv import QuantConv
from ..layers.dense import QuantDense
from ..rules import RequantRounding
from ..types import IntType
from .matrix_folding import MatrixFolding
from .pipeline_key import INPUT_SLICE_DEPTH, PIPELINE_CHOICES, check_pipeline
from .requant_fields import RequantFields, check_requant_ranges, freeze_requant_fields, frozen_ints
from .sliding_window import conv_window

__all__ = ["IntMvauParams", "signed_bits_for_range", "lower_dense", "lower_conv",
           "DSP_PACKING_CHOICES", "DOT_LEVELS_PER_STAGE", "REQUANT_EXTRA_STAGES", "codes_pack",
           "requant_plan", "REQUANT_SPLIT_ACC_BITS", "REQUANT_NARROW_BITS", "PIPELINE_CHOICES",
           "REQUANT_DEEP_STAGES", "INPUT_SLICE_DEPTH"]

#: DSP packing (``hwgen.hw.arith.dsp_packing``): the widest weight and input codes packed, the
#: narrowest product worth packing (Yosys keeps narrower ones in LUTs).
PACK_MAX_BITS, PACK_MIN_PRODUCT_BITS = 8, 9


def codes_pack(weight_type: IntType, input_type: IntType, dsp_packing: str = "auto") -> bool:
    """Whether two PEs' products of these codes share one multiply (``dsp_packing``,
    ``hwgen.hw.arith.dsp_packing.packable``): weights of 2 to 8 bits, inputs of at most 8,
    products of at least 9 bits, and packing not turned off."""
    corners = [a * b for a in (weight_type.qmin, weight_type.qmax)
               for b in (input_type.qmin, input_type.qmax)]
    lo, hi = min(corners), max(corners)
    product_bits = max(1, hi.bit_length()) if lo >= 0 else signed_bits_for_range(lo, hi)
    return (dsp_packing != "off" and 2 <= weight_type.bits <= PACK_MAX_BITS
            and input_type.bits <= PACK_MAX_BITS and product_bits >= PACK_MIN_PRODUCT_BITS)


#: Adder levels of a PE's dot-product tree between two registers
#: (:attr:`IntMvauParams.dot_registers`).
DOT_LEVELS_PER_STAGE = 2
#: Register stages the int MVAU's requantizer has beyond the plain requantizer's two
#: (``hwgen.hw.arith.requantizer.Requantizer``'s ``extra_stages``).
REQUANT_EXTRA_STAGES = 4

#: Register stages the requantizer of a ``pipeline = "deep"`` int MVAU has beyond
#: :data:`REQUANT_EXTRA_STAGES` (``hwgen.hw.arith.requant_deep``: eight stages, the tiles'
#: operands, the tiles, two sums, gemmlowp's first rounding, the rounding shift, one add of
#: the rounding and the zero point, the saturation).
REQUANT_DEEP_STAGES = 2

#: Accumulator bits the requantizer can saturate to (``requant_acc_bits``): a DSP48E2's
#: 18-bit port, the multiplier's top 26 bits on its 27-bit port.
REQUANT_NARROW_BITS = 18

#: Widest accumulator the requantizer multiplies in two pieces (a DSP48E2's 27-bit port;
#: ``hwgen.hw.arith.requantizer.MULTIPLIER_A_BITS``): only such a multiply can be serial.
REQUANT_SPLIT_ACC_BITS = 27


def requant_plan(pe: int, sf: int, acc_bits: int = 0,
                 serial_ok: bool = True) -> tuple[int, int, bool]:
    """The requantizer of an integer MVAU: ``(units, rounds, serial)``.

    A fold's ``PE`` accumulators are complete together once every ``SF`` cycles. Each
    multiplier lane's product is two pieces (``hwgen.hw.arith.requantizer``). In parallel
    (two multipliers per lane, a lane per cycle) ``ceil(PE / SF)`` lanes requantize them in
    ``rounds = ceil(PE / units) <= SF`` cycles. Serial (the two pieces one after the other
    on one multiplier, a round every two cycles) ``ceil(PE / floor(SF / 2))`` lanes do, in
    ``2 x rounds <= SF`` cycles. Serial is chosen when it needs fewer multipliers (``SF >=
    2`` and the accumulator at most :data:`REQUANT_SPLIT_ACC_BITS` bits), else parallel;
    never when not ``serial_ok`` (a ``pipeline = "deep"`` requantizer has no serial lanes).
    """
    units = -(-pe // sf)
    if serial_ok and sf >= 2 and acc_bits <= REQUANT_SPLIT_ACC_BITS:
        serial_units = -(-pe // (sf // 2))
        if serial_units < 2 * units:
            return serial_units, -(-pe // serial_units), True
    return units, -(-pe // units), False


#: Values of the ``dsp_packing`` key (CONFIG.toml, :class:`IntMvauParams`).
DSP_PACKING_CHOICES = ("auto", "off")



def signed_bits_for_range(lo: int, hi: int) -> int:
    """Fewest two's complement bits that hold every integer in ``[lo, hi]``."""
    bits = 1
    while not (-(1 << (bits - 1)) <= lo and hi <= (1 << (bits - 1)) - 1):
        bits += 1
    return bits



@dataclass(frozen=True, eq=False)
class IntMvauParams(MatrixFolding, RequantFields):
    """Parameters of one integer matrix-vector-activation unit.

    ``y[i] = clamp(out_zero_point + requant(acc_bias[i] + sum_j weights[i, j] * x[j],
    multiplier[i], shift[i], rounding), out_min, out_max)``

    Parameters
    ----------
    name : str
        Layer name, used in messages and in the Verilog hierarchy.
    weights : numpy.ndarray
        Signed weight codes, shape ``(MH, MW)``.
    weight_type, input_type, output_type : IntType
        Code types of weights, input activations (raw codes, zero point folded away) and outputs.
    acc_bias : numpy.ndarray
        Bias added to the accumulator, with ``-Z_X * sum_j q_W[i, j]`` folded in, shape ``(MH,)``.
    multiplier, shift : numpy.ndarray
        Per-channel requantization constants (``M = multiplier * 2**(shift - 31)``).
    rounding : RequantRounding
        Requantization rule.
    out_zero_point, out_min, out_max : int
        Output zero point and saturation bounds (a fused ReLU sets ``out_min`` to the zero point).
    pe, simd : int
        Folding: output channels and input elements per cycle.
    out_fifo_depth : int
        Output FIFO depth in beats (at least 1); ``hwgen.passes.size_fifos`` sets it.
    in_fifo_depth : int
        Depth in beats of a FIFO in front of the layer's input, 0 for none.
    spatial : tuple of int
        Leading dimensions of the input tensor: ``prod(spatial)`` vectors per inference (the
        output pixels of a convolution); ``()`` for a dense layer.
    dsp_packing : str
        ``"auto"``: pairs of PEs share one multiplier per input lane where the products are
        wide enough for a DSP and narrow enough to pack (``hwgen.hw.arith.dsp_packing``);
        ``"off"``: one multiplier per product. Bit-exact and cycle-exact either way.
    requant_acc_bits : int
        0, or :data:`REQUANT_NARROW_BITS`: the requantizer saturates each accumulator to
        that many bits before its multiply, which then takes one DSP48E2 instead of two.
        ``hwgen.passes.narrow_requantizers`` sets it only where the golden rule shows that
        the saturation changes no output (the requantizer is monotone and clamps); the
        golden and cycle models ignore it.
    pipeline : str
        ``"auto"``: the pipeline registers of ``docs/synthesis.md`` ("Timing"); ``"deep"``:
        also a second register of the weights and inputs in front of every multiply (one
        can become the DSP's input register, the other stays after the memory), and a
        requantizer of :data:`REQUANT_DEEP_STAGES` more stages whose multiply is tiled into
        18 x 18 products, each between registers of its own (``hwgen.hw.arith.
        requantizer``'s ``deep``), with parallel lanes only (no :attr:`requant_serial`).
        Also a register slice at the input (:attr:`input_slice`). Same outputs, same II, a
        few cycles more latency (:attr:`pipeline_delay`, and the slice's one).
    """

    kind = "int_mvau"

    name: str
    weights: np.ndarray
    weight_type: IntType
    input_type: IntType
    output_type: IntType
    rounding: RequantRounding
    pe: int
    simd: int
    out_fifo_depth: int = 1
    in_fifo_depth: int = 0
    spatial: tuple = ()
    dsp_packing: str = "auto"
    requant_acc_bits: int = 0
    pipeline: str = "auto"

    @classmethod
    def example(cls, rng) -> "IntMvauParams":
        """A 6 x 8 MVAU, int4 weights, uint8 in, int8 out, folded 2 x 4, per-channel
        requantization and a fused ReLU; outputs spread over their range."""
        mh, mw = 6, 8
        w_type, in_type, out_type = IntType(4, True), IntType(8, False), IntType(8, True)
        weights = rng.integers(w_type.qmin, w_type.qmax + 1, size=(mh, mw))
        multiplier, shift = quantize_multiplier(rng.uniform(0.01, 0.03, size=mh))
        zero_point = int(rng.integers(-20, 21))
        return cls(name="example_int_mvau", weights=weights, weight_type=w_type,
                   input_type=in_type, output_type=out_type,
                   acc_bias=rng.integers(-2000, 2001, size=mh), multiplier=multiplier,
                   shift=shift, rounding=RequantRounding.GEMMLOWP, out_zero_point=zero_point,
                   out_min=zero_point, out_max=out_type.qmax, pe=2, simd=4, out_fifo_depth=2)

    def __post_init__(self):
        where = f"layer {self.name!r}"
        weights = frozen_ints(self.weights)
        if weights.ndim != 2 or 0 in weights.shape:
            raise IRError(f"{where}: weights must be a non-empty 2-D array, not {weights.shape}")
        object.__setattr__(self, "weights", weights)
        mh, mw = weights.shape
        freeze_requant_fields(self, where)
        self.check_folding_fields(where)
        if mh % self.pe:
            raise IRError(f"{where}: PE={self.pe} does not divide the {mh} output channels; "
                          f"use a divisor of {mh}")
        if mw % self.simd:
            raise IRError(f"{where}: SIMD={self.simd} does not divide the {mw} inputs; "
                          f"use a divisor of {mw}")
        check_requant_ranges(self, where)
        if self.dsp_packing not in DSP_PACKING_CHOICES:
            raise IRError(f"{where}: dsp_packing = {self.dsp_packing!r} is not valid; valid: "
                          f"{', '.join(DSP_PACKING_CHOICES)}")
        check_pipeline(where, self.pipeline)
        if self.requant_acc_bits not in (0, REQUANT_NARROW_BITS) or (
                self.requant_acc_bits and (self.acc_bits <= REQUANT_NARROW_BITS
                                           or self.requant_serial)):
            raise IRError(f"{where}: requant_acc_bits = {self.requant_acc_bits!r} is not "
                          f"valid; use 0, or {REQUANT_NARROW_BITS} for an accumulator of more "
                          "bits whose requantizer lanes are not serial "
                          "(hwgen.passes.narrow_requantizers sets it)")

    # -- the block interface (hwgen.ir.block) ------------------------------------------

    def describe(self) -> dict:
        """Facts for the manifest and the report."""
        return {
            "mh": self.mh, "mw": self.mw, "pe": self.pe, "simd": self.simd,
            "nf": self.nf, "sf": self.sf, "weight_type": self.weight_type.name,
            "input_type": self.input_type.name, "output_type": self.output_type.name,
            "acc_bits": self.acc_bits,
            "per_channel_requant": bool(len(set(zip(self.multiplier.tolist(),
                                                    self.shift.tolist(), strict=True))) > 1),
            "relu": self.out_min > self.output_type.qmin, "rounding": self.rounding.value,
            "out_zero_point": self.out_zero_point, "out_min": self.out_min,
            "out_max": self.out_max, "out_fifo_depth": self.out_fifo_depth, "macs": self.macs,
            "vectors": self.vectors, "requant_units": self.requant_units,
            "requant_serial": self.requant_serial, "dsp_packing": self.dsp_packing,
            "requant_acc_bits": self.requant_acc_bits, "pipeline": self.pipeline,
        }

    # -- derived shape facts -------------------------------------------------------------
    @cached_property
    def acc_range(self) -> tuple[int, int]:
        """Exact bounds of the accumulator over every possible input vector.

        Every input range contains 0, so these bounds also hold every partial sum.
        """
        w = self.weights
        x_lo, x_hi = self.input_type.qmin, self.input_type.qmax
        lo = np.minimum(w * x_lo, w * x_hi).sum(axis=1) + self.acc_bias
        hi = np.maximum(w * x_lo, w * x_hi).sum(axis=1) + self.acc_bias
        return int(lo.min()), int(hi.max())

    @property
    def acc_bits(self) -> int:
        """Accumulator width: the fewest bits that can never overflow."""
        return signed_bits_for_range(*self.acc_range)

    @property
    def requant_units(self) -> int:
        """Multiplier lanes of the requantizer (:func:`requant_plan`): ``ceil(PE / SF)``, or
        ``ceil(PE / floor(SF / 2))`` when :attr:`requant_serial`.

        A fold's ``PE`` accumulators are complete together once every ``SF`` cycles, so
        these lanes requantize them in turn, in :attr:`requant_rounds` rounds of
        :attr:`requant_round_cycles` (at most ``SF`` cycles), before the next fold's are
        complete.
        """
        return requant_plan(self.pe, self.sf, self.acc_bits, self.pipeline != "deep")[0]

    @property
    def requant_serial(self) -> bool:
        """Whether each requantizer lane multiplies its two pieces one after the other on
        one multiplier (:func:`requant_plan`)."""
        return requant_plan(self.pe, self.sf, self.acc_bits, self.pipeline != "deep")[2]

    @property
    def requant_round_cycles(self) -> int:
        """Cycles per requantizer round: 2 when :attr:`requant_serial`, else 1."""
        return 2 if self.requant_serial else 1

    @property
    def packed_pairs(self) -> int:
        """PE pairs whose products share one multiply per input code (``dsp_packing``,
        :func:`codes_pack`): ``PE // 2`` when the codes pack."""
        return self.pe // 2 if codes_pack(self.weight_type, self.input_type,
                                          self.dsp_packing) else 0

    @property
    def input_slice(self) -> int:
        """Beats of the register slice at the block's input: 0, 2 with ``pipeline = "deep"``
        (a ``StreamFifo`` of two beats: full rate, its ready and valid registered, one
        cycle of latency)."""
        return INPUT_SLICE_DEPTH if self.pipeline == "deep" else 0

    @property
    def operand_registers(self) -> int:
        """Registers of the weights and inputs between their memories and the multiplies:
        1, 2 with ``pipeline = "deep"``."""
        return 2 if self.pipeline == "deep" else 1

    @property
    def product_registers(self) -> int:
        """Registers of each product (or packed product's parts) before its adder tree: 1,
        2 with ``pipeline = "deep"`` (the first can become the DSP's output register, the
        second takes the route out of the DSP)."""
        return 2 if self.pipeline == "deep" else 1

    @property
    def tree_registers(self) -> int:
        """Registers inside a PE's adder tree: one every :data:`DOT_LEVELS_PER_STAGE` adder
        levels (``SIMD`` terms, ``2 x SIMD`` for the high PE of a packed pair: its products
        and borrow bits), none after the last level."""
        terms = 2 * self.simd if self.packed_pairs else self.simd
        levels = (terms - 1).bit_length() if terms > 1 else 0
        return max(0, levels - 1) // DOT_LEVELS_PER_STAGE

    @property
    def dot_registers(self) -> int:
        """Registers a step passes before the engine's dot-product register: the
        :attr:`operand_registers` of the weights and inputs (out of their memories), the
        :attr:`product_registers`, then the :attr:`tree_registers`. Timing (issue 12): the path
        grows by at most one such stage with PE x SIMD."""
        return self.operand_registers + self.product_registers + self.tree_registers

    @property
    def requant_stages(self) -> int:
        """Register stages of the requantizer beyond the plain requantizer's two:
        :data:`REQUANT_EXTRA_STAGES`, plus :data:`REQUANT_DEEP_STAGES` with ``pipeline =
        "deep"``, plus one when :attr:`requant_serial` (the second piece's product)."""
        deep = REQUANT_DEEP_STAGES if self.pipeline == "deep" else 0
        return REQUANT_EXTRA_STAGES + deep + self.requant_serial

    @property
    def pipeline_delay(self) -> int:
        """Cycles the pipelined datapath adds to a fold's write (``hwgen.perf.mvau``): the
        :attr:`dot_registers` and the :attr:`requant_stages`."""
        return self.dot_registers + self.requant_stages

    @property
    def requant_rounds(self) -> int:
        """Rounds the requantizer takes per output beat (a cycle each, two when
        :attr:`requant_serial`): ``ceil(PE / requant_units)``; 1 when every PE has its own
        multiplier lane."""
        return -(-self.pe // self.requant_units)

    # -- the bridge ------------------------------------------------------------------------
    @classmethod
    def from_layer(cls, layer: QuantDense, *, spatial: tuple = ()) -> "IntMvauParams":
        """Integer parameters of ``layer`` (its folding must be set).

        ``spatial`` gives the vectors per inference of a convolution's matrix part. FIFO
        depths start at their minimum; ``hwgen.passes.size_fifos`` sizes them.
        """
        if layer.folding is None:
            raise IRError(f"layer {layer.name!r} has no folding yet; "
                          "run hwgen.passes.choose_folding first")
        s_x = layer.input_quant.scale
        s_y = layer.output_quant.scale
        multiplier, shift = quantize_multiplier(layer.weight_quant.scale * s_x / s_y)
        acc_bias = layer.bias - layer.input_quant.zero_point * layer.weights.sum(axis=1)
        out = layer.output_quant
        return cls(
            name=layer.name,
            weights=layer.weights,
            weight_type=layer.weight_quant.dtype,
            input_type=layer.input_quant.dtype,
            output_type=out.dtype,
            acc_bias=acc_bias,
            multiplier=multiplier,
            shift=shift,
            rounding=layer.rounding,
            out_zero_point=out.zero_point,
            out_min=max(out.dtype.qmin, out.zero_point) if layer.relu else out.dtype.qmin,
            out_max=out.dtype.qmax,
            pe=layer.folding.pe,
            simd=layer.folding.simd,
            spatial=tuple(spatial),
        )


def lower_dense(layer: QuantDense, upstream_lanes: int) -> tuple:
    """A dense layer is one integer MVAU."""
    return (IntMvauParams.from_layer(layer),)


def lower_conv(layer: QuantConv, upstream_lanes: int) -> tuple:
    """A convolution is a sliding window feeding an integer MVAU over the output pixels."""
    window = conv_window(layer)
    return (window, IntMvauParams.from_layer(layer.as_dense(), spatial=layer.output_shape[:2]))
