"""Integer parameters of the binary and ternary MVAUs: the bridge from a layer to hardware.

Three block kinds share one parameter layout (:class:`BinaryMvauParams`) and the folded
engine of the INT MVAU (``hwgen.hw.arith.mvau_core``); they differ in the dot product:

``xnor_mvau`` (:class:`XnorMvauParams`)
    bipolar weights x bipolar inputs: XNOR and a popcount tree.
``bwn_mvau`` (:class:`BinaryWeightMvauParams`)
    bipolar weights x integer inputs: each input is added or subtracted.
``ternary_mvau`` (:class:`TernaryMvauParams`)
    ternary weights (mask and sign planes, TTQ levels) x integer or bipolar inputs.

Every kind ends in a threshold unit (FINN MultiThreshold) or the INT path's requantizer. The
encodings and rules are documented once in :mod:`hwgen.ir.binary`. Besides the layer's own
semantics (``acc`` in the "y domain", what the golden model computes) each class states the
hardware's view: the accumulator's preload (:attr:`hw_bias`), the bounds of each step's
contribution, the accumulator width and the thresholds in the accumulator's domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ...errors import IRError
from ...quant.multiplier import quantize_multiplier
from ..binary import (
    BIT,
    Activation,
    BipolarQuant,
    RequantActivation,
    ThresholdActivation,
    WeightFormat,
)
from ..layers.binary_conv import BinaryConv
from ..layers.binary_dense import INPUT_BITS, BinaryDense
from ..packing import weight_memory_words
from ..rules import RequantRounding
from ..types import IntType
from .int_mvau import signed_bits_for_range
from .matrix_folding import MatrixFolding
from .sliding_window import conv_window

__all__ = ["BinaryMvauParams", "XnorMvauParams", "BinaryWeightMvauParams",
           "TernaryMvauParams", "lower_binary_dense", "ceil_div", "lower_binary_dense_layer",
           "lower_binary_conv"]

_INT32 = IntType(32, True)


def ceil_div(a, b):
    """Exact ``ceil(a / b)`` for integers (arrays too), ``b > 0``."""
    return -((-np.asarray(a, dtype=np.int64)) // b)


def _frozen(values, what: str, shape: tuple) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype.kind == "b":
        array = array.astype(np.int64)
    if array.dtype.kind not in "iu":
        raise IRError(f"{what} must hold integers, not {array.dtype}")
    array = np.array(array, dtype=np.int64)
    if array.shape != shape:
        raise IRError(f"{what} has shape {array.shape}, expected {shape}")
    array.setflags(write=False)
    return array


@dataclass(frozen=True, eq=False)
class BinaryMvauParams(MatrixFolding):
    """Parameters shared by the binary and ternary MVAU kinds (not a block kind itself).

    ``acc[i] = bias[i] + sum_j c[i, j] v[j]`` (``c``: ``level_pos[i]``, ``-level_neg[i]`` or 0
    per code; ``v``: the bipolar value ``2 b - 1`` of an input bit, or the integer code), then
    ``activation``.

    Parameters
    ----------
    name : str
    weights : numpy.ndarray
        Codes, shape ``(MH, MW)``: {-1, +1} or {-1, 0, +1} (ternary kind).
    input_type : IntType
        Stream element of the input: :data:`~hwgen.ir.binary.BIT` for bipolar inputs.
    output_type : IntType
        Stream element of the output.
    bias : numpy.ndarray
        ``(MH,)`` integers (the input zero point already folded in).
    activation : Activation
        ``threshold`` or ``requant``.
    pe, simd : int
        Folding.
    input_bipolar : bool
        Inputs are bipolar bits.
    level_pos, level_neg : numpy.ndarray, optional
        Ternary levels per output channel; ones when omitted.
    thresholds, descending, out_offset
        Threshold activation: ``(MH, T)`` thresholds on ``acc``, ``(MH,)`` 0/1 flips and the
        code of a zero count.
    multiplier, shift, rounding, out_zero_point, out_min, out_max
        Requantizing activation, as in :class:`~hwgen.ir.IntMvauParams`.
    out_fifo_depth, in_fifo_depth : int
        Output FIFO depth (>= 1) and input FIFO depth (0 for none).
    spatial : tuple of int
        Leading input dimensions (vectors per inference); ``()`` for a dense layer.
    acc_shift : int
        ``acc = bias + 2**acc_shift * sum_j c v`` (0 to 16; see :mod:`hwgen.ir.binary`).
    """

    name: str
    weights: np.ndarray
    input_type: IntType
    output_type: IntType
    bias: np.ndarray
    activation: Activation
    pe: int
    simd: int
    input_bipolar: bool = False
    level_pos: np.ndarray | None = None
    level_neg: np.ndarray | None = None
    thresholds: np.ndarray | None = None
    descending: np.ndarray | None = None
    out_offset: int = 0
    multiplier: np.ndarray | None = None
    shift: np.ndarray | None = None
    rounding: RequantRounding = RequantRounding.GEMMLOWP
    out_zero_point: int = 0
    out_min: int = 0
    out_max: int = 0
    out_fifo_depth: int = 1
    in_fifo_depth: int = 0
    spatial: tuple = ()
    acc_shift: int = 0

    #: weight codes of the kind
    WEIGHT_CODES = (-1, 1)
    #: True / False: the kind's inputs are always / never bipolar; None: either
    BIPOLAR_INPUT = None
    #: what the kind is called in messages
    DATAPATH = "binary"

    @classmethod
    def example(cls, rng) -> "BinaryMvauParams":
        """A 4 x 16 layer folded 2 x 8 of this kind's weights: on bipolar inputs (XNOR) with a
        2-bit threshold activation, one channel's comparisons flipped; on uint4 inputs
        (binary-weight; ternary with TTQ levels) with a requantizing int8 output."""
        mh, mw = 4, 16
        bipolar = cls.BIPOLAR_INPUT is True
        common = dict(name=f"example_{cls.kind}", weights=rng.choice(cls.WEIGHT_CODES,
                                                                     size=(mh, mw)),
                      input_type=BIT if bipolar else IntType(4, False),
                      bias=rng.integers(-3, 4, size=mh), pe=2, simd=8, input_bipolar=bipolar,
                      out_fifo_depth=2)
        if 0 in cls.WEIGHT_CODES:
            common.update(level_pos=rng.integers(1, 6, size=mh),
                          level_neg=rng.integers(1, 6, size=mh))
        if bipolar:
            thresholds = np.sort(rng.integers(-mw // 2, mw // 2 + 1, size=(mh, 3)), axis=1)
            descending = np.zeros(mh, dtype=np.int64)
            descending[0] = 1
            return cls(activation=Activation.THRESHOLD, output_type=IntType(2, False),
                       thresholds=thresholds, descending=descending, out_offset=0, **common)
        out_type = IntType(8, True)
        multiplier, shift = quantize_multiplier(rng.uniform(0.2, 0.6, size=mh))
        return cls(activation=Activation.REQUANT, output_type=out_type, multiplier=multiplier,
                   shift=shift, rounding=RequantRounding.SINGLE,
                   out_zero_point=int(rng.integers(-4, 5)), out_min=out_type.qmin,
                   out_max=out_type.qmax, **common)

    def __post_init__(self):
        where = f"layer {self.name!r}"
        weights = np.asarray(self.weights)
        if weights.ndim != 2 or 0 in weights.shape:
            raise IRError(f"{where}: weights must be a non-empty 2-D array, not {weights.shape}")
        mh, mw = weights.shape
        weights = _frozen(weights, f"{where}: weights", (mh, mw))
        if not np.isin(weights, self.WEIGHT_CODES).all():
            raise IRError(f"{where}: the {self.DATAPATH} MVAU takes weight codes in "
                          f"{{{', '.join(map(str, self.WEIGHT_CODES))}}}")
        object.__setattr__(self, "weights", weights)
        for key in ("level_pos", "level_neg"):
            value = getattr(self, key)
            value = np.ones(mh, dtype=np.int64) if value is None else \
                _frozen(value, f"{where}: {key}", (mh,))
            if np.any(value < 1) or np.any(value > 1 << 16):
                raise IRError(f"{where}: {key} must lie in [1, 65536]")
            if 0 not in self.WEIGHT_CODES and np.any(value != 1):
                raise IRError(f"{where}: only ternary weights take levels other than 1")
            object.__setattr__(self, key, value)
        object.__setattr__(self, "bias", _frozen(self.bias, f"{where}: bias", (mh,)))
        if not isinstance(self.input_bipolar, bool):
            raise IRError(f"{where}: input_bipolar must be a bool")
        if self.BIPOLAR_INPUT is not None and self.input_bipolar != self.BIPOLAR_INPUT:
            raise IRError(f"{where}: the {self.DATAPATH} MVAU takes "
                          f"{'bipolar' if self.BIPOLAR_INPUT else 'integer'} inputs")
        if self.input_bipolar and self.input_type != BIT:
            raise IRError(f"{where}: bipolar inputs travel as {BIT} bits, not {self.input_type}")
        if not self.input_bipolar and not INPUT_BITS[0] <= self.input_type.bits <= INPUT_BITS[1]:
            raise IRError(f"{where}: integer inputs of {self.input_type.bits} bits are out of "
                          f"range; use {INPUT_BITS[0]} to {INPUT_BITS[1]} bits")
        try:
            object.__setattr__(self, "activation", Activation(self.activation))
        except ValueError:
            raise IRError(f"{where}: unknown activation {self.activation!r}; use one of "
                          f"{', '.join(a.value for a in Activation)}") from None
        self.check_folding_fields(where)
        if not isinstance(self.acc_shift, int) or isinstance(self.acc_shift, bool) or \
                not 0 <= self.acc_shift <= 16:
            raise IRError(f"{where}: acc_shift must be an int from 0 to 16, not "
                          f"{self.acc_shift!r}")
        if mh % self.pe:
            raise IRError(f"{where}: PE={self.pe} does not divide the {mh} output channels; "
                          f"use a divisor of {mh}")
        if mw % self.simd:
            raise IRError(f"{where}: SIMD={self.simd} does not divide the {mw} inputs; "
                          f"use a divisor of {mw}")
        lo, hi = self.acc_range
        if lo < _INT32.qmin or hi > _INT32.qmax:
            raise IRError(f"{where}: the accumulator may reach [{lo}, {hi}], beyond int32; "
                          "use fewer input bits or smaller levels, or split the layer")
        if self.activation is Activation.THRESHOLD:
            self._check_thresholds(where, mh)
        else:
            self._check_requant(where, mh)

    def _check_thresholds(self, where: str, mh: int) -> None:
        if self.thresholds is None or self.descending is None:
            raise IRError(f"{where}: a threshold activation needs thresholds and descending")
        thresholds = np.asarray(self.thresholds)
        if thresholds.ndim != 2 or thresholds.shape[0] != mh or thresholds.shape[1] < 1:
            raise IRError(f"{where}: thresholds must have shape ({mh}, T) with T >= 1, not "
                          f"{thresholds.shape}")
        object.__setattr__(self, "thresholds",
                           _frozen(thresholds, f"{where}: thresholds", thresholds.shape))
        descending = _frozen(self.descending, f"{where}: descending", (mh,))
        if not np.isin(descending, (0, 1)).all():
            raise IRError(f"{where}: descending must hold 0 or 1")
        object.__setattr__(self, "descending", descending)
        object.__setattr__(self, "out_offset", int(self.out_offset))
        top = self.out_offset + thresholds.shape[1]
        if not (self.output_type.qmin <= self.out_offset and top <= self.output_type.qmax):
            raise IRError(f"{where}: codes [{self.out_offset}, {top}] of {thresholds.shape[1]} "
                          f"thresholds do not fit {self.output_type}")
        if self.multiplier is not None or self.shift is not None:
            raise IRError(f"{where}: a threshold activation takes no multiplier or shift")

    def _check_requant(self, where: str, mh: int) -> None:
        if self.multiplier is None or self.shift is None:
            raise IRError(f"{where}: a requantizing activation needs multiplier and shift")
        for key in ("multiplier", "shift"):
            object.__setattr__(self, key, _frozen(getattr(self, key), f"{where}: {key}", (mh,)))
        if self.thresholds is not None or self.descending is not None:
            raise IRError(f"{where}: a requantizing activation takes no thresholds")
        object.__setattr__(self, "rounding", RequantRounding(self.rounding))
        if np.any(self.multiplier < 0) or np.any(self.multiplier >= 1 << 31):
            raise IRError(f"{where}: multipliers must lie in [0, 2**31)")
        if np.any(self.shift < -31) or np.any(self.shift > 30):
            raise IRError(f"{where}: shifts must lie in [-31, 30]")
        if not (self.output_type.qmin <= self.out_min <= self.out_max <= self.output_type.qmax):
            raise IRError(f"{where}: output bounds [{self.out_min}, {self.out_max}] do not fit "
                          f"{self.output_type}")
        lo, hi = self.hw_acc_range
        if self.rounding is RequantRounding.GEMMLOWP:
            left = int(max(self.shift.max(), 0))
            if (lo << left) < _INT32.qmin or (hi << left) > _INT32.qmax:
                raise IRError(f"{where}: the requantization scale is above 1 and the shifted "
                              "accumulator would overflow int32; check the layer's scales")

    # -- the block interface (hwgen.ir.block) ------------------------------------------

    def describe(self) -> dict:
        """Facts for the manifest and the report."""
        facts = {
            "mh": self.mh, "mw": self.mw, "pe": self.pe, "simd": self.simd,
            "nf": self.nf, "sf": self.sf,
            "weight_type": "ternary" if 0 in self.WEIGHT_CODES else "bipolar",
            "input_type": "bipolar" if self.input_bipolar else self.input_type.name,
            "output_type": self.output_type.name, "activation": self.activation.value,
            "acc_bits": self.hw_acc_bits, "out_fifo_depth": self.out_fifo_depth,
            "macs": self.macs, "vectors": self.vectors, "acc_shift": self.acc_shift,
        }
        if self.activation is Activation.THRESHOLD:
            facts["thresholds_per_channel"] = int(self.thresholds.shape[1])
            facts["descending_channels"] = int(self.descending.sum())
        else:
            facts.update(rounding=self.rounding.value, out_zero_point=self.out_zero_point,
                         out_min=self.out_min, out_max=self.out_max)
        return facts

    # -- the layer's arithmetic (y domain) ------------------------------------------------
    @cached_property
    def coefficients(self) -> np.ndarray:
        """Integer level of every weight times ``2**acc_shift``, ``(MH, MW)`` int64."""
        w = self.weights
        return np.where(w > 0, self.level_pos[:, None],
                        np.where(w < 0, -self.level_neg[:, None], 0)).astype(np.int64) \
            << self.acc_shift

    @property
    def input_range(self) -> tuple[int, int]:
        """Smallest and largest input value ``v``."""
        if self.input_bipolar:
            return -1, 1
        return self.input_type.qmin, self.input_type.qmax

    @cached_property
    def acc_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Exact per-channel bounds of ``acc`` over every input vector."""
        c = self.coefficients
        x_lo, x_hi = self.input_range
        lo = np.minimum(c * x_lo, c * x_hi).sum(axis=1) + self.bias
        hi = np.maximum(c * x_lo, c * x_hi).sum(axis=1) + self.bias
        return lo, hi

    @property
    def acc_range(self) -> tuple[int, int]:
        lo, hi = self.acc_bounds
        return int(lo.min()), int(hi.max())

    # -- the hardware's view ----------------------------------------------------------------
    @property
    def popcount_domain(self) -> bool:
        """The accumulator holds a popcount instead of ``acc`` (XNOR with thresholds)."""
        return False

    @cached_property
    def hw_bias(self) -> np.ndarray:
        """Accumulator preload per channel.

        A bipolar input ``v = 2 b - 1`` contributes ``2 c b`` per step, so the preload is
        ``bias - sum_j c[i, j]``; integer inputs contribute ``c x``.
        """
        if self.input_bipolar:
            return self.bias - self.coefficients.sum(axis=1)
        return self.bias.copy()

    @cached_property
    def hw_term_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of each weight's contribution to the accumulator, ``(MH, MW)`` each."""
        c = self.coefficients
        if self.input_bipolar:
            return np.minimum(0, 2 * c), np.maximum(0, 2 * c)
        x_lo, x_hi = self.input_range
        return np.minimum(c * x_lo, c * x_hi), np.maximum(c * x_lo, c * x_hi)

    @cached_property
    def hw_final_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-channel bounds of the accumulator after the last step."""
        lo, hi = self.hw_term_bounds
        return self.hw_bias + lo.sum(axis=1), self.hw_bias + hi.sum(axis=1)

    @cached_property
    def hw_acc_range(self) -> tuple[int, int]:
        """Bounds of every value the accumulator takes, partial sums included.

        A partial sum is the preload plus some of the terms, so it lies between the preload
        plus every negative term bound and the preload plus every positive one.
        """
        lo, hi = self.hw_term_bounds
        low = self.hw_bias + np.minimum(lo, 0).sum(axis=1)
        high = self.hw_bias + np.maximum(hi, 0).sum(axis=1)
        return int(low.min()), int(high.max())

    @property
    def hw_acc_signed(self) -> bool:
        return not self.popcount_domain

    @property
    def hw_acc_bits(self) -> int:
        """Accumulator width: the fewest bits that can never overflow."""
        lo, hi = self.hw_acc_range
        if not self.hw_acc_signed:
            return max(1, int(hi).bit_length())
        return signed_bits_for_range(lo, hi)

    def _thresholds_to_hw(self, t: np.ndarray, descending: np.ndarray) -> tuple:
        """Thresholds on ``acc`` to the accumulator's domain, before clamping."""
        # [acc <= t] == not [acc >= t + 1]: the hardware flips a >= comparison.
        return np.where(descending[:, None] == 1, t + 1, t)

    def hw_thresholds(self) -> tuple[np.ndarray, np.ndarray]:
        """Thresholds and flips for the hardware: ``count = sum_k ([hw_acc >= t_k] ^ flip)``.

        Each threshold is clamped to ``[lo, hi + 1]`` of its channel's final accumulator
        (below ``lo`` a comparison is always true, above ``hi`` never), which keeps their
        width to the accumulator's and changes no output.
        """
        if self.activation is not Activation.THRESHOLD:
            raise IRError(f"layer {self.name!r} has no thresholds")
        t = self._thresholds_to_hw(self.thresholds, self.descending)
        lo, hi = self.hw_final_bounds
        t = np.clip(t, lo[:, None], hi[:, None] + 1)
        return t.astype(np.int64), self.descending.copy()

    def weight_memory(self) -> tuple[list, int]:
        """Words of the weight memory and their width, one word per step ``(nf, sf)``.

        Bipolar weights are their bits ``(w + 1) / 2``, element ``p * SIMD + s`` of the word
        (``hwgen.ir.packing.weight_memory_words``). Ternary weights are two such bit planes in
        one word: the mask plane (``w != 0``) in the low ``PE * SIMD`` bits, the sign plane
        (``w = +1``) above it.
        """
        lanes = self.pe * self.simd
        if 0 not in self.WEIGHT_CODES:
            return weight_memory_words((self.weights + 1) // 2, self.pe, self.simd, 1), lanes
        mask = weight_memory_words((self.weights != 0).astype(np.int64), self.pe, self.simd, 1)
        sign = weight_memory_words((self.weights > 0).astype(np.int64), self.pe, self.simd, 1)
        return [m | (s << lanes) for m, s in zip(mask, sign, strict=True)], 2 * lanes

    # -- the bridge ------------------------------------------------------------------------
    @classmethod
    def from_layer(cls, layer: BinaryDense, *, spatial: tuple = ()) -> "BinaryMvauParams":
        """Integer parameters of ``layer`` (its folding must be set); see
        :func:`lower_binary_dense`."""
        return lower_binary_dense(layer, spatial=spatial)


@dataclass(frozen=True, eq=False)
class XnorMvauParams(BinaryMvauParams):
    """Bipolar weights x bipolar inputs: ``acc = bias + 2 popcount(XNOR(b_w, b_x)) - MW``."""

    kind = "xnor_mvau"

    WEIGHT_CODES = (-1, 1)
    BIPOLAR_INPUT = True
    DATAPATH = "XNOR"

    @property
    def popcount_domain(self) -> bool:
        return self.activation is Activation.THRESHOLD

    @cached_property
    def hw_bias(self) -> np.ndarray:
        # The popcount domain starts at 0; the requantizing datapath accumulates
        # 2**(s + 1) * popcount from bias - 2**s * MW, which is acc itself.
        if self.popcount_domain:
            return np.zeros(self.mh, dtype=np.int64)
        return self.bias - (self.mw << self.acc_shift)

    @cached_property
    def hw_term_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        step = 1 if self.popcount_domain else 2 << self.acc_shift
        return (np.zeros((self.mh, self.mw), dtype=np.int64),
                np.full((self.mh, self.mw), step, dtype=np.int64))

    def _thresholds_to_hw(self, t: np.ndarray, descending: np.ndarray) -> tuple:
        if not self.popcount_domain:
            return super()._thresholds_to_hw(t, descending)
        # acc = D pc - 2**s MW + bias with D = 2**(s + 1):
        # acc >= t <=> pc >= ceil((t - bias + 2**s MW) / D) and
        # acc <= t <=> pc <= floor((t - bias + 2**s MW) / D) <=> not pc >= floor(...) + 1.
        step = 2 << self.acc_shift
        shifted = t - self.bias[:, None] + (self.mw << self.acc_shift)
        return np.where(descending[:, None] == 1, shifted // step + 1, ceil_div(shifted, step))


@dataclass(frozen=True, eq=False)
class BinaryWeightMvauParams(BinaryMvauParams):
    """Bipolar weights x integer inputs (BWN): every input is added or subtracted."""

    kind = "bwn_mvau"

    WEIGHT_CODES = (-1, 1)
    BIPOLAR_INPUT = False
    DATAPATH = "binary-weight"


@dataclass(frozen=True, eq=False)
class TernaryMvauParams(BinaryMvauParams):
    """Ternary weights (TWN, TTQ levels) x integer or bipolar inputs."""

    kind = "ternary_mvau"

    WEIGHT_CODES = (-1, 0, 1)
    BIPOLAR_INPUT = None
    DATAPATH = "ternary"


def lower_binary_dense(layer: BinaryDense, *, spatial: tuple = ()) -> BinaryMvauParams:
    """The block that implements ``layer``: XNOR, binary-weight or ternary MVAU.

    Integer inputs have their zero point folded into the bias (``bias - Z_X sum_j c``); a
    requantizing activation gets ``M_i = weight_scale[i] S_X / (S_Y 2**acc_shift)`` as
    multiplier and shift.
    FIFO depths start at their minimum; ``hwgen.passes.size_fifos`` sizes them.
    """
    if layer.folding is None:
        raise IRError(f"layer {layer.name!r} has no folding yet; "
                      "run hwgen.passes.choose_folding first")
    if not isinstance(layer.activation, (ThresholdActivation, RequantActivation)):
        raise IRError(f"layer {layer.name!r}: its float activation (batch norm, sign or a "
                      "quantizer) is not folded yet; run hwgen.passes.fold_thresholds first")
    bipolar_in = isinstance(layer.input_quant, BipolarQuant)
    if layer.weight_format is WeightFormat.TERNARY:
        cls = TernaryMvauParams
    else:
        cls = XnorMvauParams if bipolar_in else BinaryWeightMvauParams
    bias = layer.bias
    if not bipolar_in:
        bias = bias - layer.input_quant.zero_point * layer.coefficients.sum(axis=1)
    act = layer.activation
    common = dict(
        name=layer.name, weights=layer.weights, input_type=layer.input_quant.dtype,
        output_type=act.output_quant.dtype, bias=bias, pe=layer.folding.pe,
        simd=layer.folding.simd, input_bipolar=bipolar_in, spatial=tuple(spatial),
        acc_shift=layer.acc_shift)
    if cls is TernaryMvauParams:
        common.update(level_pos=layer.level_pos, level_neg=layer.level_neg)
    if isinstance(act, ThresholdActivation):
        return cls(activation=Activation.THRESHOLD, thresholds=act.thresholds,
                   descending=act.descending, out_offset=act.out_offset, **common)
    out = act.output_quant
    multiplier, shift = quantize_multiplier(
        layer.weight_scale * layer.input_quant.scale / (out.scale * (1 << layer.acc_shift)))
    return cls(activation=Activation.REQUANT, multiplier=multiplier, shift=shift,
               rounding=act.rounding, out_zero_point=out.zero_point,
               out_min=max(out.dtype.qmin, out.zero_point) if act.relu else out.dtype.qmin,
               out_max=out.dtype.qmax, **common)


def lower_binary_dense_layer(layer: BinaryDense, upstream_lanes: int) -> tuple:
    """A binary or ternary dense layer is one XNOR, binary-weight or ternary MVAU."""
    return (lower_binary_dense(layer),)


def lower_binary_conv(layer: BinaryConv, upstream_lanes: int) -> tuple:
    """A sliding window (1-bit elements for bipolar inputs) and the binary MVAU of
    :func:`lower_binary_dense` over the output pixels."""
    window = conv_window(layer, pad_value=layer.pad_code)
    mvau = lower_binary_dense(layer.as_dense(), spatial=layer.output_shape[:2])
    return (window, mvau)
