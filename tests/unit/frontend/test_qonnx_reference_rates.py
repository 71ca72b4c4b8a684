"""Where hwgen's integers and qonnx's float32 reference cannot agree, and how often.

Each layer is fed qonnx's own input codes (hwgen.reference.qonnx), so a difference is
that layer's. Power-of-two scales with biases on the accumulator grid agree exactly under
single rounding with ties to even (test_qonnx_int.py); these tests take one departure at a
time and check that every differing output is the named mechanism, one step, and rare
where the mechanism is rare.
"""

import pytest

from hwgen.reference.qonnx import compare_layers
from tests.fixtures.qonnx_int_builders import QChain

pytest.importorskip("qonnx")


def small_cnn(seed, *, pot=True, bias="quant", zero=0, bits=4, window=2):
    """conv-relu-quant-maxpool-conv-quant-avgpool-quant-flatten-gemm-quant on 3x8x8."""
    c = QChain((3, 8, 8), seed=seed, pot=pot)
    c.quant("inp", 8, False, scale=1 / 256 if pot else 0.0041)
    c.conv("conv1", 8, 3, bits=bits, pads=1, bias=bias).relu("relu1")
    c.quant("act1", bits, False)
    c.maxpool("pool1", 2)
    c.conv("conv2", 8, 3, bits=bits, pads=1, bias=bias).quant("act2", bits, True)
    c.avgpool("avg", window, stride=2).quant("act3", 8, True, zero=zero)
    c.flatten("flat").gemm("fc", 10, bits=bits, bias=bias).quant("out", 8, True, zero=zero)
    return c


def compare(chain, count=100, config=None):
    results = compare_layers(chain.build(), chain.inputs(count), config=config)
    outputs = sum(r.outputs for r in results)
    differ = sum(r.differ for r in results)
    mechanisms = sum((r.mechanisms for r in results), start=type(results[0].mechanisms)())
    return outputs, differ, mechanisms, max(r.largest for r in results)


def test_power_of_two_scales_agree_only_under_ties_to_even():
    chain = small_cnn(1)
    outputs, differ, _, _ = compare(chain)
    assert outputs > 50_000 and differ == 0
    # the other rules round the many exact ties (k + 1/2 with power-of-two scales) otherwise
    _, up, up_why, _ = compare(chain, config={"default": {"requant": "single"}})
    _, gl, gl_why, _ = compare(chain, config={"default": {"requant": "gemmlowp"}})
    assert up > 100 and set(up_why) == {"tie"}
    assert gl > up and set(gl_why) <= {"tie", "requantizer"}


def test_float_biases_are_rounded_to_the_accumulator_grid():
    """Brevitas' default (bias_quant=None): the float bias lies between accumulator steps;
    hwgen rounds it to the nearest step, half a step at most."""
    outputs, differ, why, largest = compare(small_cnn(2, bias="float"))
    assert 0 < differ < 0.02 * outputs
    assert set(why) == {"bias"} and largest == 1


def test_batch_norm_after_a_conv_is_a_float_bias():
    c = QChain((2, 6, 6), seed=3)
    c.quant("inp", 8, False, scale=1 / 256)
    c.conv("conv1", 6, 3, bits=4, pads=1).bn("bn1").relu("relu1").quant("act1", 4, False)
    c.flatten("flat").gemm("fc", 5, bits=4, bias="quant").quant("out", 8, True)
    outputs, differ, why, largest = compare(c)
    assert differ < 0.05 * outputs and set(why) <= {"bias"} and largest <= 1


def test_odd_zero_points_round_ties_the_other_way():
    outputs, differ, why, largest = compare(small_cnn(4, zero=3))
    assert differ > 0 and set(why) == {"zero point"} and largest == 1
    assert compare(small_cnn(4, zero=2))[1] == 0           # an even zero point agrees


def test_a_three_by_three_window_makes_ties_float32_breaks():
    """1/9 is no power of two: the mean of a 3x3 window is k + 1/2 for some sums, and
    qonnx's float32 lands on either side of the half."""
    c = QChain((3, 8, 8), seed=5)
    c.quant("inp", 8, False, scale=1 / 256)
    c.conv("conv1", 8, 3, bits=4, pads=1).relu("relu1").quant("act1", 4, False, scale=1 / 8)
    # mean / S_out = sum / 36: exactly k + 1/2 for sums of 18, 54, 90, 126
    c.avgpool("avg", 3, stride=1).quant("act2", 8, False, scale=1 / 2)
    c.flatten("flat").gemm("fc", 4, bits=4).quant("out", 8, True)
    outputs, differ, why, largest = compare(c)
    assert differ > 0 and set(why) == {"tie"} and largest == 1


def test_float_scales_rarely_differ():
    """Scales off the power-of-two grid (Brevitas' learned float scales), biases on the
    accumulator grid: exact ties vanish and float32's relative error (about 1e-7) matters
    only within that distance of a boundary."""
    total, differ, why = 0, 0, set()
    for seed in (6, 7, 8):
        o, d, w, _ = compare(small_cnn(seed, pot=False), count=60)
        total, differ, why = total + o, differ + d, why | set(w)
    assert total > 100_000 and differ <= 1e-4 * total
    assert "unexplained" not in why
