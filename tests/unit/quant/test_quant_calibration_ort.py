"""Calibrated ranges against onnxruntime's calibrators on the same float32 data.

Tolerances and why:

* minmax: exact. Minimum and maximum are order statistics; no arithmetic is involved.
* mean_minmax / ema: relative 1e-6. onnxruntime averages the float32 per-batch extremes in
  float32; hwgen in float64.
* percentile: two histogram bins. onnxruntime reads the percentile off a 2048-bin histogram
  (the left edge of the bin where its float32 cumulative sum reaches p, or the next edge when
  that sum rounds just below p); hwgen computes the exact percentile, interpolating between the
  two order statistics around it, which may lie in the next bin.
* entropy: exact. Same histogram (float32 binning), same candidate windows and expansion rules,
  KL divergence evaluated in float32 as onnxruntime does.
"""

from __future__ import annotations

import numpy as np
import pytest

from hwgen.quant import calibrate

pytest.importorskip("onnxruntime")


def _datasets():
    rng = np.random.default_rng(42)
    n = 40000
    return {
        "laplace": rng.laplace(0, 1, n),
        "relu": np.maximum(rng.normal(0, 1, n), 0),
        "shifted_normal": rng.normal(1, 3, n),
        "student_t": rng.standard_t(3, n),
    }


DATA = {k: v.astype(np.float32).reshape(1, -1) for k, v in _datasets().items()}


@pytest.mark.parametrize("name", sorted(DATA))
def test_minmax_is_exact(ort_calibrate, name):
    x = DATA[name]
    batches = list(x.reshape(4, 1, -1))
    r = calibrate(x, "minmax")
    assert ort_calibrate([batches], "MinMax") == (r.rmin, r.rmax)


def test_minmax_symmetric_is_exact(ort_calibrate):
    x = DATA["shifted_normal"]
    lo, hi = ort_calibrate([[x]], "MinMax", symmetric=True)
    r = calibrate(x, "minmax", symmetric=True)
    assert (r.rmin, r.rmax) == (lo, hi)


def test_mean_minmax_equals_moving_average_over_one_pass(ort_calibrate):
    # onnxruntime's MinMax(moving_average=True) averages the per-batch extremes of one
    # collect_data pass: hwgen's "mean_minmax" with axis 0 indexing the batches
    batches = DATA["laplace"].reshape(8, 1, -1)
    lo, hi = ort_calibrate([list(batches)], "MinMax", moving_average=True)
    r = calibrate(batches, "mean_minmax")
    assert r.rmin == pytest.approx(lo, rel=1e-6) and r.rmax == pytest.approx(hi, rel=1e-6)


def test_ema_equals_moving_average_across_passes(ort_calibrate):
    # one batch per collect_data pass: onnxruntime updates old + c (new - old), the EMA
    batches = DATA["student_t"].reshape(8, 1, -1)
    lo, hi = ort_calibrate([[b] for b in batches], "MinMax", moving_average=True,
                           averaging_constant=0.3)
    r = calibrate(batches, "ema", alpha=0.3)
    assert r.rmin == pytest.approx(lo, rel=1e-6) and r.rmax == pytest.approx(hi, rel=1e-6)


@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize("percentile", [99.0, 99.99])
def test_percentile_symmetric_within_two_bins(ort_calibrate, name, percentile):
    x = DATA[name]
    lo, hi = ort_calibrate([[x]], "Percentile", symmetric=True, percentile=percentile,
                           num_bins=2048)
    r = calibrate(x, "percentile", percentile=percentile, symmetric=True)
    a = np.abs(x.astype(np.float64))
    bin_width = (a.max() - a.min()) / 2048
    assert abs(r.rmax - max(abs(lo), abs(hi))) <= 2 * bin_width


@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize("percentile", [99.0, 99.9])
def test_percentile_asymmetric_within_two_bins(ort_calibrate, name, percentile):
    x = DATA[name]
    lo, hi = ort_calibrate([[x]], "Percentile", symmetric=False, percentile=percentile,
                           num_bins=2048)
    r = calibrate(x, "percentile", percentile=percentile, symmetric=False)
    bin_width = 2 * np.abs(x.astype(np.float64)).max() / 2048
    assert abs(r.rmin - lo) <= 2 * bin_width and abs(r.rmax - hi) <= 2 * bin_width


# onnxruntime's threshold search is a Python loop (seconds at 2048 bins), so the sweep over data
# sets uses smaller histograms; the 2048-bin default is checked once below.
@pytest.mark.parametrize("name", sorted(DATA))
@pytest.mark.parametrize("num_bins, num_quantized_bins", [(1024, 64), (512, 16)])
def test_entropy_is_exact(ort_calibrate, name, num_bins, num_quantized_bins):
    x = DATA[name]
    lo, hi = ort_calibrate([[x]], "Entropy", num_bins=num_bins,
                           num_quantized_bins=num_quantized_bins)
    r = calibrate(x, "entropy", num_bins=num_bins, num_quantized_bins=num_quantized_bins)
    assert (r.rmin, r.rmax) == (lo, hi)


def test_entropy_with_one_candidate_is_the_full_range(ort_calibrate):
    x = DATA["relu"]
    lo, hi = ort_calibrate([[x]], "Entropy", num_bins=128, num_quantized_bins=128)
    r = calibrate(x, "entropy", num_bins=128, num_quantized_bins=128)
    assert (r.rmin, r.rmax) == (lo, hi) == (float(x.min()), float(x.max()))


def test_entropy_default_is_tensorrt_levels(ort_calibrate):
    # default num_quantized_bins = 2**bits over the signed histogram = 2**(bits-1) levels per
    # side of 0, TensorRT's rule (128 per side at 8 bits; 7 bits here to keep onnxruntime fast)
    x = DATA["laplace"]
    lo, hi = ort_calibrate([[x]], "Entropy", num_bins=1024, num_quantized_bins=128)
    r = calibrate(x, "entropy", bits=7, num_bins=1024)
    assert r.options["num_quantized_bins"] == 128
    assert (r.rmin, r.rmax) == (lo, hi)
