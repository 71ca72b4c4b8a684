"""The IR graph: a chain of quantized layers."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import IRError
from .types import TensorQuant

__all__ = ["Graph", "LAYER_ATTRIBUTES"]

#: What every IR layer provides (QuantDense and the layers later datapaths add).
LAYER_ATTRIBUTES = ("name", "input_shape", "output_shape", "input_quant", "output_quant")


@dataclass(frozen=True, eq=False)
class Graph:
    """A chain of layers; each layer consumes the previous layer's output.

    Validation checks that every layer has the IR layer attributes, that names are unique,
    that element counts chain (tensors travel in row-major order, so a layer may read its
    predecessor's output with another shape: a flatten), and that each layer's input
    quantization is exactly the previous layer's output quantization.
    """

    name: str
    layers: tuple

    def __post_init__(self):
        layers = tuple(self.layers)
        object.__setattr__(self, "layers", layers)
        if not layers:
            raise IRError(f"graph {self.name!r} has no layers")
        names = set()
        for layer in layers:
            missing = [a for a in LAYER_ATTRIBUTES if not hasattr(layer, a)]
            if missing:
                raise IRError(f"graph {self.name!r}: {layer!r} is not an IR layer "
                              f"(it lacks {', '.join(missing)})")
            if layer.name in names:
                raise IRError(f"graph {self.name!r}: layer name {layer.name!r} is used twice")
            names.add(layer.name)
        for prev, layer in zip(layers, layers[1:]):
            if math.prod(prev.output_shape) != math.prod(layer.input_shape):
                raise IRError(
                    f"layer {layer.name!r} takes {math.prod(layer.input_shape)} inputs but "
                    f"{prev.name!r} produces {math.prod(prev.output_shape)}")
            if prev.output_quant != layer.input_quant:
                raise IRError(
                    f"layer {layer.name!r} expects input {layer.input_quant} but "
                    f"{prev.name!r} produces {prev.output_quant}")

    @property
    def input_quant(self) -> TensorQuant:
        return self.layers[0].input_quant

    @property
    def output_quant(self) -> TensorQuant:
        return self.layers[-1].output_quant

    @property
    def input_shape(self) -> tuple:
        return tuple(self.layers[0].input_shape)

    @property
    def output_shape(self) -> tuple:
        return tuple(self.layers[-1].output_shape)

    @property
    def in_features(self) -> int:
        return math.prod(self.input_shape)

    @property
    def out_features(self) -> int:
        return math.prod(self.output_shape)

    def layer(self, name: str):
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise IRError(f"graph {self.name!r} has no layer {name!r}")

    def replace_layers(self, layers) -> "Graph":
        return Graph(name=self.name, layers=tuple(layers))
