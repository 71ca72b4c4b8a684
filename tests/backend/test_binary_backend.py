"""Binary and ternary blocks in the backend: lint-clean, deterministic Verilog, memory images,
manifest facts."""

import functools

import numpy as np

from hwgen.backend import LoweredDesign
from hwgen.backend.memory_images import memory_images
from hwgen.ir import IntType, TensorQuant
from tests.fixtures.binary_factories import random_binary_params
from tests.fixtures.lint import lint_verilog_text


def design() -> LoweredDesign:
    # Every kind and both activations; descending channels; TTQ levels; 4-bit threshold codes.
    rng = np.random.default_rng(5)
    layers = (
        random_binary_params(rng, "bwn", mh=8, mw=12, pe=2, simd=3, in_bits=8,
                             descending=0.5, name="bwn"),
        random_binary_params(rng, "ternary", mh=6, mw=8, pe=3, simd=4, levels=True,
                             bipolar_input=True, out_bits=4, out_signed=True, name="ttq"),
        random_binary_params(rng, "ternary", mh=4, mw=6, pe=1, simd=6, in_bits=4,
                             in_signed=True, out_bits=1, name="twn"),
        random_binary_params(rng, "xnor", mh=4, mw=4, pe=4, simd=1, activation="requant",
                             out_bits=8, out_signed=True, name="xnor"),
    )
    return LoweredDesign(name="b", blocks=layers,
                         input_quant=TensorQuant(IntType(8, False), 0.1, 0),
                         output_quant=TensorQuant(IntType(8, True), 0.5, 0))


@functools.lru_cache(maxsize=1)
def verilog() -> str:
    return design().verilog


def test_verilog_is_deterministic():
    assert design().verilog == verilog()


def test_verilog_is_lint_clean_with_the_documented_waivers(tmp_path, verilator):
    result = lint_verilog_text(tmp_path, verilog())
    assert result.returncode == 0, result.stderr[-3000:]
    assert "%Warning" not in result.stderr, result.stderr[-3000:]


def test_memory_images_hold_the_planes_and_thresholds():
    bwn, ttq, twn, xnor = design().blocks
    images = memory_images(ttq)
    words, bits = images["weights"]
    assert bits == 2 * ttq.pe * ttq.simd and len(words) == ttq.nf * ttq.sf
    # word 0: rows 0..2, inputs 0..3; mask plane low, sign plane high
    rows = ttq.weights[:3, :4].reshape(-1)
    mask = sum(int(w != 0) << i for i, w in enumerate(rows))
    sign = sum(int(w > 0) << i for i, w in enumerate(rows))
    assert words[0] == mask | (sign << 12)
    assert set(images) == {"weights", "acc_preload", "thresholds", "threshold_flip"}
    assert set(memory_images(xnor)) == {"weights", "acc_preload"}
    words, bits = memory_images(bwn)["weights"]
    assert bits == 6 and words[0] == sum(int(w > 0) << i for i, w in
                                        enumerate(bwn.weights[:2, :3].reshape(-1)))


def test_manifest_facts():
    bwn, ttq, twn, xnor = design().blocks
    facts = ttq.describe()
    assert facts["weight_type"] == "ternary" and facts["input_type"] == "bipolar"
    assert facts["activation"] == "threshold" and facts["thresholds_per_channel"] == 15
    assert xnor.describe()["activation"] == "requant" and bwn.kind == "bwn_mvau"
