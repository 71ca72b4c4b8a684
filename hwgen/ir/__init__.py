"""hwgen's intermediate representation: typed, frozen, validated."""

from .graph import Graph
from .layers import Folding, QuantDense
from .mvau_params import IntMvauParams, signed_bits_for_range
from .rules import REQUANT_ROUNDINGS, RequantRounding
from .types import GRANULARITIES, IntType, TensorQuant, WeightQuant

__all__ = [
    "Graph", "Folding", "QuantDense", "IntMvauParams", "signed_bits_for_range",
    "RequantRounding", "REQUANT_ROUNDINGS", "IntType", "TensorQuant", "WeightQuant",
    "GRANULARITIES",
]
