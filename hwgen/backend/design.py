"""A compiled design: the lowered blocks plus the quantization of its input and output."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..catalog import kind_of
from ..errors import HwgenError, IRError
from ..ir.block import beats_per_inference, chain_edges, check_edges
from ..ir.blocks.int_mvau import IntMvauParams
from ..ir.types import TensorQuant
from ..passes.narrow_requant import saturation_is_exact
from ..text import check_verilog_identifier

__all__ = ["LoweredDesign", "DEFAULT_TOP", "INTERFACES"]

DEFAULT_TOP = "hwgen_top"
#: Port conventions of the top module: Amaranth valid/ready streams (the default) or AXI4-Stream
#: (docs/integration.md).
INTERFACES = ("stream", "axis")


@dataclass(frozen=True, eq=False)
class LoweredDesign:
    """The lowered accelerator: everything needed to build, simulate and check it.

    The compiler's result and what design.npz stores; the user-facing :class:`hwgen.Design`
    wraps it with golden, simulate and save.

    Parameters
    ----------
    name : str
        Model name.
    blocks : tuple
        Lowered blocks in pipeline order (kinds of the catalog, :mod:`hwgen.catalog`), FIFOs
        sized.
    input_quant, output_quant : TensorQuant
        How float inputs become codes and output codes become floats.
    top : str
        Verilog module name of the accelerator.
    edges : tuple, optional
        Producer of each input port of each block (``-1``: the accelerator input); by default
        a chain. See :func:`hwgen.ir.block.check_edges`.
    input_axes : tuple or None
        How a model input row of the model's own shape becomes the stream: the stream tensor
        is ``row.transpose(input_axes)`` (e.g. ``(1, 2, 0)``: an ONNX image ``(C, H, W)``
        streams as ``(H, W, C)``); None when the row is read in its own order.
    interface : {"stream", "axis"}
        The top module's ports: ``i_stream`` / ``o_stream`` valid/ready streams with
        ``clk`` / ``rst``, or AXI4-Stream (:class:`hwgen.hw.axis_top.AxisTop`).
    """

    name: str
    blocks: tuple
    input_quant: TensorQuant
    output_quant: TensorQuant
    top: str = DEFAULT_TOP
    edges: tuple | None = None
    input_axes: tuple | None = None
    interface: str = "stream"

    def __post_init__(self):
        if self.interface not in INTERFACES:
            raise IRError(f"interface must be one of {', '.join(map(repr, INTERFACES))}, not "
                          f"{self.interface!r}")
        object.__setattr__(self, "blocks", tuple(self.blocks))
        if not self.blocks:
            raise IRError("a design needs at least one block")
        object.__setattr__(self, "edges", chain_edges(len(self.blocks)) if self.edges is None
                           else check_edges(self.blocks, self.edges))
        for block in self.blocks:
            try:
                kind_of(block)
            except KeyError:
                raise IRError(f"{block!r} is not a block kind of the catalog") from None
            # The golden and cycle models ignore a narrow requantizer: its hardware is right
            # only where the saturation provably changes no output, so prove it here too, for
            # designs built by hand or loaded, not only those from the compiler's pass.
            if (isinstance(block, IntMvauParams) and block.requant_acc_bits
                    and not saturation_is_exact(block, block.requant_acc_bits)):
                raise IRError(f"{block.name}: requant_acc_bits = {block.requant_acc_bits} "
                              "would change outputs (an accumulator beyond that many bits "
                              "does not saturate the requantized output); set it to 0, or "
                              "let hwgen.passes.narrow_requantizers choose it")
        try:
            check_verilog_identifier(self.top, "top module name")
        except HwgenError as error:
            raise IRError(str(error)) from None
        if self.input_quant.dtype != self.blocks[0].input_format.element:
            raise IRError("the design's input type differs from its first block's")
        if self.output_quant.dtype != self.blocks[-1].output_format.element:
            raise IRError("the design's output type differs from its last block's")
        if self.input_axes is not None:
            axes = tuple(int(a) for a in self.input_axes)
            if sorted(axes) != list(range(len(self.input_shape))):
                raise IRError(f"input_axes {self.input_axes!r} is not a permutation of the "
                              f"{len(self.input_shape)} axes of the input {self.input_shape}")
            object.__setattr__(self, "input_axes", axes)

    # -- stream geometry -----------------------------------------------------------------
    @property
    def input_shape(self) -> tuple:
        return self.blocks[0].input_shape

    @property
    def output_shape(self) -> tuple:
        return self.blocks[-1].output_shape

    @property
    def model_input_shape(self) -> tuple:
        """Per-sample input shape in the model's own layout (``input_axes`` undone)."""
        if self.input_axes is None:
            return tuple(self.input_shape)
        shape = [0] * len(self.input_axes)
        for position, axis in enumerate(self.input_axes):
            shape[axis] = self.input_shape[position]
        return tuple(shape)

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

        Rows have the model's own input shape (:attr:`model_input_shape`, e.g. ``(C, H, W)``)
        or are flat in that order; with :attr:`input_axes` they are transposed to the stream
        order. The result has shape ``(N, *input_shape)``.
        """
        x = np.asarray(x)
        if x.ndim == 1:
            x = x[None, :]
        model_shape = self.model_input_shape
        wrong = x.ndim < 2 or math.prod(x.shape[1:]) != self.in_features
        if self.input_axes is not None:  # the same values in another layout would be wrong
            wrong = wrong or x.shape[1:] not in (model_shape, (self.in_features,))
        if wrong:
            raise IRError(f"inputs must have shape (N, {self.in_features}) or "
                          f"(N, {', '.join(map(str, model_shape))}), not {x.shape}")
        x = x.reshape((len(x),) + model_shape)
        if self.input_axes is not None:
            x = x.transpose((0,) + tuple(a + 1 for a in self.input_axes))
        if x.dtype.kind == "c":
            raise IRError(f"inputs are complex numbers ({x.dtype}); pass real values (the "
                          "imaginary part is not dropped)")
        if x.dtype.kind not in "biuf":
            raise IRError(f"inputs must be integer codes or real numbers, not {x.dtype}")
        if x.dtype.kind in "iu":
            self.input_quant.dtype.check_codes(x, "input codes")
            return x.astype(np.int64)
        return self.input_quant.quantize(x)

    # -- hardware ------------------------------------------------------------------------
    @cached_property
    def rtl(self):
        """The shipped RTL: Verilog plus the ``$readmemh`` images of its tables
        (:class:`hwgen.backend.rtl.Rtl`; deterministic, no source locations)."""
        # Amaranth is imported when the Verilog is made, not with hwgen.backend.
        from .rtl import export_rtl
        return export_rtl(self)

    @property
    def verilog(self) -> str:
        """Verilog of the accelerator; its tables are read from the images of :attr:`rtl`."""
        return self.rtl.verilog
