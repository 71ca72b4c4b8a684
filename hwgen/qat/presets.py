"""Presets: hwgen hardware formats as Brevitas quantizers (or hwgen's TWN / TTQ modules).

A :class:`Preset` names the format of a network's weights and hidden activations; its methods
return the Brevitas quantizer classes that train and export to QONNX in that format, such
that hwgen reads the export as the same integers (docs/qat.md lists the mapping):

=========  =======================  ==============================  =======================
weights    Brevitas quantizer       QONNX export                    hwgen datapath
=========  =======================  ==============================  =======================
int 3..8   Int8Weight{PerTensor,    ``Quant`` b bits, narrow,       integer MVAU
           PerChannel}{FixedPoint,  zero point 0
           Float}, ``bit_width=b``
int 2      the same, 2 bits narrow  ``Quant`` 2 bits: codes -1..1   ternary MVAU
binary     SignedBinaryWeight-      ``BipolarQuant`` / 1-bit Quant  XNOR (bipolar inputs) or
           PerTensorConst (scale 1)                                 binary-weight MVAU
twn, ttq   :mod:`hwgen.qat.ternary`  2-bit ``Quant`` (TWN) or       ternary MVAU (TWN),
           (Brevitas has neither)   integer codes {-Ln, 0, Lp}      integer MVAU (TTQ)
=========  =======================  ==============================  =======================

Activations: unsigned ``b``-bit (after a ReLU; ``Uint8Act...``, ``bit_width=b``), bipolar
(``SignedBinaryActPerTensorConst``: sign with the hardtanh STE). The model input is unsigned
8-bit with a constant power-of-two scale (the digits' pixels are exact in 1/16 steps); the
output (logits) is signed 8-bit. Biases are ``Int32Bias`` (on the accumulator's grid ``S_X
S_W``, as hwgen's integer layers hold them). ``scaling="po2"`` restricts every scale to a
power of two (Brevitas' ``FixedPoint`` quantizers): then every float32 operation of the
fake-quant model is exact and its output codes equal hwgen's golden model's on every input
(the contract, :mod:`hwgen.qat.contract`). ``scaling="float"`` learns float scales: the
requantization multiplier is rounded to 31 bits in hardware and computed in float32 by torch,
so rare outputs may differ by one code (counted, docs/qat.md).

MX formats: Brevitas 0.13 has MX quantizers (``brevitas.quant.experimental.mx_quant_ocp``)
but its QONNX exporter has no handler for their group-wise proxies, and hwgen's QONNX reader
reads no MX; :func:`preset` refuses them with that reason (hwgen's MX layers come from float
models and CONFIG.toml, docs/mx.md).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ._deps import require

__all__ = ["Preset", "PRESETS", "preset", "WEIGHT_KINDS", "ACT_KINDS", "SCALINGS",
           "GRANULARITIES"]

WEIGHT_KINDS = ("int", "binary", "twn", "ttq")
ACT_KINDS = ("int", "bipolar")
SCALINGS = ("po2", "float")
GRANULARITIES = ("tensor", "channel")
_MX = ("mxint8", "mxfp8", "mxfp6", "mxfp4", "mx9", "mx6", "mx4")
#: Steps over which activation quantizers collect statistics before their scale is learned
#: (Brevitas' default is 300; a few epochs of the digits are about that many steps).
COLLECT_STATS_STEPS = 30


@dataclass(frozen=True)
class Preset:
    """A hardware format for the weights and hidden activations of a network.

    Parameters
    ----------
    name : str
    weights : {"int", "binary", "twn", "ttq"}
    weight_bits : int
        2 to 8 for ``"int"`` (1 for binary, 2 for TWN; TTQ's from ``ttq_level_max``).
    acts : {"int", "bipolar"}
        Hidden activations: unsigned integers after a ReLU, or bipolar signs (BNN: batch
        norm then sign between layers).
    act_bits : int
        2 to 8 for ``"int"``, 1 for bipolar.
    granularity : {"tensor", "channel"}
        Weight scales per tensor or per output channel (integer weights).
    scaling : {"po2", "float"}
        Power-of-two scales (exact contract) or learned float scales.
    input_scale : float
        The model input's scale (unsigned 8-bit codes); a power of two.
    output_bits : int
        Signed bits of the output (logits) quantizer.
    ttq_level_max : int
        TTQ's largest integer level: ``w_p``, ``w_n`` are held as ``L * s`` with ``L`` in
        ``1 .. ttq_level_max`` (hwgen.ir.binary.ttq_levels), the codes fit
        ``bits(ttq_level_max) + 1`` signed bits.
    """

    name: str
    weights: str = "int"
    weight_bits: int = 8
    acts: str = "int"
    act_bits: int = 8
    granularity: str = "tensor"
    scaling: str = "po2"
    input_scale: float = 1 / 16
    output_bits: int = 8
    ttq_level_max: int = 7

    def __post_init__(self):
        def bad(field, value, allowed):
            raise ValueError(f"preset {self.name!r}: {field} = {value!r}; use one of "
                             f"{', '.join(map(str, allowed))}")

        if self.weights not in WEIGHT_KINDS:
            bad("weights", self.weights, WEIGHT_KINDS)
        if self.acts not in ACT_KINDS:
            bad("acts", self.acts, ACT_KINDS)
        if self.scaling not in SCALINGS:
            bad("scaling", self.scaling, SCALINGS)
        if self.granularity not in GRANULARITIES:
            bad("granularity", self.granularity, GRANULARITIES)
        expected = {"binary": 1, "twn": 2, "ttq": self.ttq_weight_bits}.get(self.weights)
        if expected is not None and self.weight_bits != expected:
            raise ValueError(f"preset {self.name!r}: {self.weights} weights have "
                             f"{expected} bits, not weight_bits = {self.weight_bits}")
        if self.weights == "int" and not 2 <= self.weight_bits <= 8:
            bad("weight_bits", self.weight_bits, range(2, 9))
        if self.acts == "int" and not 2 <= self.act_bits <= 8:
            bad("act_bits", self.act_bits, range(2, 9))
        if self.acts == "bipolar" and self.act_bits != 1:
            raise ValueError(f"preset {self.name!r}: bipolar activations have act_bits = 1")
        if self.weights != "int" and self.granularity != "tensor":
            raise ValueError(f"preset {self.name!r}: {self.weights} weights have one scale "
                             "per tensor; use granularity 'tensor'")
        if not 2 <= self.output_bits <= 8:
            bad("output_bits", self.output_bits, range(2, 9))
        if not 1 <= self.ttq_level_max <= 127:
            bad("ttq_level_max", self.ttq_level_max, "1..127")
        e = _log2(self.input_scale)
        if e is None:
            raise ValueError(f"preset {self.name!r}: input_scale = {self.input_scale!r} must be "
                             "a power of two (hwgen and torch then quantize inputs alike)")

    @property
    def ttq_weight_bits(self) -> int:
        return int(self.ttq_level_max).bit_length() + 1

    def with_(self, **changes) -> "Preset":
        """A copy with ``changes`` (e.g. ``granularity="channel"``), renamed to show them."""
        name = changes.pop("name", None) or "-".join(
            [self.name] + [str(v) for k, v in sorted(changes.items())])
        return replace(self, name=name, **changes)

    # -- Brevitas quantizers ------------------------------------------------------------
    def weight_quant(self):
        """The Brevitas weight quantizer of integer or binary weights (TWN / TTQ: None, the
        layers are :class:`hwgen.qat.ternary.TernaryLinear` / ``TernaryConv2d``)."""
        require()
        from brevitas import quant as bq
        from brevitas.quant.fixed_point import Int8WeightPerChannelFixedPoint
        if self.weights == "binary":
            # BinaryConnect: latent weights clamped in place to [-1, 1], sign with scale 1.
            return bq.SignedBinaryWeightPerTensorConst.let(scaling_const=1.0)
        if self.weights != "int":
            return None
        base = {("tensor", "po2"): bq.Int8WeightPerTensorFixedPoint,
                ("channel", "po2"): Int8WeightPerChannelFixedPoint,
                ("tensor", "float"): bq.Int8WeightPerTensorFloat,
                ("channel", "float"): bq.Int8WeightPerChannelFloat}
        return base[self.granularity, self.scaling].let(bit_width=self.weight_bits)

    def act_quant(self):
        """The quantizer of hidden activations: unsigned after a ReLU, or bipolar."""
        require()
        from brevitas import quant as bq
        if self.acts == "bipolar":
            return bq.SignedBinaryActPerTensorConst
        base = bq.Uint8ActPerTensorFixedPoint if self.scaling == "po2" \
            else bq.Uint8ActPerTensorFloat
        return base.let(bit_width=self.act_bits, collect_stats_steps=COLLECT_STATS_STEPS)

    def input_quant(self):
        """Unsigned 8-bit codes of the model input at the constant scale ``input_scale``."""
        require()
        from brevitas import quant as bq
        from brevitas.inject.enum import ScalingImplType
        top = self.input_scale * 255
        return bq.Uint8ActPerTensorFixedPoint.let(
            scaling_impl_type=ScalingImplType.CONST, scaling_const=top, max_val=top)

    def output_quant(self):
        """Signed ``output_bits`` codes of the logits (a learned scale, power of two with
        ``scaling="po2"``)."""
        require()
        from brevitas import quant as bq
        base = bq.Int8ActPerTensorFixedPoint if self.scaling == "po2" \
            else bq.Int8ActPerTensorFloat
        return base.let(bit_width=self.output_bits, collect_stats_steps=COLLECT_STATS_STEPS)

    def bias_quant(self):
        """Brevitas' ``Int32Bias``: the bias on the accumulator's grid ``S_X S_W``."""
        require()
        from brevitas.quant import Int32Bias
        return Int32Bias


def _log2(value: float) -> int | None:
    """``e`` if ``value == 2**e`` exactly, else None."""
    import math
    if not isinstance(value, (int, float)) or not value > 0 or not math.isfinite(value):
        return None
    mantissa, exponent = math.frexp(value)
    return exponent - 1 if mantissa == 0.5 else None


#: The precisions of examples/qat_digits.py (power-of-two scales, per tensor).
PRESETS = {
    "w8a8": Preset("w8a8", weight_bits=8, act_bits=8),
    "w4a4": Preset("w4a4", weight_bits=4, act_bits=4),
    "w2a2": Preset("w2a2", weight_bits=2, act_bits=2),
    "w1a1": Preset("w1a1", weights="binary", weight_bits=1, acts="bipolar", act_bits=1),
    "twn": Preset("twn", weights="twn", weight_bits=2, act_bits=4),
    "ttq": Preset("ttq", weights="ttq", weight_bits=4, act_bits=4),
}


def preset(name: str, **changes) -> Preset:
    """A preset by name (:data:`PRESETS`), with optional changes, e.g.
    ``preset("w4a4", granularity="channel", scaling="float")``."""
    key = name.lower()
    if key in _MX:
        raise ValueError(
            f"{name}: Brevitas 0.13 has MX quantizers but exports none of them to QONNX (no "
            "handler for group-wise proxies) and hwgen's QONNX reader reads no MX; compile "
            "MX layers from a float model with CONFIG.toml (docs/mx.md)")
    if key not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; use one of {', '.join(PRESETS)}")
    base = PRESETS[key]
    return base.with_(**changes) if changes else base
