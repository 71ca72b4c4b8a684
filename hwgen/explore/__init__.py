"""Design-space exploration: per-layer weight and activation formats and folding under a
budget (``hwgen explore``).

:func:`explore` runs the searches and writes the Pareto front, the plot, a CONFIG.toml per
finalist and a summary against uniform int8 (docs/explore.md).
"""

from .resources import DSP_LUTS, Resources, estimate
from .run import explore, parse_budget
from .space import (
    ACTIVATION_FORMATS,
    DEFAULT_ACTIVATIONS,
    DEFAULT_FORMATS,
    FORMATS,
    describe,
    parse_activations,
    parse_formats,
)

__all__ = ["explore", "parse_budget", "parse_formats", "parse_activations", "describe",
           "estimate", "Resources", "DSP_LUTS", "FORMATS", "DEFAULT_FORMATS",
           "ACTIVATION_FORMATS", "DEFAULT_ACTIVATIONS"]
