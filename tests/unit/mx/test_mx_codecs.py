"""MX codecs against ml_dtypes (every code point, random data, ties) and hand-worked blocks."""

from fractions import Fraction

import ml_dtypes
import numpy as np
import pytest

from hwgen.errors import QuantizationError
from hwgen.quant.mx import (
    ELEMENT_FORMATS,
    MX_FORMATS,
    block_bits,
    decode_elements,
    element_fields,
    encode_elements,
    mx_format,
    mx_quantize,
    nan_code,
    pack_blocks,
    pack_mx,
    scale_values,
    shared_exponent,
    unpack_blocks,
    unpack_mx,
)

OCP_FLOATS = [name for name, f in ELEMENT_FORMATS.items() if f.ml_dtype]


def ml_decode(name, codes):
    """ml_dtypes' value of each code (the oracle)."""
    dtype = getattr(ml_dtypes, ELEMENT_FORMATS[name].ml_dtype)
    return np.asarray(codes, dtype=np.uint8).view(dtype).astype(np.float64)


def ml_encode(name, x):
    """ml_dtypes' code of each value (round to nearest, ties to even)."""
    dtype = getattr(ml_dtypes, ELEMENT_FORMATS[name].ml_dtype)
    return np.asarray(x, dtype=np.float64).astype(dtype).view(np.uint8).astype(np.int64)


def same_values(a, b):
    both_nan = np.isnan(a) & np.isnan(b)
    return np.all(both_nan | ((a == b) & (np.signbit(a) == np.signbit(b))))


# -- every code point ----------------------------------------------------------------------

@pytest.mark.parametrize("name", OCP_FLOATS)
def test_every_code_decodes_like_ml_dtypes(name):
    codes = np.arange(1 << ELEMENT_FORMATS[name].bits)
    assert same_values(decode_elements(codes, name), ml_decode(name, codes))


@pytest.mark.parametrize("name", OCP_FLOATS)
def test_encoding_each_representable_value_returns_its_code(name):
    fmt = ELEMENT_FORMATS[name]
    codes = np.arange(1 << fmt.bits)
    values = ml_decode(name, codes)
    finite = np.isfinite(values)
    np.testing.assert_array_equal(encode_elements(values[finite], name), codes[finite])
    if fmt.has_inf:   # without saturation Inf stays Inf
        inf = np.isinf(values)
        np.testing.assert_array_equal(
            encode_elements(values[inf], name, saturate=False), codes[inf])
    if nan_code(name) is not None:
        assert np.isnan(decode_elements([nan_code(name)], name)[0])
        assert encode_elements([np.nan], name)[0] == nan_code(name) == ml_encode(name, [np.nan])[0]


def test_e8m0_scale_matches_ml_dtypes():
    codes = np.arange(256)
    ref = codes.astype(np.uint8).view(ml_dtypes.float8_e8m0fnu).astype(np.float64)
    assert same_values(scale_values(codes), ref)


def test_mxint8_codes_by_hand():
    codes = np.arange(256)
    values = decode_elements(codes, "int8")
    q = np.where(codes >= 128, codes - 256, codes)
    np.testing.assert_array_equal(values, q / 64.0)
    assert decode_elements([0x80], "int8")[0] == -2.0          # OCP: -128 is -2
    # Encoders clamp to [-127, 127] (microxcaling's symmetric range) and have no -0.
    np.testing.assert_array_equal(encode_elements([-2.0, 2.5, -0.0, 1 / 128, 3 / 128], "int8"),
                                  [256 - 127, 127, 0, 0, 2])
    np.testing.assert_array_equal(encode_elements([1 / 128, 3 / 128], "int8",
                                                  rounding="half_away"), [1, 2])


def test_integer_fields_by_hand():
    # E4M3 0.1000.011 = 1.375 * 2**(8-7): mant 0b1011 = 11, exp 7, base -9 -> 11 * 2**-2.
    f = element_fields([0b0_1000_011], "fp8_e4m3")
    assert (f.sign[0], f.mant[0], f.exp[0]) == (0, 11, 7)
    assert ELEMENT_FORMATS["fp8_e4m3"].base == -9 and 11 * 2.0 ** (7 - 9) == 2.75
    # E2M1 subnormal 1.00.1 = -0.5: mant 1, exp 0, base -1.
    f = element_fields([0b1_00_1], "fp4_e2m1")
    assert (f.sign[0], f.mant[0], f.exp[0]) == (1, 1, 0)
    # E5M2: Inf and NaN flags.
    f = element_fields([0b0_11111_00, 0b1_11111_01, 0b0_11110_11], "fp8_e5m2")
    assert f.inf.tolist() == [True, False, False] and f.nan.tolist() == [False, True, False]
    # MX6 element s1m4 with micro-exponent 1: -13 * 2**-1.
    f = element_fields([0b1_1101], "s1m4", micro=[1])
    assert (f.sign[0], f.mant[0], f.exp[0]) == (1, 13, 0)
    assert decode_elements([0b1_1101], "s1m4", micro=[1])[0] == -6.5


# -- rounding of random data ----------------------------------------------------------------

def random_values(rng, fmt, n=50_000):
    """Values over the whole range, subnormals included, plus every tie between codes."""
    values = rng.normal(0, 1, n) * np.exp2(rng.integers(-14, 18, n).astype(float))
    codes = np.arange(1 << fmt.bits)
    lattice = np.unique(ml_decode(fmt.name, codes)[np.isfinite(ml_decode(fmt.name, codes))])
    ties = (lattice[1:] + lattice[:-1]) / 2
    return np.concatenate([values, ties, -ties, lattice])


@pytest.mark.parametrize("name", OCP_FLOATS)
def test_ties_to_even_matches_ml_dtypes(name):
    fmt = ELEMENT_FORMATS[name]
    x = random_values(np.random.default_rng(len(name)), fmt)
    inside = np.clip(x, -fmt.max_normal, fmt.max_normal)
    # ml_dtypes saturates FP6 / FP4 and overflows FP8 to Inf / NaN: compare both ways.
    np.testing.assert_array_equal(encode_elements(inside, name), ml_encode(name, inside))
    if fmt.ebits >= 4:
        np.testing.assert_array_equal(encode_elements(x, name, saturate=False), ml_encode(name, x))
    else:
        np.testing.assert_array_equal(encode_elements(x, name), ml_encode(name, x))


@pytest.mark.parametrize("name", OCP_FLOATS)
def test_ties_away_matches_nearest_on_the_ml_dtypes_lattice(name):
    fmt = ELEMENT_FORMATS[name]
    x = random_values(np.random.default_rng(7 + len(name)), fmt, 20_000)
    x = np.clip(x, -fmt.max_normal, fmt.max_normal)
    codes = np.arange(1 << fmt.bits)
    values = ml_decode(name, codes)
    keep = np.isfinite(values) & ~((values == 0) & np.signbit(values))
    lattice, lattice_codes = values[keep], codes[keep]
    order = np.argsort(lattice)
    lattice, lattice_codes = lattice[order], lattice_codes[order]
    # Oracle: nearest lattice point; a tie goes to the larger magnitude.
    dist = np.abs(x[:, None] - lattice[None, :])
    best = dist.min(axis=1, keepdims=True)
    candidates = np.where(dist == best, np.abs(lattice)[None, :], -1.0)
    want = lattice_codes[np.argmax(candidates, axis=1)]
    got = encode_elements(x, name, rounding="half_away")
    # A negative value rounding to 0 keeps its sign (-0) in our encoder.
    want = np.where((want == 0) & np.signbit(x), 1 << (fmt.bits - 1), want)
    np.testing.assert_array_equal(got, want)


# -- shared exponent ------------------------------------------------------------------------

def floor_log2(a: float) -> int:
    f, e = Fraction(a), 0
    while f >= 2:
        f, e = f / 2, e + 1
    while f < 1:
        f, e = f * 2, e - 1
    return e


def test_shared_exponent_rules_by_hand():
    # E2M1 (emax 2, max 6): amax 5 -> floor: 2 - 2 = 0; ceil: 3 - 2 = 1; rceil: 5 <= 6 * 2**0 -> 0.
    assert shared_exponent([5.0], "fp4_e2m1", "floor")[0] == 127
    assert shared_exponent([5.0], "fp4_e2m1", "ceil")[0] == 128
    assert shared_exponent([5.0], "fp4_e2m1", "rceil")[0] == 127
    # amax 7 overflows 6 under rceil's X = 0, so X = 1; floor keeps 0 (7 then saturates to 6).
    assert shared_exponent([7.0], "fp4_e2m1", "rceil")[0] == 128
    assert shared_exponent([7.0], "fp4_e2m1", "floor")[0] == 127
    # E4M3: amax 1.0 -> 0 - 8 -> E = 119. Zero block -> 0, NaN -> 255, huge -> 255, tiny -> 0.
    e = shared_exponent([1.0, 0.0, np.nan, 2.0 ** 200, 2.0 ** -200], "fp8_e4m3")
    assert e.tolist() == [119, 0, 255, 255, 0]
    # The largest finite scale: floor(log2 amax) - 8 = 127 -> E = 254; one binade more is NaN.
    e = shared_exponent([2.0 ** 135, 2.0 ** 136], "fp8_e4m3")
    assert e.tolist() == [254, 255]


def test_shared_exponent_floor_matches_exact_log2():
    rng = np.random.default_rng(3)
    amax = np.abs(rng.normal(0, 1, 2000)) * np.exp2(rng.integers(-100, 100, 2000).astype(float))
    amax = np.concatenate([amax, np.nextafter(np.exp2(np.arange(-20.0, 20.0)), 0)])
    for name in ("fp8_e4m3", "fp4_e2m1", "s1m7", "int8"):
        emax = ELEMENT_FORMATS[name].emax
        want = [min(max(floor_log2(a) - emax + 127, 0), 255) for a in amax.tolist()]
        want = [255 if w > 254 else w for w in want]
        assert shared_exponent(amax, name).tolist() == want


# -- blocks ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e2m3", "mxfp6_e3m2", "mxfp4"])
@pytest.mark.parametrize("k", [32, 8])
def test_block_quantization_matches_an_ml_dtypes_oracle(name, k):
    fmt = mx_format(name)
    rng = np.random.default_rng(k)
    x = rng.normal(0, 1, (12, 64)) * np.exp2(rng.integers(-30, 30, (12, 1)).astype(float))
    x[3, :k] = 0.0                                   # an all-zero block
    x[4, :k] *= 2.0 ** -120                          # a block near the smallest scale
    t = mx_quantize(x, name, k)
    blocks = x.reshape(12, -1, k)
    amax = np.abs(blocks).max(axis=-1)
    want_e = [[0 if a == 0 else max(floor_log2(a) - fmt.element.emax + 127, 0) for a in row]
              for row in amax.tolist()]
    np.testing.assert_array_equal(t.scales, want_e)
    scaled = blocks / np.exp2(np.array(want_e) - 127.0)[..., None]
    limit = fmt.element.max_normal
    want = ml_encode(fmt.element.name, np.clip(scaled, -limit, limit)).reshape(12, 64)
    np.testing.assert_array_equal(t.codes, want)
    np.testing.assert_array_equal(t.scales[3, 0], 0)
    np.testing.assert_array_equal(t.codes[3, :k], 0)


def test_mxfp4_block_by_hand():
    # amax 5 -> X = floor(log2 5) - 2 = 0: elements are rounded as they are.
    # 0.7 -> 0.5, 1.25 -> 1 (tie, even), 1.75 -> 2 (tie, even), -2.6 -> -3, 5 -> 4 (tie), 0.2 -> 0
    t = mx_quantize([[0.7, 1.25, 1.75, -2.6, 5.0, 0.2, 0.0, 4.0]], "mxfp4", 8)
    assert t.scales.tolist() == [[127]]
    np.testing.assert_array_equal(t.dequantize(), [[0.5, 1.0, 2.0, -3.0, 4.0, 0.0, 0.0, 4.0]])
    away = mx_quantize([[0.7, 1.25, 1.75, -2.6, 5.0, 0.2, 0.0, 4.0]], "mxfp4", 8,
                       rounding="half_away")
    np.testing.assert_array_equal(away.dequantize(), [[0.5, 1.5, 2.0, -3.0, 6.0, 0.0, 0.0, 4.0]])
    # Saturation: amax 7.5 -> X = 0, 7.5 rounds to 8 > 6 and saturates to 6.
    assert mx_quantize([[7.5, 1.0]], "mxfp4", 2).dequantize().tolist() == [[6.0, 1.0]]


def test_mx6_micro_exponents_by_hand():
    # MX6: m = 4, amax = 3.0 -> e_b = 1, X = e_b - (m - 1) = -2 (LSB 0.25).
    # pair (3.0, 0.5): 3.0 is not below 2**1 -> mu 0: 3.0 / 0.25 = 12, 0.5 / 0.25 = 2.
    # pair (0.9, -1.3): both below 2 -> mu 1, LSB 0.125: 0.9 / 0.125 = 7.2 -> 7,
    #                   -1.3 / 0.125 = -10.4 -> -10.
    # pair (0.0, 0.0): both below -> mu 1. pair (1.99, 0.1): mu 1: 15.92 -> 15 (clamped),
    #                   0.1 / 0.125 = 0.8 -> 1.
    x = [[3.0, 0.5, 0.9, -1.3, 0.0, 0.0, 1.99, 0.1]]
    t = mx_quantize(x, "mx6", 8)
    assert t.scales.tolist() == [[125]]
    assert t.micro.tolist() == [[0, 0, 1, 1, 1, 1, 1, 1]]
    mags = (t.codes & 0xF).tolist()[0]
    signs = (t.codes >> 4).tolist()[0]
    assert mags == [12, 2, 7, 10, 0, 0, 15, 1] and signs == [0, 0, 0, 1, 0, 0, 0, 0]
    np.testing.assert_array_equal(t.dequantize(),
                                  [[3.0, 0.5, 0.875, -1.25, 0.0, 0.0, 1.875, 0.125]])


@pytest.mark.parametrize("name,bits", [("mx4", 4), ("mx6", 6), ("mx9", 9)])
def test_mx_micro_formats_bits_and_error_bound(name, bits):
    fmt = mx_format(name)
    assert fmt.bits_per_element() == bits == block_bits(name) / 16   # the lecture's table
    rng = np.random.default_rng(bits)
    x = rng.normal(0, 1, (50, 16))
    t = mx_quantize(x, name)
    y = t.dequantize()
    # Each element is within half an LSB of its pair's quantum, or clamped at the top.
    lsb = np.exp2(t.scales[:, :1] - 127.0 - t.micro)
    top = (t.codes & ((1 << fmt.element.mbits) - 1)) == (1 << fmt.element.mbits) - 1
    assert np.all((np.abs(x - y) <= lsb / 2) | top)
    assert np.all(np.abs(x - y) <= lsb)
    # Micro-exponent 1 exactly when both elements of a pair are below 2**floor(log2 amax).
    e_b = np.floor(np.log2(np.abs(x).max(axis=1, keepdims=True)))
    below = (np.abs(x) < np.exp2(e_b)).reshape(50, 8, 2).all(axis=-1)
    np.testing.assert_array_equal(t.micro[:, 0::2], below)


def test_nan_inf_and_overflow_blocks():
    x = np.ones((3, 4))
    x[0, 1] = np.nan
    x[1, 2] = np.inf
    x[2] *= 2.0 ** 200
    for name in ("mxfp8_e4m3", "mxfp4", "mxint8", "mx9"):
        t = mx_quantize(x, name, 4)
        assert t.scales.tolist() == [[255]] * 3
        assert np.all(t.codes == 0) and np.all(np.isnan(t.dequantize()))


def test_partial_last_block_and_errors():
    t = mx_quantize(np.arange(1.0, 11.0), "mxfp8_e4m3", 4)
    assert t.scales.shape == (3,) and t.codes.shape == (10,)
    np.testing.assert_array_equal(t.dequantize(), np.arange(1.0, 11.0))
    with pytest.raises(QuantizationError, match="block size must be even, not 3; use e.g. 16"):
        mx_quantize(np.ones(6), "mx6", 3)
    with pytest.raises(QuantizationError, match="unknown MX format 'mxfp5'; valid: mxfp4"):
        mx_format("mxfp5")
    with pytest.raises(QuantizationError, match="fp4_e2m1 has no NaN"):
        encode_elements([np.nan], "fp4_e2m1")


# -- storage --------------------------------------------------------------------------------

def test_packed_layout_by_hand():
    # MXFP4, k = 2: scale 127, codes 0b0010 (1.0) and 0b1111 (-6): 8 + 2*4 = 16 bits.
    t = mx_quantize([[1.0, -6.0]], "mxfp4", 2)
    assert pack_blocks(t) == [127 | (0b0010 << 8) | (0b1111 << 12)]
    assert pack_mx(t) == bytes([127, 0b1111_0010])
    # MX4, k = 4: scale, 4 codes of 3 bits, 2 micro bits -> 8 + 12 + 2 = 22 bits.
    t = mx_quantize([[3.0, 1.0, 0.5, 0.25]], "mx4", 4)
    # amax 3 -> e_b 1, X = e_b - 1 = 0. Pair 0: mu 0 -> 3, 1. Pair 1: mu 1 -> 1, 0.5 -> 0 (tie).
    assert t.micro.tolist() == [[0, 0, 1, 1]] and t.codes.tolist() == [[3, 1, 1, 0]]
    assert pack_blocks(t) == [127 | (3 << 8) | (1 << 11) | (1 << 14) | (0 << 17) | (0b10 << 20)]


@pytest.mark.parametrize("name", sorted(MX_FORMATS))
def test_pack_unpack_round_trip(name):
    rng = np.random.default_rng(len(name))
    x = rng.normal(0, 1, (3, 40))
    t = mx_quantize(x, name, 8)
    data = pack_mx(t)
    assert len(data) == -(-block_bits(name, 8) * 15 // 8)
    back = unpack_mx(data, name, 8, (3, 40))
    np.testing.assert_array_equal(back.codes, t.codes)
    np.testing.assert_array_equal(back.scales, t.scales)
    if t.micro is not None:
        np.testing.assert_array_equal(back.micro, t.micro)
    np.testing.assert_array_equal(unpack_blocks(pack_blocks(t), name, 8, (3, 40)).codes, t.codes)


def test_bits_per_element():
    assert mx_format("mxfp4").bits_per_element() == 4.25
    assert mx_format("mxfp8_e4m3").bits_per_element(16) == 8.5
    assert mx_format("mxint8").bits_per_element() == 8.25
