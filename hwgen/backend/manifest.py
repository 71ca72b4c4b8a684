"""manifest.json: ports, per-layer shapes, types, folding and predicted cycles."""

from __future__ import annotations

from .. import __version__
from ..passes.fifo_sizing import steady_state_inferences
from ..perf.pipeline import pipeline_timing
from .design import Design

__all__ = ["build_manifest", "layer_instance"]


def layer_instance(index: int) -> str:
    """Instance name of layer ``index`` inside the top module."""
    return f"layer_{index}"


def _stream_port(prefix: str, lanes: int, dtype) -> dict:
    return {
        "lanes": lanes, "element": dtype.name, "payload_bits": lanes * dtype.bits,
        "signals": {m: f"{prefix}__{m}" for m in ("payload", "valid", "ready")},
    }


def build_manifest(design: Design, *, files: dict) -> dict:
    """Describe ``design`` for users and for ``hwgen sim`` / ``hwgen report``.

    Parameters
    ----------
    design : Design
    files : dict
        Paths (relative to the output directory) and hashes of what was written.
    """
    inferences = steady_state_inferences(len(design.layers))
    timing = pipeline_timing(design.layers, inferences)
    layers = []
    for index, (p, t) in enumerate(zip(design.layers, timing.layers)):
        previous = design.layers[index - 1] if index else None
        layers.append({
            "index": index, "name": p.name, "kind": "int_mvau",
            "instance": layer_instance(index),
            "mh": p.mh, "mw": p.mw, "pe": p.pe, "simd": p.simd, "nf": p.nf, "sf": p.sf,
            "weight_type": p.weight_type.name, "input_type": p.input_type.name,
            "output_type": p.output_type.name, "acc_bits": p.acc_bits,
            "per_channel_requant": bool(len(set(zip(p.multiplier.tolist(),
                                                    p.shift.tolist()))) > 1),
            "relu": p.out_min > p.output_type.qmin, "rounding": p.rounding.value,
            "out_zero_point": p.out_zero_point, "out_min": p.out_min, "out_max": p.out_max,
            "out_fifo_depth": p.out_fifo_depth, "in_fifo_depth": p.in_fifo_depth,
            "width_converter": None if previous is None or previous.pe == p.simd else
            {"in_lanes": previous.pe, "out_lanes": p.simd},
            "macs": p.macs, "cycles_per_vector": t.cycles_per_vector,
            "predicted": {"latency": t.latency,
                          "utilization": t.cycles_per_vector / timing.ii},
        })
    return {
        "hwgen_version": __version__,
        "model": design.name,
        "top": design.top,
        "files": files,
        "clock": {"port": "clk", "reset": "rst (synchronous, active high)"},
        "ports": {"i_stream": _stream_port("i_stream", design.in_lanes, design.input_quant.dtype),
                  "o_stream": _stream_port("o_stream", design.out_lanes, design.output_quant.dtype)},
        "stream_layout": ("element i of a beat occupies bits [i*w, (i+1)*w), two's complement "
                          "for signed types; a vector of N elements travels as N/lanes "
                          "consecutive beats, element order preserved"),
        "input": {"features": design.in_features,
                  "beats_per_inference": design.beats_in_per_inference,
                  "type": design.input_quant.dtype.name, "scale": design.input_quant.scale,
                  "zero_point": design.input_quant.zero_point},
        "output": {"features": design.out_features,
                   "beats_per_inference": design.beats_out_per_inference,
                   "type": design.output_quant.dtype.name, "scale": design.output_quant.scale,
                   "zero_point": design.output_quant.zero_point},
        "layers": layers,
        "predicted": {
            "latency": timing.latency, "ii": timing.ii, "ii_bound": timing.ii_bound,
            "model_inferences": inferences,
            "conventions": ("cycle 0 is the first cycle after reset; latency = last output "
                            "beat's transfer cycle - first input beat's transfer cycle of one "
                            "inference into an empty pipeline; ii = cycles between the last "
                            "output beats of consecutive inferences streamed back to back, "
                            "in steady state"),
        },
    }
