"""Fold batch norm + sign (or + a multi-bit quantizer) into integer thresholds per channel.

A :class:`~hwgen.ir.layers.float_activation.FloatActivation` maps the integer accumulator of a
channel to an output code through float64 steps that are each monotone, so the code is a
staircase in the accumulator. Its steps are the thresholds of FINN's MultiThreshold:

* a rising channel (batch norm scale > 0): ``t_k = min{a : code(a) >= qmin + k}``, and the
  unit counts ``[acc >= t_k]``;
* a falling channel (batch norm scale < 0): ``t_k = max{a : code(a) >= qmin + k}``, and the
  unit counts ``[acc <= t_k]``: the comparison flips, ties included;
* a constant channel (scale 0): thresholds at the ends of the range.

Each threshold is found by bisection over the accumulator's exact range, evaluating the very
float64 function, so the folded layer equals the float one on every reachable accumulator:
no rounding of a real-valued threshold, no tie left to chance.
"""

from __future__ import annotations

import numpy as np

from ..errors import IRError
from ..ir.binary import ThresholdActivation
from ..ir.graph import Graph
from ..ir.layers.binary_conv import BinaryConv
from ..ir.layers.binary_dense import BinaryDense
from ..ir.layers.float_activation import FloatActivation

__all__ = ["fold_activation", "fold_thresholds"]


def fold_activation(activation: FloatActivation, acc_lo, acc_hi) -> ThresholdActivation:
    """Integer thresholds equal to ``activation`` for every ``acc`` in ``[acc_lo, acc_hi]``.

    Parameters
    ----------
    activation : FloatActivation
    acc_lo, acc_hi : array_like
        Per-channel bounds of the integer accumulator.
    """
    channels = activation.channels
    lo = np.broadcast_to(np.asarray(acc_lo, dtype=np.int64), (channels,))
    hi = np.broadcast_to(np.asarray(acc_hi, dtype=np.int64), (channels,))
    if np.any(lo > hi):
        raise IRError("accumulator bounds are empty")
    q = activation.quantizer
    count = q.qmax - q.qmin
    levels = (q.qmin + np.arange(1, count + 1))[:, None]            # (T, 1)
    falling = activation.direction < 0                                # (C,)

    def reached(a):       # (T, C) accumulators -> code(a) >= level, per level and channel
        return activation.evaluate(a) >= levels

    shape = (count, channels)
    # Rising (and constant) channels: the first accumulator that reaches the level, hi + 1
    # if none does. Falling channels: the last one that does, lo - 1 if none.
    low = np.where(falling, lo - 1, lo) * np.ones(shape, dtype=np.int64)
    high = np.where(falling, hi, hi + 1) * np.ones(shape, dtype=np.int64)
    while True:
        open_ = low < high
        if not open_.any():
            break
        mid = np.where(falling, (low + high + 1) // 2, (low + high) // 2)
        mid = np.where(open_, mid, np.clip(low, lo, hi))   # evaluate only inside the range
        hit = reached(mid)
        rising_step = open_ & ~falling
        falling_step = open_ & falling
        high = np.where(rising_step & hit, mid, high)
        low = np.where(rising_step & ~hit, mid + 1, low)
        low = np.where(falling_step & hit, mid, low)
        high = np.where(falling_step & ~hit, mid - 1, high)
    return ThresholdActivation(thresholds=low.T.copy(), descending=falling.astype(np.int64),
                               output_quant=activation.output_quant, out_offset=q.qmin)


def fold_thresholds(graph: Graph) -> Graph:
    """Graph pass: every binary or ternary layer's float activation becomes thresholds.

    The accumulator range of each layer comes from its weights, levels, bias and input type
    (:meth:`~hwgen.ir.layers.binary_dense.BinaryDense.acc_bounds`; a
    :class:`~hwgen.ir.layers.binary_conv.BinaryConv` has its matrix part's).
    """
    layers = []
    for layer in graph.layers:
        if isinstance(layer, (BinaryDense, BinaryConv)) and \
                isinstance(layer.activation, FloatActivation):
            lo, hi = layer.acc_bounds()
            layer = layer.replace(activation=fold_activation(layer.activation, lo, hi))
        layers.append(layer)
    return graph.replace_layers(layers)
