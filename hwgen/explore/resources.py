"""Resources of a candidate design: the one adapter between the search and the cost model.

:func:`estimate` asks the analytic cost model (:func:`hwgen.perf.cost.design_cost`, fitted
against Yosys: docs/synthesis.md) for a candidate's LUT, FF, carry, DSP, BRAM and LUT RAM;
estimates take milliseconds, so every candidate gets one and only the Pareto finalists are
synthesised.

The search ranks candidates by one scalar, :func:`cost` = LUTs + LUTRAM LUTs + DSPs x
``dsp_luts``: a DSP slice counts as the LUTs it displaces on the die. The default
:data:`DSP_LUTS` = 196 is the LUT-to-DSP ratio of a Zynq UltraScale+ ZU3EG (70,560 LUTs,
360 DSP48E2), the ``xcup`` target of ``hwgen synth``; BRAM is budgeted, not in the scalar.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..perf.cost import design_cost

__all__ = ["DSP_LUTS", "Resources", "cost", "estimate", "layer_estimate", "SOURCE"]

#: LUTs one DSP slice counts as in :func:`cost` (ZU3EG: 70,560 LUTs / 360 DSPs).
DSP_LUTS = 196

#: Which model :func:`estimate` uses.
SOURCE = "analytic cost model (hwgen.perf.cost, fitted against Yosys)"

_FIELDS = ("lut", "ff", "carry", "dsp", "bram", "lutram")


@dataclass(frozen=True)
class Resources:
    """FPGA resources of a design, in whole primitives (hwgen.perf.cost's Resources,
    rounded)."""

    lut: int
    ff: int
    carry: int
    dsp: int
    bram: int
    lutram: int

    def as_dict(self) -> dict:
        return asdict(self)


def _whole(resources) -> Resources:
    return Resources(**{f: int(round(getattr(resources, f))) for f in _FIELDS})


def cost(resources: Resources, dsp_luts: float = DSP_LUTS) -> float:
    """The scalar the Pareto front minimises: LUTs + LUTRAM + DSPs x ``dsp_luts``."""
    return float(resources.lut + resources.lutram + resources.dsp * dsp_luts)


def layer_estimate(layer: dict) -> Resources:
    """Resources of one layer of a manifest's ``estimate`` section (``{"resources": ...}``)."""
    return Resources(**{f: int(round(layer["resources"][f])) for f in _FIELDS})


def estimate(design, target: str = "xcup") -> Resources:
    """Resources of a compiled (unsaved) :class:`hwgen.Design` on ``target`` (the device
    family the cost model prices: ``hwgen synth``'s targets)."""
    return _whole(design_cost(design.blocks, design.lowered.edges, target).total)
