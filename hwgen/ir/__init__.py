"""hwgen's intermediate representation: typed, frozen, validated."""

from .binary import (
    BIT,
    Activation,
    BipolarQuant,
    RequantActivation,
    ThresholdActivation,
    WeightFormat,
)
from .blocks.binary_mvau import BinaryWeightMvauParams, TernaryMvauParams, XnorMvauParams
from .blocks.depthwise import DepthwiseParams
from .blocks.int_mvau import IntMvauParams, signed_bits_for_range
from .blocks.mx_mvau import MxMvauParams
from .graph import Graph
from .layers.binary_conv import BinaryConv
from .layers.binary_dense import BinaryDense
from .layers.dense import Folding, QuantDense
from .layers.depthwise import QuantDepthwiseConv
from .layers.mx_conv import MxConv
from .layers.mx_dense import MxDense
from .mx.types import MxElementType, MxQuant
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
