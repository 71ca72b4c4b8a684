"""Golden model of the MX MVAU: exact accumulators (checked with Fractions against values
decoded by the ml_dtypes-checked codecs), hand-worked outputs, NaN rules, MX output encoding."""

import itertools
from fractions import Fraction

import numpy as np
import pytest

from hwgen.errors import IRError
from hwgen.golden.mx_encode import encode_fixed_point
from hwgen.golden.mx_mvau import mx_accumulators, mx_mvau
from hwgen.ir import Folding, IntType, TensorQuant
from hwgen.ir.blocks.mx_mvau import MxMvauParams
from hwgen.ir.layers.mx_dense import MxDense
from hwgen.ir.mx.types import MxQuant, is_mx_format
from hwgen.quant.mx import MX_FORMAT_NAMES, MxTensor, mx_format, mx_quantize
from tests.fixtures.mx_factories import make_mx_layer, random_mx_inputs, real_inputs

COMBOS = [
    ("mxfp4", "uint8"), ("mxfp6_e2m3", "int8"), ("mxfp6_e3m2", "mxfp8_e4m3"),
    ("mxfp8_e4m3", "mxfp6_e3m2"), ("mxfp8_e5m2", "mxfp8_e5m2"), ("mxint8", "mxint8"),
    ("mx4", "uint4"), ("mx6", "mx9"), ("mx9", "mxfp4"), ("int8", "mx6"), ("int4", "mxint8"),
]


def unit(p: MxMvauParams, layer_in_scale: float, w_scale):
    """U[i] of every row, computed here from the definitions (not from the params)."""
    units = []
    for i in range(p.mh):
        if p.weight_block:
            sm, _, special, e = p.weight_fields
            live = (e != 255) & (sm != 0) & ~special
            lo = int(e[i][live[i]].min()) if live[i].any() else 127
            u = Fraction(2) ** (mx_format(p.weight_format).element.base + lo - 127)
        else:
            u = Fraction(float(w_scale[i]))
        if is_mx_format(p.input_dtype):
            u *= Fraction(2) ** (mx_format(p.input_dtype).element.base + p.input_exp_lo - 127)
        else:
            u *= Fraction(layer_in_scale)
        units.append(u)
    return units


@pytest.mark.parametrize("weights,inputs", COMBOS)
def test_accumulators_are_exact_dot_products(weights, inputs):
    rng = np.random.default_rng(len(weights) * 7 + len(inputs))
    block = 8
    p, layer = make_mx_layer(rng, mh=6, mw=32, pe=2, simd=4, weights=weights, inputs=inputs,
                             block=block, edge_rows=True, return_layer=True)
    x = random_mx_inputs(rng, p, 8, edges=True)
    acc, nan = mx_accumulators(x, p)
    if p.weight_block:
        w_real = [[Fraction(float(v)) if np.isfinite(v) else None for v in row]
                  for row in layer.weights.dequantize()]
    else:   # int codes times their channel scale, exactly
        w_real = [[int(q) * Fraction(float(s)) for q in row]
                  for row, s in zip(layer.weights, layer.weight_quant.scale, strict=True)]
    x_real = real_inputs(p, x)
    in_q = layer.input_quant
    if isinstance(in_q, MxQuant):       # below-window blocks are flushed to zero
        e = (np.asarray(x) >> (p.input_type.code_bits + p.input_type.micro_bits)) & 0xFF
        x_real = np.where(e < in_q.exp_lo, 0.0, x_real)
        scale, zero = 1.0, 0
    else:
        scale, zero = in_q.scale, in_q.zero_point
    units = unit(p, scale, None if p.weight_block else layer.weight_quant.scale)
    checked = 0
    for n, i in itertools.product(range(len(x)), range(p.mh)):
        if nan[n, i]:
            assert None in w_real[i] or np.isnan(x_real[n]).any() or \
                (isinstance(in_q, MxQuant) and (e[n] > in_q.exp_hi).any())
            continue
        want = sum(w * (Fraction(float(v)) - zero) * Fraction(scale)
                   for w, v in zip(w_real[i], x_real[n], strict=True))
        bias = round(Fraction(float(layer.bias[i])) / units[i])
        assert (int(acc[n, i]) - bias) * units[i] == want
        checked += 1
    assert checked > len(x)


def hand_layer(**changes):
    # mxfp4, k = 2. Row 0: [1.5, -3] at E = 127; row 1: [0.25, 2] at E = 126 (scale 0.5):
    # codes 0.01.1 (1.5), 1.10.1 (-3), 0.00.1 (0.5 -> 0.25), 0.11.0 (4 -> 2).
    w = MxTensor(fmt=mx_format("mxfp4"), block_size=2,
                 codes=np.array([[0b0011, 0b1101], [0b0001, 0b0110]]),
                 scales=np.array([[127], [126]]))
    fields = dict(name="hand", weights=w, weight_quant=None, bias=np.array([0.25, 0.0]),
                  input_quant=TensorQuant(IntType(8, False), 0.5, 2),
                  output_quant=TensorQuant(IntType(8, True), 0.5, 1),
                  folding=Folding(pe=1, simd=2))
    fields.update(changes)
    return MxDense(**fields)


def test_hand_worked_int_output():
    # x = [6, 1] with S_X = 0.5, Z_X = 2 -> [2, -0.5]. y0 = 1.5*2 + (-3)(-0.5) + 0.25 = 4.75,
    # y1 = 0.25*2 + 2*(-0.5) = -0.5. Units: U0 = 2**(-1 + 127 - 127) * 0.5 = 0.25,
    # U1 = 2**(-1 + 126 - 127) * 0.5 = 0.125; Wal = [[3, -6], [1, 8]];
    # acc0 = 3*6 - 6*1 + (1 - 2*(3 - 6)) = 19 (19 * 0.25 = 4.75);
    # acc1 = 6 + 8 + (0 - 2*9) = -4 (-4 * 0.125 = -0.5).
    # Outputs (S_Y = 0.5, Z_Y = 1): 4.75 / 0.5 = 9.5 -> 10 (ties up) + 1 = 11; -1 + 1 = 0.
    p = MxMvauParams.from_layer(hand_layer())
    acc, nan = mx_accumulators(np.array([[6, 1]]), p)
    assert acc.tolist() == [[19, -4]] and not nan.any()
    assert p.multiplier.tolist() == [1 << 30, 1 << 30] and p.shift.tolist() == [31, 32]
    assert mx_mvau(np.array([[6, 1]]), p).tolist() == [[11, 0]]


def test_hand_worked_mx_output():
    # Same layer, MX output mxfp4 in one block of 2, ReLU: z = max(acc, 0) * U / 2**g.
    # U = [0.25, 0.125] -> multipliers 1 with shifts [1, 0] and g = -3: z = [38, 0].
    # amax = 38 -> e = 5, E = 5 - 3 - 2 + 127 = 127: elements 38 / 8 = 4.75 -> 4 (code 0.11.0),
    # and 0 -> code 0.
    layer = hand_layer(output_quant=MxQuant("mxfp4", 2, 0, 254), relu=True)
    p = MxMvauParams.from_layer(layer)
    assert (p.out_exp, p.multiplier.tolist(), p.shift.tolist()) == (-3, [1, 1], [1, 0])
    element = p.output_type
    out = mx_mvau(np.array([[6, 1]]), p)
    assert out.tolist() == [[0b0110 | (127 << element.code_bits), 127 << element.code_bits]]


def test_nan_rules():
    rng = np.random.default_rng(5)
    p = make_mx_layer(rng, mh=4, mw=16, pe=1, simd=4, weights="mxfp8_e4m3", block=8,
                      inputs="mxfp6_e2m3", w_exp=(120, 122), in_window=(124, 126))
    x = random_mx_inputs(rng, p, 5)
    shift = p.input_type.code_bits
    clear = x & ((1 << shift) - 1)
    x[1, :8] = clear[1, :8] | (255 << shift)           # NaN block
    x[2, 8:] = clear[2, 8:] | (127 << shift)           # above the window: NaN
    x[3, :8] = clear[3, :8] | (123 << shift)           # below the window: flushed to zero
    x[4, :8] = clear[4, :8] | (126 << shift)
    out = mx_mvau(x, p)
    assert np.all(out[1:3] == -128) and not np.any(out[[0, 3, 4]] == -128)
    acc, _ = mx_accumulators(x, p)
    flushed = x.copy()
    flushed[3, :8] = 0 | (124 << shift)                # the same as zero elements
    acc2, _ = mx_accumulators(flushed, p)
    assert acc[3].tolist() == acc2[3].tolist()
    # A NaN weight block poisons its row only.
    w = MxTensor(fmt=mx_format("mxfp4"), block_size=2, codes=np.array([[2, 2], [2, 2]]),
                 scales=np.array([[255], [127]]))
    q = MxMvauParams.from_layer(hand_layer(weights=w))
    assert mx_mvau(np.array([[3, 4]]), q)[0, 0] == -128 != mx_mvau(np.array([[3, 4]]), q)[0, 1]


@pytest.mark.parametrize("name", MX_FORMAT_NAMES)
@pytest.mark.parametrize("rounding", ["half_even", "half_away"])
def test_fixed_point_encoder_equals_the_float_codec(name, rounding):
    rng = np.random.default_rng(len(name))
    k = 8
    z = rng.integers(-(1 << 20), 1 << 20, size=(40, 32)) >> rng.integers(0, 20, size=(40, 1))
    z[0, :k] = 0
    z[1, :k] = 1 << 40                                 # big, exact in float64
    for g in (-30, -3, 0, 5, -160, 100):               # incl. clamped and NaN scales
        codes, micro, scales = encode_fixed_point(z, g, name, k, rounding)
        t = mx_quantize(np.ldexp(z.astype(np.float64), g), name, k, rounding=rounding)
        np.testing.assert_array_equal(scales, t.scales)
        np.testing.assert_array_equal(codes, t.codes)
        if t.micro is not None:
            np.testing.assert_array_equal(micro, t.micro)


def test_wide_fixed_point_values_stay_exact():
    # amax = 3 * 2**69 = 1.5 * 2**70: E = 70 - 8 + 127; elements are scaled by 2**-62.
    # 3 * 2**69 -> 1.100b * 2**8: exponent field 8 + 7 = 15, mantissa 100.
    # 2**70 + 2**66 + 1 -> 1.0001b * 2**8 plus 2**-62: the 2**66 bit is exactly half an ulp
    # and the final 1 (beyond float64's 53 bits) makes it more than half: round up to 001.
    z = np.array([[(1 << 70) + (1 << 66) + 1, 3 << 69]], dtype=object)
    codes, _, scales = encode_fixed_point(z, 0, "mxfp8_e4m3", 2)
    assert scales.tolist() == [[70 - 8 + 127]]
    assert codes.tolist() == [[(15 << 3) | 1, (15 << 3) | 4]]
    # float64 loses the last bit, sees a tie and rounds to even (000): a different code.
    assert mx_quantize(z.astype(np.float64), "mxfp8_e4m3", 2).codes.tolist() == \
        [[(15 << 3) | 0, (15 << 3) | 4]]


def test_parameter_errors_name_the_problem():
    rng = np.random.default_rng(1)
    with pytest.raises(IRError, match="SIMD=3 neither divides nor is a multiple of the block"):
        make_mx_layer(rng, mh=4, mw=48, pe=1, simd=3, weights="mxfp4", block=16)
    with pytest.raises(IRError, match="SIMD=1 splits pairs of MX4/MX6/MX9 weights"):
        make_mx_layer(rng, mh=4, mw=16, pe=1, simd=1, weights="mx6", block=16)
    with pytest.raises(IRError, match="PE=3 neither divides nor is a multiple of the output"):
        make_mx_layer(rng, mh=12, mw=16, pe=3, simd=4, block=16, outputs="mxfp4", out_block=4)
    with pytest.raises(IRError, match="MX inputs in blocks of 8; use one block size"):
        hand_layer(input_quant=MxQuant("mxfp4", 8), weights=mx_quantize(np.ones((2, 16)),
                                                                         "mxfp4", 16))
