"""KL-divergence (entropy) calibration, TensorRT's method in onnxruntime's formulation.

Algorithm (NVIDIA, "8-bit inference with TensorRT", GTC 2017; onnxruntime's EntropyCalibrater
follows the same steps on a histogram of signed values):

1. Histogram the data into ``num_bins`` equal bins over ``[-A, A]``, ``A = max |x|``
   (computed in the data's own float type, so float32 data bins exactly as onnxruntime bins it).
2. For each candidate half-width ``i = nq/2 .. num_bins/2`` (``nq = num_quantized_bins``) take
   bins ``[c - i, c + i]`` (``c = num_bins // 2``, the bin just right of 0; the last candidate is
   the whole histogram). Reference ``P``: those bins with the counts outside folded into the
   two end bins.
3. Candidate ``Q``: the sliced counts *without* the outliers merged into ``nq`` groups of
   ``m = len // nq`` consecutive bins (the left-over bins join the last group), then spread back:
   each bin of group ``k < nq`` gets ``floor(group count / non-empty bins of P in the group)``
   and the left-over bins get 0. Spreading over every bin of a group (not only the non-empty
   ones) and flooring to an integer count are onnxruntime's choices, kept so both agree.
4. Smooth both (zeros become ``eps = 1e-4``, the same mass taken off the non-zero bins), normalise,
   ``KL(P || Q) = sum P log(P / Q)`` in float32; an all-zero distribution scores ``inf``.
5. The threshold pair is the bin edges of the candidate with the smallest KL (first on ties),
   clipped to the data's ``[min, max]``. (If every candidate scores ``inf`` that is the first,
   narrowest one, again as onnxruntime's ``argmin``.)
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-4


def _smooth(p: np.ndarray) -> np.ndarray | None:
    """Replace zeros by ``_EPS`` and take the same total mass off the non-zero bins (float32)."""
    zeros = p == 0
    n_zero = int(zeros.sum())
    n_nonzero = p.size - n_zero
    if n_nonzero == 0:
        return None
    step = np.where(zeros, np.float32(_EPS), np.float32(-_EPS * n_zero / n_nonzero))
    out = p.astype(np.float32) + step
    return out if (out > 0).all() else None


def _kl(p: np.ndarray, q: np.ndarray) -> float:
    """KL(P || Q) of two count vectors after smoothing, or inf if either is all zeros.

    Evaluated in float32, as onnxruntime does: neighbouring thresholds often have divergences
    closer than float32 resolution, and the same precision makes such near-ties break the same
    way (in float64 the argmin can move by a few bins).
    """
    ps, qs = _smooth(p), _smooth(q)
    if ps is None or qs is None:
        return float("inf")
    ps = ps / np.sum(ps)
    qs = qs / np.sum(qs)
    return float(np.sum(ps * np.log(ps / qs)))


def entropy_range(data: np.ndarray, *, num_bins: int,
                  num_quantized_bins: int) -> tuple[float, float, float]:
    """Return ``(lo, hi, kl)`` of the minimum-KL clipping range of ``data`` (any float dtype).

    ``num_quantized_bins <= num_bins`` is the caller's to check.
    """
    flat = data.ravel()
    dmin, dmax = flat.min(), flat.max()
    amax = np.maximum(np.abs(dmin), np.abs(dmax))
    hist, edges = np.histogram(flat, bins=num_bins, range=(-amax, amax))
    hist = hist.astype(np.int64)
    cum = np.concatenate(([0], np.cumsum(hist)))
    total = int(cum[-1])
    center = num_bins // 2
    nq = num_quantized_bins

    best = None
    for i in range(nq // 2, center + 1):
        start, end = center - i, min(center + i + 1, num_bins)
        sliced = hist[start:end]
        p = sliced.astype(np.float64)
        p[0] += cum[start]
        p[-1] += total - cum[end]
        m = sliced.size // nq
        body = nq * m
        merged = sliced[:body].reshape(nq, m).sum(axis=1)
        merged[-1] += sliced[body:].sum()
        nonempty = (p[:body] != 0).reshape(nq, m).sum(axis=1)
        per_bin = np.where(nonempty > 0, merged // np.maximum(nonempty, 1), 0)
        q = np.zeros(sliced.size)
        q[:body] = np.repeat(per_bin, m)
        kl = _kl(p, q)
        if best is None or kl < best[0]:
            best = (kl, start, end)
    kl, start, end = best
    lo = max(float(edges[start]), float(dmin))
    hi = min(float(edges[end]), float(dmax))
    return lo, hi, kl
