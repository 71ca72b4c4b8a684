"""Verilog export: determinism, lint, manifest, design file."""

import json
import subprocess

import numpy as np
import pytest

from hwgen.backend import LoweredDesign, load_design, write_design
from hwgen.ir import IntType, RequantRounding, TensorQuant
from tests.fixtures.factories import random_mvau_params


def design(seed=0, variant=0) -> LoweredDesign:
    rng = np.random.default_rng(seed)
    if variant == 0:   # NF = SF = 1 in the second layer, a widening converter
        layers = (random_mvau_params(rng, mh=8, mw=12, pe=2, simd=3, name="fc1", relu=True),
                  random_mvau_params(rng, mh=4, mw=8, pe=4, simd=8, in_bits=8, in_signed=True,
                                     name="fc2", w_bits=2))
    else:              # single rounding, per-tensor scales, an input FIFO of depth 1
        layers = (random_mvau_params(rng, mh=6, mw=4, pe=1, simd=4, name="fc1",
                                     rounding=RequantRounding.SINGLE, per_channel=False),
                  random_mvau_params(rng, mh=4, mw=6, pe=2, simd=6, in_bits=8, in_signed=True,
                                     name="fc2", in_fifo_depth=1))
    return LoweredDesign(name="t", blocks=layers,
                         input_quant=TensorQuant(IntType(8, False), 0.1, 3),
                         output_quant=TensorQuant(IntType(8, True), 0.5, -2))


def test_verilog_is_deterministic_and_has_no_source_paths():
    a, b = design().verilog, design().verilog
    assert a == b
    assert ".py:" not in a and "src =" not in a


def test_write_and_load_round_trip(tmp_path):
    d = design()
    manifest = write_design(d, tmp_path)
    loaded = load_design(tmp_path)
    assert loaded.verilog == d.verilog
    for p, q in zip(d.blocks, loaded.blocks, strict=True):
        np.testing.assert_array_equal(p.weights, q.weights)
        assert (p.pe, p.simd, p.out_fifo_depth, p.rounding) == (q.pe, q.simd, q.out_fifo_depth,
                                                                q.rounding)
    on_disk = json.loads((tmp_path / "manifest.json").read_text())
    assert on_disk == json.loads(json.dumps(manifest))
    assert on_disk["ports"]["i_stream"]["payload_bits"] == 3 * 8
    assert on_disk["ports"]["o_stream"]["signals"]["valid"] == "o_stream__valid"
    assert [layer["width_converter"] for layer in on_disk["layers"]] == \
        [None, {"in_lanes": 2, "out_lanes": 8}]
    assert on_disk["predicted"]["ii"] >= on_disk["predicted"]["ii_bound"]
    weights = (tmp_path / on_disk["files"]["memory_images"]["layer0.weights"]["file"]).read_text()
    assert len(weights.split()) == 4 * 4   # NF * SF words


@pytest.mark.parametrize("variant", [0, 1])
def test_verilog_is_lint_clean_with_the_documented_waivers(tmp_path, verilator, variant):
    write_design(design(variant=variant), tmp_path)
    result = subprocess.run(
        ["verilator", "--lint-only", "-Wall", "--top-module", "hwgen_top",
         str(tmp_path / "rtl/lint_waivers.vlt"), str(tmp_path / "rtl/hwgen_top.v")],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "%Warning" not in result.stderr, result.stderr[-3000:]
    # And the waivers are needed: without them Verilator does warn.
    bare = subprocess.run(["verilator", "--lint-only", "-Wall", "--top-module", "hwgen_top",
                           str(tmp_path / "rtl/hwgen_top.v")], capture_output=True, text=True)
    assert "%Warning" in bare.stderr
