"""Integer parameters of the MX MVAU: the single bridge from an :class:`MxDense` to hardware.

:class:`MxMvauParams` holds element codes, shared exponents and integer constants only; the
golden model (``hwgen.golden.mx_mvau``), the cycle model (``hwgen.perf.mx_mvau``) and the
hardware (``hwgen.hw.mx.mvau.MxMvau``) all take it. The arithmetic rules are in
:mod:`hwgen.ir.mx.rules`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import numpy as np

from ...errors import IRError
from ...quant.mx import E8M0_NAN, MxTensor, element_fields, mx_format, mx_quantize
from ..layers.dense import Folding
from ..layers.mx_conv import MxConv
from ..layers.mx_dense import MxDense, mx_folding_problem
from ..mx.rules import MX_ROUNDINGS, MxRounding
from ..mx.types import MxElementType, MxQuant, is_mx_format, mx_lane_fields
from ..types import IntType, TensorQuant
from .int_mvau import signed_bits_for_range
from .matrix_folding import MatrixFolding
from .requant_fields import RequantFields
from .sliding_window import conv_window

__all__ = ["MxMvauParams", "mx_output_window", "int_weight_format", "lower_mx_dense",
           "lower_mx_conv"]

_INT_RE_BITS = range(2, 9)


def int_weight_format(name: str) -> IntType | None:
    """The IntType of an int weight format name (``"int8"``), None for MX names."""
    if is_mx_format(name):
        return None
    dtype = IntType.parse(name)
    if not dtype.signed or dtype.bits not in _INT_RE_BITS:
        raise IRError(f"MX MVAU int weights must be int2 .. int8, not {name!r}")
    return dtype


def _frozen(values, dtype=np.int64) -> np.ndarray:
    array = np.array(values, dtype=dtype)
    array.setflags(write=False)
    return array


def _frozen_ints(values) -> np.ndarray:
    """A read-only object array of Python ints (values may exceed int64)."""
    flat = [int(v) for v in np.asarray(values, dtype=object).reshape(-1)]
    array = np.empty(len(flat), dtype=object)
    array[:] = flat
    array = array.reshape(np.asarray(values, dtype=object).shape)
    array.setflags(write=False)
    return array


def _round_multiplier(r: float) -> tuple[int, int]:
    """``r > 0`` as ``qm * 2**(e - 31)``, ``qm`` in ``[2**30, 2**31)`` (gemmlowp's rounding,
    half away from zero, without its underflow to zero)."""
    q, e = math.frexp(r)
    qm = math.floor(q * 2.0 ** 31 + 0.5)
    if qm == 1 << 31:
        qm, e = qm // 2, e + 1
    return qm, e


@dataclass(frozen=True, eq=False)
class MxMvauParams(MatrixFolding, RequantFields):
    """Parameters of one MX matrix-vector unit (rules: :mod:`hwgen.ir.mx.rules`).

    Parameters
    ----------
    name : str
    weight_format : str
        MX format (``"mxfp4"``, ...) or int weights (``"int2"`` .. ``"int8"``).
    weight_codes : numpy.ndarray
        ``(MH, MW)`` unsigned element codes (int weights: two's complement bit patterns).
    weight_micro : numpy.ndarray
        ``(MH, MW)`` micro-exponent bits (MX4 / MX6 / MX9), zeros otherwise.
    weight_scales : numpy.ndarray
        ``(MH, MW / k)`` E8M0 codes (int weights: ``(MH, 1)``, unused).
    weight_block : int
        ``k`` of MX weights, 0 for int weights.
    input_dtype : str
        ``"int8"``, ``"uint8"``, ... or an MX format.
    input_block, input_exp_lo, input_exp_hi : int
        MX inputs: block size and the window of shared exponents (0 for int inputs).
    acc_bias : numpy.ndarray
        ``(MH,)`` Python ints: the accumulator's starting value (bias, zero point folded in).
    multiplier, shift : numpy.ndarray
        ``(MH,)``: int output: ``M = multiplier * 2**-shift``; MX output:
        ``z = acc * multiplier << shift``.
    output_dtype : str
        ``"int8"``, ... or an MX format.
    output_block : int
        MX outputs: block size (0 for int outputs).
    out_exp : int
        MX outputs: ``z * 2**out_exp`` is the real output.
    out_zero_point, out_min, out_max : int
        Int outputs: zero point and saturation bounds.
    relu : bool
    rounding : MxRounding
        Tie rule of MX output elements.
    pe, simd, out_fifo_depth, in_fifo_depth : int
    spatial : tuple of int
        Leading dimensions of the input tensor: ``prod(spatial)`` vectors per inference (the
        output pixels of a convolution's matrix part, :class:`hwgen.ir.layers.mx_conv.MxConv`).
    """

    kind = "mx_mvau"

    name: str
    weight_format: str
    weight_codes: np.ndarray
    weight_micro: np.ndarray
    weight_scales: np.ndarray
    weight_block: int
    input_dtype: str
    input_block: int
    input_exp_lo: int
    input_exp_hi: int
    output_dtype: str
    output_block: int
    out_exp: int
    relu: bool
    rounding: MxRounding
    pe: int
    simd: int
    out_fifo_depth: int = 1
    in_fifo_depth: int = 0
    spatial: tuple = ()


    @classmethod
    def example(cls, rng) -> "MxMvauParams":
        """A 4 x 32 MXFP4-weight MVAU (blocks of 16) on uint8 inputs with an int8 output,
        folded 2 x 8, from a random float layer through :meth:`from_layer`."""
        mh, mw = 4, 32
        weights = mx_quantize(rng.normal(size=(mh, mw)), "mxfp4", 16)
        in_q = TensorQuant(IntType(8, False), 0.01, int(rng.integers(0, 10)))
        out_q = TensorQuant(IntType(8, True), 0.05, int(rng.integers(-5, 6)))
        layer = MxDense(name="example_mx_mvau", weights=weights, weight_quant=None,
                        bias=rng.normal(0.0, 0.2, size=mh), input_quant=in_q,
                        output_quant=out_q, relu=False, rounding="half_even",
                        folding=Folding(pe=2, simd=8))
        return cls.from_layer(layer)

    def __post_init__(self):
        where = f"layer {self.name!r}"
        codes = _frozen(self.weight_codes)
        if codes.ndim != 2 or 0 in codes.shape:
            raise IRError(f"{where}: weight codes must be a non-empty 2-D array")
        object.__setattr__(self, "weight_codes", codes)
        mh, mw = codes.shape
        object.__setattr__(self, "weight_micro", _frozen(self.weight_micro))
        object.__setattr__(self, "weight_scales", _frozen(self.weight_scales))
        if self.weight_micro.shape != codes.shape or np.any((self.weight_micro < 0)
                                                            | (self.weight_micro > 1)):
            raise IRError(f"{where}: weight_micro must be 0/1 bits of shape {codes.shape}")
        int_w = int_weight_format(self.weight_format)
        if int_w is None:
            k = self.weight_block
            if not isinstance(k, int) or k < 1 or mw % k:
                raise IRError(f"{where}: weight block size {k!r} must divide the {mw} inputs")
            if self.weight_scales.shape != (mh, mw // k):
                raise IRError(f"{where}: weight_scales must have shape {(mh, mw // k)}")
            if np.any((self.weight_scales < 0) | (self.weight_scales > 255)):
                raise IRError(f"{where}: weight scales must be E8M0 codes in [0, 255]")
            bits = mx_format(self.weight_format).element.bits
            if self.weight_format in ("mx4", "mx6", "mx9") and k % 2:
                raise IRError(f"{where}: {self.weight_format} needs an even block size")
        else:
            if self.weight_block != 0:
                raise IRError(f"{where}: int weights have no blocks; weight_block must be 0")
            if self.weight_scales.shape != (mh, 1):
                raise IRError(f"{where}: int weights take weight_scales of shape ({mh}, 1)")
            bits = int_w.bits
        if np.any((codes < 0) | (codes >= 1 << bits)):
            raise IRError(f"{where}: weight codes must be {bits}-bit patterns")
        if is_mx_format(self.input_dtype):
            MxQuant(self.input_dtype, self.input_block, self.input_exp_lo, self.input_exp_hi)
            if mw % self.input_block:
                raise IRError(f"{where}: the input block size {self.input_block} does not "
                              f"divide the {mw} inputs")
            if int_w is None and self.input_block != self.weight_block:
                raise IRError(f"{where}: weights and MX inputs need one block size")
        else:
            IntType.parse(self.input_dtype)
            if (self.input_block, self.input_exp_lo, self.input_exp_hi) != (0, 0, 0):
                raise IRError(f"{where}: int inputs take input_block = input_exp_lo = "
                              "input_exp_hi = 0")
        object.__setattr__(self, "acc_bias", _frozen_ints(self.acc_bias))
        object.__setattr__(self, "multiplier", _frozen(self.multiplier))
        object.__setattr__(self, "shift", _frozen(self.shift))
        for key in ("acc_bias", "multiplier", "shift"):
            if getattr(self, key).shape != (mh,):
                raise IRError(f"{where}: {key} must have shape ({mh},)")
        if np.any((self.multiplier < 1) | (self.multiplier >= 1 << 31)):
            raise IRError(f"{where}: multipliers must lie in [1, 2**31)")
        if is_mx_format(self.output_dtype):
            MxElementType(self.output_dtype, self.output_block)
            if mh % self.output_block:
                raise IRError(f"{where}: the output block size {self.output_block} does not "
                              f"divide the {mh} output channels")
            if np.any(self.shift < 0):
                raise IRError(f"{where}: an MX output's left shifts must be >= 0")
        else:
            out = IntType.parse(self.output_dtype)
            if self.output_block != 0:
                raise IRError(f"{where}: int outputs take output_block = 0")
            if np.any(self.shift < 1):
                raise IRError(f"{where}: requantization shifts must be >= 1 (the scale "
                              "U / S_Y must be below 2**30)")
            if not out.qmin <= self.out_min <= self.out_max <= out.qmax:
                raise IRError(f"{where}: output bounds [{self.out_min}, {self.out_max}] do "
                              f"not fit {out}")
        try:
            object.__setattr__(self, "rounding", MxRounding(self.rounding))
        except ValueError:
            raise IRError(f"{where}: rounding must be one of {', '.join(MX_ROUNDINGS)}, "
                          f"not {self.rounding!r}") from None
        if not isinstance(self.relu, bool):
            raise IRError(f"{where}: relu must be a bool")
        self.check_folding_fields(where)
        problem = mx_folding_problem(
            mh=mh, mw=mw, pe=self.pe, simd=self.simd, in_block=self.group_block or None,
            out_block=self.output_block or None,
            micro_weights=self.weight_format in ("mx4", "mx6", "mx9"))
        if problem:
            raise IRError(f"{where}: {problem}")
        if self.out_fifo_depth < self.out_folds_per_block:
            raise IRError(f"{where}: the output FIFO must hold the {self.out_folds_per_block} "
                          "beats of an output block")

    # -- the block interface -----------------------------------------------------------------
    @property
    def input_type(self):
        if is_mx_format(self.input_dtype):
            return MxElementType(self.input_dtype, self.input_block)
        return IntType.parse(self.input_dtype)

    @property
    def output_type(self):
        if is_mx_format(self.output_dtype):
            return MxElementType(self.output_dtype, self.output_block)
        return IntType.parse(self.output_dtype)

    def describe(self) -> dict:
        return {
            "mh": self.mh, "mw": self.mw, "pe": self.pe, "simd": self.simd, "nf": self.nf,
            "sf": self.sf, "vectors": self.vectors, "weight_type": self.weight_format,
            "weight_block": self.weight_block, "input_type": self.input_type.name,
            "output_type": self.output_type.name, "acc_bits": self.acc_bits,
            "weight_span": self.weight_span, "input_span": self.input_span,
            "relu": self.relu, "rounding": self.rounding,
            "out_fifo_depth": self.out_fifo_depth, "macs": self.macs,
            "weight_memory_bits": self.weight_memory_bits,
            "bits_per_weight": self.weight_memory_bits / (self.mh * self.mw),
        }

    # -- shape facts -------------------------------------------------------------------------
    @property
    def mh(self) -> int:
        return self.weight_codes.shape[0]

    @property
    def mw(self) -> int:
        return self.weight_codes.shape[1]

    @property
    def group_block(self) -> int:
        """Block size along the inputs (weights' or MX inputs'), 0 if neither is MX."""
        return self.weight_block or self.input_block

    @property
    def group_lanes(self) -> int:
        """Lanes of a beat that share one pair of shared exponents."""
        k = self.group_block
        return self.simd if not k else min(k, self.simd)

    @property
    def groups(self) -> int:
        """Exponent groups per beat."""
        return self.simd // self.group_lanes

    @property
    def scale_steps(self) -> int:
        """Scale memory words per fold (a word holds PE x groups shared exponents)."""
        k = self.weight_block
        return self.mw // max(k, self.simd) if k else 1

    @property
    def out_folds_per_block(self) -> int:
        """Output beats (folds) that make one output block (1 for int outputs)."""
        k = self.output_block
        return max(1, k // self.pe) if k else 1

    # -- decoded weights ---------------------------------------------------------------------
    @property
    def weight_int_type(self) -> IntType | None:
        return int_weight_format(self.weight_format)

    @cached_property
    def weight_fields(self):
        """(signed mantissa, exponent offset, special, per-element E) arrays ``(MH, MW)``."""
        int_w = self.weight_int_type
        if int_w is not None:
            c = self.weight_codes
            q = np.where(c >= 1 << (int_w.bits - 1), c - (1 << int_w.bits), c)
            zeros = np.zeros_like(c)
            return q, zeros, zeros.astype(bool), np.full_like(c, 127)
        elem = mx_format(self.weight_format).element
        f = element_fields(self.weight_codes, elem,
                           self.weight_micro if elem.micro else None)
        e = np.repeat(self.weight_scales, self.weight_block, axis=1)
        return f.signed_mant(), f.exp, f.special, e

    @cached_property
    def _weight_exponents(self):
        sm, _, special, e = self.weight_fields
        live = (e != E8M0_NAN) & (sm != 0) & ~special
        lo = np.where(live, e, 10 ** 6).min(axis=1)
        hi = np.where(live, e, -1).max(axis=1)
        lo = np.where(hi < 0, 127, lo)
        hi = np.where(hi < 0, 127, hi)
        return lo.astype(np.int64), int((hi - lo).max())

    @property
    def weight_exp_lo(self) -> np.ndarray:
        """``Elo[i]``: the smallest shared exponent of row i's live blocks (127 if none)."""
        return self._weight_exponents[0]

    @property
    def weight_span(self) -> int:
        """The largest ``E - Elo[i]`` of a live block: the widest block alignment shift."""
        return self._weight_exponents[1]

    @cached_property
    def weight_nan_rows(self) -> np.ndarray:
        """Rows with a NaN-scale block or a NaN / Inf element: their outputs are NaN."""
        _, _, special, e = self.weight_fields
        return np.any(special | (e == E8M0_NAN), axis=1)

    def weight_shift(self) -> np.ndarray:
        """Block alignment shift of every weight, ``clamp(E - Elo[i], 0, span)``."""
        e = self.weight_fields[3]
        return np.clip(e - self.weight_exp_lo[:, None], 0, self.weight_span)

    @cached_property
    def aligned_weights(self) -> np.ndarray:
        """``Wal[i, j]`` as Python ints (0 for NaN-scale blocks and NaN / Inf elements)."""
        sm, exp, special, e = self.weight_fields
        dead = special | (e == E8M0_NAN)
        shifts = exp + self.weight_shift()
        out = np.empty(sm.shape, dtype=object)
        for index, (m, s, d) in enumerate(zip(sm.reshape(-1).tolist(),
                                              shifts.reshape(-1).tolist(),
                                              dead.reshape(-1).tolist(), strict=True)):
            out.flat[index] = 0 if d else m << s
        return out

    # -- inputs ------------------------------------------------------------------------------
    @property
    def input_span(self) -> int:
        return self.input_exp_hi - self.input_exp_lo if is_mx_format(self.input_dtype) else 0

    @cached_property
    def input_align_range(self) -> tuple[int, int]:
        """Bounds of an aligned input ``Xal`` (the raw code range for int inputs)."""
        if not is_mx_format(self.input_dtype):
            t = IntType.parse(self.input_dtype)
            return t.qmin, t.qmax
        elem = mx_format(self.input_dtype).element
        # The largest |mant << exp| of a finite code (MXINT8: |-128|), at the widest alignment.
        top = 1 << (elem.bits - 1) if elem.kind == "int" else elem.max_mant << elem.max_exp
        biggest = top << self.input_span
        return -biggest, biggest

    def decode_inputs(self, x) -> tuple[np.ndarray, np.ndarray]:
        """Aligned inputs ``Xal`` (object or int64 array) and a NaN flag per input vector.

        Raises IRError if the elements of one block carry different shared exponents.
        """
        x = np.asarray(x)
        if not is_mx_format(self.input_dtype):
            self.input_type.check_codes(x, f"layer {self.name!r}: input")
            return x.astype(np.int64), np.zeros(x.shape[0], dtype=bool)
        element = self.input_type
        if x.dtype.kind not in "iu" or (x.size and (x.min() < 0 or x.max() >= 1 << element.bits)):
            raise IRError(f"layer {self.name!r}: MX inputs must be {element.bits}-bit stream "
                          "elements")
        codes, micro, scales = mx_lane_fields(x, element)
        k = self.input_block
        blocks = scales.reshape(x.shape[0], -1, k)
        if np.any(blocks != blocks[..., :1]):
            raise IRError(f"layer {self.name!r}: the elements of an MX input block carry "
                          "different shared exponents")
        f = element_fields(codes, element.mx.element, micro if element.mx.micro else None)
        lo, hi = self.input_exp_lo, self.input_exp_hi
        nan = (scales == E8M0_NAN) | (scales > hi) | f.special
        live = (scales >= lo) & ~nan
        shift = f.exp + np.where(live, scales - lo, 0)
        sm = np.where(live, f.signed_mant(), 0)
        out = np.empty(sm.shape, dtype=object)
        for index, (m, s) in enumerate(zip(sm.reshape(-1).tolist(), shift.reshape(-1).tolist(),
                                           strict=True)):
            out.flat[index] = m << s
        return out, np.any(nan, axis=1)

    # -- accumulator -------------------------------------------------------------------------
    @cached_property
    def acc_range(self) -> tuple[int, int]:
        """Exact bounds of the accumulator (and of every partial sum) over every input."""
        x_lo, x_hi = self.input_align_range
        lo_all, hi_all = None, None
        for i, row in enumerate(self.aligned_weights):
            lo = sum(min(w * x_lo, w * x_hi) for w in row.tolist()) + int(self.acc_bias[i])
            hi = sum(max(w * x_lo, w * x_hi) for w in row.tolist()) + int(self.acc_bias[i])
            lo_all = lo if lo_all is None else min(lo_all, lo)
            hi_all = hi if hi_all is None else max(hi_all, hi)
        # Partial sums start at the bias: keep it inside the range too.
        lo_all = min(lo_all, min(int(b) for b in self.acc_bias), 0)
        hi_all = max(hi_all, max(int(b) for b in self.acc_bias), 0)
        return lo_all, hi_all

    @property
    def acc_bits(self) -> int:
        return signed_bits_for_range(*self.acc_range)

    # -- MX output ---------------------------------------------------------------------------
    @cached_property
    def z_max(self) -> int:
        """Largest ``|z|`` the MX output quantizer can see."""
        lo, hi = self.acc_range
        top = max(hi, 0) if self.relu else max(-lo, hi)
        return max(top * int(m) << int(s) for m, s in zip(self.multiplier, self.shift, strict=True))

    def output_window(self) -> tuple[int, int]:
        """``[lo, hi]`` of the shared exponents a non-zero output block can get."""
        emax = mx_format(self.output_dtype).element.emax
        if self.z_max == 0:
            return 0, 0
        # A block that is not all zero holds some acc != 0, so |z| >= multiplier << shift.
        z_min = min(int(m) << int(s) for m, s in zip(self.multiplier, self.shift, strict=True))
        lo = z_min.bit_length() - 1 + self.out_exp - emax + 127
        hi = self.z_max.bit_length() - 1 + self.out_exp - emax + 127
        if lo > 254:
            raise IRError(f"layer {self.name!r}: every output block would overflow the E8M0 "
                          "scale (NaN); check the layer's scales")
        return min(max(lo, 0), 254), min(max(hi, 0), 254)

    # -- memories ----------------------------------------------------------------------------
    @property
    def weight_memory_bits(self) -> int:
        """Bits of the weight memories: element codes, micro-exponents and shared exponents."""
        micro = self.mh * self.mw // 2 if self.weight_format in ("mx4", "mx6", "mx9") else 0
        bits = (self.weight_int_type.bits if self.weight_int_type
                else mx_format(self.weight_format).element.bits)
        scales = 8 * self.mh * (self.mw // self.weight_block) if self.weight_block else 0
        return self.mh * self.mw * bits + micro + scales

    # -- the bridge --------------------------------------------------------------------------
    @classmethod
    def from_layer(cls, layer: MxDense, *, spatial: tuple = ()) -> "MxMvauParams":
        """Integer parameters of ``layer`` (its folding must be set); ``spatial`` gives the
        vectors per inference of a convolution's matrix part."""
        if layer.folding is None:
            raise IRError(f"layer {layer.name!r} has no folding yet; "
                          "run hwgen.passes.choose_folding first")
        return cls(**_layer_fields(layer, layer.folding), spatial=tuple(spatial))


def _layer_fields(layer: MxDense, folding: Folding) -> dict:
    """Every field of the layer's MxMvauParams (see :mod:`hwgen.ir.mx.rules`)."""
    where = f"layer {layer.name!r}"
    mh = layer.out_features
    if isinstance(layer.weights, MxTensor):
        w = layer.weights
        fields = dict(weight_format=w.fmt.name, weight_codes=w.codes,
                      weight_micro=w.micro if w.micro is not None else np.zeros_like(w.codes),
                      weight_scales=w.scales, weight_block=w.block_size)
        w_scale = np.ones(mh)
    else:
        bits = layer.weight_quant.dtype.bits
        codes = np.where(layer.weights < 0, layer.weights + (1 << bits), layer.weights)
        fields = dict(weight_format=layer.weight_quant.dtype.name, weight_codes=codes,
                      weight_micro=np.zeros_like(codes), weight_scales=np.full((mh, 1), 127),
                      weight_block=0)
        w_scale = layer.weight_quant.scale
    in_q, out_q = layer.input_quant, layer.output_quant
    if isinstance(in_q, MxQuant):
        fields.update(input_dtype=in_q.format, input_block=in_q.block_size,
                      input_exp_lo=in_q.exp_lo, input_exp_hi=in_q.exp_hi)
        x_scale, x_zero = 1.0, 0
        x_pow = mx_format(in_q.format).element.base + in_q.exp_lo - 127
    else:
        fields.update(input_dtype=in_q.dtype.name, input_block=0, input_exp_lo=0,
                      input_exp_hi=0)
        x_scale, x_zero, x_pow = in_q.scale, in_q.zero_point, 0
    # A provisional parameter set (unit multipliers) gives the decoded, aligned weights.
    probe = MxMvauParams(
        name=layer.name, **fields, acc_bias=np.zeros(mh, dtype=np.int64),
        multiplier=np.ones(mh, dtype=np.int64), shift=np.ones(mh, dtype=np.int64),
        output_dtype="int8", output_block=0, out_exp=0, out_zero_point=0, out_min=-128,
        out_max=127, relu=False, rounding="half_even", pe=1, simd=folding.simd,
        out_fifo_depth=1)
    w_base = mx_format(fields["weight_format"]).element.base if fields["weight_block"] else 0
    # U[i] = r[i] * 2**p[i]: r the float scales (1 for MX), p the exponent of the alignment.
    r = [float(w_scale[i]) * x_scale for i in range(mh)]
    p = [w_base + int(probe.weight_exp_lo[i]) - 127 + x_pow if fields["weight_block"]
         else x_pow for i in range(mh)]
    wal = probe.aligned_weights
    bias = []
    for i in range(mh):
        unit = Fraction(r[i]) * Fraction(2) ** p[i]
        b = round(Fraction(float(layer.bias[i])) / unit)
        bias.append(b - x_zero * sum(wal[i].tolist()))
    fields["acc_bias"] = bias
    if isinstance(out_q, MxQuant):
        mults, exps = zip(*(_round_multiplier(ri) for ri in r), strict=True)
        total = [e - 31 + pi for e, pi in zip(exps, p, strict=True)]
        g = min(total)
        tz = min((m & -m).bit_length() - 1 for m in mults)
        fields.update(multiplier=[m >> tz for m in mults], shift=[t - g for t in total],
                      output_dtype=out_q.format, output_block=out_q.block_size,
                      out_exp=g + tz, out_zero_point=0, out_min=0, out_max=0)
    else:
        qms, shifts = [], []
        for i in range(mh):
            qm, e = _round_multiplier(r[i] / out_q.scale)
            t = 31 - (e + p[i])
            if t < 1:
                raise IRError(f"{where}: the requantization scale of channel {i} is 2**30 or "
                              "more; check the layer's scales")
            qms.append(qm)
            shifts.append(t)
        dtype = out_q.dtype
        fields.update(multiplier=qms, shift=shifts, output_dtype=dtype.name, output_block=0,
                      out_exp=0, out_zero_point=out_q.zero_point,
                      out_min=max(dtype.qmin, out_q.zero_point) if layer.relu else dtype.qmin,
                      out_max=dtype.qmax)
    out_blocks = out_q.block_size if isinstance(out_q, MxQuant) else 0
    fields.update(name=layer.name, relu=layer.relu, rounding=layer.rounding, pe=folding.pe,
                  simd=folding.simd,
                  out_fifo_depth=max(1, out_blocks // folding.pe) if out_blocks else 1)
    params = MxMvauParams(**fields)
    if isinstance(out_q, MxQuant):
        lo, hi = params.output_window()
        if lo < out_q.exp_lo or hi > out_q.exp_hi:
            raise IRError(f"{where}: its outputs can take shared exponents [{lo}, {hi}], "
                          f"outside the window [{out_q.exp_lo}, {out_q.exp_hi}] of its "
                          "consumer; quantize the chain again")
    return fields


def mx_output_window(layer: MxDense) -> tuple[int, int]:
    """Shared exponents ``[lo, hi]`` the layer's MX output can take (folding ignored)."""
    if not isinstance(layer.output_quant, MxQuant):
        raise IRError(f"layer {layer.name!r} has no MX output")
    simd = layer.input_block or 1
    pe = layer.output_block or 1
    fields = _layer_fields(layer.replace(output_quant=MxQuant(
        layer.output_quant.format, layer.output_quant.block_size)), Folding(pe=pe, simd=simd))
    return MxMvauParams(**fields).output_window()


def lower_mx_dense(layer: MxDense, upstream_lanes: int) -> tuple:
    """An MX dense layer is one MX MVAU."""
    return (MxMvauParams.from_layer(layer),)


def lower_mx_conv(layer: MxConv, upstream_lanes: int) -> tuple:
    """An MX convolution is a sliding window (int activations) feeding an MX MVAU."""
    window = conv_window(layer)
    return (window, MxMvauParams.from_layer(layer.as_dense(), spatial=layer.output_shape[:2]))
