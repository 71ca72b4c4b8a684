"""manifest.json: ports, per-block shapes, types, folding and predicted cycles."""

from __future__ import annotations

from ..ir.binary import BipolarQuant
from ..ir.block import block_instance, byte_aligned_bits
from ..passes.fifo_sizing import fifo_bits, steady_state_inferences
from ..perf.cost.summary import DEFAULT_COST_TARGET, estimate_section
from ..perf.pipeline import pipeline_timing
from ..version import __version__
from .design import LoweredDesign

__all__ = ["build_manifest"]


def _input_quant(q) -> dict:
    """The input's element type and how a float input becomes codes."""
    if isinstance(q, BipolarQuant):
        return {"type": q.dtype.name, "scale": q.scale, "zero_point": None,
                "bipolar_threshold": q.threshold}
    return {"type": q.dtype.name, "scale": q.scale, "zero_point": q.zero_point}


def _stream_port(prefix: str, fmt) -> dict:
    return {**fmt.describe(),
            "signals": {m: f"{prefix}__{m}" for m in ("payload", "valid", "ready")}}


def _axis_port(prefix: str, fmt) -> dict:
    # the same roles as a stream port ("payload" is TDATA) plus TLAST, so tools that read
    # a port's signals (the synthesis harness) find them under the same keys
    return {**fmt.describe(), "tdata_bits": byte_aligned_bits(fmt.payload_bits),
            "signals": {"payload": f"{prefix}_tdata", "valid": f"{prefix}_tvalid",
                        "ready": f"{prefix}_tready", "last": f"{prefix}_tlast"}}


def _interface(design: LoweredDesign) -> dict:
    """The top's port convention: ports, clock and reset, and the ``interface`` entry."""
    if design.interface == "stream":
        return {"interface": {"kind": "stream"},
                "clock": {"port": "clk", "reset": "rst (synchronous, active high)"},
                "ports": {"i_stream": _stream_port("i_stream", design.input_format),
                          "o_stream": _stream_port("o_stream", design.output_format)}}
    return {
        "interface": {
            "kind": "axis",
            "tdata": ("TDATA holds one stream beat (stream_layout), zero padding above the "
                      "last lane up to a whole byte: ignored on input, zero on output"),
            "s_axis_tlast": ("ignored: the accelerator counts input beats itself; a transfer "
                             "may carry any whole number of inferences"),
            "m_axis_tlast": "high on the last output beat of every inference",
            # the AXI ports are wired straight to the pipeline: the predicted cycles hold as
            # they are for the stream interface
            "added_latency_cycles": 0,
        },
        "clock": {"port": "aclk", "reset": "aresetn (synchronous, active low)"},
        "ports": {"i_stream": _axis_port("s_axis", design.input_format),
                  "o_stream": _axis_port("m_axis", design.output_format)},
    }


def build_manifest(design: LoweredDesign, *, files: dict,
                   cost_target: str = DEFAULT_COST_TARGET) -> dict:
    """Describe ``design`` for users and for ``hwgen sim`` / ``hwgen report``.

    Parameters
    ----------
    design : LoweredDesign
    files : dict
        Paths (relative to the output directory) and hashes of what was written.
    cost_target : str
        Target of the analytic resource estimate (``"estimate"``; :mod:`hwgen.perf.cost`).
    """
    inferences = steady_state_inferences(len(design.blocks))
    # The compile flow's analysis of these very blocks, when there is one: no second run.
    timing = pipeline_timing(design.blocks, inferences, design.edges)
    blocks = []
    for index, (block, t) in enumerate(zip(design.blocks, timing.layers, strict=True)):
        producer = design.edges[index][0]
        previous = design.blocks[producer] if producer >= 0 else None
        converter = None
        if previous is not None and previous.output_format.lanes != block.input_format.lanes:
            converter = {"in_lanes": previous.output_format.lanes,
                         "out_lanes": block.input_format.lanes}
        blocks.append({
            "index": index, "name": block.name, "kind": block.kind,
            "instance": block_instance(index), "inputs": list(design.edges[index]),
            "input_shape": list(block.input_shape), "output_shape": list(block.output_shape),
            "input_format": block.input_format.describe(),
            "output_format": block.output_format.describe(),
            "in_fifo_depth": block.in_fifo_depth, "width_converter": converter,
            **block.describe(),
            "cycles_per_vector": t.cycles_per_vector,
            "beats_in_per_inference": t.beats_in_per_vector,
            "beats_out_per_inference": t.beats_out_per_vector,
            "predicted": {"latency": t.latency,
                          "utilization": t.cycles_per_vector / timing.ii},
        })
    return {
        "hwgen_version": __version__,
        "model": design.name,
        "top": design.top,
        "files": files,
        **_interface(design),
        "stream_layout": ("element i of a beat occupies bits [i*w, (i+1)*w), two's complement "
                          "for signed types; a tensor travels in row-major order (channels "
                          "fastest), lanes elements per beat"),
        "input": {"shape": list(design.input_shape),
                  "beats_per_inference": design.beats_in_per_inference,
                  # the host's quantization of a float input (a bipolar port: the bit of
                  # x >= threshold)
                  **_input_quant(design.input_quant),
                  # the host transposes a model input row (e.g. NCHW) into this stream order
                  "model_shape": list(design.model_input_shape),
                  "axes": None if design.input_axes is None else list(design.input_axes)},
        "output": {"shape": list(design.output_shape),
                   "beats_per_inference": design.beats_out_per_inference,
                   "type": design.output_quant.dtype.name, "scale": design.output_quant.scale,
                   "zero_point": design.output_quant.zero_point},
        "layers": blocks,
        # Bits of every FIFO (output, input and branch FIFOs: depth x beat width).
        "fifo_bits": fifo_bits(design.blocks, design.edges),
        "predicted": {
            "latency": timing.latency, "ii": timing.ii, "ii_bound": timing.ii_bound,
            "model_inferences": inferences,
            "conventions": ("cycle 0 is the first cycle after reset; latency = last output "
                            "beat's transfer cycle - first input beat's transfer cycle of one "
                            "inference into an empty pipeline; ii = cycles between the last "
                            "output beats of consecutive inferences streamed back to back, "
                            "in steady state"),
        },
        "estimate": estimate_section(design.blocks, design.edges, cost_target),
    }
