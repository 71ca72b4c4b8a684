"""A compiled design: the lowered layers plus the quantization of its input and output."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..errors import IRError
from ..ir.graph import Graph
from ..ir.mvau_params import IntMvauParams
from ..ir.types import TensorQuant

__all__ = ["Design", "DEFAULT_TOP"]

DEFAULT_TOP = "hwgen_top"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True, eq=False)
class Design:
    """Everything needed to build, simulate and check one accelerator.

    Parameters
    ----------
    name : str
        Model name.
    layers : tuple of IntMvauParams
        Lowered layers in pipeline order.
    input_quant, output_quant : TensorQuant
        How float inputs become codes and output codes become floats.
    top : str
        Verilog module name of the accelerator.
    """

    name: str
    layers: tuple
    input_quant: TensorQuant
    output_quant: TensorQuant
    top: str = DEFAULT_TOP

    def __post_init__(self):
        object.__setattr__(self, "layers", tuple(self.layers))
        if not self.layers or not all(isinstance(l, IntMvauParams) for l in self.layers):
            raise IRError("a design needs one or more IntMvauParams layers")
        if not _IDENTIFIER.match(self.top):
            raise IRError(f"top module name {self.top!r} is not a Verilog identifier")
        if self.input_quant.dtype != self.layers[0].input_type:
            raise IRError("the design's input type differs from its first layer's")
        if self.output_quant.dtype != self.layers[-1].output_type:
            raise IRError("the design's output type differs from its last layer's")

    @classmethod
    def from_graph(cls, graph: Graph, *, top: str = DEFAULT_TOP) -> "Design":
        """Lower a graph whose folding and FIFO depths are set (see hwgen.passes)."""
        return cls(name=graph.name,
                   layers=tuple(IntMvauParams.from_layer(l) for l in graph.layers),
                   input_quant=graph.input_quant, output_quant=graph.output_quant, top=top)

    # -- stream geometry -----------------------------------------------------------------
    @property
    def in_features(self) -> int:
        return self.layers[0].mw

    @property
    def out_features(self) -> int:
        return self.layers[-1].mh

    @property
    def in_lanes(self) -> int:
        return self.layers[0].simd

    @property
    def out_lanes(self) -> int:
        return self.layers[-1].pe

    @property
    def in_width(self) -> int:
        return self.in_lanes * self.layers[0].input_type.bits

    @property
    def out_width(self) -> int:
        return self.out_lanes * self.layers[-1].output_type.bits

    @property
    def beats_in_per_inference(self) -> int:
        return self.layers[0].sf

    @property
    def beats_out_per_inference(self) -> int:
        return self.layers[-1].nf

    # -- host side -----------------------------------------------------------------------
    def input_codes(self, x: np.ndarray) -> np.ndarray:
        """Rows of float inputs (quantized) or integer codes (checked) as int64 codes."""
        x = np.asarray(x)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2 or x.shape[1] != self.in_features:
            raise IRError(f"inputs must have shape (N, {self.in_features}), not {x.shape}")
        if x.dtype.kind in "iu":
            self.input_quant.dtype.check_codes(x, "input codes")
            return x.astype(np.int64)
        return self.input_quant.quantize(x)

    # -- hardware ------------------------------------------------------------------------
    @cached_property
    def verilog(self) -> str:
        """Verilog of the accelerator (deterministic: no source locations)."""
        from amaranth.back import verilog
        from ..hw.accelerator import Accelerator
        return verilog.convert(Accelerator(layers=self.layers), name=self.top, emit_src=False)
