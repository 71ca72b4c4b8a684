"""The fast golden kernels against slow, obviously correct references written here.

The references form every accumulator with int64 numpy integer products or Python ints (never
float), build patches with explicit index arithmetic, and requantize with the formulas of
hwgen.ir.rules written out again below; they call nothing from hwgen.golden. The blocks are
random and adversarial: accumulators at the float32 and float64 exactness limits (and one
past them), wide weights whose bounds force the float64 and int64 paths, int32 accumulators
near the limit, large MW, requantization scales at the edge of the float64 proof, near-ties
and exact ties.

These are the float BLAS kernels: the onnxruntime integer kernels, which the golden model
prefers for codes of at most 8 bits, are switched off here (an autouse fixture) and tested in
test_golden_int8.py.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from hwgen.golden import conv as conv_module
from hwgen.golden import int8_gemm, run_pipeline
from hwgen.golden.conv import KernelRows
from hwgen.golden.depthwise import depthwise
from hwgen.golden.kernels import code_dtype
from hwgen.golden.matmul import ExactProduct, exact_int_matmul
from hwgen.golden.mvau import int_mvau
from hwgen.golden.reduce import window_reduce
from hwgen.golden.requant import Requantizer
from hwgen.golden.window import WindowPatches, sliding_window
from hwgen.golden.winograd import WinogradRows
from hwgen.ir.blocks.depthwise import DepthwiseParams
from hwgen.ir.blocks.int_mvau import IntMvauParams
from hwgen.ir.blocks.sliding_window import SlidingWindowParams
from hwgen.ir.blocks.window_reduce import WindowReduceParams
from hwgen.ir.types import IntType

I8, U8, I16, I32 = IntType(8, True), IntType(8, False), IntType(16, True), IntType(32, True)
F32_LIMIT, F64_LIMIT = 1 << 24, 1 << 53


@pytest.fixture(autouse=True)
def float_blas(monkeypatch):
    """The float kernels under test, not onnxruntime's integer ones."""
    monkeypatch.setattr(int8_gemm, "ENABLED", False)


# -- references ---------------------------------------------------------------------------

def ref_requant(a: int, m: int, shift: int, rounding: str) -> int:
    """One accumulator through the named rule (hwgen.ir.rules), with Python ints."""
    if rounding == "gemmlowp":
        x = a << max(shift, 0)
        if x == m == -(1 << 31):
            h = (1 << 31) - 1
        else:
            p = x * m
            p += (1 << 30) if p >= 0 else 1 - (1 << 30)
            h = abs(p) >> 31 if p >= 0 else -(abs(p) >> 31)     # C division: toward zero
        e = max(-shift, 0)
        q = Fraction(h, 1 << e)                                  # round half away from zero
        r = int(abs(q) + Fraction(1, 2))
        return r if q >= 0 else -r
    q = Fraction(a * m, 1 << (31 - shift))
    if rounding == "single":                                    # ties toward +infinity
        return (q + Fraction(1, 2)).__floor__()
    return round(q)                                             # Python rounds ties to even


def ref_output(acc, multiplier, shift, rounding, zero_point, lo, hi) -> np.ndarray:
    """Requantize and clamp an int64 accumulator array, channels on the last axis."""
    acc = np.asarray(acc, dtype=np.int64)
    m = np.broadcast_to(np.asarray(multiplier), acc.shape)
    s = np.broadcast_to(np.asarray(shift), acc.shape)
    out = np.empty(acc.shape, dtype=np.int64)
    for index, a in np.ndenumerate(acc):
        y = zero_point + ref_requant(int(a), int(m[index]), int(s[index]), rounding)
        out[index] = min(max(y, lo), hi)
    return out


def ref_patches(x: np.ndarray, p: SlidingWindowParams) -> np.ndarray:
    """im2col by index arithmetic: ``(N, oh, ow, k*k*C)``, ``(ky, kx, c)`` order."""
    top, left = p.pads[0], p.pads[1]
    out = np.empty((len(x), p.out_height, p.out_width, p.kernel, p.kernel, p.channels),
                   dtype=np.int64)
    for oy in range(p.out_height):
        for ox in range(p.out_width):
            for ky in range(p.kernel):
                for kx in range(p.kernel):
                    iy, ix = oy * p.stride - top + ky, ox * p.stride - left + kx
                    inside = 0 <= iy < p.height and 0 <= ix < p.width
                    out[:, oy, ox, ky, kx] = x[:, iy, ix] if inside else p.pad_value
    return out.reshape(len(x), p.out_height, p.out_width, -1)


def ref_mvau(x: np.ndarray, p: IntMvauParams) -> np.ndarray:
    acc = x.astype(np.int64) @ p.weights.T.astype(np.int64) + p.acc_bias   # |acc| < 2**31
    return ref_output(acc, p.multiplier, p.shift, p.rounding.value, p.out_zero_point,
                      p.out_min, p.out_max)


def python_matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return a.astype(object) @ b.astype(object)


# -- block builders -------------------------------------------------------------------------

def mvau(weights, *, bias, in_type=I8, out_type=I8, w_type=I8, multiplier=None, shift=None,
         rounding="single_even", zero_point=0, lo=None, hi=None, spatial=(), rng=None):
    weights = np.asarray(weights, dtype=np.int64)
    mh, mw = weights.shape
    rng = rng or np.random.default_rng(0)
    if multiplier is None:
        multiplier = rng.integers(1 << 30, 1 << 31, mh)
    if shift is None:
        shift = rng.integers(-12, -5, mh)
    return IntMvauParams(
        name="fc", weights=weights, weight_type=w_type, input_type=in_type,
        output_type=out_type, acc_bias=np.broadcast_to(bias, (mh,)), multiplier=np.broadcast_to(
            multiplier, (mh,)), shift=np.broadcast_to(shift, (mh,)), rounding=rounding,
        out_zero_point=zero_point, out_min=out_type.qmin if lo is None else lo,
        out_max=out_type.qmax if hi is None else hi, pe=1, simd=1, spatial=spatial)


def identity(weights, *, bias, in_type, w_type, spatial=()):
    """An MVAU whose outputs are its accumulators: M = 2**30 * 2**(1 - 31) = 1, int32 out."""
    return mvau(weights, bias=bias, in_type=in_type, out_type=I32, w_type=w_type,
                multiplier=1 << 30, shift=1, rounding="single", spatial=spatial)


def window(h, w, c, k, s, pads, pad_value=-3, element=I8):
    return SlidingWindowParams(name="swu", height=h, width=w, channels=c, kernel=k, stride=s,
                               pads=pads, element=element, pad_value=pad_value, lanes=1)


def extreme_inputs(weights: np.ndarray, in_type: IntType) -> np.ndarray:
    """Per weight row, the inputs giving its largest and its smallest accumulator."""
    hi = np.where(weights >= 0, in_type.qmax, in_type.qmin)
    lo = np.where(weights >= 0, in_type.qmin, in_type.qmax)
    return np.concatenate([hi, lo])


# -- exact products -------------------------------------------------------------------------

@pytest.mark.parametrize("limit,dtype", [(F32_LIMIT, np.float32), (F64_LIMIT, np.float64)])
def test_product_at_the_float_limit_stays_in_one_part(limit, dtype):
    # |w| * X summed over a row equals the limit exactly: still exact in that format.
    x_max = 1 << 7 if dtype == np.float32 else 1 << 29
    column = limit // x_max // 4
    w = np.array([[column] * 4, [-column, column, -column, column]])
    product = ExactProduct.plan(w, x_max)
    x = np.array([[x_max] * 4, [-x_max] * 4, [x_max, -x_max, x_max, -x_max],
                  [x_max - 1, x_max, x_max, x_max - 3]])
    got = product(x.astype(product.dtype)).astype(np.int64)
    np.testing.assert_array_equal(got, python_matmul(x, w.T))
    assert abs(int(got[0, 0])) == limit
    # float32 cannot hold the float64 case's weights exactly
    assert product.dtype == dtype and len(product.parts) == 1


@pytest.mark.parametrize("limit", [F32_LIMIT, F64_LIMIT])
def test_product_one_past_the_limit_is_still_exact(limit):
    # Bound limit + 1 and an accumulator of exactly limit + 1 (odd: not representable in the
    # format): a single part of that format would round it.
    w = np.array([[limit // 2, limit // 2 + 1]])
    product = ExactProduct.plan(w, 1)
    x = np.array([[1, 1], [-1, -1], [1, -1], [0, 1]])
    got = product(x.astype(product.dtype)).astype(np.int64)
    np.testing.assert_array_equal(got, python_matmul(x, w.T))
    assert int(got[0, 0]) == limit + 1
    assert not (product.dtype == np.float32 and len(product.parts) == 1)
    if limit == F64_LIMIT:
        assert product.dtype == np.float64 and len(product.parts) == 2


def test_product_falls_back_to_int64_when_one_term_is_too_wide():
    w = np.array([[(1 << 40) + 1, -3], [5, (1 << 35) - 1]])
    x_max = (1 << 20) + 7
    product = ExactProduct.plan(w, x_max)
    assert product.dtype == np.int64
    x = np.array([[x_max, -x_max], [-x_max, 1], [x_max - 1, x_max]])
    np.testing.assert_array_equal(product(x), python_matmul(x, w.T))


def test_product_splits_float32_into_parts_and_sums_them_exactly():
    rng = np.random.default_rng(5)
    w = rng.integers(-600, 601, (7, 900))   # X * sum |w| about 2**25: two or three parts
    x_max = 127
    product = ExactProduct.plan(w, x_max, bias=rng.integers(-(1 << 20), 1 << 20, 7))
    bias = product.weights_t[-1].astype(np.int64)
    x = np.clip(np.concatenate([extreme_inputs(w, I8), rng.integers(-128, 128, (20, 900))]),
                -x_max, x_max)
    rows = np.concatenate([x, np.ones((len(x), 1), dtype=np.int64)], axis=1)
    got = product(rows.astype(np.float32)).astype(np.int64)
    np.testing.assert_array_equal(got, python_matmul(x, w.T) + bias)
    assert np.abs(got).max() > F32_LIMIT      # the parts' sum exceeds one float32 part
    assert product.dtype == np.float32 and 2 <= len(product.parts) <= 4


@pytest.mark.parametrize("seed", range(6))
def test_exact_int_matmul_random(seed):
    rng = np.random.default_rng(seed)
    bits = [4, 8, 12, 16, 24, 31][seed]
    m, k, n = rng.integers(1, 40), rng.integers(1, 600), rng.integers(1, 30)
    a = rng.integers(-(1 << bits), 1 << bits, (m, k))
    b = rng.integers(-(1 << (bits // 2)), 1 << (bits // 2), (k, n))
    np.testing.assert_array_equal(exact_int_matmul(a, b), python_matmul(a, b))
    np.testing.assert_array_equal(exact_int_matmul(a.astype(np.int32) if bits < 31 else a,
                                                   b[:, 0]), python_matmul(a, b[:, 0]))


# -- requantization -------------------------------------------------------------------------

def sweep_reference(a: np.ndarray, m: int, t: int, rounding: str) -> np.ndarray:
    """SINGLE / SINGLE_EVEN of every ``a`` in int64 (``|a * m| < 2**62``), before clamping."""
    p = a * m
    floor = p >> t
    rem = p - (floor << t)
    half = 1 << (t - 1)
    up = rem > half
    tie = rem == half
    return floor + (up | (tie & ((floor & 1 == 1) if rounding == "single_even" else True)))


def near_tie_multiplier(t: int) -> tuple:
    """An odd multiplier ``m`` in ``[2**30, 2**31)`` and the smallest ``a`` with ``a * m``
    one unit from a tie (``2**(t - 1) +- 1`` modulo ``2**t``): the float path's worst case."""
    for a in range(3, 1 << 21, 2):
        for d in (1, -1):
            m = ((1 << (t - 1)) + d) * pow(a, -1, 1 << t) % (1 << t)
            if (1 << 30) <= m < (1 << 31):
                return m, a
    raise AssertionError("no near-tie multiplier")


@pytest.mark.parametrize("rounding", ["single", "single_even"])
@pytest.mark.parametrize("t,out_type,zero_point,float_path", [
    (38, I8, -128, True),         # CNV-like
    (45, I8, -128, True),         # 53 - ceil(log2(256)): the last t the proof admits
    (46, I8, -128, False),        # one past it: int64 path
    (44, U8, 0, True),
    (37, I16, 0, True),           # L + 1 = 2**15 + 1: t <= 53 - 16
    (38, I16, 0, False),
])
def test_requantizer_sweeps_every_accumulator(rounding, t, out_type, zero_point, float_path):
    m, a_tie = near_tie_multiplier(t)
    a_max = 1 << 21
    assert a_tie < a_max
    q = Requantizer(acc_range=(-a_max, a_max), multiplier=[m, m - 2], shift=[31 - t, 31 - t],
                    rounding=rounding, zero_point=zero_point, out_min=out_type.qmin,
                    out_max=out_type.qmax)
    a = np.arange(-a_max, a_max + 1, dtype=np.int64)
    acc = np.stack([a, a[::-1]], axis=1)
    want = np.stack([sweep_reference(a, m, t, rounding),
                     sweep_reference(a[::-1], m - 2, t, rounding)], axis=1)
    want = np.clip(want + zero_point, out_type.qmin, out_type.qmax)
    out = np.empty(acc.shape, dtype=code_dtype(out_type.qmin, out_type.qmax))
    np.testing.assert_array_equal(q(acc.astype(np.float32), out), want)
    # twice the accumulators with exponent 1 (Winograd's sums): the same codes
    np.testing.assert_array_equal(q(2 * acc, np.zeros_like(out), exponent=1), want)
    # The sweep reaches a product one unit from a tie, and outputs on both clamps and between.
    assert np.abs(((a * m) % (1 << t)) - (1 << (t - 1))).min() == 1
    assert ((want > out_type.qmin) & (want < out_type.qmax)).any()
    assert q.exact_in_float is float_path


@pytest.mark.parametrize("rounding", ["single", "single_even"])
def test_requantizer_with_exact_ties_uses_integers(rounding):
    m, t = 1 << 30, 38                      # v2(m) = 30: a * m is a tie for every a = 128 * odd
    q = Requantizer(acc_range=(-5000, 5000), multiplier=m, shift=31 - t, rounding=rounding,
                    zero_point=3, out_min=-128, out_max=127)
    a = np.arange(-5000, 5001, dtype=np.int64)
    want = [min(max(3 + ref_requant(int(v), m, 31 - t, rounding), -128), 127) for v in a]
    np.testing.assert_array_equal(q(a.astype(np.float64), np.empty(a.shape, np.int16)), want)
    assert not q.exact_in_float


def test_requantizer_proves_ties_impossible_from_the_accumulator_range():
    # v2(m) = 10, t = 38: ties need |a| >= 2**27. Below that the float path is proven.
    m, t = 3 << 10 | 1 << 10, 38
    kwargs = dict(multiplier=m, shift=31 - t, rounding="single_even", zero_point=0,
                  out_min=-128, out_max=127)
    assert Requantizer(acc_range=(-(1 << 27) + 1, 1 << 26), **kwargs).exact_in_float
    assert not Requantizer(acc_range=(-(1 << 27), 0), **kwargs).exact_in_float
    assert not Requantizer(acc_range=(0, 1), **{**kwargs, "rounding": "gemmlowp"}).exact_in_float


# -- the integer MVAU -----------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(12))
def test_int_mvau_random_blocks(seed):
    rng = np.random.default_rng(100 + seed)
    in_type = [I8, U8, IntType(4, True), IntType(2, False), I16, IntType(12, False)][seed % 6]
    w_bits = [8, 7, 4, 2, 12, 16][seed % 6]
    w_type = IntType(w_bits, True)
    x_max = max(abs(in_type.qmin), in_type.qmax)
    mh = int(rng.integers(1, 40))
    mw = max(1, min(int(rng.integers(1, 400)), (1 << 30) // (x_max * -w_type.qmin)))
    weights = rng.integers(w_type.qmin, w_type.qmax + 1, (mh, mw))
    rounding = ["single_even", "single", "gemmlowp"][seed % 3]
    bound = int(np.abs(weights).sum(axis=1).max()) * x_max
    shift = rng.integers(-20, -3, mh) if rounding != "gemmlowp" or bound < 1 << 28 else \
        rng.integers(-20, 1, mh)
    out_type = [I8, U8, I16][seed % 3]
    zp = int(rng.integers(out_type.qmin, out_type.qmax + 1))
    p = mvau(weights, bias=rng.integers(-(1 << 20), 1 << 20, mh), in_type=in_type,
             w_type=w_type, out_type=out_type, rounding=rounding, zero_point=zp,
             lo=max(zp, out_type.qmin) if seed % 2 else None, shift=shift, rng=rng)
    x = np.concatenate([extreme_inputs(weights, in_type),
                        rng.integers(in_type.qmin, in_type.qmax + 1, (30, mw))])
    got = int_mvau(x, p)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, ref_mvau(x, p))


@pytest.mark.parametrize("extra", [0, 1])
def test_int_mvau_accumulator_at_the_float32_limit(extra):
    # |bias| + X * sum |w| = 2**24 (+ 1), and inputs of -128 make the accumulator reach it
    # (the identity requantization outputs the accumulator itself).
    x_max, mw = 128, 512
    per = (F32_LIMIT - (1 << 20)) // (x_max * mw)
    used = per * x_max * mw
    rest = F32_LIMIT + extra - used
    weights = np.stack([np.full(mw, per), np.full(mw, -per)])
    p = identity(weights, bias=np.array([-rest, rest]), in_type=I8, w_type=I16)
    x = np.concatenate([np.full((1, mw), -128), np.full((1, mw), 127),
                        np.random.default_rng(extra).integers(-128, 128, (6, mw))])
    got = int_mvau(x, p)
    np.testing.assert_array_equal(got, ref_mvau(x, p))
    assert got[0].tolist() == [-(F32_LIMIT + extra), F32_LIMIT + extra]
    product = ExactProduct.plan(p.weights, x_max, bias=p.acc_bias)
    assert product.dtype == np.float32 and len(product.parts) == 1 + extra


@pytest.mark.parametrize("seed", range(3))
def test_int_mvau_int32_accumulators_near_the_limit(seed):
    # 16-bit weights and inputs, large MW: float32 impossible, float64 needed, accumulators
    # within 2**26 of the int32 limit (above 2**31 - 2**26).
    rng = np.random.default_rng(seed)
    mw = 2048
    weights = rng.integers(-(1 << 15), 1 << 15, (3, mw))
    x_max = 1 << 15
    target = (1 << 31) - (1 << 10)
    scale = ((target - (1 << 9)) // x_max, int(np.abs(weights).sum(axis=1).max()))
    weights = np.sign(weights) * (np.abs(weights) * scale[0] // scale[1])
    bias = rng.integers(-(1 << 8), 1 << 8, 3)
    p = identity(weights, bias=bias, in_type=I16, w_type=I16)
    assert p.acc_range[1] <= (1 << 31) - 1
    product = ExactProduct.plan(p.weights, x_max, bias=p.acc_bias)
    assert product.dtype == np.float64
    x = np.concatenate([np.where(weights >= 0, x_max - 1, -x_max),
                        rng.integers(-x_max, x_max, (5, mw))])
    got = int_mvau(x, p)
    np.testing.assert_array_equal(got, ref_mvau(x, p))
    assert got.max() > (1 << 31) - (1 << 26)


# -- convolutions, pools, depthwise through the pipeline ------------------------------------

CONVS = [
    # h, w, c, mh, k, s, pads, weight bits; how the fast model forms the accumulators
    ((12, 12, 16, 8, 3, 1, (0, 0, 0, 0), 8), "kernel rows"),
    ((14, 11, 24, 5, 3, 1, (1, 1, 1, 1), 8), "kernel rows"),
    ((40, 40, 32, 16, 3, 1, (1, 1, 1, 1), 6), "kernel rows"),   # several bands per image
    ((9, 7, 3, 4, 3, 2, (1, 0, 1, 1), 8), "im2col float32"),
    ((5, 5, 32, 6, 3, 1, (0, 0, 0, 0), 8), "im2col float32"),  # rows would recompute 5/3
    ((6, 6, 24, 7, 1, 1, (0, 0, 0, 0), 8), "im2col float32"),
    ((8, 8, 16, 3, 2, 2, (0, 0, 0, 0), 8), "im2col float32"),
    ((10, 10, 64, 4, 3, 1, (1, 1, 1, 1), 12), "im2col float64"),  # wide weights
    ((6, 6, 200, 3, 3, 1, (0, 0, 0, 0), 8), "im2col float32 parts"),
]


def conv_blocks(case, rng, rounding="single_even"):
    h, w, c, mh, k, s, pads, wb = case
    win = window(h, w, c, k, s, pads, pad_value=int(rng.integers(-128, 128)))
    w_type = IntType(wb, True)
    weights = rng.integers(w_type.qmin, w_type.qmax + 1, (mh, k * k * c))
    weights[0] = np.where(rng.random(k * k * c) < 0.5, w_type.qmin, w_type.qmax)
    fc = mvau(weights, bias=rng.integers(-(1 << 16), 1 << 16, mh), w_type=w_type,
              spatial=(win.out_height, win.out_width), rounding=rounding, zero_point=-128,
              lo=-128, rng=rng, shift=rng.integers(-22 if wb > 8 else -14, -8, mh))
    return win, fc


@pytest.mark.parametrize("case,path", CONVS)
def test_conv_pipeline(case, path):
    rng = np.random.default_rng(sum(case[:6]))
    win, fc = conv_blocks(case, rng)
    product = ExactProduct.plan(fc.weights, 128, bias=fc.acc_bias)
    x = rng.integers(-128, 128, (3, win.height, win.width, win.channels))
    x[0] = np.where(rng.random(x[0].shape) < 0.5, -128, 127)
    patches = ref_patches(x, win)
    want = ref_mvau(patches, fc)
    got, intermediate = run_pipeline([win, fc], x, keep_intermediate=True)
    assert got.dtype == np.int64 and intermediate[0].dtype == np.int64
    np.testing.assert_array_equal(intermediate[0], patches)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(int_mvau(sliding_window(x, win), fc), want)
    rows = KernelRows.applies(fc, WindowPatches(x, win), product)
    assert path == ("kernel rows" if rows else f"im2col {product.dtype}"
                    + (" parts" if len(product.parts) > 1 else ""))


@pytest.fixture(params=["sgemm", "matmul"])
def kernel_rows_way(request, monkeypatch):
    """Both ways of the kernel-row product: SciPy's accumulating sgemm and numpy's matmul."""
    if request.param == "matmul":
        monkeypatch.setattr(conv_module, "_sgemm", lambda: None)
    elif conv_module._sgemm() is None:
        pytest.fail("SciPy (a dependency of scikit-learn) is missing: no sgemm to test")
    return request.param


def check_kernel_rows_way(fc, way):
    plan = KernelRows(fc, 3)
    assert (plan.sgemm is not None) == (way == "sgemm")


@pytest.mark.parametrize("case", [c for c, path in CONVS if path == "kernel rows"])
def test_kernel_rows_both_ways(case, kernel_rows_way):
    rng = np.random.default_rng(sum(case[:6]) + 1)
    win, fc = conv_blocks(case, rng)
    check_kernel_rows_way(fc, kernel_rows_way)
    x = rng.integers(-128, 128, (4, win.height, win.width, win.channels))
    x[1] = -128
    x[2] = 127
    np.testing.assert_array_equal(run_pipeline([win, fc], x), ref_mvau(ref_patches(x, win), fc))


def test_kernel_rows_with_extreme_weights_and_codes(kernel_rows_way):
    # Whole channels of qmin and of qmax weights and whole images of qmin and of qmax codes:
    # the largest accumulators int8 allows (128 * 128 * 144), still within the float32 bound.
    rng = np.random.default_rng(21)
    win = window(12, 12, 16, 3, 1, (0, 0, 0, 0), pad_value=0)
    weights = rng.integers(-128, 128, (6, 144))
    weights[0], weights[1] = -128, 127
    weights[2] = np.where(np.arange(144) % 2, -128, 127)
    fc = identity(weights, bias=rng.integers(-1000, 1000, 6), in_type=I8, w_type=I8,
                  spatial=(10, 10))
    check_kernel_rows_way(fc, kernel_rows_way)
    x = rng.integers(-128, 128, (5, 12, 12, 16))
    x[0], x[1] = -128, 127
    x[2] = np.where(rng.random((12, 12, 16)) < 0.5, -128, 127)
    got = run_pipeline([win, fc], x)
    np.testing.assert_array_equal(got, ref_mvau(ref_patches(x, win), fc))
    assert got[0, 0, 0, 0] == 128 * 128 * 144 + fc.acc_bias[0]
    assert KernelRows.applies(fc, WindowPatches(x, win), ExactProduct.plan(weights, 128,
                                                                           bias=fc.acc_bias))


@pytest.mark.parametrize("extra", [0, 1])
def test_conv_accumulator_at_the_float32_limit(extra, kernel_rows_way):
    # |bias| + X * sum |w| = 2**24 (+ 1) per channel, and an image of -128 reaches it: at the
    # limit the kernel rows run (exact), one past it (2**24 + 1 is odd, not a float32) the
    # product needs two float32 parts and im2col runs, still exact.
    x_max, k_in = 128, 144
    per = (F32_LIMIT - (1 << 20)) // (x_max * k_in)
    rest = F32_LIMIT + extra - per * x_max * k_in
    weights = np.stack([np.full(k_in, per), np.full(k_in, -per), np.full(k_in, per // 3)])
    win = window(10, 10, 16, 3, 1, (0, 0, 0, 0), pad_value=0)
    fc = identity(weights, bias=np.array([-rest, rest, 5]), in_type=I8, w_type=I16,
                  spatial=(8, 8))
    x = np.random.default_rng(extra).integers(-128, 128, (4, 10, 10, 16))
    x[0] = -128
    got = run_pipeline([win, fc], x)
    np.testing.assert_array_equal(got, ref_mvau(ref_patches(x, win), fc))
    assert got[0, 0, 0, :2].tolist() == [-(F32_LIMIT + extra), F32_LIMIT + extra]
    product = ExactProduct.plan(weights, x_max, bias=fc.acc_bias)
    assert KernelRows.applies(fc, WindowPatches(x, win), product) is (extra == 0)
    assert product.dtype == np.float32 and len(product.parts) == 1 + extra


def ref_winograd_bound(weights, bias, in_type) -> int:
    """The Winograd rows' float32 bound from its definition, with Python ints: per channel,
    2|b| + the bounds of M1, M2, M3 (even rows) or of M2, M3, M4 (odd rows)."""
    lo, hi = in_type.qmin, in_type.qmax
    worst = 0
    for row, b in zip(weights.tolist(), np.asarray(bias).tolist(), strict=True):
        c3 = len(row) // 3
        w0, w1, w2 = row[:c3], row[c3:2 * c3], row[2 * c3:]
        m1 = (hi - lo) * sum(abs(2 * a) for a in w0)
        m2 = 2 * max(-lo, hi) * sum(abs(a + b_ + c) for a, b_, c in zip(w0, w1, w2, strict=True))
        m3 = (hi - lo) * sum(abs(a - b_ + c) for a, b_, c in zip(w0, w1, w2, strict=True))
        m4 = (hi - lo) * sum(abs(2 * c) for c in w2)
        worst = max(worst, 2 * abs(b) + m1 + m2 + m3, 2 * abs(b) + m2 + m3 + m4)
    return worst


WINOGRAD_CONVS = [
    # h, w, c, mh, k, s, pads, weight bits
    (10, 10, 16, 128, 3, 1, (0, 0, 0, 0), 8),      # even rows: 4 pairs
    (11, 9, 16, 130, 3, 1, (0, 0, 0, 0), 8),       # odd rows: the last pair has one row
    (9, 12, 24, 128, 3, 1, (1, 1, 1, 1), 7),       # padded, odd rows
]


@pytest.mark.parametrize("rounding", ["single_even", "gemmlowp"])
@pytest.mark.parametrize("case", WINOGRAD_CONVS)
def test_winograd_rows(case, rounding):
    rng = np.random.default_rng(sum(case[:6]))
    win, fc = conv_blocks(case, rng, rounding=rounding)
    n = 1 if case[0] > 40 else 4
    x = rng.integers(-128, 128, (n, win.height, win.width, win.channels))
    x[0, :, :, :case[2] // 2] = -128                       # half the channels at each extreme
    x[0, :, :, case[2] // 2:] = 127
    if n > 1:
        x[1], x[2] = -128, 127
    assert WinogradRows.applies(fc, WindowPatches(x, win))
    np.testing.assert_array_equal(run_pipeline([win, fc], x), ref_mvau(ref_patches(x, win), fc))


@pytest.mark.parametrize("in_type", [U8, IntType(4, False), IntType(3, True)])
def test_winograd_rows_other_input_types(in_type):
    # Unsigned and narrow codes: the differences' bounds come from [qmin, qmax] of the type.
    rng = np.random.default_rng(in_type.bits)
    win = window(9, 10, 16, 3, 1, (1, 1, 1, 1), pad_value=in_type.qmin, element=in_type)
    weights = rng.integers(-128, 128, (128, 144))
    fc = mvau(weights, bias=rng.integers(-5000, 5000, 128), in_type=in_type,
              spatial=(9, 10), zero_point=-128, lo=-128, rng=rng,
              shift=rng.integers(-12, -6, 128))
    x = rng.integers(in_type.qmin, in_type.qmax + 1, (3, 9, 10, 16))
    x[0], x[1] = in_type.qmin, in_type.qmax
    assert WinogradRows.applies(fc, WindowPatches(x, win))
    np.testing.assert_array_equal(run_pipeline([win, fc], x), ref_mvau(ref_patches(x, win), fc))


def test_winograd_rows_in_several_bands_per_image():
    # An image too large for one band: pairs of rows split across bands (the identity
    # requantization outputs the accumulators, compared with an int64 product).
    rng = np.random.default_rng(23)
    win = window(81, 80, 16, 3, 1, (1, 1, 1, 1), pad_value=-7)
    weights = rng.integers(-64, 65, (128, 144))
    fc = identity(weights, bias=rng.integers(-(1 << 16), 1 << 16, 128), in_type=I8,
                  w_type=I8, spatial=(81, 80))
    x = rng.integers(-128, 128, (2, 81, 80, 16))
    x[1, :40] = -128
    patches = WindowPatches(x, win)
    assert WinogradRows.applies(fc, patches)
    plan = WinogradRows(fc)
    assert (2 * ((81 + 1) // 2) + 2) * 80 > plan.band_rows(3 * 16)   # more than one band
    want = ref_patches(x, win) @ weights.T + fc.acc_bias
    np.testing.assert_array_equal(run_pipeline([win, fc], x), want)


def test_winograd_rows_with_extreme_weights_and_codes():
    # qmin and qmax weights over whole channels (and alternating) under images of qmin codes,
    # of qmax codes and of both: the largest sums int8 allows, all within the float32 bound.
    rng = np.random.default_rng(22)
    win = window(12, 12, 16, 3, 1, (0, 0, 0, 0), pad_value=0)
    weights = rng.integers(-128, 128, (128, 144))
    weights[0], weights[1] = -128, 127
    weights[2] = np.where(np.arange(144) % 2, -128, 127)
    weights[3] = np.where(np.arange(144) < 48, -128, 127)  # kernel row 0 against rows 1, 2
    fc = identity(weights, bias=rng.integers(-1000, 1000, 128), in_type=I8, w_type=I8,
                  spatial=(10, 10))
    x = rng.integers(-128, 128, (5, 12, 12, 16))
    x[0], x[1] = -128, 127
    x[2] = np.where(rng.random((12, 12, 16)) < 0.5, -128, 127)
    x[3] = np.where(np.arange(12)[:, None, None] % 2, -128, 127)   # alternating rows
    assert WinogradRows.applies(fc, WindowPatches(x, win))
    got = run_pipeline([win, fc], x)
    np.testing.assert_array_equal(got, ref_mvau(ref_patches(x, win), fc))
    assert got[0, 0, 0, 0] == 128 * 128 * 144 + fc.acc_bias[0]


@pytest.mark.parametrize("extra", [0, 1])
def test_winograd_bound_at_the_float32_limit(extra):
    # The bound (recomputed here from its definition) equal to 2**24 admits the Winograd rows;
    # one more and the block falls back to plain kernel rows (whose bound is smaller), exact.
    rng = np.random.default_rng(9)
    win = window(10, 10, 16, 3, 1, (0, 0, 0, 0), pad_value=0)
    weights = rng.integers(-128, 128, (128, 144))
    zero = np.zeros(1, dtype=np.int64)
    per_channel = [ref_winograd_bound(row[None], zero, I8) for row in weights]
    top = int(np.argmax(per_channel))
    gap = F32_LIMIT - per_channel[top]
    assert 0 < gap and gap % 2 == 0
    bias = np.zeros(128, dtype=np.int64)
    bias[top] = gap // 2 + extra                         # 2|b| closes the gap (and one more)
    assert ref_winograd_bound(weights, bias, I8) == F32_LIMIT + 2 * extra
    fc = identity(weights, bias=bias, in_type=I8, w_type=I8, spatial=(8, 8))
    x = rng.integers(-128, 128, (3, 10, 10, 16))
    x[0] = np.where(weights[top].reshape(3, 3, 16)[0, 0] >= 0, 127, -128)
    patches = WindowPatches(x, win)
    assert WinogradRows.applies(fc, patches) is (extra == 0)
    product = ExactProduct.plan(weights, 128, bias=bias)
    assert KernelRows.applies(fc, patches, product) or extra == 0
    np.testing.assert_array_equal(run_pipeline([win, fc], x), ref_mvau(ref_patches(x, win), fc))


@pytest.mark.parametrize("op,case", [
    ("max", (8, 8, 5, 2, 2, (0, 0, 0, 0))),
    ("max", (7, 9, 3, 3, 2, (1, 1, 1, 1))),
    ("max", (9, 8, 4, 3, 1, (1, 1, 1, 1))),        # overlapping windows
    ("max", (7, 7, 4, 3, 3, (0, 0, 0, 0))),        # input rows and columns no window reads
    ("avg", (8, 8, 4, 2, 2, (0, 0, 0, 0))),
    ("avg", (6, 6, 6, 3, 1, (1, 1, 1, 1))),
])
def test_window_reduce_pipeline(op, case):
    rng = np.random.default_rng(7)
    h, w, c, k, s, pads = case
    win = window(h, w, c, k, s, pads, pad_value=-128)
    spatial = (win.out_height, win.out_width)
    if op == "max":
        pool = WindowReduceParams(name="pool", positions=k * k, channels=c, spatial=spatial,
                                  op="max", input_type=I8, output_type=I8, lanes=1)
    else:
        pool = WindowReduceParams(name="pool", positions=k * k, channels=c, spatial=spatial,
                                  op="avg", input_type=I8, output_type=I8, lanes=1,
                                  in_zero_point=-7, multiplier=(1 << 30) + 12345, shift=-2,
                                  rounding="single_even", out_zero_point=4, out_min=-128,
                                  out_max=127)
    x = rng.integers(-128, 128, (4, h, w, c))
    windows = ref_patches(x, win).reshape(4, *spatial, k * k, c)
    if op == "max":
        want = windows.max(axis=-2)
    else:
        acc = windows.sum(axis=-2) - k * k * (-7)
        want = ref_output(acc, pool.multiplier, pool.shift, "single_even", 4, -128, 127)
    np.testing.assert_array_equal(run_pipeline([win, pool], x), want.reshape(4, *spatial, c))
    np.testing.assert_array_equal(window_reduce(sliding_window(x, win), pool),
                                  want.reshape(4, *spatial, c))


@pytest.mark.parametrize("rounding", ["single", "gemmlowp"])
def test_depthwise_pipeline(rounding):
    rng = np.random.default_rng(11)
    h, w, c, k = 9, 8, 6, 3
    win = window(h, w, c, k, 1, (1, 1, 1, 1), pad_value=-5)
    spatial = (win.out_height, win.out_width)
    weights = rng.integers(-128, 128, (c, k * k))
    dw = DepthwiseParams(name="dw", weights=weights, weight_type=I8, input_type=I8,
                         output_type=I8, acc_bias=rng.integers(-5000, 5000, c),
                         multiplier=rng.integers(1 << 30, 1 << 31, c),
                         shift=rng.integers(-10, -4, c), rounding=rounding,
                         out_zero_point=2, out_min=-128, out_max=127, pe=1, spatial=spatial)
    x = rng.integers(-128, 128, (3, h, w, c))
    windows = ref_patches(x, win).reshape(3, *spatial, k * k, c)
    acc = (windows * weights.T).sum(axis=-2) + dw.acc_bias
    want = ref_output(acc, dw.multiplier, dw.shift, rounding, 2, -128, 127)
    np.testing.assert_array_equal(run_pipeline([win, dw], x), want)
    np.testing.assert_array_equal(depthwise(sliding_window(x, win), dw), want)


def test_pipeline_of_conv_pool_dense_returns_int64_like_the_blocks_chained():
    rng = np.random.default_rng(3)
    win, fc = conv_blocks((10, 10, 16, 8, 3, 1, (1, 1, 1, 1), 8), rng)
    pool_win = window(10, 10, 8, 2, 2, (0, 0, 0, 0), pad_value=-128)
    pool = WindowReduceParams(name="pool", positions=4, channels=8, spatial=(5, 5), op="max",
                              input_type=I8, output_type=I8, lanes=1)
    dense = mvau(rng.integers(-64, 65, (10, 200)), bias=rng.integers(-999, 999, 10), rng=rng)
    x = rng.integers(-128, 128, (5, 10, 10, 16))
    blocks = [win, fc, pool_win, pool, dense]
    y, parts = run_pipeline(blocks, x, keep_intermediate=True)
    chained = x
    for block, part in zip(blocks, parts, strict=True):
        function = {SlidingWindowParams: sliding_window, IntMvauParams: int_mvau,
                    WindowReduceParams: window_reduce}[type(block)]
        chained = function(chained.reshape((len(x),) + tuple(block.input_shape)), block)
        assert part.dtype == np.int64
        np.testing.assert_array_equal(part, chained)
    np.testing.assert_array_equal(y, chained)
    conv = ref_mvau(ref_patches(x, win), fc)
    pooled = ref_patches(conv, pool_win).reshape(5, 5, 5, 4, 8).max(axis=-2)
    np.testing.assert_array_equal(y, ref_mvau(pooled.reshape(5, 200), dense))


def check_empty_batches():
    """A convolution and a dense MVAU over no images give empty int64 outputs of the right
    shapes; returns the MVAU block (the int8 tests also check which path it took)."""
    rng = np.random.default_rng(2)
    win, fc = conv_blocks(CONVS[0][0], rng)
    x = np.zeros((0, win.height, win.width, win.channels), dtype=np.int64)
    y = run_pipeline([win, fc], x)
    assert y.shape == (0, win.out_height, win.out_width, fc.mh) and y.dtype == np.int64
    assert int_mvau(np.zeros((0, fc.mw), dtype=np.int64), fc).shape == (0, fc.mh)
    return fc


def test_empty_batches():
    check_empty_batches()


def test_code_dtype():
    assert code_dtype(-128, 127) == np.int8
    assert code_dtype(0, 255) == np.uint8
    assert code_dtype(-129, 127) == np.int16
    assert code_dtype(0, 65536) == np.uint32
    assert code_dtype(-1, 1 << 40) == np.int64
    with pytest.raises(OverflowError):
        code_dtype(0, 1 << 64)
