"""Exact 8-bit integer matrix products through onnxruntime's ``MatMulInteger``, where proven.

onnxruntime (a dependency) multiplies uint8 rows by int8 or uint8 weights with int32
accumulation in its MLAS kernels (AVX2, AVX512-VNNI or AMX-INT8 here), several times faster
than float32 BLAS. Its result is exact under two conditions, both checked before it is used:

- **No int32 overflow.** With zero points ``za``, ``zb``, MLAS forms
  ``sum_j (a_j - za) * (b_j - zb)`` from up to four int32 terms, ``sum a*b``,
  ``zb * sum a``, ``za * sum b`` and ``K * za * zb`` (those with a nonzero zero point), then
  the bias is added. With ``A``, ``B`` the largest stored row code or row zero point and the
  largest stored weight magnitude or weight zero point, and ``K`` the inner length, each term
  and each of its partial sums is at most ``K * A * B`` in magnitude, so every value formed on
  the way, in any order, is at most ``T * K * A * B + |bias|`` with ``T`` the number of
  terms. That below ``2**31`` (:func:`int32_bound`, per block) proves that no int32 value
  overflows.
- **No saturation.** Some kernels are not plain integer arithmetic: on AVX2 without VNNI, the
  uint8 x int8 kernel sums pairs of products with ``vpmaddubsw``, which saturates a pair to
  int16 (two products of ``255 * 127`` overflow it). Which kernel runs depends on the CPU, so
  no variant is assumed exact: a **self-check** (:func:`variant`, once per process) runs each
  variant on adversarial operands -- every code at its extremes, in the sign patterns that
  make each output's products all large and of one sign, where saturation shows -- and
  compares with int64 numpy; each block's session is checked the same way on its own
  weights (:meth:`IntegerProduct.plan`). A variant is used only if it passes.

Variants, in order of preference (the first that passes the self-check is used): ``u8s8``
(uint8 rows, int8 weights: AMX / VNNI kernels, the fast one) and ``u8u8`` (weights shifted by
128 with a zero point of 128: 16-bit kernels that cannot saturate). Rows are the input codes
minus the type's ``qmin`` (so in ``[0, 255]`` for any type of at most 8 bits), with ``qmin``
as the rows' zero point: ``(x - qmin) - (-qmin) = x``. When onnxruntime is missing, lacks
the operator, every variant fails the check or a block's bound does not hold, the block keeps
the float BLAS path (:mod:`hwgen.golden.matmul`): the result is the same either way, and
:func:`status` and :meth:`IntegerProduct.describe` say which path runs and why.

Set ``HWGEN_GOLDEN_INT8=0`` in the environment (or :data:`ENABLED` to False) to disable it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

__all__ = ["ENABLED", "VARIANTS", "IntegerProduct", "int32_bound", "integer_chunk", "status",
           "variant"]

#: Use onnxruntime's integer kernels where proven exact (speed only: results are identical).
ENABLED = os.environ.get("HWGEN_GOLDEN_INT8", "1") != "0"
#: (name, weight dtype, weight offset) in order of preference: weights are stored as
#: ``w + offset`` with zero point ``offset``.
VARIANTS = (("u8s8", np.int8, 0), ("u8u8", np.uint8, 128))
INT32_LIMIT = (1 << 31) - 1
#: Bytes of a chunk's uint8 rows and of its int32 accumulators, each: a quarter of a core's L2
#: here (measured on CNV: 256 KiB and 512 KiB within noise, 128 KiB and 1 MiB slower), large
#: enough that onnxruntime's per-call cost (tens of microseconds) stays small.
CHUNK_BYTES = 1 << 18


def integer_chunk(inner: int, outputs: int) -> int:
    """Rows per chunk of a product with ``inner`` uint8 inputs and ``outputs`` int32 results."""
    return max(1, CHUNK_BYTES // max(inner, 4 * outputs, 1))


_STATE: dict = {}


def int32_bound(inner: int, rows_max: int, rows_zero: int, weights_max: int,
                weights_zero: int, bias_max: int) -> int:
    """A bound on every int32 value MLAS forms (module docstring): ``T * K * A * B + |bias|``."""
    a = max(rows_max, rows_zero)
    b = max(weights_max, weights_zero)
    terms = 1 + (rows_zero != 0) + (weights_zero != 0) + (rows_zero != 0 and weights_zero != 0)
    return terms * inner * a * b + bias_max


def _session(weights: np.ndarray, rows_zero: int, weights_zero: int):
    """A single-threaded onnxruntime session of ``Y = MatMulInteger(X, W, xz, wz)`` with the
    stored weights ``(K, MH)`` as an initializer; X is uint8 ``(R, K)``, Y int32 ``(R, MH)``."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["X", "W", "xz", "wz"], ["Y"])], "int8_gemm",
        [helper.make_tensor_value_info("X", TensorProto.UINT8, [None, weights.shape[0]])],
        [helper.make_tensor_value_info("Y", TensorProto.INT32, [None, weights.shape[1]])],
        [numpy_helper.from_array(weights, "W"),
         numpy_helper.from_array(np.array(rows_zero, dtype=np.uint8), "xz"),
         numpy_helper.from_array(np.array(weights_zero, dtype=weights.dtype), "wz")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1        # like the reference: one thread, no pool
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])


def _run(session, rows: np.ndarray, lo: int):
    """The session's int64 products of ``rows`` (codes), or None if it fails."""
    try:
        got = session.run(None, {"X": np.ascontiguousarray(rows - lo, dtype=np.uint8)})[0]
    except Exception:                       # noqa: BLE001 -- any failure means: do not use
        return None
    return np.asarray(got).astype(np.int64)


def _extremes_agree(session, weights: np.ndarray, lo: int, hi: int, full: bool) -> bool:
    """Whether ``session`` (weights ``(K, MH)``, as int64 codes here) is exact on adversarial
    rows of codes in ``{lo, hi}``.

    For each output ``m``, the row ``up_m`` (``hi`` where ``w_jm > 0``, else ``lo``) makes
    every stored product ``(x_j - lo) * w_jm`` of that output as large as possible, and
    ``down_m`` every one as small as possible. A kernel that saturates partial sums (pairs
    into int16, say) saturates some partial sum of output ``m`` on some input only if it does
    on ``up_m`` or ``down_m``, since each partial sum is monotonic in each code and
    ``up_m``/``down_m`` maximise / minimise them all; there its terms all have one sign, so a
    clipped partial sum changes the output. (For u8u8 the stored weights ``w + 128`` are all
    non-negative and the all-``hi`` row, checked in full, maximises every partial sum.)
    Output ``m`` of ``up_m`` and ``down_m`` is checked against its value computed here
    (``hi * P_m + lo * N_m`` with ``P_m``, ``N_m`` the sums of the positive and negative
    weights, and the reverse); so are all outputs of the all-``hi``, all-``lo`` and
    alternating rows, and with ``full`` every output of every row (int64 numpy products).
    """
    k, mh = weights.shape
    positive = weights > 0
    pos = np.where(positive, weights, 0).sum(axis=0)
    neg = weights.sum(axis=0) - pos
    alternate = np.arange(k) % 2 == 0
    plain = np.stack([np.full(k, hi), np.full(k, lo), np.where(alternate, hi, lo),
                      np.where(alternate, lo, hi)]).astype(np.int64)
    got = _run(session, plain, lo)
    if got is None or got.shape != (4, mh) or not np.array_equal(got, plain @ weights):
        return False
    step = integer_chunk(k, mh)
    for first, want in ((hi, hi * pos + lo * neg), (lo, lo * pos + hi * neg)):
        second = lo + hi - first
        for m0 in range(0, mh, step):
            m = np.arange(m0, min(m0 + step, mh))
            rows = np.where(positive[:, m].T, first, second).astype(np.int64)
            got = _run(session, rows, lo)
            if got is None or got.shape != (len(m), mh):
                return False
            if not np.array_equal(got[np.arange(len(m)), m], want[m]):
                return False
            if full and not np.array_equal(got, rows @ weights):
                return False
    return True


def _check_variant(name: str, dtype, offset: int) -> str | None:
    """None if ``name`` passes the process-wide self-check, else why not."""
    rng = np.random.default_rng(2024)
    info = np.iinfo(dtype)
    extremes = np.array([info.min, info.max], dtype=np.int64)
    # shapes cover MLAS's GEMV (one row), its packing edges (odd K, N) and a long K
    for k, n in ((1, 1), (2, 3), (7, 17), (64, 64), (67, 33), (576, 16), (4608, 8)):
        stored = rng.choice(extremes, (k, n))
        stored[:, 0] = info.max
        if n > 1:
            stored[:, 1] = info.min
        for lo, hi in ((0, 255), (-128, 127), (0, 1)):
            try:
                session = _session(stored.astype(dtype), -lo, offset)
            except Exception as error:      # noqa: BLE001 -- the op or type is missing
                return f"{name}: onnxruntime cannot build MatMulInteger ({error})"
            if not _extremes_agree(session, stored - offset, lo, hi, full=True):
                return f"{name}: differs from int64 on extreme operands (K={k}, N={n})"
            one = np.full((1, k), hi, dtype=np.int64)             # a single row: GEMV
            got = _run(session, one, lo)
            if got is None or not np.array_equal(got, one @ (stored - offset)):
                return f"{name}: differs from int64 on one row (K={k}, N={n})"
    return None


def variant():
    """``(name, weight dtype, weight offset)`` of the first variant that passes the self-check
    in this process, or None; the self-check runs once (:func:`status` says what it found)."""
    if "variant" not in _STATE:
        chosen, reasons = None, []
        try:
            import onnxruntime  # noqa: F401
        except ImportError as error:
            reasons.append(f"onnxruntime is not importable ({error})")
        else:
            for name, dtype, offset in VARIANTS:
                reason = _check_variant(name, dtype, offset)
                if reason is None:
                    chosen = (name, dtype, offset)
                    break
                reasons.append(reason)
        _STATE["variant"] = chosen
        _STATE["reasons"] = tuple(reasons)
    return _STATE["variant"]


def status() -> str:
    """Which integer kernel the golden model uses in this process, and why (for debugging)."""
    if not ENABLED:
        return "onnxruntime integer kernels disabled (HWGEN_GOLDEN_INT8=0): float BLAS"
    chosen = variant()
    failed = "; ".join(_STATE["reasons"])
    if chosen is None:
        return f"onnxruntime integer kernels not used, float BLAS instead: {failed}"
    return f"onnxruntime MatMulInteger {chosen[0]}" + (f" (rejected: {failed})" if failed else "")


@dataclass(frozen=True, eq=False)
class IntegerProduct:
    """``x @ weights.T + bias`` for codes ``x`` in ``[lo, hi]``, exact, through onnxruntime.

    Call it with rows of ``x - lo`` as a C-contiguous uint8 ``(R, K)`` array; it returns the
    int32 accumulators ``(R, MH)`` (a fresh array, the bias added).

    Attributes
    ----------
    name : str
        The variant (``u8s8`` or ``u8u8``).
    lo : int
        The input type's ``qmin``: rows hold ``x - lo``.
    bias : numpy.ndarray
        int32 ``(MH,)``.
    adds_bias : bool
        Whether the bias has a nonzero entry (else it is not added).
    """

    name: str
    lo: int
    bias: np.ndarray
    session: object
    adds_bias: bool = True
    _tiled: list = field(default_factory=list, repr=False)

    @classmethod
    def plan(cls, weights: np.ndarray, bias, lo: int, hi: int):
        """``(IntegerProduct or None, why)`` for integer ``weights`` ``(MH, K)``, ``bias``
        ``(MH,)`` and input codes in ``[lo, hi]``: None when the codes are wider than 8 bits,
        the int32 bound fails, no variant passes the process's self-check or the block's
        own session fails its check on adversarial rows."""
        if not ENABLED:
            return None, "disabled (HWGEN_GOLDEN_INT8=0)"
        weights = np.asarray(weights)
        lo, hi = int(lo), int(hi)
        if hi - lo > 255 or not -255 <= lo <= 0:
            return None, f"input codes [{lo}, {hi}] are not 8-bit codes"
        if weights.size == 0:
            return None, "no weights"
        w_lo, w_hi = int(weights.min()), int(weights.max())
        if w_lo < -128 or w_hi > 127:
            return None, f"weight codes [{w_lo}, {w_hi}] do not fit int8"
        chosen = variant()
        if chosen is None:
            return None, status()
        name, dtype, offset = chosen
        bias = np.zeros(len(weights), np.int64) if bias is None else np.asarray(bias, np.int64)
        w_max = max(abs(w_lo + offset), abs(w_hi + offset))
        bound = int32_bound(weights.shape[1], max(hi - lo, 0), -lo, w_max, offset,
                            int(np.abs(bias).max(initial=0)))
        if bound > INT32_LIMIT:
            return None, f"int32 bound {bound} > 2**31 - 1"
        stored = np.ascontiguousarray((weights.T.astype(np.int64) + offset).astype(dtype))
        try:
            session = _session(stored, -lo, offset)
        except Exception as error:          # noqa: BLE001 -- keep the float path
            return None, f"onnxruntime session failed ({error})"
        if not _extremes_agree(session, weights.T.astype(np.int64), lo, hi, full=False):
            return None, f"{name}: block self-check failed"
        bias32 = bias.astype(np.int32)
        bias32.setflags(write=False)
        return cls(name=name, lo=lo, bias=bias32, session=session,
                   adds_bias=bool(bias32.any())), name

    def describe(self) -> str:
        return f"int8 onnxruntime {self.name}"

    def shift(self, codes: np.ndarray, out: np.ndarray) -> np.ndarray:
        """``codes - lo`` (integer codes of the input type) into the uint8 ``out`` (of their
        shape): the cast wraps integers modulo 256 and so does the uint8 subtraction, so the
        result is ``x - lo`` modulo 256, which is ``x - lo`` itself (it lies in ``[0, 255]``)."""
        np.copyto(out, codes, casting="unsafe")
        if self.lo:
            np.subtract(out, np.uint8(self.lo % 256), out=out)
        return out

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        acc = self.session.run(None, {"X": rows})[0]
        if self.adds_bias:
            np.add(acc, self._bias_rows(len(acc)), out=acc)
        return acc

    def _bias_rows(self, count: int) -> np.ndarray:
        """The bias repeated over ``count`` rows: numpy adds a contiguous array several times
        faster than it broadcasts one over short rows."""
        if not self._tiled or len(self._tiled[0]) < count:
            self._tiled[:] = [np.tile(self.bias, (count, 1))]
        return self._tiled[0][:count]
