"""Argument checks shared by the quantization modules.

Every check raises :class:`hwgen.errors.QuantizationError` with a message that names the bad
value and says what to do, so that callers (the compiler's config loader, the CLI) can show it
as is.
"""

from __future__ import annotations

import numbers

import numpy as np

from hwgen.errors import QuantizationError

#: Widest integer code hwgen quantizes to (int16 / uint16 are the widest ONNX integer types
#: that onnxruntime quantizes to; wider codes would not fit the float64 mantissa checks either).
MAX_BITS = 16


def check_bits(bits, *, name: str = "bits", low: int = 1, high: int = MAX_BITS) -> int:
    """Return ``bits`` as an int after checking it is an integer in ``[low, high]``."""
    if isinstance(bits, bool) or not isinstance(bits, numbers.Integral):
        raise QuantizationError(f"{name} must be an integer from {low} to {high}, got {bits!r}")
    if not low <= int(bits) <= high:
        raise QuantizationError(f"{name} must be an integer from {low} to {high}, got {bits}")
    return int(bits)


def check_bool(value, *, name: str) -> bool:
    """Return ``value`` after checking it is a bool (not 0/1 or a string)."""
    if not isinstance(value, (bool, np.bool_)):
        raise QuantizationError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_choice(value, choices, *, name: str) -> str:
    """Return ``value`` after checking it is one of the named ``choices``."""
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise QuantizationError(f"{name} must be one of {listed}, got {value!r}")
    return value


def check_positive_int(value, *, name: str) -> int:
    """Return ``value`` as an int after checking it is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 1:
        raise QuantizationError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def check_real(value, *, name: str, low=None, high=None, low_open=False, high_open=False) -> float:
    """Return ``value`` as a float after checking it is finite and inside the given bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise QuantizationError(f"{name} must be a finite real number, got {value!r}")
    v = float(value)
    if low is not None and (v < low or (low_open and v == low)):
        bound = f"> {low}" if low_open else f">= {low}"
        raise QuantizationError(f"{name} must be {bound}, got {v}")
    if high is not None and (v > high or (high_open and v == high)):
        bound = f"< {high}" if high_open else f"<= {high}"
        raise QuantizationError(f"{name} must be {bound}, got {v}")
    return v


def as_finite_array(x, *, name: str, allow_empty: bool = False) -> np.ndarray:
    """Convert ``x`` to a float64 array and reject NaN, Inf and (unless allowed) empty input."""
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise QuantizationError(f"{name} cannot be read as a numeric array: {exc}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise QuantizationError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if np.iscomplexobj(arr):
        raise QuantizationError(f"{name} must be real, got complex dtype {arr.dtype}")
    if arr.size == 0 and not allow_empty:
        raise QuantizationError(f"{name} is empty (shape {arr.shape}); pass at least one value")
    arr = arr.astype(np.float64, copy=False)
    check_finite(arr, name=name)
    return arr


def check_finite(arr: np.ndarray, *, name: str) -> None:
    """Raise if ``arr`` holds NaN or Inf, naming how many and where the first one is."""
    finite = np.isfinite(arr)
    if not finite.all():
        n_nan = int(np.isnan(arr).sum())
        n_inf = int(np.isinf(arr).sum())
        first = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise QuantizationError(
            f"{name} contains {n_nan} NaN and {n_inf} Inf values (first at index {first}); "
            "remove them or fix whatever produced them before quantizing"
        )


def normalize_axis(axis, ndim: int, *, name: str = "axis") -> int:
    """Return ``axis`` as a non-negative int after checking it is valid for rank ``ndim``."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise QuantizationError(f"{name} must be an integer, got {axis!r}")
    if ndim == 0:
        raise QuantizationError(
            f"{name}={axis} needs an array with at least one dimension, got a scalar"
        )
    if not -ndim <= int(axis) < ndim:
        raise QuantizationError(
            f"{name}={axis} is out of range for an array of rank {ndim}; use {-ndim}..{ndim - 1}"
        )
    return int(axis) % ndim


def check_options(method: str, options: dict, allowed) -> None:
    """Reject keyword options a method does not take, listing the ones it does."""
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        listed = ", ".join(sorted(allowed)) if allowed else "none"
        raise QuantizationError(
            f"method {method!r} does not take option(s) {', '.join(unknown)}; "
            f"its options are: {listed}"
        )


def make_rng(seed, *, name: str = "seed") -> np.random.Generator:
    """Return a Generator from an int seed or an existing Generator; None is refused
    (seeded only)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        raise QuantizationError(
            f"{name} is required: hwgen only uses seeded randomness; "
            "pass an integer seed or a numpy Generator"
        )
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or int(seed) < 0:
        raise QuantizationError(
            f"{name} must be a non-negative integer or a numpy Generator, got {seed!r}"
        )
    return np.random.default_rng(int(seed))


def readonly(arr: np.ndarray) -> np.ndarray:
    """Return ``arr`` marked read-only, so frozen result objects cannot be changed in place."""
    out = np.array(arr, copy=True)
    out.setflags(write=False)
    return out
