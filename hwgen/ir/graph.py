"""The IR graph: quantized layers in topological order, a chain or with branches."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import IRError
from .types import TensorQuant

__all__ = ["Graph", "LAYER_ATTRIBUTES", "GRAPH_INPUT", "layer_inputs", "input_quants"]

#: What every IR layer provides (QuantDense and the layers later datapaths add).
LAYER_ATTRIBUTES = ("name", "input_shape", "output_shape", "input_quant", "output_quant")
#: Name by which a layer reads the graph's input.
GRAPH_INPUT = "input"


def layer_inputs(layer, previous: str, connections=None) -> tuple:
    """Names of the tensors a layer reads: the graph's ``connections`` entry, else the
    layer's own ``inputs`` attribute (an add), else the previous layer."""
    if connections and layer.name in connections:
        return tuple(connections[layer.name])
    return tuple(getattr(layer, "inputs", None) or (previous,))


def input_quants(layer) -> tuple:
    """Quantization each input port expects."""
    return tuple(getattr(layer, "input_quants", None) or (layer.input_quant,))


@dataclass(frozen=True, eq=False)
class Graph:
    """Layers in topological order; each reads earlier layers (by default the previous one).

    Validation checks that every layer has the IR layer attributes, that names are unique,
    that a layer reads as many tensors as it has inputs, that every input names the graph
    input or an earlier layer, that element counts match (tensors travel in row-major order,
    so a layer may read another's output with another shape: a flatten), that each port's
    quantization is exactly its producer's output quantization, and that every layer but the
    last feeds another one. The last layer is the output.

    Parameters
    ----------
    name : str
    layers : sequence
        IR layers in topological order.
    connections : dict, optional
        ``{layer name: (input names, ...)}`` for layers that do not read the previous layer
        (``"input"`` names the graph input); an add's own ``inputs`` need no entry.
    """

    name: str
    layers: tuple
    connections: dict | None = None

    def __post_init__(self):
        layers = tuple(self.layers)
        object.__setattr__(self, "layers", layers)
        connections = dict(self.connections or {})
        unknown = set(connections) - {layer.name for layer in layers}
        if unknown:
            raise IRError(f"graph {self.name!r}: connections name unknown layer(s) "
                          f"{', '.join(sorted(unknown))}")
        object.__setattr__(self, "connections", connections)
        if not layers:
            raise IRError(f"graph {self.name!r} has no layers")
        index = {GRAPH_INPUT: -1}
        used = set()
        edges = []
        previous = GRAPH_INPUT
        for position, layer in enumerate(layers):
            missing = [a for a in LAYER_ATTRIBUTES if not hasattr(layer, a)]
            if missing:
                raise IRError(f"graph {self.name!r}: {layer!r} is not an IR layer "
                              f"(it lacks {', '.join(missing)})")
            if layer.name in index:
                raise IRError(f"graph {self.name!r}: layer name {layer.name!r} is used twice")
            names = layer_inputs(layer, previous, connections)
            quants = input_quants(layer)
            if len(names) != len(quants):
                raise IRError(f"graph {self.name!r}: layer {layer.name!r} has {len(quants)} "
                              f"input(s) but reads {len(names)} ({', '.join(map(repr, names))})")
            ports = []
            for source, quant in zip(names, quants, strict=True):
                if source not in index:
                    raise IRError(f"layer {layer.name!r} reads {source!r}, which is neither the "
                                  "graph input nor an earlier layer")
                producer = index[source]
                if producer >= 0:
                    prev = layers[producer]
                    if math.prod(prev.output_shape) != math.prod(layer.input_shape):
                        raise IRError(
                            f"layer {layer.name!r} takes {math.prod(layer.input_shape)} inputs "
                            f"but {prev.name!r} produces {math.prod(prev.output_shape)}")
                    if prev.output_quant != quant:
                        raise IRError(
                            f"layer {layer.name!r} expects input {quant} but {prev.name!r} "
                            f"produces {prev.output_quant}")
                elif position and quant != layers[0].input_quant:
                    raise IRError(f"layer {layer.name!r} reads the graph input as {quant} but "
                                  f"the input is {layers[0].input_quant}")
                used.add(producer)
                ports.append(producer)
            index[layer.name] = position
            edges.append(tuple(ports))
            previous = layer.name
        unused = [layer.name for i, layer in enumerate(layers[:-1]) if i not in used]
        if unused:
            raise IRError(f"graph {self.name!r}: the output of {', '.join(map(repr, unused))} "
                          "is never used; every layer but the last must feed another")
        object.__setattr__(self, "_edges", tuple(edges))

    @property
    def edges(self) -> tuple:
        """Producer index of each input port of each layer (-1: the graph input)."""
        return self._edges

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
        return Graph(name=self.name, layers=tuple(layers), connections=self.connections)
