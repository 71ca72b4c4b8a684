"""MSE-optimal clipping: Banner et al.'s closed forms and a brute-force search.

Closed forms (Banner, Nahshan, Soudry, "Post training 4-bit quantization of convolutional
networks for rapid-deployment", NeurIPS 2019). Clipping a zero-mean input to ``[-a, a]`` and
quantizing it uniformly to ``2**M`` bins of width ``2a / 2**M`` costs, with the uniform-noise
approximation ``Delta**2 / 12`` for the rounding error inside the range,

* Laplace(0, b):  ``E(a) = 2 b**2 exp(-a / b) + a**2 / (3 * 4**M)``
* Normal(0, s**2): ``E(a) = 2 [(s**2 + a**2) Q(a/s) - a s phi(a/s)] + a**2 / (3 * 4**M)``
  (``Q`` the upper tail, ``phi`` the standard density).

Setting ``dE/da = 0`` gives ``x = 3 * 4**M * exp(-x)`` for ``x = a / b`` (Laplace) and
``4 (x Q(x) - phi(x)) + 2 x / (3 * 4**M) = 0`` for ``x = a / s`` (Gaussian). Both have one root;
:func:`laplace_clip_ratio` and :func:`gaussian_clip_ratio` solve them by bisection to 1e-12
(no table copied): Laplace 2.83, 3.89, 5.03 at 2, 3, 4 bits (the lecture's figures), Gaussian
1.71, 2.15, 2.55 (Banner et al.'s ACIQ figures).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from hwgen.quant._validate import check_bits
from hwgen.quant.affine import code_range, scale_zero_point


def _bisect(f, lo: float, hi: float, tol: float = 1e-12) -> float:
    """Root of ``f`` in ``[lo, hi]`` where ``f(lo) < 0 < f(hi)``."""
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@lru_cache(maxsize=None)
def laplace_clip_ratio(bits: int) -> float:
    """Optimal ``|r|max / b`` for Laplace(0, b) input at ``bits`` bits (root of
    x e^x = 3 * 4**M)."""
    m = check_bits(bits)
    c = 3.0 * 4.0**m
    # x e^x is increasing for x > 0; x e^x - c changes sign in [0, log(c) + 1]
    return _bisect(lambda x: x * math.exp(x) - c, 0.0, math.log(c) + 1.0)


def _normal_tail(x: float) -> float:
    return 0.5 * math.erfc(x / math.sqrt(2.0))


def _normal_pdf(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


@lru_cache(maxsize=None)
def gaussian_clip_ratio(bits: int) -> float:
    """Optimal ``|r|max / sigma`` for Normal(0, sigma**2) input at ``bits`` bits."""
    m = check_bits(bits)
    k = 2.0 / (3.0 * 4.0**m)
    # derivative of E(a)/s**2: negative at 0 (clipping dominates), positive for large a
    return _bisect(lambda x: 4.0 * (x * _normal_tail(x) - _normal_pdf(x)) + k * x, 0.0, 40.0)


def fake_quant_mse(x: np.ndarray, lo: float, hi: float, *, bits: int, signed: bool, symmetric: bool,
                   out: np.ndarray | None = None) -> float:
    """Mean squared error of quantizing 1-D ``x`` with the range ``[lo, hi]`` (saturating codes).

    ``out`` is an optional scratch buffer shaped like ``x`` (saves an allocation per call).
    """
    qmin, qmax = code_range(bits, signed=signed)
    scale, zp = scale_zero_point(lo, hi, bits=bits, signed=signed, symmetric=symmetric)
    s, z = float(scale), float(zp)
    buf = np.empty_like(x) if out is None else out
    # in place: clip(rint(x / s), qmin - z, qmax - z) * s - x  (z is an integer, so the zero
    # point can be folded into the clip bounds)
    np.divide(x, s, out=buf)
    np.rint(buf, out=buf)
    np.clip(buf, qmin - z, qmax - z, out=buf)
    buf *= s
    buf -= x
    return float(np.dot(buf, buf) / x.size)


def mse_search(
    x: np.ndarray, lo0: float, hi0: float, *, bits: int, signed: bool, symmetric: bool,
    num_candidates: int,
) -> tuple[float, float, float, float]:
    """Brute-force search of the clipping fraction ``c`` in (0, 1] minimizing the fake-quant MSE.

    Candidate ranges are ``[c * lo0, c * hi0]`` (``lo0 <= 0 <= hi0``; the quantizer widens to 0
    anyway). Stage 1 tries ``c = k / n`` for ``k = 1..n``; stage 2 tries ``n`` evenly spaced
    fractions between the best stage-1 neighbours. Returns ``(lo, hi, c, mse)``; ties keep the
    smaller ``c``.
    """
    x = np.ascontiguousarray(x, dtype=np.float64).ravel()
    buf = np.empty_like(x)

    def cost(c: float) -> float:
        return fake_quant_mse(x, c * lo0, c * hi0, bits=bits, signed=signed,
                              symmetric=symmetric, out=buf)

    n = num_candidates
    coarse = [k / n for k in range(1, n + 1)]
    errs = [cost(c) for c in coarse]
    best = int(np.argmin(errs))
    left = coarse[best - 1] if best > 0 else coarse[0] / n
    right = coarse[best + 1] if best + 1 < n else 1.0
    fine = list(np.linspace(left, right, n))
    fine_errs = [cost(c) for c in fine]
    cands, all_errs = coarse + fine, errs + fine_errs
    order = np.lexsort((cands, all_errs))  # smallest error, then smallest fraction
    c = float(cands[order[0]])
    return c * lo0, c * hi0, c, float(all_errs[order[0]])
