"""Analytic resource model: LUTs, flip-flops, carry cells, DSPs, block and LUT RAMs per block.

Every block kind of the catalog (:mod:`hwgen.catalog`, stage ``cost_model``) has a cost
function ``cost(block, target) -> Resources`` that counts the block's structure as its
Amaranth component builds it (:mod:`~hwgen.perf.cost.tally`): DSPs, block RAM tiles and LUT
RAM primitives exactly, by the rules Yosys applies (:mod:`~hwgen.perf.cost.multipliers`,
:mod:`~hwgen.perf.cost.memory`), and LUTs, flip-flops and carry cells as features weighted by
per-target coefficients fitted to Yosys (:mod:`~hwgen.perf.cost.coefficients`, refitted by
``python benchmarks/fit_cost_model.py --write``). :func:`design_cost` adds the glue the
accelerator puts between blocks. An estimate takes milliseconds; docs/synthesis.md has the
model and its measured error.
"""

from .design import DesignCost, block_cost, design_cost
from .memory import Ram, Rom, memory_style
from .resources import RESOURCE_NAMES, Resources
from .targets import COST_TARGETS, cost_target

__all__ = ["Resources", "RESOURCE_NAMES", "DesignCost", "block_cost", "design_cost",
           "memory_style", "Rom", "Ram", "COST_TARGETS", "cost_target"]
