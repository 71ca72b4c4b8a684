"""What the XNOR, binary-weight and ternary MVAUs share around :class:`MvauCore`.

:func:`binary_core` builds the folded engine from a block's parameters (weight memory,
preloads, accumulator and dot widths from :mod:`hwgen.ir.blocks.binary_mvau`), and
:func:`attach_activation` puts the threshold unit or the requantizer behind it. Each datapath
component only drives ``core.dots``.
"""

from __future__ import annotations

from amaranth.hdl import Module, signed, unsigned
from amaranth.lib import wiring

from ...ir.binary import Activation
from ...ir.blocks.binary_mvau import BinaryMvauParams
from ..arith.adder_tree import step_dot_range
from ..arith.mvau_core import MvauCore
from ..arith.requantizer import Requantizer
from ..registry import component_class
from ..rom import recorded_images
from ..shapes import lanes_layout
from .threshold_unit import ThresholdUnit

__all__ = ["binary_core", "attach_activation", "binary_mvau_memory_images"]


def binary_core(m: Module, component, p: BinaryMvauParams, weight_layout,
                roms=None, *, registered_operands: bool = False) -> MvauCore:
    """Add the folded engine of ``p`` to ``m`` and connect it to ``component``'s streams
    (``roms``: ship its tables as ``$readmemh`` images, :class:`~hwgen.hw.rom.RomFiles`;
    ``registered_operands``: as :class:`MvauCore`'s)."""
    words, _ = p.weight_memory()
    acc_shape = signed(p.hw_acc_bits) if p.hw_acc_signed else unsigned(p.hw_acc_bits)
    m.submodules.core = core = MvauCore(
        nf=p.nf, sf=p.sf, pe=p.pe, input_layout=lanes_layout(p.input_type, p.simd),
        weight_layout=weight_layout, weight_words=words,
        dot_range=step_dot_range(*p.hw_term_bounds, p.pe, p.simd), acc_shape=acc_shape,
        bias=p.hw_bias.reshape(p.nf, p.pe), output_layout=lanes_layout(p.output_type, p.pe),
        out_fifo_depth=p.out_fifo_depth, registered_operands=registered_operands, roms=roms)
    wiring.connect(m, wiring.flipped(component.i_stream), core.i_stream)
    wiring.connect(m, wiring.flipped(component.o_stream), core.o_stream)
    return core


def attach_activation(m: Module, p: BinaryMvauParams, core: MvauCore, roms=None) -> None:
    """Threshold unit or requantizer (both two cycles) from ``core.acc`` to ``core.result``
    (``roms`` as :func:`binary_core`)."""
    acc_shape = core.acc.shape().elem_shape
    if p.activation is Activation.THRESHOLD:
        thresholds, flip = p.hw_thresholds()
        stage = ThresholdUnit(acc_shape=acc_shape,
                              thresholds=thresholds.reshape(p.nf, p.pe, -1),
                              flip=flip.reshape(p.nf, p.pe), output_type=p.output_type,
                              offset=p.out_offset, roms=roms)
    else:
        stage = Requantizer(
            acc_bits=p.hw_acc_bits, output_type=p.output_type,
            multiplier=p.multiplier.reshape(p.nf, p.pe), shift=p.shift.reshape(p.nf, p.pe),
            rounding=p.rounding, zero_point=p.out_zero_point, out_min=p.out_min,
            out_max=p.out_max, roms=roms)
    m.submodules.activation = stage
    m.d.comb += [
        stage.i_valid.eq(core.acc_valid),
        stage.i_acc.eq(core.acc),
        stage.i_fold.eq(core.acc_fold),
        core.result_valid.eq(stage.o_valid),
        core.result.eq(stage.o_data),
    ]


def binary_mvau_memory_images(p: BinaryMvauParams) -> dict:
    """The on-chip tables of an XNOR, binary-weight or ternary MVAU, ``{table: (words, bits
    per word)}``: the ROMs its component builds, word for word (weight bits, ternary mask and
    sign planes, accumulator preloads, thresholds and flips or requantizer tables)."""
    return recorded_images(lambda files: component_class(p)(params=p, roms=files))
