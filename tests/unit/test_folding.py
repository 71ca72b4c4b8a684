"""Folding to a budget and to a target interval (hwgen.passes.folding).

The folding pass predicts each layer's cycles from its own formulas; the tests hold it to the
lowered blocks' cycle models (each checked against the RTL in tests/hw) and, for the chosen
foldings, to the exact pipeline model.
"""

import math

import numpy as np
import pytest

from hwgen.api import compile as hwgen_compile
from hwgen.compiler import compile_graph
from hwgen.errors import ConfigError
from hwgen.ir import Folding, Graph, IntType, QuantDense, TensorQuant, WeightQuant
from hwgen.ir.lowering import lower_graph, lower_layer
from hwgen.passes import (
    FoldingTargetError,
    choose_folding,
    divisors,
    folding_report,
    target_interval,
)
from hwgen.perf import pipeline_timing
from hwgen.perf.registry import cycle_model
from tests.fixtures.cnn_factory import small_cnn_graph
from tests.fixtures.folding_graphs import CNV_MACS, cnv_graph, digits_cnn_graph


def _mlp(sizes):
    q = TensorQuant(IntType(8, True), 1.0, 0)
    layers = [QuantDense(name=f"fc{i}", weights=np.ones((mh, mw), dtype=int),
                         weight_quant=WeightQuant(IntType(8, True), np.full(mh, 1e-3), "channel"),
                         bias=np.zeros(mh, int), input_quant=q, output_quant=q)
              for i, (mw, mh) in enumerate(zip(sizes, sizes[1:], strict=False))]
    return Graph("mlp", layers)


def _block_cycles(graph) -> dict:
    """Each layer's slowest block, from the lowered blocks' own cycle models."""
    blocks, _ = lower_graph(graph)
    cycles = {}
    for block in blocks:
        layer = block.name.split(".")[0]
        cycles[layer] = max(cycles.get(layer, 0), cycle_model(block).ideal_cycles(block))
    return cycles


def _exact_ii(graph) -> int:
    design = compile_graph(graph)           # folded already: the pass keeps the foldings
    timing = pipeline_timing(design.blocks, 8, design.edges)
    assert timing.ii == timing.ii_bound
    return timing.ii


def _with_folding(graph, name, folding):
    return graph.replace_layers([layer.replace(folding=folding) if layer.name == name
                                 else layer for layer in graph.layers])


@pytest.mark.parametrize("target", [64, 150, 600])
def test_target_mode_is_the_cheapest_folding_that_meets_it(target):
    graph = digits_cnn_graph()
    folded = choose_folding(graph, target_ii=target)
    assert max(_block_cycles(folded).values()) <= target
    assert _exact_ii(folded) <= target
    # No layer can use fewer multipliers and still meet the target.
    for layer in folded.layers:
        if getattr(layer, "folding", None) is None:
            continue
        units = layer.folding.pe * layer.folding.simd
        for pe in divisors(layer.out_features):
            for simd in divisors(layer.in_features):
                if pe * simd < units:
                    slower = _with_folding(folded, layer.name, Folding(pe=pe, simd=simd))
                    assert max(_block_cycles(slower).values()) > target, (layer.name, pe, simd)


def test_unreachable_target_names_the_layer_and_why():
    # 8x8 one-channel pixels enter one per cycle: 64 cycles is the floor, at any folding.
    graph = small_cnn_graph(0)
    message = ("no folding reaches an interval of 63 cycles per inference: the fastest is 64 "
               "cycles, set by layer 'conv1': its sliding window takes one input pixel per "
               "cycle (8x8 pixels of 1 channel); ask for 64 cycles or more")
    with pytest.raises(FoldingTargetError, match=f"^{message}$".replace("(", r"\(")
                       .replace(")", r"\)")) as caught:
        choose_folding(graph, target_ii=63)
    assert (caught.value.best_ii, caught.value.layer) == (64, "conv1")
    assert _exact_ii(choose_folding(graph, target_ii=64)) == 64


def test_three_channel_first_layer_takes_several_taps_per_cycle():
    # CNV's first layer: 32x32 pixels of 3 channels, one per cycle, is the floor (1,024
    # cycles); reaching it needs SIMD = 27, a whole 3x3x3 patch per beat.
    graph = cnv_graph()
    with pytest.raises(FoldingTargetError, match=r"the fastest is 1,024 cycles, set by layer "
                                                 r"'conv1': its sliding window takes one input "
                                                 r"pixel per cycle \(32x32 pixels of 3 channels\)"):
        choose_folding(graph, target_ii=1023)
    folded = choose_folding(graph, target_ii=1024)
    conv1 = folded.layer("conv1")
    assert conv1.folding.simd == 27
    window = lower_layer(conv1)[0]
    assert (window.lanes, window.taps_per_beat, window.input_lanes) == (27, 9, 3)
    assert max(_block_cycles(folded).values()) == 1024


def test_requested_folding_wins_and_is_named():
    graph = small_cnn_graph(0)
    requests = {"conv1": (1, 1)}
    # conv1 at PE = SIMD = 1: 64 pixels x 4 outputs x 9 inputs = 2,304 cycles.
    with pytest.raises(FoldingTargetError, match=r"the fastest is 2,304 cycles, set by layer "
                                                 r"'conv1': its requested folding PE=1 x SIMD=1"):
        choose_folding(graph, requests=requests, target_ii=2000)
    folded = choose_folding(graph, requests=requests, target_ii=2304)
    assert folded.layer("conv1").folding == Folding(pe=1, simd=1)
    # Budget mode: the others relax to the requested layer's pace instead of the budget's.
    relaxed = choose_folding(graph, requests=requests, max_macs=64)
    assert max(_block_cycles(relaxed).values()) == 2304
    assert folding_report(relaxed).mac_units == folding_report(folded).mac_units


def test_fully_connected_layers_fold_by_pe_too():
    graph = choose_folding(_mlp([64, 64, 32, 10]), target_ii=1)
    assert [layer.folding for layer in graph.layers] == [
        Folding(pe=64, simd=64), Folding(pe=32, simd=64), Folding(pe=10, simd=32)]
    # 10 x 32 in 64 cycles: 5 multipliers, which 32 inputs cannot give as SIMD alone.
    graph = choose_folding(_mlp([32, 10]), target_ii=64)
    assert graph.layers[0].folding == Folding(pe=5, simd=1)


def test_even_pe_where_products_pack_at_the_same_units_and_interval():
    # The digits MLP's shape at 64 multipliers: fc1 (64 x 64) takes 64 cycles at PE x SIMD =
    # 1 x 64 or 2 x 32 alike; at PE = 2 two PEs share each int8 input code, so 32 multiplies
    # do the 64 products (dsp_packing), where PE = 1 needs 64.
    graph = _mlp([64, 64, 32, 10])
    packed = choose_folding(graph, max_macs=64)
    unpacked = choose_folding(graph, max_macs=64,
                              dsp_packing={name: "off" for name in ("fc0", "fc1", "fc2")})
    assert [layer.folding for layer in packed.layers] == [
        Folding(pe=2, simd=32), Folding(pe=2, simd=16), Folding(pe=5, simd=1)]
    assert [layer.folding for layer in unpacked.layers] == [
        Folding(pe=1, simd=64), Folding(pe=1, simd=32), Folding(pe=5, simd=1)]
    before, after = folding_report(unpacked), folding_report(packed)
    assert (after.ii, after.mac_units) == (before.ii, before.mac_units) == (64, 101)
    assert _exact_ii(packed) == 64


def test_products_too_narrow_to_pack_keep_the_wider_simd():
    # 2-bit weights times 2-bit inputs: 4-bit products stay in LUTs, nothing packs, so the
    # wider SIMD (one accumulator and requantizer) still wins the tie.
    q = TensorQuant(IntType(2, True), 1.0, 0)
    layer = QuantDense(name="fc", weights=np.ones((64, 64), dtype=int),
                       weight_quant=WeightQuant(IntType(2, True), np.full(64, 1e-3), "channel"),
                       bias=np.zeros(64, int), input_quant=q, output_quant=q)
    folded = choose_folding(Graph("narrow", [layer]), max_macs=64)
    assert folded.layers[0].folding == Folding(pe=1, simd=64)


def test_digits_cnn_is_not_capped_by_its_window():
    # One tap per beat capped the digits CNN at 45 multipliers (an interval of 576 cycles,
    # 8x8 pixels x 9 taps). Now the floor is 8x8 input pixels: 64 cycles, where conv1 needs
    # 64*8*9 / 64 = 72 multipliers, conv2 16*16*72 / 64 = 288 and fc 10*256 / 64 = 40.
    graph = choose_folding(digits_cnn_graph(), max_macs=256)
    report = folding_report(graph)
    assert (report.ii, report.mac_units) == (64, 400)
    assert _exact_ii(graph) == 64


@pytest.mark.parametrize("max_macs", [64, 256, 1024])
def test_cnv_efficiency_and_report_agree_with_the_blocks(max_macs):
    graph = choose_folding(cnv_graph(), max_macs=max_macs)
    report = folding_report(graph)
    assert report.macs == CNV_MACS
    blocks = _block_cycles(graph)
    assert {layer.name: layer.cycles for layer in report.layers} == blocks
    assert report.ii == max(blocks.values())
    units = sum(layer.folding.pe * layer.folding.simd for layer in graph.layers
                if getattr(layer, "folding", None) is not None)
    assert report.mac_units == units
    assert report.efficiency == CNV_MACS / (units * report.ii) >= 0.90
    # The largest layer (conv2, 28.9M MACs) gets the budget.
    conv2 = graph.layer("conv2").folding
    assert conv2.pe * conv2.simd == max_macs


def test_target_from_a_rate_and_a_clock():
    assert target_interval() is None
    assert target_interval(target_ii=500) == 500
    assert target_interval(target_fps=100_000, clock_mhz=100) == 1000
    assert target_interval(target_fps=97_656.25, clock_mhz=100.0) == 1024
    assert target_interval(target_fps=3, clock_mhz=0.00001) == 3       # 10 cycles / 3
    with pytest.raises(ConfigError, match="not both"):
        target_interval(target_ii=10, target_fps=5, clock_mhz=100)
    with pytest.raises(ConfigError, match="needs both"):
        target_interval(target_fps=5)
    with pytest.raises(ConfigError, match=r"the clock frequency \(MHz\) must be a positive "
                                          r"number, not -1"):
        target_interval(target_fps=5, clock_mhz=-1)
    with pytest.raises(ConfigError, match="must be a positive number, not nan"):
        target_interval(target_fps=math.nan, clock_mhz=100)
    with pytest.raises(ConfigError, match="less than one clock cycle per inference"):
        target_interval(target_fps=200e6, clock_mhz=100)
    with pytest.raises(ConfigError, match="positive number of cycles, not 0"):
        target_interval(target_ii=0)


def test_public_compile_takes_a_budget_or_a_target():
    graph = small_cnn_graph(0)
    with pytest.raises(ConfigError, match=r"give max_macs \(a multiplier budget\) or a target"):
        hwgen_compile(graph, max_macs=16, target_ii=100)
    with pytest.raises(FoldingTargetError,
                       match=r"^no folding reaches 2,000,000 inferences per second at 100 MHz "
                             r"\(at most 50 cycles per inference\): the fastest is 64 cycles "
                             r"per inference \(1,562,500 per second\), set by layer 'conv1': .*"
                             r"; ask for at most 1,562,500 inferences per second$"):
        hwgen_compile(graph, target_fps=2e6, clock_mhz=100)
    design = hwgen_compile(graph, target_fps=1e6, clock_mhz=100)        # 100 cycles
    assert design.ii <= 100
