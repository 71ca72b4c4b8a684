"""The block-kind catalog: every hardware block kind and its implementation in each stage.

A block kind is one frozen parameter dataclass (``hwgen.ir.blocks``) that every stage takes:
the lowering that produces it from IR layers, the golden model, the cycle model, the cost
model, the Amaranth component and the images of its on-chip memories. Each entry names them
as lazy ``"module:attribute"`` references, resolved on first use, so a stage imports only its
own modules: the golden and cycle models never import Amaranth, and this module imports
nothing of hwgen. The per-stage tables (``hwgen.golden.registry``, ``hwgen.perf.registry``,
``hwgen.hw.registry``, ``hwgen.ir.lowering``, the memory images of ``hwgen.backend``) are
views of :data:`CATALOG`; ``tests/test_block_kinds.py`` runs every entry through every stage.
Adding a kind is one file per stage plus one entry here (docs/extending.md).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

__all__ = ["BlockKind", "CATALOG", "STAGES", "OPTIONAL_STAGES", "block_kinds", "kind_named",
           "kind_of", "lowering_of", "resolve"]

#: The stages an entry names, in pipeline order (``lowers`` is a table, the rest references).
STAGES = ("params", "golden", "golden_codes", "cycle_model", "cost_model", "component",
          "memory_images")
#: Stages a kind may leave out (None): a narrow golden variant, memories.
OPTIONAL_STAGES = ("golden_codes", "memory_images")


@dataclass(frozen=True)
class BlockKind:
    """One block kind and where each stage implements it.

    Parameters
    ----------
    name : str
        The kind's name, as block parameter classes declare it (``kind``), the design file
        stores it and the manifest shows it.
    params : str
        The block parameter dataclass (a :class:`hwgen.ir.block.Block`).
    golden : str
        ``f(*inputs, params) -> outputs``: bit-accurate integer model, one array per input
        port of shape ``(N, *input_shape)``, int64 out.
    golden_codes : str or None
        Optional, for speed: the same codes as ``golden`` in the narrowest dtype of the output
        type, also taking a sliding window's :class:`hwgen.golden.window.WindowPatches` view,
        so :func:`hwgen.golden.run_pipeline` never widens or copies what it need not.
    cycle_model : str
        A :class:`hwgen.perf.cycle_model.CycleModel`: event rules, ideal cycles, FIFO sizing.
    cost_model : str
        ``cost(block, target) -> hwgen.perf.cost.Resources``: the analytic resource estimate
        of one block (LUT, FF, carry, DSP, BRAM, LUTRAM) on a ``hwgen synth`` target.
    component : str
        The ``wiring.Component`` class, constructed as ``Component(params=block)``.
    memory_images : str or None
        ``f(params) -> {table: (words, bits per word)}``: contents of on-chip memories.
    lowers : tuple of (str, str)
        ``(IR layer class, lowering function)`` pairs: each layer class whose lowering ends in
        this kind, and the function ``lower(layer, upstream_lanes) -> tuple of blocks`` that
        implements it (a convolution is a sliding window and then this kind).
    """

    name: str
    params: str
    golden: str
    cycle_model: str
    cost_model: str
    component: str
    golden_codes: str | None = None
    memory_images: str | None = None
    lowers: tuple = ()


def _blocks(module: str) -> str:
    return f"hwgen.ir.blocks.{module}"


#: Every block kind. Three binary kinds share one golden function, cycle model and memory
#: layout; they differ in the dot product of their component.
CATALOG = (
    BlockKind(
        name="int_mvau",
        params=_blocks("int_mvau:IntMvauParams"),
        golden="hwgen.golden.mvau:int_mvau",
        golden_codes="hwgen.golden.mvau:int_mvau_codes",
        cycle_model="hwgen.perf.mvau:INT_MVAU",
        cost_model="hwgen.perf.cost.int_mvau:int_mvau_cost",
        component="hwgen.hw.arith.int_mvau:IntMvau",
        memory_images="hwgen.hw.arith.int_mvau:int_mvau_memory_images",
        lowers=(("hwgen.ir.layers.dense:QuantDense", _blocks("int_mvau:lower_dense")),
                ("hwgen.ir.layers.conv:QuantConv", _blocks("int_mvau:lower_conv"))),
    ),
    BlockKind(
        name="sliding_window",
        params=_blocks("sliding_window:SlidingWindowParams"),
        golden="hwgen.golden.window:sliding_window",
        golden_codes="hwgen.golden.window:sliding_window_codes",
        cycle_model="hwgen.perf.sliding_window:SLIDING_WINDOW",
        cost_model="hwgen.perf.cost.stream:sliding_window_cost",
        component="hwgen.hw.stream.sliding_window:SlidingWindow",
    ),
    BlockKind(
        name="window_reduce",
        params=_blocks("window_reduce:WindowReduceParams"),
        golden="hwgen.golden.reduce:window_reduce",
        golden_codes="hwgen.golden.reduce:window_reduce_codes",
        cycle_model="hwgen.perf.window_reduce:WINDOW_REDUCE",
        cost_model="hwgen.perf.cost.arith_blocks:window_reduce_cost",
        component="hwgen.hw.arith.window_reduce:WindowReduce",
        lowers=(("hwgen.ir.layers.conv:QuantPool", _blocks("window_reduce:lower_pool")),),
    ),
    BlockKind(
        name="xnor_mvau",
        params=_blocks("binary_mvau:XnorMvauParams"),
        golden="hwgen.golden.xnor:binary_mvau",
        cycle_model="hwgen.perf.xnor_mvau:BINARY_MVAU",
        cost_model="hwgen.perf.cost.binary_mvau:xnor_mvau_cost",
        component="hwgen.hw.binary.xnor_mvau:XnorMvau",
        memory_images="hwgen.hw.binary.datapath:binary_mvau_memory_images",
        # The binary lowerings choose XNOR, binary-weight or ternary by the layer's types.
        lowers=(("hwgen.ir.layers.binary_dense:BinaryDense",
                 _blocks("binary_mvau:lower_binary_dense_layer")),
                ("hwgen.ir.layers.binary_conv:BinaryConv",
                 _blocks("binary_mvau:lower_binary_conv"))),
    ),
    BlockKind(
        name="bwn_mvau",
        params=_blocks("binary_mvau:BinaryWeightMvauParams"),
        golden="hwgen.golden.xnor:binary_mvau",
        cycle_model="hwgen.perf.xnor_mvau:BINARY_MVAU",
        cost_model="hwgen.perf.cost.binary_mvau:bwn_mvau_cost",
        component="hwgen.hw.binary.bwn_mvau:BinaryWeightMvau",
        memory_images="hwgen.hw.binary.datapath:binary_mvau_memory_images",
    ),
    BlockKind(
        name="ternary_mvau",
        params=_blocks("binary_mvau:TernaryMvauParams"),
        golden="hwgen.golden.xnor:binary_mvau",
        cycle_model="hwgen.perf.xnor_mvau:BINARY_MVAU",
        cost_model="hwgen.perf.cost.binary_mvau:ternary_mvau_cost",
        component="hwgen.hw.binary.ternary_mvau:TernaryMvau",
        memory_images="hwgen.hw.binary.datapath:binary_mvau_memory_images",
    ),
    BlockKind(
        name="mx_mvau",
        params=_blocks("mx_mvau:MxMvauParams"),
        golden="hwgen.golden.mx_mvau:mx_mvau",
        cycle_model="hwgen.perf.mx_mvau:MX_MVAU",
        cost_model="hwgen.perf.cost.mx_mvau:mx_mvau_cost",
        component="hwgen.hw.mx.mvau:MxMvau",
        memory_images="hwgen.hw.mx.mvau:mx_memory_images",
        lowers=(("hwgen.ir.layers.mx_dense:MxDense", _blocks("mx_mvau:lower_mx_dense")),
                ("hwgen.ir.layers.mx_conv:MxConv", _blocks("mx_mvau:lower_mx_conv"))),
    ),
    BlockKind(
        name="eltwise_add",
        params=_blocks("eltwise_add:AddParams"),
        golden="hwgen.golden.add:eltwise_add",
        cycle_model="hwgen.perf.add:ELTWISE_ADD",
        cost_model="hwgen.perf.cost.arith_blocks:eltwise_add_cost",
        component="hwgen.hw.arith.eltwise_add:EltwiseAdd",
        lowers=(("hwgen.ir.layers.add:QuantAdd", _blocks("eltwise_add:lower_add")),),
    ),
    BlockKind(
        name="depthwise",
        params=_blocks("depthwise:DepthwiseParams"),
        golden="hwgen.golden.depthwise:depthwise",
        golden_codes="hwgen.golden.depthwise:depthwise_codes",
        cycle_model="hwgen.perf.depthwise:DEPTHWISE",
        cost_model="hwgen.perf.cost.arith_blocks:depthwise_cost",
        component="hwgen.hw.arith.depthwise_unit:DepthwiseUnit",
        memory_images="hwgen.hw.arith.depthwise_unit:depthwise_memory_images",
        lowers=(("hwgen.ir.layers.depthwise:QuantDepthwiseConv",
                 _blocks("depthwise:lower_depthwise")),),
    ),
)


@cache
def resolve(reference: str):
    """The object a ``"module:attribute"`` reference names (imported on first use)."""
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


def block_kinds() -> tuple:
    """Every :class:`BlockKind`, in catalog order."""
    return CATALOG


def kind_named(name: str) -> BlockKind:
    """The entry called ``name``; an unknown name is a ``KeyError`` naming the known ones."""
    for entry in CATALOG:
        if entry.name == name:
            return entry
    raise KeyError(f"unknown block kind {name!r}; known: "
                   f"{', '.join(sorted(e.name for e in CATALOG))}")


@cache
def _by_params_class() -> dict:
    return {resolve(entry.params): entry for entry in CATALOG}


def kind_of(block) -> BlockKind:
    """The entry of a block (or of a block parameter class); ``KeyError`` if it has none."""
    cls = block if isinstance(block, type) else type(block)
    try:
        return _by_params_class()[cls]
    except KeyError:
        raise KeyError(f"{cls.__name__} is not a block kind of the catalog") from None


@cache
def _lowerings() -> dict:
    table = {}
    for entry in CATALOG:
        for layer, lowering in entry.lowers:
            table[resolve(layer)] = lowering
    return table


def lowering_of(layer_class: type):
    """The lowering function of an IR layer class, or None if no kind implements it."""
    reference = _lowerings().get(layer_class)
    return None if reference is None else resolve(reference)
