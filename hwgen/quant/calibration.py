"""Activation range calibration: choose ``[rmin, rmax]`` from calibration data.

``samples`` is an array whose axis 0 indexes calibration samples (or batches, in the order they
were run); the other axes hold one sample's activations. ``"mean_minmax"`` and ``"ema"`` reduce
each sample separately and need at least 2 dimensions; every other method pools all values.

Methods (:data:`CALIBRATION_METHODS`) and their options (defaults in brackets):

``"minmax"``
    Global ``min`` / ``max`` (onnxruntime MinMax).
``"mean_minmax"``
    Mean over samples of the per-sample min and max (Jacob et al. 2018; onnxruntime MinMax with
    ``moving_average=True`` over one collection pass).
``"ema"``
    ``alpha`` [0.01]: exponential moving average over samples in order,
    ``r(0) = r_0``, ``r(t) = alpha r_t + (1 - alpha) r(t-1)`` for min and max (onnxruntime's
    ``averaging_constant`` across collection passes).
``"percentile"``
    ``percentile`` [99.999]: symmetric -> ``+-P(|x|, p)``; asymmetric -> ``P(x, (100-p)/2)`` and
    ``P(x, 100 - (100-p)/2)``. Exact percentiles (numpy, linear interpolation); onnxruntime reads
    them off a 2048-bin histogram (left bin edges).
``"mse"``
    ``num_candidates`` [64]: brute-force search of the range fraction minimizing the MSE of the
    actual quantizer (:func:`hwgen.quant.clipping.mse_search`).
``"laplace"`` / ``"gaussian"``
    Banner et al.'s closed forms ``|r|max = k(bits) * b`` / ``k(bits) * sigma`` around the mean,
    ``b = mean |x - mean x|`` (ACIQ's estimate), ``sigma`` the standard deviation; the range is
    cut to the data's ``[min, max]`` (:mod:`hwgen.quant.clipping`).
``"entropy"``
    ``num_bins`` [2048], ``num_quantized_bins`` [``2**bits``, TensorRT's ``2**(bits-1)`` levels per
    side of 0]: minimum KL divergence (:mod:`hwgen.quant.entropy`).

``symmetric=True`` returns ``[-a, a]`` with ``a = max(|rmin|, |rmax|)`` of the method's range.
``bits`` and ``signed`` describe the quantizer the range is for (used by mse, laplace, gaussian
and entropy). Empty data, NaN/Inf and constant data raise :class:`QuantizationError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np

from hwgen.errors import QuantizationError
from hwgen.quant._validate import (
    as_finite_array,
    check_bits,
    check_bool,
    check_choice,
    check_options,
    check_positive_int,
    check_real,
)
from hwgen.quant.affine import scale_zero_point
from hwgen.quant.clipping import gaussian_clip_ratio, laplace_clip_ratio, mse_search
from hwgen.quant.entropy import entropy_range

#: Method names accepted by :func:`calibrate` (the compiler's config uses the same names).
CALIBRATION_METHODS = (
    "minmax", "mean_minmax", "ema", "percentile", "mse", "laplace", "gaussian", "entropy"
)

_DEFAULTS = {
    "minmax": {},
    "mean_minmax": {},
    "ema": {"alpha": 0.01},
    "percentile": {"percentile": 99.999},
    "mse": {"num_candidates": 64},
    "laplace": {},
    "gaussian": {},
    "entropy": {"num_bins": 2048, "num_quantized_bins": None},
}


@dataclass(frozen=True)
class CalibrationRange:
    """A calibrated range ``[rmin, rmax]`` and how it was obtained.

    ``options`` holds every option of the method as used (defaults filled in); ``details`` the
    statistics the method estimated (e.g. Laplace ``b``, the minimum KL), for reports only.
    """

    rmin: float
    rmax: float
    method: str
    bits: int
    signed: bool
    symmetric: bool
    options: Mapping = field(default_factory=dict, hash=False)
    details: Mapping = field(default_factory=dict, hash=False, compare=False)

    def scale_zero_point(self, *, narrow_range: bool = False):
        """Scale and zero point of this range for the quantizer it was calibrated for."""
        return scale_zero_point(
            self.rmin, self.rmax, bits=self.bits, signed=self.signed, symmetric=self.symmetric,
            narrow_range=narrow_range,
        )


def _check_method_options(method: str, options: dict, bits: int) -> dict:
    check_options(method, options, _DEFAULTS[method])
    opts = {**_DEFAULTS[method], **options}
    if method == "ema":
        opts["alpha"] = check_real(opts["alpha"], name="alpha", low=0.0, high=1.0, low_open=True)
    elif method == "percentile":
        opts["percentile"] = check_real(opts["percentile"], name="percentile", low=0.0,
                                        high=100.0, low_open=True)
    elif method == "mse":
        opts["num_candidates"] = check_positive_int(opts["num_candidates"], name="num_candidates")
    elif method == "entropy":
        opts["num_bins"] = check_positive_int(opts["num_bins"], name="num_bins")
        if opts["num_quantized_bins"] is None:
            opts["num_quantized_bins"] = 2**bits
        nq = check_positive_int(opts["num_quantized_bins"], name="num_quantized_bins")
        if nq < 2 or nq > opts["num_bins"]:
            raise QuantizationError(
                f"num_quantized_bins={nq} must be from 2 to num_bins={opts['num_bins']}; "
                f"pass num_bins >= {max(nq, 2)} (entropy calibration of {bits}-bit codes uses "
                "2**bits quantized bins by default)"
            )
        opts["num_quantized_bins"] = nq
    return opts


def _per_sample(data: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    if data.ndim < 2:
        raise QuantizationError(
            f"method {method!r} reduces each sample separately and needs samples with axis 0 "
            f"indexing samples and at least one more axis; got shape {data.shape}; "
            "reshape to (num_samples, -1)"
        )
    flat = data.reshape(data.shape[0], -1)
    return flat.min(axis=1), flat.max(axis=1)


def _ema(values: np.ndarray, alpha: float) -> float:
    acc = float(values[0])
    for v in values[1:]:
        acc = alpha * float(v) + (1.0 - alpha) * acc
    return acc


def calibrate(samples, method: str = "minmax", *, bits: int = 8, signed: bool = True,
              symmetric: bool = False, **options) -> CalibrationRange:
    """Calibrate the range of an activation tensor from calibration samples.

    Parameters
    ----------
    samples : array_like
        Calibration activations, axis 0 indexing samples or batches (see the module docstring).
    method : str
        One of :data:`CALIBRATION_METHODS`.
    bits, signed, symmetric :
        The quantizer the range is for (bits 1..16).
    **options :
        Method options (see the module docstring); unknown ones are refused.

    Returns
    -------
    CalibrationRange
    """
    check_choice(method, CALIBRATION_METHODS, name="method")
    bits = check_bits(bits)
    signed = check_bool(signed, name="signed")
    symmetric = check_bool(symmetric, name="symmetric")
    opts = _check_method_options(method, options, bits)
    raw = np.asarray(samples)
    data = as_finite_array(raw, name="samples")
    dmin, dmax = float(data.min()), float(data.max())
    if dmin == dmax:
        raise QuantizationError(
            f"samples are constant (every value is {dmin}): there is no range to calibrate; "
            "feed varied calibration data or quantize this tensor as a constant"
        )

    details: dict = {}
    if method == "minmax":
        lo, hi = dmin, dmax
    elif method == "mean_minmax":
        mins, maxs = _per_sample(data, method)
        lo, hi = float(mins.mean()), float(maxs.mean())
    elif method == "ema":
        mins, maxs = _per_sample(data, method)
        lo, hi = _ema(mins, opts["alpha"]), _ema(maxs, opts["alpha"])
    elif method == "percentile":
        p = opts["percentile"]
        if symmetric:
            t = float(np.percentile(np.abs(data), p))
            lo, hi = -t, t
        else:
            cut = (100.0 - p) / 2.0
            lo, hi = (float(v) for v in np.percentile(data, [cut, 100.0 - cut]))
    elif method == "mse":
        if symmetric:
            a = max(abs(dmin), abs(dmax))
            lo0, hi0 = -a, a
        else:
            lo0, hi0 = min(dmin, 0.0), max(dmax, 0.0)
        lo, hi, frac, err = mse_search(
            data, lo0, hi0, bits=bits, signed=signed, symmetric=symmetric,
            num_candidates=opts["num_candidates"],
        )
        details = {"fraction": frac, "mse": err}
    elif method in ("laplace", "gaussian"):
        mu = float(data.mean())
        if method == "laplace":
            spread, ratio = float(np.mean(np.abs(data - mu))), laplace_clip_ratio(bits)
            details = {"location": mu, "b": spread, "clip_ratio": ratio}
        else:
            spread, ratio = float(data.std()), gaussian_clip_ratio(bits)
            details = {"location": mu, "sigma": spread, "clip_ratio": ratio}
        lo, hi = max(dmin, mu - ratio * spread), min(dmax, mu + ratio * spread)
    else:  # entropy
        hist_data = raw if np.issubdtype(raw.dtype, np.floating) else data
        lo, hi, kl = entropy_range(
            hist_data, num_bins=opts["num_bins"], num_quantized_bins=opts["num_quantized_bins"]
        )
        details = {"kl_divergence": kl}

    if symmetric:
        a = max(abs(lo), abs(hi))
        lo, hi = -a, a
    return CalibrationRange(
        rmin=float(lo),
        rmax=float(hi),
        method=method,
        bits=bits,
        signed=signed,
        symmetric=symmetric,
        options=MappingProxyType(dict(opts)),
        details=MappingProxyType(details),
    )

