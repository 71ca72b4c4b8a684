"""The IR graph: a chain of quantized layers."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import IRError
from .layers import QuantDense
from .types import TensorQuant

__all__ = ["Graph"]


@dataclass(frozen=True, eq=False)
class Graph:
    """A chain of layers; each layer consumes the previous layer's output.

    Validation checks that names are unique, that feature counts chain, and that each layer's
    input quantization is exactly the previous layer's output quantization.
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
            if not isinstance(layer, QuantDense):
                raise IRError(f"graph {self.name!r}: {layer!r} is not a supported layer")
            if layer.name in names:
                raise IRError(f"graph {self.name!r}: layer name {layer.name!r} is used twice")
            names.add(layer.name)
        for prev, layer in zip(layers, layers[1:]):
            if prev.out_features != layer.in_features:
                raise IRError(
                    f"layer {layer.name!r} takes {layer.in_features} inputs but "
                    f"{prev.name!r} produces {prev.out_features}")
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
    def in_features(self) -> int:
        return self.layers[0].in_features

    @property
    def out_features(self) -> int:
        return self.layers[-1].out_features

    def layer(self, name: str) -> QuantDense:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise IRError(f"graph {self.name!r} has no layer {name!r}")

    def replace_layers(self, layers) -> "Graph":
        return Graph(name=self.name, layers=tuple(layers))
