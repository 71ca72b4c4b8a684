"""AdaRound: learn, per weight, whether to round down or up (Nagel et al., ICML 2020).

For a dense layer ``y = W x`` (``W[out, in]``, calibration inputs ``x[n, in]``, one per row)
with the grid of :func:`hwgen.quant.linear.linear_quantize` (scale ``S``, zero point ``Z``):

    W~(V) = S * (clip(floor(W / S) + Z + h(V), qmin, qmax) - Z)
    h(V)  = clip(sigmoid(V) * (zeta - gamma) + gamma, 0, 1),   zeta = 1.1, gamma = -0.1
    loss  = ||x W~^T - x W^T||_F^2 / E_nearest  +  reg_weight * mean(1 - |2 h(V) - 1|^beta)

``E_nearest`` is the output error of round to nearest, so the first term is dimensionless (1 at
round-to-nearest quality) and ``reg_weight`` does not depend on the data's scale. (The paper's
lambda = 0.01 goes with an unnormalised sum; here ``reg_weight = 10`` did best on random dense
layers at 2 to 8 bits among 0.01 .. 30, and 500 steps were as good as 3000.) ``V`` starts
where ``h(V)`` equals the fractional part of ``W / S`` (``W~ = W``). Adam (``lr``, betas 0.9 /
0.999) runs ``iterations`` steps; the regulariser is off for the first ``warmup`` fraction, then
``beta`` falls linearly from ``beta[0]`` to ``beta[1]`` (the paper's 20 -> 2), pushing ``h`` to
0 or 1. The output error only needs ``G = x^T x / n``, so a step costs ``out * in**2``
whatever the number of samples.

Final codes: ``floor(W / S) + Z + [h(V) >= 0.5]``, clipped. Hard roundings are checked every
``check_every`` steps and at the end; the best one on the calibration data is returned, and
round to nearest is a candidate, so the result's output error is never above nearest's.

Convolutions go through :func:`hwgen.quant.im2col.im2col` (:func:`adaround_conv`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from hwgen.errors import QuantizationError
from hwgen.quant._validate import as_finite_array, check_positive_int, check_real, readonly
from hwgen.quant.im2col import im2col
from hwgen.quant.linear import LinearQuantized, linear_quantize

_ZETA, _GAMMA = 1.1, -0.1


@dataclass(frozen=True, eq=False)
class AdaRoundResult:
    """AdaRound's quantized weights and how they compare with round to nearest.

    Attributes
    ----------
    quantized : LinearQuantized
        Codes chosen by AdaRound, with the same scale and zero point as ``nearest``.
    nearest : LinearQuantized
        Round to nearest on the same grid.
    output_error, nearest_output_error : float
        ``||x W~^T - x W^T||_F^2 / n`` on the calibration data.
    flipped : int
        Codes that differ from round to nearest.
    iterations : int
    """

    quantized: LinearQuantized
    nearest: LinearQuantized
    output_error: float
    nearest_output_error: float
    flipped: int
    iterations: int

    @property
    def codes(self) -> np.ndarray:
        return self.quantized.codes

    def dequantize(self) -> np.ndarray:
        return self.quantized.dequantize()


def _rect_sigmoid(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """h(V) and dh/dV."""
    s = 1.0 / (1.0 + np.exp(-v))
    raw = s * (_ZETA - _GAMMA) + _GAMMA
    inside = (raw > 0.0) & (raw < 1.0)
    return np.clip(raw, 0.0, 1.0), np.where(inside, (_ZETA - _GAMMA) * s * (1.0 - s), 0.0)


def _init_v(frac: np.ndarray) -> np.ndarray:
    """V with h(V) = frac (inverse of the rectified sigmoid; frac in [0, 1))."""
    s = np.clip((frac - _GAMMA) / (_ZETA - _GAMMA), 1e-6, 1.0 - 1e-6)
    return np.log(s / (1.0 - s))


def _output_error(delta: np.ndarray, gram: np.ndarray) -> float:
    """``sum_o delta_o^T G delta_o``: mean squared output error summed over outputs."""
    return float(np.einsum("oi,ij,oj->", delta, gram, delta))


def adaround(w, x, bits: int, *, signed: bool = True, symmetric: bool = True,
             narrow_range: bool = False, granularity: str = "channel", axis: int = 0,
             iterations: int = 500, lr: float = 0.05,
             reg_weight: float = 10.0, beta: tuple[float, float] = (20.0, 2.0), warmup: float = 0.2,
             check_every: int = 50) -> AdaRoundResult:
    """AdaRound the weights of a dense layer ``y = W x`` (see the module docstring).

    Parameters
    ----------
    w : array_like, shape (out, in)
        Weights.
    x : array_like, shape (n, in)
        Calibration inputs, one sample per row.
    bits, signed, symmetric, narrow_range, granularity, axis :
        The quantization grid, as :func:`hwgen.quant.linear.linear_quantize` (default per output
        channel).
    iterations : int
        Adam steps.
    lr : float
        Adam learning rate on V.
    reg_weight : float
        ``lambda`` of the rounding regulariser (>= 0), relative to the normalised output error.
    beta : (float, float)
        Start and end of the annealed regulariser exponent (start >= end >= 1).
    warmup : float
        Fraction of the steps without regulariser, in [0, 1).
    check_every : int
        Steps between checks of the hard rounding.
    """
    wa = as_finite_array(w, name="w")
    xa = as_finite_array(x, name="x")
    if wa.ndim != 2:
        raise QuantizationError(
            f"w must be a dense weight W[out, in], got shape {wa.shape}; "
            "use adaround_conv for convolutions"
        )
    if xa.ndim != 2 or xa.shape[1] != wa.shape[1]:
        raise QuantizationError(
            f"x must have shape (n, {wa.shape[1]}) (one calibration input per row) "
            f"for w of shape {wa.shape}, got {xa.shape}"
        )
    iterations = check_positive_int(iterations, name="iterations")
    check_every = check_positive_int(check_every, name="check_every")
    lr = check_real(lr, name="lr", low=0.0, low_open=True)
    reg_weight = check_real(reg_weight, name="reg_weight", low=0.0)
    warmup = check_real(warmup, name="warmup", low=0.0, high=1.0, high_open=True)
    try:
        b_start, b_end = (check_real(b, name="beta", low=1.0) for b in beta)
    except TypeError:
        raise QuantizationError(f"beta must be a pair (start, end), got {beta!r}") from None
    if b_start < b_end:
        raise QuantizationError(f"beta must anneal downwards (start >= end), got {beta!r}")

    nearest = linear_quantize(wa, bits, signed=signed, symmetric=symmetric,
                              narrow_range=narrow_range, granularity=granularity, axis=axis)
    scale = np.broadcast_to(nearest.scale, wa.shape)
    zp = np.broadcast_to(nearest.zero_point, wa.shape).astype(np.float64)
    qmin, qmax = nearest.qmin, nearest.qmax
    gram = xa.T @ xa / xa.shape[0]

    ratio = wa / scale
    base = np.floor(ratio) + zp  # code if rounded down
    frac = ratio - np.floor(ratio)

    def hard_codes(up: np.ndarray) -> np.ndarray:
        return np.clip(base + up, qmin, qmax)

    def error_of(codes: np.ndarray) -> float:
        return _output_error(scale * (codes - zp) - wa, gram)

    best_codes = nearest.codes.astype(np.float64)
    best_err = nearest_err = error_of(best_codes)
    norm = nearest_err if nearest_err > 0 else 1.0

    v = _init_v(frac)
    m = np.zeros_like(v)
    s2 = np.zeros_like(v)
    warm = int(warmup * iterations)
    n_w = v.size
    for t in range(1, iterations + 1):
        h, dh = _rect_sigmoid(v)
        soft = base + h
        live = (soft >= qmin) & (soft <= qmax)  # clip inactive: gradient flows
        delta = scale * (np.clip(soft, qmin, qmax) - zp) - wa
        grad_w = 2.0 * (delta @ gram) / norm
        grad = grad_w * scale * live * dh
        if t > warm:
            rel = (t - warm) / max(iterations - warm, 1)
            b = b_end + (b_start - b_end) * (1.0 - rel)
            u = 2.0 * h - 1.0
            # d/dh of (1 - |u|^b) = -2 b |u|^(b-1) sign(u)
            grad = grad + reg_weight / n_w * (-2.0 * b * np.abs(u) ** (b - 1.0) * np.sign(u)) * dh
        m = 0.9 * m + 0.1 * grad
        s2 = 0.999 * s2 + 0.001 * grad * grad
        v = v - lr * (m / (1.0 - 0.9**t)) / (np.sqrt(s2 / (1.0 - 0.999**t)) + 1e-8)
        if t % check_every == 0 or t == iterations:
            codes = hard_codes(_rect_sigmoid(v)[0] >= 0.5)
            err = error_of(codes)
            if err < best_err:
                best_codes, best_err = codes, err

    codes = best_codes.astype(np.int64)
    quantized = replace(nearest, codes=readonly(codes))
    return AdaRoundResult(
        quantized=quantized,
        nearest=nearest,
        output_error=best_err,
        nearest_output_error=nearest_err,
        flipped=int(np.count_nonzero(codes != nearest.codes)),
        iterations=iterations,
    )


def adaround_conv(w, x, bits: int, *, stride=1, padding=0, granularity: str = "channel",
                  **options) -> AdaRoundResult:
    """AdaRound a convolution ``W[out, in, kh, kw]`` on inputs ``x[N, in, H, W]`` through im2col.

    ``granularity`` is ``"tensor"`` or ``"channel"`` (per output channel, axis 0); the other
    options are :func:`adaround`'s. The returned codes and scales have the 4-D weight layout.
    """
    wa = as_finite_array(w, name="w")
    if wa.ndim != 4:
        raise QuantizationError(f"w must be a conv weight W[out, in, kh, kw], got shape {wa.shape}")
    if granularity not in ("tensor", "channel"):
        raise QuantizationError(
            f"adaround_conv supports granularity 'tensor' or 'channel', got {granularity!r}"
        )
    if "axis" in options:
        raise QuantizationError(
            "adaround_conv quantizes per output channel (axis 0); do not pass axis"
        )
    xa = as_finite_array(x, name="x")
    if xa.ndim != 4 or xa.shape[1] != wa.shape[1]:
        raise QuantizationError(
            f"x must have shape (N, {wa.shape[1]}, H, W) for w of shape {wa.shape}, "
            f"got {xa.shape}"
        )
    cols = im2col(xa, wa.shape[2:], stride=stride, padding=padding)
    res = adaround(wa.reshape(wa.shape[0], -1), cols, bits, granularity=granularity, axis=0,
                   **options)

    def to_4d(q: LinearQuantized) -> LinearQuantized:
        shape4 = (-1, 1, 1, 1) if q.scale.ndim == 2 else ()
        return replace(
            q,
            codes=readonly(q.codes.reshape(wa.shape)),
            scale=readonly(q.scale.reshape(shape4) if shape4 else q.scale),
            zero_point=readonly(q.zero_point.reshape(shape4) if shape4 else q.zero_point),
        )

    return replace(res, quantized=to_4d(res.quantized), nearest=to_4d(res.nearest))
