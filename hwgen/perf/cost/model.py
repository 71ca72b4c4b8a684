"""From a block's counted structure to its resources: exact cells plus fitted coefficients.

``resources = exact (DSP, BRAM, LUT RAM) + sum over features of coefficient x feature`` for
LUTs, flip-flops and carry cells, with the coefficients of :mod:`~hwgen.perf.cost.coefficients`
for the target. Each block kind's cost function is ``cost(block, target) -> Resources``,
made by :func:`cost_function` from a function that counts the block into a :class:`Tally`.
"""

from __future__ import annotations

from .coefficients import COEFFICIENTS
from .resources import Resources
from .tally import Tally
from .targets import cost_target

__all__ = ["cost_function", "evaluate", "tally_of"]


def evaluate(tally: Tally, coefficients: dict | None = None) -> Resources:
    """The resources of a counted block, with ``coefficients`` (the fitted ones by default)."""
    coefficients = coefficients or COEFFICIENTS[tally.target.name]
    values = {}
    for resource in ("lut", "ff", "carry"):
        weights = coefficients[resource]
        values[resource] = max(0.0, sum(weights.get(name, 0.0) * value
                                        for name, value in tally.features.items()))
    return Resources(tally.target.name, dsp=tally.dsp, bram=tally.bram, lutram=tally.lutram,
                     **values)


def tally_of(features, block, target) -> Tally:
    """Count ``block`` with a kind's features function on ``target`` (a name or target)."""
    tally = Tally(cost_target(target) if isinstance(target, str) else target)
    features(block, tally)
    return tally


def cost_function(features):
    """The ``cost(block, target) -> Resources`` of a kind whose structure ``features``
    counts; the features function stays reachable as ``cost.features`` (for the fit)."""

    def cost(block, target) -> Resources:
        return evaluate(tally_of(features, block, target)).rounded()

    cost.features = features
    cost.__name__ = features.__name__.replace("_features", "_cost")
    cost.__qualname__ = cost.__name__
    cost.__doc__ = (f"Estimated resources of one block on ``target`` (``{features.__module__}"
                    f".{features.__name__}`` counts it).")
    return cost
