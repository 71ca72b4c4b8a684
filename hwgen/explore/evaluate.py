"""Evaluate one candidate (weight and activation formats): accuracy (golden model), II and
latency (cycle model), resources.

:func:`evaluate` is a pure function of a :class:`Context` and a tuple of formats, so any
backend (in process, or a Ray worker) returns the same rows for the same candidate. The
accuracy does not depend on the folding (folding changes when a product is computed, not its
value), so the golden model runs once per candidate and each interval of the ladder only
compiles and prices the folding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .. import api
from ..passes import FoldingTargetError
from .resources import cost, estimate
from .space import Space

__all__ = ["Context", "evaluate", "price", "sqnr_db"]


@dataclass(frozen=True, eq=False)
class Context:
    """What every evaluation needs; picklable (sent once to each Ray worker).

    Attributes
    ----------
    model : str
        Path of the float ONNX model.
    calibration, x_val, y_val : numpy.ndarray
        Calibration inputs, validation inputs and integer labels.
    reference : numpy.ndarray
        The float model's outputs on ``x_val``, flattened per row (the SQNR reference).
    space : Space
    iis : tuple of int
        The folding targets (cycles per inference) each candidate is priced at.
    target : str
        Device family of the cost model.
    dsp_luts : float
        LUTs a DSP counts as in the cost scalar.
    ref_ii : int
        The reference interval :func:`price` compiles at.
    """

    model: str
    calibration: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    reference: np.ndarray
    space: Space
    iis: tuple
    target: str
    dsp_luts: float
    ref_ii: int


def sqnr_db(reference: np.ndarray, output: np.ndarray) -> float:
    """10 log10(signal power / noise power) of ``output`` against ``reference``, in dB."""
    noise = float(np.sum((output.astype(np.float64) - reference) ** 2))
    signal = float(np.sum(reference.astype(np.float64) ** 2))
    if noise == 0.0:
        return math.inf
    return 10.0 * math.log10(signal / noise)


def _folding(design) -> dict:
    return {layer["name"]: (int(layer["pe"]), int(layer["simd"]))
            for layer in design.manifest["layers"] if "pe" in layer and "simd" in layer}


def price(context: Context, candidate: tuple) -> float | None:
    """The cost of ``candidate`` at the reference interval, without the golden model (the
    greedy search prices every move this way); None if no folding reaches the interval.
    Equal to the ``cost`` of :func:`evaluate`'s row at ``context.ref_ii``."""
    try:
        design = api.compile(context.model, context.calibration,
                             context.space.config(tuple(candidate)),
                             target_ii=int(context.ref_ii))
    except FoldingTargetError:
        return None
    return cost(estimate(design, context.target), context.dsp_luts)


def evaluate(context: Context, candidate: tuple) -> list[dict]:
    """Rows of ``candidate`` at every interval of ``context.iis`` that a folding reaches.

    Each row: ``formats`` (layer -> weight format), ``activations`` (layer -> format of its
    input activations), ``target_ii``, ``ii``, ``latency`` (cycles),
    ``accuracy``, ``sqnr_db``, ``noise`` (mean squared error of the outputs against the float
    model), the resources, ``cost`` and ``folding`` (layer -> [pe, simd]).
    """
    candidate = tuple(candidate)
    config = context.space.config(candidate)
    weights, activations = context.space.split(candidate)
    accuracy = sqnr = noise = None
    rows = []
    for target_ii in context.iis:
        try:
            design = api.compile(context.model, context.calibration, config,
                                 target_ii=int(target_ii))
        except FoldingTargetError:
            continue
        if accuracy is None:
            out = design.golden(context.x_val).reshape(len(context.x_val), -1)
            accuracy = float(np.mean(out.argmax(axis=1) == context.y_val))
            sqnr = sqnr_db(context.reference, out)
            noise = float(np.mean((out.astype(np.float64) - context.reference) ** 2))
        resources = estimate(design, context.target)
        rows.append({
            "formats": dict(weights), "activations": dict(activations),
            "target_ii": int(target_ii), "ii": int(design.ii), "latency": int(design.latency),
            "accuracy": accuracy, "sqnr_db": sqnr, "noise": noise,
            **resources.as_dict(), "cost": cost(resources, context.dsp_luts),
            "folding": {k: list(v) for k, v in _folding(design).items()},
        })
    return rows
