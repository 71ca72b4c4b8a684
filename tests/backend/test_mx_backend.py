"""MX designs through the backend: deterministic, lint-clean Verilog; design file round trip
(accumulator constants wider than int64); memory images holding exactly the format's bits."""

import json
import subprocess

import numpy as np
import pytest

from hwgen.backend import load_design, write_design
from hwgen.compiler import compile_graph
from hwgen.frontend import quantize_mlp
from hwgen.ir.blocks.mx_mvau import MxMvauParams

# Small foldings keep Verilog generation quick.
CONFIG = {"default": {"weights": "mxfp8_e5m2", "block_size": 8, "pe": 2, "simd": 8},
          "layer": {"dense1": {"weights": "mx9", "activations": "mxfp8_e5m2"},
                    "dense2": {"weights": "mxfp4", "activations": "mx6"}}}


def mx_design(config=CONFIG):
    rng = np.random.default_rng(2)
    weights = [rng.normal(0, 0.4, (16, 16)), rng.normal(0, 0.4, (8, 16)),
               rng.normal(0, 0.4, (4, 8))]
    graph = quantize_mlp(weights=weights, calibration=rng.normal(0, 1, (100, 16)),
                         biases=[rng.normal(0, 0.1, w.shape[0]) for w in weights],
                         config=config, name="mx")
    return compile_graph(graph, config)


SMALL = {"default": {"weights": "mx4", "block_size": 8, "pe": 2, "simd": 4},
         "layer": {"dense1": {"activations": "mxint8"}}}


@pytest.fixture(scope="module")
def wide():
    """The E5M2 chain: its Verilog takes seconds to generate, so once per module."""
    design = mx_design()
    _ = design.verilog  # a cached property: generated here, once
    return design


def test_chain_and_wide_constants(wide):
    design = wide
    kinds = [(b.weight_format, b.input_dtype, b.output_dtype) for b in design.blocks]
    assert kinds == [("mxfp8_e5m2", "int8", "mxfp8_e5m2"), ("mx9", "mxfp8_e5m2", "mx6"),
                     ("mxfp4", "mx6", "int8")]
    # E5M2 x E5M2 products over the exponent window need more than 64 bits.
    assert max(b.acc_bits for b in design.blocks) > 64


def test_verilog_is_deterministic():
    a, b = mx_design(SMALL), mx_design(SMALL)
    assert a.verilog == b.verilog and ".py:" not in a.verilog


def test_design_file_round_trip(tmp_path, wide):
    a = wide
    manifest = write_design(a, tmp_path)
    loaded = load_design(tmp_path)
    for p, q in zip(a.blocks, loaded.blocks, strict=True):
        assert isinstance(q, MxMvauParams)
        assert [int(v) for v in p.acc_bias] == [int(v) for v in q.acc_bias]
        np.testing.assert_array_equal(p.weight_codes, q.weight_codes)
        np.testing.assert_array_equal(p.weight_scales, q.weight_scales)
    on_disk = json.loads((tmp_path / "manifest.json").read_text())
    assert on_disk == json.loads(json.dumps(manifest))
    layer = on_disk["layers"][1]
    assert layer["kind"] == "mx_mvau" and layer["weight_type"] == "mx9"
    assert layer["bits_per_weight"] == 8 + 8 / 8 + 1 / 2   # MX9 codes, blocks of 8, pairs
    images = on_disk["files"]["memory_images"]
    p = a.blocks[0]
    words = (tmp_path / images["layer0.weights"]["file"]).read_text().split()
    assert len(words) == p.nf * p.sf
    scales = (tmp_path / images["layer0.scales"]["file"]).read_text().split()
    assert len(scales) == p.nf * p.scale_steps


def test_memory_bits_per_weight_are_the_formats():
    design = mx_design({"default": {"weights": "mxfp4", "block_size": 16},
                        "layer": {"dense1": {"weights": "mx6"}, "dense2": {"weights": "int8",
                                                                           "block_size": 8}}})
    bits = [b.weight_memory_bits / b.macs for b in design.blocks[:2]]
    # MXFP4 at k = 16: 4 + 8/16; MX6 at k = 16: 5 + 8/16 + 1/2; int8 weights in an INT layer.
    assert bits == [4.5, 6.0] and not isinstance(design.blocks[2], MxMvauParams)


@pytest.mark.parametrize("which", ["wide", "small"])
def test_verilog_is_lint_clean(tmp_path, verilator, wide, which):
    write_design(wide if which == "wide" else mx_design(SMALL), tmp_path)
    result = subprocess.run(
        ["verilator", "--lint-only", "-Wall", "--top-module", "hwgen_top",
         str(tmp_path / "rtl/lint_waivers.vlt"), str(tmp_path / "rtl/hwgen_top.v")],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "%Warning" not in result.stderr, result.stderr[-3000:]
