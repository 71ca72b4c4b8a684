"""Passes. Graph passes take an IR graph and return a new one; block passes take lowered
blocks and return new ones. The compile flow runs them in an explicit order
(``hwgen.compiler``). Two steps serve the frontend before that flow: :mod:`.lowerable` checks a
quantized layer can be lowered, :mod:`.chain_codes` runs a chain of layers through these steps
and the golden model (to calibrate a QONNX model's unquantized output)."""

from __future__ import annotations

from .fifo_sizing import (
    SizedPipeline,
    fifo_bits,
    size_fifos,
    size_pipeline,
    steady_state_inferences,
)
from .folding import (
    DEFAULT_MAX_MACS,
    FoldingTargetError,
    choose_folding,
    divisors,
    folding_report,
    target_interval,
)
from .layer_size import MAX_LAYER_WEIGHTS, check_layer_sizes
from .narrow_requant import narrow_requantizers
from .threshold_folding import fold_activation, fold_thresholds

__all__ = ["run_passes", "choose_folding", "size_fifos", "size_pipeline", "SizedPipeline",
           "fifo_bits", "steady_state_inferences",
           "divisors", "DEFAULT_MAX_MACS", "fold_thresholds", "fold_activation",
           "folding_report", "target_interval", "FoldingTargetError",
           "MAX_LAYER_WEIGHTS", "check_layer_sizes", "narrow_requantizers"]


def run_passes(subject, passes):
    """Apply ``passes`` (callables subject -> subject) in order."""
    for step in passes:
        subject = step(subject)
    return subject
