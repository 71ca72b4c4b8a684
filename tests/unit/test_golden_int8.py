"""The golden model's onnxruntime integer kernels (hwgen.golden.int8_gemm) against int64 references.

The references (int64 numpy products and Python-int requantization, from test_golden_fast)
call nothing from hwgen.golden. Covered: random dense and convolution blocks of every code
width up to 8 bits, signed and unsigned; operands at their extremes; the int32 bound exactly
met (the kernel runs) and one past it (the float path runs, same results); and a self-check
that fails -- onnxruntime's operator missing, or a kernel that saturates pairs of products to
int16 like AVX2's ``vpmaddubsw`` -- which must fall back without changing a result.
"""

from __future__ import annotations

import numpy as np
import pytest

from hwgen.golden import int8_gemm, run_pipeline
from hwgen.golden.mvau import int_mvau, integer_product
from hwgen.ir.types import IntType

from .test_golden_fast import (
    CONVS,
    I8,
    I16,
    U8,
    check_empty_batches,
    conv_blocks,
    extreme_inputs,
    identity,
    mvau,
    ref_mvau,
    ref_patches,
    window,
)

INT32_MAX = (1 << 31) - 1


def saturating_session(weights, rows_zero, weights_zero):
    """A stand-in for onnxruntime's session on a CPU whose uint8 x int8 kernel sums adjacent
    pairs of products into int16 with saturation (AVX2's ``vpmaddubsw``); uint8 x uint8 is
    exact (16-bit products), as there."""
    w = np.asarray(weights).astype(np.int64)

    class Session:
        def run(self, _names, feed):
            a = np.asarray(feed["X"]).astype(np.int64)
            k = a.shape[1]
            if weights.dtype == np.int8:
                products = a[:, :, None] * w[None]                    # (R, K, N)
                if k % 2:
                    products = np.concatenate([products, 0 * products[:, :1]], axis=1)
                pairs = products[:, 0::2] + products[:, 1::2]
                raw = np.clip(pairs, -(1 << 15), (1 << 15) - 1).sum(axis=1)
            else:
                raw = a @ w
            y = raw - rows_zero * w.sum(axis=0) - weights_zero * a.sum(axis=1)[:, None] \
                + k * rows_zero * weights_zero
            return [y.astype(np.int32)]

    return Session()


@pytest.fixture
def fresh_self_check(monkeypatch):
    """A process state in which the self-check has not run yet."""
    monkeypatch.setattr(int8_gemm, "_STATE", {})
    monkeypatch.setattr(int8_gemm, "ENABLED", True)


@pytest.fixture(autouse=True)
def enabled(monkeypatch):
    monkeypatch.setattr(int8_gemm, "ENABLED", True)


def assert_integer(p, expected: bool = True):
    integer, why = integer_product(p)
    assert (integer is not None) is expected, why
    return why


def test_a_variant_passes_the_self_check_here():
    chosen = int8_gemm.variant()
    assert chosen is not None, int8_gemm.status()
    assert int8_gemm.status().startswith(f"onnxruntime MatMulInteger {chosen[0]}")


CODE_TYPES = [I8, U8, IntType(4, True), IntType(4, False), IntType(2, True), IntType(1, False)]


@pytest.mark.parametrize("seed", range(12))
def test_random_dense_blocks(seed):
    rng = np.random.default_rng(700 + seed)
    in_type = CODE_TYPES[seed % len(CODE_TYPES)]
    w_type = IntType([8, 7, 4, 2][seed % 4], True)
    mh, mw = int(rng.integers(1, 70)), int(rng.integers(1, 700))
    weights = rng.integers(w_type.qmin, w_type.qmax + 1, (mh, mw))
    out_type = [I8, U8, I16][seed % 3]
    zp = int(rng.integers(out_type.qmin, out_type.qmax + 1))
    bias = rng.integers(-(1 << 20), 1 << 20, mh) * (seed % 4 != 3)     # some without a bias
    p = mvau(weights, bias=bias, in_type=in_type,
             w_type=w_type, out_type=out_type, rounding=["single_even", "single",
                                                         "gemmlowp"][seed % 3],
             zero_point=zp, shift=rng.integers(-20, -3, mh), rng=rng)
    x = np.concatenate([extreme_inputs(weights, in_type),
                        rng.integers(in_type.qmin, in_type.qmax + 1, (int(rng.integers(1, 40)),
                                                                      mw))])
    assert_integer(p)
    np.testing.assert_array_equal(int_mvau(x, p), ref_mvau(x, p))
    np.testing.assert_array_equal(int_mvau(x[0], p), ref_mvau(x[:1], p)[0])


def test_dense_in_several_chunks_and_narrow_input_dtypes():
    rng = np.random.default_rng(5)
    weights = rng.integers(-128, 128, (40, 300))
    p = identity(weights, bias=rng.integers(-1000, 1000, 40), in_type=I8, w_type=I8)
    x = rng.integers(-128, 128, (int8_gemm.integer_chunk(300, 40) * 2 + 7, 300))
    want = ref_mvau(x, p)
    for dtype in (np.int8, np.int16, np.int64):
        np.testing.assert_array_equal(int_mvau(x.astype(dtype), p), want)
    assert_integer(p)


@pytest.mark.parametrize("in_type", [I8, U8])
def test_extreme_weights_and_codes(in_type):
    # Whole rows of -128 and of 127 weights (and alternating) under rows of qmin, of qmax and
    # of the sign pattern that makes every product of an output large and of one sign: the
    # pairs that a saturating kernel would clip.
    k = 1152
    weights = np.stack([np.full(k, -128), np.full(k, 127), np.where(np.arange(k) % 2, -128, 127),
                        np.where(np.arange(k) < k // 2, 127, -128)])
    p = identity(weights, bias=np.array([7, -7, 0, 1]), in_type=in_type, w_type=I8)
    x = np.concatenate([np.full((1, k), in_type.qmin), np.full((1, k), in_type.qmax),
                        extreme_inputs(weights, in_type)])
    got = int_mvau(x, p)
    np.testing.assert_array_equal(got, ref_mvau(x, p))
    assert_integer(p)
    # the largest magnitudes int8 weights allow over these codes are reached
    assert np.abs(got[:, 0]).max() == max(abs(-128 * v * k + 7)
                                          for v in (in_type.qmin, in_type.qmax))


def stored_bound_factors(in_type: IntType) -> tuple:
    """The module's int32 bound ``T * K * A * B + |bias|``, written out for the variant this
    process uses: ``A`` the largest stored row code (``x - qmin``) or row zero point
    (``-qmin``), ``B`` the largest stored weight magnitude or weight zero point (u8s8: weights
    as they are, up to 128 in magnitude, zero point 0; u8u8: weights + 128, up to 255, zero
    point 128), ``T`` one term plus one per nonzero zero point plus one if both are."""
    a = max(in_type.qmax - in_type.qmin, -in_type.qmin)
    name = int8_gemm.variant()[0]
    b, weights_zero = {"u8s8": (128, 0), "u8u8": (255, 128)}[name]
    rows_zero = -in_type.qmin
    terms = 1 + (rows_zero > 0) + (weights_zero > 0) + (rows_zero > 0 and weights_zero > 0)
    return terms * a, b


@pytest.mark.parametrize("extra", [0, 1])
@pytest.mark.parametrize("in_type", [I8, U8])
def test_int32_bound_at_the_limit_and_one_past(extra, in_type):
    # 2 outputs, K of 30,000 to 60,000 inputs: T * K * A * B + |bias| = 2**31 - 1 (+ 1). At
    # the limit the integer kernel runs; one past, the float path does; both exact.
    a, b = stored_bound_factors(in_type)
    k = (INT32_MAX - (1 << 27)) // (a * b)
    bias = INT32_MAX + extra - k * a * b
    assert 1 << 27 <= bias < (1 << 27) + a * b + 1
    rng = np.random.default_rng(extra)
    weights = np.stack([np.where(rng.random(k) < 0.5, -128, 127), np.full(k, 127)])
    weights[0, 0] = -128                                     # B: the largest magnitude occurs
    p = identity(weights, bias=np.array([bias, -bias]), in_type=in_type, w_type=I8)
    x = np.concatenate([extreme_inputs(weights, in_type),
                        rng.integers(in_type.qmin, in_type.qmax + 1, (3, k))])
    np.testing.assert_array_equal(int_mvau(x, p), ref_mvau(x, p))
    why = assert_integer(p, expected=extra == 0)
    if extra:
        assert why == f"int32 bound {INT32_MAX + 1} > 2**31 - 1"


def test_wider_codes_keep_the_float_path():
    rng = np.random.default_rng(3)
    weights = rng.integers(-128, 128, (3, 20))
    weights[0, :2] = -128, 127
    p = identity(weights, bias=np.zeros(3, np.int64), in_type=IntType(9, True), w_type=I8)
    assert assert_integer(p, expected=False) == "input codes [-256, 255] are not 8-bit codes"
    q = identity(weights * 2, bias=np.zeros(3, np.int64), in_type=I8, w_type=IntType(9, True))
    assert assert_integer(q, expected=False) == "weight codes [-256, 254] do not fit int8"
    x = rng.integers(-128, 128, (4, 20))
    np.testing.assert_array_equal(int_mvau(x, q), ref_mvau(x, q))


@pytest.mark.parametrize("case", [c for c, _ in CONVS if c[-1] <= 8])
def test_conv_pipeline(case):
    rng = np.random.default_rng(sum(case[:6]) + 7)
    win, fc = conv_blocks(case, rng)
    x = rng.integers(-128, 128, (3, win.height, win.width, win.channels))
    x[0] = np.where(rng.random(x[0].shape) < 0.5, -128, 127)
    np.testing.assert_array_equal(run_pipeline([win, fc], x), ref_mvau(ref_patches(x, win), fc))
    assert_integer(fc)


@pytest.mark.parametrize("element", [U8, IntType(4, True), IntType(2, False)])
def test_conv_other_input_types_in_several_chunks(element, monkeypatch):
    monkeypatch.setattr(int8_gemm, "CHUNK_BYTES", 1 << 14)     # bands of 3 output rows
    rng = np.random.default_rng(element.bits)
    win = window(30, 30, 16, 3, 1, (1, 1, 1, 1), pad_value=element.qmin, element=element)
    weights = rng.integers(-128, 128, (24, 144))
    fc = mvau(weights, bias=rng.integers(-(1 << 16), 1 << 16, 24), in_type=element,
              spatial=(30, 30), rng=rng, shift=rng.integers(-14, -8, 24))
    assert int8_gemm.integer_chunk(144, 24) // 30 == 3
    x = rng.integers(element.qmin, element.qmax + 1, (2, 30, 30, 16))
    x[1] = element.qmax
    np.testing.assert_array_equal(run_pipeline([win, fc], x), ref_mvau(ref_patches(x, win), fc))
    assert_integer(fc)


def test_saturating_kernel_is_rejected_and_u8u8_used(fresh_self_check, monkeypatch):
    monkeypatch.setattr(int8_gemm, "_session", saturating_session)
    assert int8_gemm.variant()[0] == "u8u8"
    assert "u8s8: differs from int64 on extreme operands" in int8_gemm.status()
    k = 64
    weights = np.stack([np.full(k, 127), np.full(k, -128)])
    p = identity(weights, bias=np.array([3, 4]), in_type=U8, w_type=I8)
    x = extreme_inputs(weights, U8)
    np.testing.assert_array_equal(int_mvau(x, p), ref_mvau(x, p))
    assert integer_product(p)[0].name == "u8u8"


def test_the_stand_in_really_saturates():
    # The stand-in above must differ from the exact product where vpmaddubsw would: two
    # products of 255 * 127 in one pair exceed int16.
    session = saturating_session(np.full((2, 1), 127, np.int8), 0, 0)
    assert session.run(None, {"X": np.full((1, 2), 255, np.uint8)})[0][0, 0] == (1 << 15) - 1


def test_failed_self_check_falls_back_to_float(fresh_self_check, monkeypatch):
    def broken(*_args):
        raise RuntimeError("no MatMulInteger kernel")

    monkeypatch.setattr(int8_gemm, "_session", broken)
    assert int8_gemm.variant() is None
    status = int8_gemm.status()
    assert status.startswith("onnxruntime integer kernels not used, float BLAS instead")
    assert "no MatMulInteger kernel" in status
    rng = np.random.default_rng(9)
    win, fc = conv_blocks(CONVS[0][0], rng)
    x = rng.integers(-128, 128, (2, win.height, win.width, win.channels))
    np.testing.assert_array_equal(run_pipeline([win, fc], x), ref_mvau(ref_patches(x, win), fc))
    assert assert_integer(fc, expected=False) == status


def test_failed_block_check_falls_back_to_float(monkeypatch):
    assert int8_gemm.variant() is not None                 # the process-wide check passed
    name = int8_gemm.variant()[0]
    monkeypatch.setattr(int8_gemm, "_session", saturating_session)
    weights = np.stack([np.full(32, 127), np.full(32, -128)])
    p = identity(weights, bias=np.array([1, 2]), in_type=U8, w_type=I8)
    x = extreme_inputs(weights, U8)
    np.testing.assert_array_equal(int_mvau(x, p), ref_mvau(x, p))
    if name == "u8s8":                                      # the stand-in saturates u8s8 only
        assert assert_integer(p, expected=False) == "u8s8: block self-check failed"


def test_disabled(monkeypatch):
    monkeypatch.setattr(int8_gemm, "ENABLED", False)
    p = identity(np.ones((2, 3), np.int64), bias=np.zeros(2, np.int64), in_type=I8, w_type=I8)
    assert assert_integer(p, expected=False) == "disabled (HWGEN_GOLDEN_INT8=0)"
    assert "disabled" in int8_gemm.status()


def test_block_check_accepts_a_saturating_kernel_that_cannot_saturate(monkeypatch):
    # 7-bit weights (onnxruntime's reduce_range): a pair of products is at most
    # 2 * 255 * 64 = 32,640 < 2**15, so even the saturating kernel is exact, and the
    # block's check (the extreme rows of every output) lets it run.
    assert int8_gemm.variant() is not None
    monkeypatch.setattr(int8_gemm, "_session", saturating_session)
    rng = np.random.default_rng(11)
    weights = rng.integers(-64, 64, (9, 301))
    weights[0], weights[1] = -64, 63
    p = identity(weights, bias=rng.integers(-99, 99, 9), in_type=U8, w_type=IntType(7, True))
    x = np.concatenate([extreme_inputs(weights, U8), rng.integers(0, 256, (5, 301))])
    np.testing.assert_array_equal(int_mvau(x, p), ref_mvau(x, p))
    assert_integer(p)


def test_empty_batches():
    assert_integer(check_empty_batches())
