"""Resources of a candidate design: the one adapter between the search and a cost model.

:func:`estimate` asks :func:`hwgen.perf.cost.design_cost` (the analytic cost model, issue 10)
when that module exists. Until it lands, a clearly labelled **stand-in** counts what the
multiply-accumulate datapaths, weight memories and window buffers of the manifest need; its
figures rank candidates, they are not synthesis results (``source`` says which one ran).

The search ranks candidates by one scalar, :func:`cost` = LUTs + LUTRAM LUTs + DSPs x
``dsp_luts``: a DSP slice counts as the LUTs it displaces on the die. The default
:data:`DSP_LUTS` = 196 is the LUT-to-DSP ratio of a Zynq UltraScale+ ZU3EG (70,560 LUTs,
360 DSP48E2), the ``xcup`` target of ``hwgen synth``; BRAM is budgeted, not in the scalar.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

try:    # the analytic cost model (branch `cost`); absent until it is merged
    from ..perf.cost import design_cost
except ImportError:     # pragma: no cover - depends on the branch
    design_cost = None

__all__ = ["DSP_LUTS", "Resources", "cost", "estimate", "layer_estimate", "SOURCE"]

#: LUTs one DSP slice counts as in :func:`cost` (ZU3EG: 70,560 LUTs / 360 DSPs).
DSP_LUTS = 196

#: Which model :func:`estimate` uses.
SOURCE = "hwgen.perf.cost" if design_cost is not None else "stand-in (MAC units x bit widths)"

# -- the stand-in's constants (documented in docs/explore.md) ---------------------------------
#: an integer multiplier with both operands at least this wide goes on a DSP slice
_DSP_MIN_BITS = 7
#: LUT6 RAM: 64 x 1 bit per LUT; BRAM18: 512 x 36 bits
_LUTRAM_DEPTH, _BRAM_DEPTH, _BRAM_WIDTH = 64, 512, 36
#: per output lane (PE): requantization / threshold compare and output register, in LUTs
_LUTS_PER_PE = 48


@dataclass(frozen=True)
class Resources:
    """FPGA resources of a design (the fields of hwgen.perf.cost's Resources)."""

    lut: int
    ff: int
    carry: int
    dsp: int
    bram: int
    lutram: int

    def as_dict(self) -> dict:
        return asdict(self)


def cost(resources: Resources, dsp_luts: float = DSP_LUTS) -> float:
    """The scalar the Pareto front minimises: LUTs + LUTRAM + DSPs x ``dsp_luts``."""
    return float(resources.lut + resources.lutram + resources.dsp * dsp_luts)


def _bits(type_name: str) -> int:
    """Bits of a manifest element type: int8 -> 8, uint4 -> 4, bipolar -> 1, mxfp4 -> 4."""
    name = str(type_name)
    if name in ("bipolar", "binary"):
        return 1
    if name == "ternary":
        return 2
    digits = "".join(c for c in name if c.isdigit())
    if name.startswith("mxfp") and "_e" in name:        # mxfp6_e2m3: sign + e + m
        e, m = name.split("_e")[1].split("m")
        return 1 + int(e) + int(m)
    return int(digits[:1] if name.startswith("mxfp") else digits) if digits else 8


def _memory(width: int, depth: int) -> tuple[int, int]:
    """(LUTRAM LUTs, BRAM18s) of a ``width`` x ``depth`` memory: shallow ones in LUTRAM."""
    if width <= 0 or depth <= 0:
        return 0, 0
    if depth <= _LUTRAM_DEPTH:
        return width * math.ceil(depth / _LUTRAM_DEPTH), 0
    return 0, math.ceil(width / _BRAM_WIDTH) * math.ceil(depth / _BRAM_DEPTH)


def _matrix_layer(layer: dict) -> Resources:
    pe, simd = int(layer["pe"]), int(layer["simd"])
    units = pe * simd
    wtype = str(layer.get("weight_type", "int8"))
    wbits = _bits(wtype)
    abits = _bits(layer.get("input_type", "int8"))
    acc = int(layer.get("acc_bits", 32))
    dsp = 0
    if wtype in ("bipolar", "binary"):
        mult = abits                        # add or subtract the input
    elif wtype == "ternary":
        mult = 2 * abits                    # add, subtract or skip
    elif wtype.startswith("mx"):
        # element times input, then shifted by the block exponent for the aligned sum
        mult = wbits * abits + abits
    elif wbits >= _DSP_MIN_BITS and abits >= _DSP_MIN_BITS:
        mult, dsp = 0, units
    else:
        mult = wbits * abits
    lut = units * (mult + acc) + pe * _LUTS_PER_PE
    bits_per_weight = float(layer.get("bits_per_weight", wbits))
    depth = int(layer.get("nf", 1)) * int(layer.get("sf", 1))
    lutram, bram = _memory(math.ceil(units * bits_per_weight), depth)
    return Resources(lut=lut, ff=units * acc + pe * acc, carry=math.ceil(units * acc / 8),
                     dsp=dsp, bram=bram, lutram=lutram)


def _stream_layer(layer: dict) -> Resources:
    lanes = int(layer.get("lanes", 1))
    bits = _bits(layer.get("input_type", "int8"))
    lutram = bram = 0
    if layer.get("kind") == "sliding_window":
        # line buffer: buffer_rows rows of width x channels elements
        depth = int(layer.get("buffer_rows", 1)) * int(layer.get("width", 1))
        lutram, bram = _memory(int(layer.get("channels", 1)) * bits, depth)
    lut = lanes * bits * 2
    return Resources(lut=lut, ff=lanes * bits, carry=0, dsp=0, bram=bram, lutram=lutram)


def layer_estimate(layer: dict) -> Resources:
    """The stand-in's resources of one manifest layer (the per-layer table of the report)."""
    return _matrix_layer(layer) if "pe" in layer and "simd" in layer else _stream_layer(layer)


def _stand_in(manifest: dict) -> Resources:
    total = dict.fromkeys(("lut", "ff", "carry", "dsp", "bram", "lutram"), 0)
    for layer in manifest["layers"]:
        part = layer_estimate(layer)
        for key, value in part.as_dict().items():
            total[key] += value
    return Resources(**total)


def estimate(design, target: str = "xcup") -> Resources:
    """Resources of a compiled (unsaved) :class:`hwgen.Design`.

    Parameters
    ----------
    design : hwgen.Design
    target : str
        The device family the cost model prices (``hwgen synth``'s targets).

    Returns
    -------
    Resources
        From :func:`hwgen.perf.cost.design_cost` when it exists, else the stand-in.
    """
    if design_cost is not None:
        r = design_cost(design.blocks, design.lowered.edges, target)
        return Resources(**{f: int(getattr(r, f)) for f in
                            ("lut", "ff", "carry", "dsp", "bram", "lutram")})
    return _stand_in(design.manifest)
