"""hwgen's intermediate representation: typed, frozen, validated."""

from .binary import (BIT, Activation, BipolarQuant, RequantActivation, ThresholdActivation,
                     WeightFormat)
from .binary_conv import BinaryConv
from .binary_layers import BinaryDense
from .binary_params import BinaryWeightMvauParams, TernaryMvauParams, XnorMvauParams
from .depthwise import QuantDepthwiseConv
from .depthwise_params import DepthwiseParams
from .graph import Graph
from .layers import Folding, QuantDense
from .mvau_params import IntMvauParams, signed_bits_for_range
from .mx_conv import MxConv
from .mx_layers import MxDense
from .mx_params import MxMvauParams
from .mx_types import MxElementType, MxQuant
from .rules import REQUANT_ROUNDINGS, RequantRounding
from .types import GRANULARITIES, IntType, TensorQuant, WeightQuant

__all__ = [
    "Graph", "Folding", "QuantDense", "IntMvauParams", "signed_bits_for_range",
    "RequantRounding", "REQUANT_ROUNDINGS", "IntType", "TensorQuant", "WeightQuant",
    "GRANULARITIES", "BIT", "Activation", "BipolarQuant", "RequantActivation",
    "ThresholdActivation", "WeightFormat", "BinaryDense", "BinaryConv", "XnorMvauParams",
    "BinaryWeightMvauParams", "TernaryMvauParams", "MxDense", "MxMvauParams", "MxElementType",
    "MxQuant", "MxConv", "QuantDepthwiseConv", "DepthwiseParams",
]
