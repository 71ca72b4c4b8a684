"""The compile flow: model -> quantized graph -> passes -> lowered, sized design."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import replace

from .backend.design import DEFAULT_TOP, LoweredDesign
from .errors import ConfigError
from .frontend import load_config, load_onnx
from .frontend.layout import stream_input_axes
from .ir.blocks.int_mvau import IntMvauParams
from .ir.blocks.sliding_window import SlidingWindowParams, window_layer
from .ir.blocks.window_reduce import WindowReduceParams
from .ir.graph import Graph
from .ir.lowering import lower_graph
from .passes import (
    DEFAULT_MAX_MACS,
    MAX_LAYER_WEIGHTS,
    check_layer_sizes,
    choose_folding,
    narrow_requantizers,
    size_pipeline,
)

__all__ = ["compile_graph", "compile_onnx", "PHASES"]

#: The compile phases ``phases`` dictionaries name, in order.
PHASES = ("frontend and quantization", "folding", "lowering", "FIFO sizing and cycle model")


@contextmanager
def _phase(phases: dict | None, name: str):
    start = time.process_time()
    try:
        yield
    finally:
        if phases is not None:
            phases[name] = phases.get(name, 0.0) + time.process_time() - start

def compile_graph(graph: Graph, config=None, *, max_macs: int = DEFAULT_MAX_MACS,
                  top: str = DEFAULT_TOP, input_axes: tuple | None = None,
                  target_ii: int | None = None, max_layer_weights: int | None = MAX_LAYER_WEIGHTS,
                  progress=None, phases: dict | None = None) -> LoweredDesign:
    """Fold, lower and size a quantized graph.

    The steps, in order: :func:`~hwgen.passes.choose_folding` (graph pass; PE / SIMD asked
    for in ``config`` are kept), :func:`~hwgen.ir.lowering.lower_graph` (the bridge to
    hardware parameters), :func:`~hwgen.passes.size_pipeline` (block pass, from the
    pipeline analysis). The analysis of the sized pipeline serves the manifest and the
    simulation too (``hwgen.perf.pipeline.analyse_pipeline`` returns it for the design's
    blocks), so the cycle model runs once.

    Parameters
    ----------
    graph : Graph
    config : CompileConfig, dict, path or None
        Supplies requested PE / SIMD per layer.
    max_macs : int
        Multipliers of the largest layer when folding is chosen automatically.
    target_ii : int, optional
        Cycles per inference to reach with the fewest multipliers instead (``max_macs`` is
        then ignored); :class:`~hwgen.passes.FoldingTargetError` if no folding reaches it.
    top : str
        Verilog module name.
    input_axes : tuple or None
        How a model input row becomes the stream (:attr:`LoweredDesign.input_axes`).
    max_layer_weights : int or None
        Refuse a layer with more weights (:func:`check_layer_sizes`); None for no limit.
    progress : callable, optional
        ``progress(step)`` with the name of each step as it starts.
    phases : dict, optional
        Filled with the CPU seconds of each phase (:data:`PHASES`).
    """
    progress = progress or (lambda step: None)
    config = load_config(config)
    check_layer_sizes(graph, max_layer_weights)
    with _phase(phases, "folding"):
        requests = {}
        for layer in graph.layers:
            options = config.layer(layer.name)
            if options.pe is not None or options.simd is not None:
                requests[layer.name] = (options.pe, options.simd)
        progress("choosing the folding")
        packing = {layer.name: config.layer(layer.name).dsp_packing for layer in graph.layers}
        graph = choose_folding(graph, requests=requests, max_macs=max_macs,
                               target_ii=target_ii, dsp_packing=packing)
    with _phase(phases, "lowering"):
        progress("lowering to hardware blocks")
        blocks, edges = lower_graph(graph)
        # Hardware choices of the integer MVAUs (and `pipeline` of the pools and windows, a
        # window taking its layer's): the golden model ignores them (the cycle model
        # follows `pipeline`'s registers).
        blocks = tuple(_hardware_choices(b, config) for b in blocks)
        check_pipeline_keys(config, blocks)
        # Requantizer inputs saturated to 18 bits where that changes no output.
        blocks = narrow_requantizers(blocks)
    with _phase(phases, "FIFO sizing and cycle model"):
        progress("sizing the FIFOs (cycle model)")
        sized = size_pipeline(blocks, edges)
    return LoweredDesign(name=graph.name, blocks=sized.blocks, edges=edges,
                         input_quant=graph.input_quant, output_quant=graph.output_quant,
                         top=top, input_axes=input_axes)


def compile_onnx(model, calibration, config=None, *, max_macs: int = DEFAULT_MAX_MACS,
                 top: str = DEFAULT_TOP, target_ii: int | None = None,
                 max_layer_weights: int | None = MAX_LAYER_WEIGHTS, progress=None,
                 phases: dict | None = None) -> LoweredDesign:
    """Quantize a float ONNX model with ``calibration`` data (or read a QDQ model) and compile it.

    ONNX images are NCHW and hwgen streams NHWC: a model whose first layer takes an image
    gets ``input_axes`` (1, 2, 0), so :meth:`LoweredDesign.input_codes` takes rows in the
    model's own layout (:mod:`hwgen.frontend.layout`). ``phases`` is filled with the CPU
    seconds of each phase (:data:`PHASES`).
    """
    with _phase(phases, "frontend and quantization"):
        config = load_config(config)
        if progress:
            progress("reading and quantizing the model")
        graph = load_onnx(model, calibration, config=config)
    return compile_graph(graph, config, max_macs=max_macs, top=top,
                         input_axes=stream_input_axes(graph.input_shape), target_ii=target_ii,
                         max_layer_weights=max_layer_weights, progress=progress,
                         phases=phases)


def _hardware_choices(block, config):
    """``block`` with its layer's ``dsp_packing`` and ``pipeline`` (where it has them)."""
    if isinstance(block, IntMvauParams):
        layer = config.layer(block.name)
        return replace(block, dsp_packing=layer.dsp_packing, pipeline=layer.pipeline)
    if isinstance(block, WindowReduceParams):
        return replace(block, pipeline=config.layer(block.name).pipeline)
    if isinstance(block, SlidingWindowParams):
        return replace(block, pipeline=config.layer(window_layer(block.name)).pipeline)
    return block


def check_pipeline_keys(config, blocks) -> None:
    """Raise :class:`ConfigError` for a ``[layer.NAME]`` table that sets ``pipeline =
    "deep"`` on a layer without an integer MVAU, a pool's window reduction or a sliding
    window (XNOR, MX, depthwise, adds...): the key has no meaning there. ``[default]``'s
    ``pipeline`` applies to those three and leaves every other block as it is."""
    mvaus = {b.name for b in blocks if isinstance(b, (IntMvauParams, WindowReduceParams))}
    mvaus |= {window_layer(b.name) for b in blocks if isinstance(b, SlidingWindowParams)}
    for name, keys in config.explicit.items():
        if name is None or "pipeline" not in keys or name in mvaus:
            continue
        if config.layer(name).pipeline != "auto":
            kinds = sorted({b.kind for b in blocks if b.name == name}) or ["no block"]
            raise ConfigError(
                f"{config.source}: [layer.{name}]: pipeline = "
                f"{config.layer(name).pipeline!r} applies to integer MVAUs (dense and conv "
                f"layers) and pools only; layer {name!r} becomes {', '.join(kinds)}; remove "
                "the key or set it to 'auto'")
