# amaranth: UnusedElaboratable=no
"""Conformance suite: every block kind of the catalog through every stage.

Each kind's ``example(rng)`` goes through its golden model, Amaranth's simulator (outputs
equal the golden model bit for bit, every transfer in the cycle the cycle model predicts),
the design-file round trip and Verilator's lint. A catalog entry missing from any stage, or
a stage that disagrees with another, fails here by the kind's name.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import pkgutil
import re
import subprocess
import sys

import numpy as np
import pytest

import hwgen.ir.layers
from hwgen.backend import LoweredDesign, load_design, write_design
from hwgen.backend.rtl import export_rtl
from hwgen.catalog import (
    CATALOG,
    OPTIONAL_STAGES,
    STAGES,
    kind_named,
    kind_of,
    lowering_of,
    resolve,
)
from hwgen.golden import run_pipeline
from hwgen.golden.registry import golden_block
from hwgen.golden.window import WindowPatches
from hwgen.hw.accelerator import Accelerator
from hwgen.hw.registry import component_class
from hwgen.ir.block import DESIGN_INPUT, Block
from hwgen.ir.packing import pack_words, unpack_words
from hwgen.ir.types import TensorQuant
from hwgen.passes import size_fifos
from hwgen.perf import pipeline_timing
from hwgen.perf.cost import COST_TARGETS, RESOURCE_NAMES, Resources
from hwgen.perf.cycle_model import CycleModel
from hwgen.perf.registry import cycle_model
from hwgen.sim.amaranth_tb import run_stream_component
from hwgen.sim.model_run import simulate_design

KINDS = [entry.name for entry in CATALOG]
INFERENCES = 3
#: Variants of a kind's example that build different hardware, run through the hardware
#: stages as "kind:variant": the int MVAU's pipeline = "deep" with its packed pair and
#: shared requantizer lanes (SF = 2), and unpacked with a lane per PE (SF = 1); the pool's
#: with its input register slice; the window's with its line buffer in LUT RAM.
VARIANTS = {
    "int_mvau:deep": lambda b: dataclasses.replace(b, pipeline="deep"),
    "int_mvau:deep-unpacked-sf1": lambda b: dataclasses.replace(
        b, pipeline="deep", dsp_packing="off", simd=8),
    "window_reduce:deep": lambda b: dataclasses.replace(b, pipeline="deep"),
    "sliding_window:deep": lambda b: dataclasses.replace(b, pipeline="deep"),
}
CASES = KINDS + list(VARIANTS)


def example(name: str, seed: int = 0) -> Block:
    """The example of kind ``name``, or of ``kind:variant`` (:data:`VARIANTS`)."""
    kind = name.partition(":")[0]
    block = resolve(kind_named(kind).params).example(np.random.default_rng([seed, len(kind)]))
    return VARIANTS[name](block) if name in VARIANTS else block


def random_codes(rng, fmt, shape, n: int) -> np.ndarray:
    element = fmt.element
    return rng.integers(element.qmin, element.qmax + 1, size=(n,) + tuple(shape))


def one_block_design(block) -> LoweredDesign:
    """``block`` alone (a join reads the design input on both ports), FIFOs sized."""
    edges = ((DESIGN_INPUT,) * block.inputs,)
    blocks = size_fifos([block], edges)
    element = block.input_format.element
    return LoweredDesign(name=f"{block.kind}_example", blocks=blocks, edges=edges,
                         input_quant=TensorQuant(element, 1.0, max(element.qmin, 0)),
                         output_quant=TensorQuant(block.output_format.element, 1.0,
                                                  max(block.output_format.element.qmin, 0)))


# -- the catalog itself -------------------------------------------------------------------

def test_deep_variants_build_what_they_say():
    deep, flat = example("int_mvau:deep"), example("int_mvau:deep-unpacked-sf1")
    assert deep.pipeline == flat.pipeline == "deep"
    assert deep.packed_pairs == 1 and deep.requant_rounds == 2 and deep.sf == 2
    assert flat.packed_pairs == 0 and flat.requant_rounds == 1 and flat.sf == 1


def test_kind_names_are_unique():
    assert len(set(KINDS)) == len(KINDS)


@pytest.mark.parametrize("name", KINDS)
def test_every_stage_reference_resolves(name):
    entry = kind_named(name)
    for stage in STAGES:
        reference = getattr(entry, stage)
        if stage in OPTIONAL_STAGES and reference is None:
            continue
        assert reference, f"{name}: no {stage}"
        resolve(reference)          # raises ImportError / AttributeError naming it
    params = resolve(entry.params)
    assert inspect.isclass(params) and issubclass(params, Block)
    assert dataclasses.is_dataclass(params) and params.__dataclass_params__.frozen
    assert params.kind == name, f"{params.__name__}.kind is {params.kind!r}, catalog {name!r}"
    assert isinstance(resolve(entry.cycle_model), CycleModel)
    assert kind_of(params) is entry
    for layer, lowering in entry.lowers:
        assert lowering_of(resolve(layer)) is resolve(lowering)
        signature = inspect.signature(resolve(lowering))
        assert list(signature.parameters) == ["layer", "upstream_lanes"], \
            f"{lowering} must take (layer, upstream_lanes)"


def _ir_layer_classes() -> set:
    classes = set()
    for info in pkgutil.iter_modules(hwgen.ir.layers.__path__):
        module = importlib.import_module(f"hwgen.ir.layers.{info.name}")
        for obj in vars(module).values():
            if (inspect.isclass(obj) and obj.__module__ == module.__name__
                    and dataclasses.is_dataclass(obj)
                    and {"name", "input_quant"} <= {f.name for f in dataclasses.fields(obj)}):
                classes.add(obj)
    return classes


def test_every_ir_layer_is_lowered_by_exactly_one_kind():
    claims: dict = {}
    for entry in CATALOG:
        for layer, _ in entry.lowers:
            claims.setdefault(resolve(layer), []).append(entry.name)
    layers = _ir_layer_classes()
    assert layers, "no IR layer classes found under hwgen.ir.layers"
    for cls in layers:
        assert len(claims.get(cls, [])) == 1, \
            f"{cls.__name__} is lowered by {claims.get(cls, [])}; it needs exactly one kind"


def test_golden_cycle_and_cost_models_never_import_amaranth():
    program = (
        "import sys\n"
        "from hwgen.catalog import CATALOG, resolve\n"
        "for e in CATALOG:\n"
        "    resolve(e.params); resolve(e.golden); resolve(e.cycle_model)\n"
        "    resolve(e.cost_model)\n"
        "    [resolve(f) for _, f in e.lowers]\n"
        "import hwgen.golden, hwgen.perf, hwgen.perf.cost, hwgen.passes, hwgen.ir.lowering\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'amaranth'\n"
        "             or m.startswith('hwgen.hw') or m.startswith('hwgen.sim'))\n"
        "print(','.join(bad))\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "", f"imported by golden/perf/lowering: {done.stdout}"


# -- every kind through every stage -------------------------------------------------------

@pytest.mark.parametrize("name", CASES)
def test_example_is_valid_and_describes_itself(name):
    block = example(name)
    assert block.kind == name.partition(":")[0] and isinstance(block, Block)
    facts = block.describe()
    assert isinstance(facts, dict) and facts
    assert len(block.input_formats) == block.inputs == len(block.input_fifo_depths)
    model = cycle_model(block)
    assert model.ideal_cycles(block) >= 1
    assert isinstance(model.fifo_depths(block, None), dict)


@pytest.mark.parametrize("name", CASES)
def test_golden_outputs_have_the_output_shape_and_type(name):
    block = example(name)
    rng = np.random.default_rng(1)
    inputs = [random_codes(rng, fmt, block.input_shape, INFERENCES)
              for fmt in block.input_formats]
    out = golden_block(block, *inputs)
    assert out.shape == (INFERENCES,) + tuple(block.output_shape)
    element = block.output_format.element
    assert out.min() >= element.qmin and out.max() <= element.qmax
    assert len(np.unique(out)) > 1, "the example's outputs do not vary: a weak example"


@pytest.mark.parametrize("name", [e.name for e in CATALOG if e.golden_codes is not None])
def test_narrow_golden_variant_gives_the_same_codes(name):
    block = example(name)
    rng = np.random.default_rng(3)
    inputs = [random_codes(rng, fmt, block.input_shape, INFERENCES)
              for fmt in block.input_formats]
    narrow = resolve(kind_named(name).golden_codes)(*inputs, block)
    if isinstance(narrow, WindowPatches):       # a window's patches stay a view
        narrow = narrow.materialize(np.int64)
    np.testing.assert_array_equal(narrow.astype(np.int64).reshape(INFERENCES, -1),
                                  golden_block(block, *inputs).reshape(INFERENCES, -1))


@pytest.mark.parametrize("name", CASES)
def test_hardware_equals_golden_and_cycle_model(name):
    design = one_block_design(example(name))
    rng = np.random.default_rng(2)
    fmt_in, fmt_out = design.input_format, design.output_format
    x = random_codes(rng, fmt_in, design.input_shape, INFERENCES)
    golden = run_pipeline(design.blocks, x, edges=design.edges)
    component = component_class(design.blocks[0])
    assert issubclass(component, __import__("amaranth").lib.wiring.Component)
    run = run_stream_component(
        Accelerator(blocks=design.blocks, edges=design.edges),
        pack_words(x.reshape(-1, fmt_in.lanes), fmt_in.element.bits),
        INFERENCES * design.beats_out_per_inference)
    got = unpack_words(run.out_words, fmt_out.lanes, fmt_out.element.bits,
                       fmt_out.element.signed).reshape(golden.shape)
    np.testing.assert_array_equal(got, golden, err_msg=f"{name}: RTL differs from golden")
    timing = pipeline_timing(design.blocks, INFERENCES, design.edges)
    assert tuple(run.out_cycles) == timing.out_beats, f"{name}: output cycles differ"
    assert tuple(run.in_cycles) == timing.in_beats, f"{name}: input cycles differ"


@pytest.mark.parametrize("name", CASES)
def test_design_file_round_trip(tmp_path, name):
    design = one_block_design(example(name))
    write_design(design, tmp_path)
    loaded = load_design(tmp_path)
    (a,), (b,) = design.blocks, loaded.blocks
    assert type(a) is type(b)
    for field in dataclasses.fields(a):
        left, right = getattr(a, field.name), getattr(b, field.name)
        if isinstance(left, np.ndarray):
            np.testing.assert_array_equal(left, right, err_msg=field.name)
        else:
            assert left == right, field.name
    assert loaded.verilog == design.verilog


MEMORY_KINDS = [e.name for e in CATALOG if e.memory_images is not None] + [
    name for name in VARIANTS if kind_named(name.partition(":")[0]).memory_images is not None]
#: A memory word Amaranth writes into the Verilog as an initial value: ``name[3] = 24'h8a7807;``
_INITIAL_WORD = re.compile(r"^\s+\S+ ?\[\d+\] = \d+'h([0-9a-f]+);$", re.M)


@pytest.mark.parametrize("name", MEMORY_KINDS)
def test_memory_images_fit_their_words(name):
    entry = kind_named(name.partition(":")[0])
    for table, (words, bits) in resolve(entry.memory_images)(example(name)).items():
        assert words, f"{name}.{table} is empty"
        assert all(0 <= int(w) < (1 << bits) for w in words), f"{name}.{table} overflows"


@pytest.mark.parametrize("name", MEMORY_KINDS)
def test_shipped_images_are_the_catalog_images_and_not_verilog(tmp_path, name):
    design = one_block_design(example(name))
    manifest = write_design(design, tmp_path)
    images = resolve(kind_named(name.partition(":")[0]).memory_images)(design.blocks[0])
    assert images, f"{name}: a kind with memories has no memory images"
    shipped = {}
    for key, entry in manifest["files"]["memory_images"].items():
        words = [int(w, 16) for w in (tmp_path / entry["file"]).read_text().split()]
        shipped[key.partition(".")[2]] = (words, entry["bits"])
    assert shipped == images, f"{name}: the shipped images differ from the catalog's"
    # No table is a Verilog literal: the only initialised memories are RAMs, all zeros.
    verilog = (tmp_path / "rtl/hwgen_top.v").read_text()
    assert not [w for w in _INITIAL_WORD.findall(verilog) if int(w, 16)], name
    inline = export_rtl(design, memories="inline").verilog     # the check can fail
    assert [w for w in _INITIAL_WORD.findall(inline) if int(w, 16)], name


@pytest.mark.cosim
@pytest.mark.parametrize("name", MEMORY_KINDS)
def test_shipped_rtl_equals_golden_and_cycle_model(tmp_path, icarus, name):
    # With test_hardware_equals_golden_and_cycle_model (the inline tables, in Amaranth's
    # simulator) this proves both forms of every kind's memories equal: outputs and cycles.
    design = one_block_design(example(name))
    x = random_codes(np.random.default_rng(2), design.input_format, design.input_shape,
                     INFERENCES)
    outcome = simulate_design(design, x, work_dir=tmp_path, simulator=icarus,
                              log=lambda message: None)
    assert outcome.result["bit_exact"], f"{name}: shipped RTL differs from golden"
    assert outcome.result["cycles_exact"] is True, f"{name}: shipped RTL cycles differ"


@pytest.mark.parametrize("name", CASES)
def test_verilog_is_lint_clean(tmp_path, verilator, name):
    write_design(one_block_design(example(name)), tmp_path)
    result = subprocess.run(
        ["verilator", "--lint-only", "-Wall", "--top-module", "hwgen_top",
         str(tmp_path / "rtl/lint_waivers.vlt"), str(tmp_path / "rtl/hwgen_top.v")],
        capture_output=True, text=True)
    assert result.returncode == 0, f"{name}:\n{result.stderr[-3000:]}"


# -- the cost model -----------------------------------------------------------------------

@pytest.mark.parametrize("name", CASES)
def test_cost_model_gives_sane_resources_on_every_target(name):
    block = example(name)
    cost = resolve(kind_named(name.partition(":")[0]).cost_model)
    assert list(inspect.signature(cost).parameters) == ["block", "target"]
    for target in COST_TARGETS:
        res = cost(block, target)
        assert isinstance(res, Resources) and res.target == target
        counts = res.as_dict()
        assert set(counts) == set(RESOURCE_NAMES)
        assert all(v >= 0 for v in counts.values()), f"{name} on {target}: {counts}"
        assert all(float(v) * 2 == int(float(v) * 2) for v in counts.values()), \
            f"{name} on {target}: whole cells (BRAM in halves) expected, not {counts}"
        # every block has handshake registers and the logic around them
        assert res.lut > 0 and res.ff > 0, f"{name} on {target}: {counts}"
        assert cost(block, target) == res, f"{name} on {target}: not deterministic"
    # synth_ice40 runs without -dsp: every product is soft logic
    assert cost(block, "ice40").dsp == 0


def _slices(bits: int) -> int:
    """MULT18X18D slices along one operand: 18 bits each, a rest under 2 bits in logic."""
    return bits // 18 + (1 if bits % 18 >= 2 else 0)


def _requant_dsps(acc_bits: int, lanes: int) -> int:
    """Per-fold multipliers (the examples' differ in every lane): up to 27 accumulator bits,
    acc times the multiplier's low 17 and high 14 bits (18 and 15 bits signed: one slice
    across each); wider, acc times the whole multiplier (32 bits signed)."""
    if acc_bits <= 27:
        return lanes * 2 * _slices(acc_bits)
    return lanes * _slices(acc_bits) * _slices(32)


# Independent DSP counts on ECP5, where Yosys takes every product of two operands of at least
# 2 bits into 18 x 18 multipliers: the products each kind's datapath forms. A packed pair of
# int8 products (27 x 9 bits) takes two slices, as the two products would; an MVAU with
# SF > 1 requantizes through ceil(PE / SF) lanes.
_ECP5_DSPS = {
    "int_mvau": lambda p: p.pe * p.simd + _requant_dsps(p.acc_bits, -(-p.pe // p.sf)),
    "depthwise": lambda p: p.pe + _requant_dsps(p.acc_bits, p.pe),
    "xnor_mvau": lambda p: 0,                        # XNOR, popcount and thresholds only
}


@pytest.mark.parametrize("name", sorted(_ECP5_DSPS))
def test_cost_model_dsps_equal_the_products_on_ecp5(name):
    block = example(name)
    assert resolve(kind_named(name).cost_model)(block, "ecp5").dsp == _ECP5_DSPS[name](block)


def test_cost_model_puts_a_deep_weight_memory_in_block_ram():
    from tests.fixtures.factories import random_mvau_params
    # 128 x 64 int8 weights folded 1 x 2: 4096 words of 16 bits. ECP5: a DP16KD holds
    # 1024 x 18 (4 of them), cheaper than logic (4096 x 16 / 16 = 4096).
    block = random_mvau_params(np.random.default_rng(5), mh=128, mw=64, pe=1, simd=2,
                               w_bits=8)
    cost = resolve(kind_named("int_mvau").cost_model)
    # and one more: the requantizer's 128-fold table of 31-bit multipliers, registered as
    # it is read (128 x 31 / 16 = 248 in logic; Yosys' memory_dff makes it a DP16KD, as in
    # sweep point i15 of benchmarks/cost_sweep.py, a layer of this shape)
    assert cost(block, "ecp5").bram == math.ceil(4096 / 1024) * math.ceil(16 / 18) + 1
    # UltraScale+: 4096 x 16 is 2 RAMB36 (2048 x 18 each) against 4096 x 16 / 64 = 1024
    # (the multiplier table: 128 x 31 / 64 = 62 in logic, below a RAMB18's 129)
    assert cost(block, "xcup").bram == 2
