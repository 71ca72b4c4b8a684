"""Design-space exploration: per-layer formats and folding under a budget (``hwgen explore``).

:func:`explore` runs the searches and writes the Pareto front, the plot, a CONFIG.toml per
finalist and a summary against uniform int8 (docs/explore.md).
"""

from .resources import DSP_LUTS, Resources, estimate
from .run import explore, parse_budget
from .space import DEFAULT_FORMATS, FORMATS, parse_formats

__all__ = ["explore", "parse_budget", "parse_formats", "estimate", "Resources", "DSP_LUTS",
           "FORMATS", "DEFAULT_FORMATS"]
