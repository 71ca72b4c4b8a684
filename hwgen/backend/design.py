"""A compiled design: the lowered blocks plus the quantization of its input and output."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..errors import IRError
from ..ir.blocks import BLOCK_KINDS, beats_per_inference, chain_edges, check_edges
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
    blocks : tuple
        Lowered blocks in pipeline order (registered kinds of ``hwgen.ir.blocks``), FIFOs
        sized.
    input_quant, output_quant : TensorQuant
        How float inputs become codes and output codes become floats.
    top : str
        Verilog module name of the accelerator.
    edges : tuple, optional
        Producer of each input port of each block (``-1``: the accelerator input); by default
        a chain. See :func:`hwgen.ir.blocks.check_edges`.
    """

    name: str
    blocks: tuple
    input_quant: TensorQuant
    output_quant: TensorQuant
    top: str = DEFAULT_TOP
    edges: tuple | None = None

    def __post_init__(self):
        object.__setattr__(self, "blocks", tuple(self.blocks))
        if not self.blocks:
            raise IRError("a design needs at least one block")
        object.__setattr__(self, "edges", chain_edges(len(self.blocks)) if self.edges is None
                           else check_edges(self.blocks, self.edges))
        for block in self.blocks:
            if type(block) not in BLOCK_KINDS.values():
                raise IRError(f"{block!r} is not a registered block kind")
        if not _IDENTIFIER.match(self.top):
            raise IRError(f"top module name {self.top!r} is not a Verilog identifier")
        if self.input_quant.dtype != self.blocks[0].input_format.element:
            raise IRError("the design's input type differs from its first block's")
        if self.output_quant.dtype != self.blocks[-1].output_format.element:
            raise IRError("the design's output type differs from its last block's")

    # -- stream geometry -----------------------------------------------------------------
    @property
    def input_shape(self) -> tuple:
        return self.blocks[0].input_shape

    @property
    def output_shape(self) -> tuple:
        return self.blocks[-1].output_shape

    @property
    def in_features(self) -> int:
        return math.prod(self.input_shape)

    @property
    def out_features(self) -> int:
        return math.prod(self.output_shape)

    @property
    def input_format(self):
        return self.blocks[0].input_format

    @property
    def output_format(self):
        return self.blocks[-1].output_format

    @property
    def in_width(self) -> int:
        return self.input_format.payload_bits

    @property
    def out_width(self) -> int:
        return self.output_format.payload_bits

    @property
    def beats_in_per_inference(self) -> int:
        return beats_per_inference(self.input_shape, self.input_format)

    @property
    def beats_out_per_inference(self) -> int:
        return beats_per_inference(self.output_shape, self.output_format)

    # -- host side -----------------------------------------------------------------------
    def input_codes(self, x: np.ndarray) -> np.ndarray:
        """Float inputs (quantized) or integer codes (checked), one inference per row.

        Rows may have the input tensor's shape or be flat; the result has shape
        ``(N, *input_shape)``.
        """
        x = np.asarray(x)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim < 2 or math.prod(x.shape[1:]) != self.in_features:
            raise IRError(f"inputs must have shape (N, {self.in_features}) or "
                          f"(N, {', '.join(map(str, self.input_shape))}), not {x.shape}")
        x = x.reshape((len(x),) + tuple(self.input_shape))
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
        return verilog.convert(Accelerator(blocks=self.blocks, edges=self.edges),
                               name=self.top, emit_src=False)
