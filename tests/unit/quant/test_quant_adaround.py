"""AdaRound: never worse than round to nearest on the calibration data; dense and conv."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hwgen.errors import QuantizationError
from hwgen.quant import adaround, adaround_conv


def _nearest_codes(w, bits):
    # written independently: symmetric signed per-row grid S = 2 |w|max / (2**N - 1), saturating
    s = 2 * np.abs(w).max(axis=1, keepdims=True) / (2**bits - 1)
    s = np.where(s > 0, s, 1.0)
    return np.clip(np.rint(w / s), -(2 ** (bits - 1)), 2 ** (bits - 1) - 1), s


def _output_error(w, w_hat, x):
    return float(np.sum((x @ (w_hat - w).T) ** 2) / x.shape[0])


@st.composite
def layers(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    out, inn, n = draw(st.integers(1, 6)), draw(st.integers(1, 8)), draw(st.integers(1, 24))
    rng = np.random.default_rng(seed)
    w = rng.normal(size=(out, inn)) * rng.uniform(0.01, 10)
    x = rng.normal(size=(n, inn)) @ rng.normal(size=(inn, inn))
    return w, x


@settings(max_examples=40, deadline=None)
@given(layers(), st.integers(2, 4))
def test_never_worse_than_round_to_nearest(layer, bits):
    w, x = layer
    r = adaround(w, x, bits, iterations=60, check_every=20)
    codes, s = _nearest_codes(w, bits)
    nearest_err = _output_error(w, codes * s, x)
    err = _output_error(w, r.dequantize(), x)
    assert err <= nearest_err * (1 + 1e-9) + 1e-12
    assert r.nearest_output_error == pytest.approx(nearest_err, rel=1e-9, abs=1e-12)
    assert r.output_error == pytest.approx(err, rel=1e-9, abs=1e-12)
    # every code is the floor or the ceiling of W / S (or saturated)
    ratio = w / s
    c = r.codes
    saturated = (c == -(2 ** (bits - 1))) | (c == 2 ** (bits - 1) - 1)
    assert np.all((c == np.floor(ratio)) | (c == np.ceil(ratio)) | saturated)
    assert r.flipped == int(np.count_nonzero(c != codes))


def test_improves_clearly_on_a_correlated_layer():
    # measured: AdaRound halves the output error here; require a 20 % gain
    rng = np.random.default_rng(0)
    w = rng.normal(size=(16, 32))
    x = rng.normal(size=(256, 32)) @ rng.normal(size=(32, 32))
    r = adaround(w, x, 3)
    codes, s = _nearest_codes(w, 3)
    assert _output_error(w, r.dequantize(), x) < 0.8 * _output_error(w, codes * s, x)
    assert r.flipped > 0 and r.quantized.granularity == "channel"
    np.testing.assert_array_equal(r.quantized.scale, r.nearest.scale)


def _conv(x, w, pad):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - kh + 1, wd + 2 * pad - kw + 1
    y = np.zeros((n, o, oh, ow))
    for i in range(oh):
        for j in range(ow):
            y[:, :, i, j] = np.einsum("nchw,ochw->no", xp[:, :, i:i + kh, j:j + kw], w)
    return y


def test_convolution_through_im2col():
    rng = np.random.default_rng(3)
    w = rng.normal(size=(6, 3, 3, 3))
    x = rng.normal(size=(4, 3, 7, 7))
    r = adaround_conv(w, x, 3, padding=1, iterations=300)
    assert r.codes.shape == w.shape and r.quantized.scale.shape == (6, 1, 1, 1)
    codes, s = _nearest_codes(w.reshape(6, -1), 3)
    y = _conv(x, w, 1)
    err_ada = np.sum((_conv(x, r.dequantize(), 1) - y) ** 2)
    err_near = np.sum((_conv(x, (codes * s).reshape(w.shape), 1) - y) ** 2)
    assert err_ada < err_near
    # the reported error is the im2col output error per output pixel
    assert r.output_error == pytest.approx(err_ada / (4 * 7 * 7), rel=1e-9)


@pytest.mark.parametrize(
    "w, x, kwargs, match",
    [
        (np.ones((2, 3, 1, 1)), np.ones((4, 3)), {}, r"w must be a dense weight W\[out, in\]"),
        (np.ones((2, 3)), np.ones((4, 2)), {}, r"x must have shape \(n, 3\)"),
        (np.ones((2, 3)), np.ones((4, 3)), {"beta": (2, 20)}, "beta must anneal downwards"),
        (np.ones((2, 3)), np.ones((4, 3)), {"warmup": 1.0}, "warmup must be < 1.0"),
        (np.ones((2, 3)), np.ones((4, 3)), {"lr": 0.0}, "lr must be > 0.0"),
        (np.ones((2, 3)), np.ones((4, 3)), {"iterations": 0},
         "iterations must be a positive integer"),
        (np.ones((2, 3)), np.full((4, 3), np.nan), {}, "x contains 12 NaN"),
        (np.ones((2, 3)), np.ones((4, 3)), {"bits": 0}, "bits must be an integer from 1 to 16"),
    ],
)
def test_bad_arguments(w, x, kwargs, match):
    args = {"bits": 4, **kwargs}
    bits = args.pop("bits")
    with pytest.raises(QuantizationError, match=match):
        adaround(w, x, bits, **args)


def test_conv_bad_arguments():
    with pytest.raises(QuantizationError, match="granularity 'tensor' or 'channel'"):
        adaround_conv(np.ones((2, 1, 3, 3)), np.ones((1, 1, 5, 5)), 4, granularity="group:3")
    with pytest.raises(QuantizationError, match=r"x must have shape \(N, 1, H, W\)"):
        adaround_conv(np.ones((2, 1, 3, 3)), np.ones((1, 2, 5, 5)), 4)
