"""Choose PE x SIMD for every layer."""

from __future__ import annotations

import math

from ..errors import IRError
from ..ir.graph import Graph
from ..ir.layers.dense import Folding

__all__ = ["DEFAULT_MAX_MACS", "divisors", "choose_folding"]

#: Multipliers given to the largest layer when nothing else is asked for.
DEFAULT_MAX_MACS = 64


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def _foldable(layer) -> bool:
    """Matrix-vector layers (``out_features`` x ``in_features`` with a ``folding``)."""
    return all(hasattr(layer, a) for a in ("folding", "out_features", "in_features"))


def _check_request(name: str, what: str, value, size: int, unit: str) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise IRError(f"layer {name!r}: {what} must be a positive integer or 'auto', not {value!r}")
    if size % value:
        raise IRError(
            f"layer {name!r}: {what}={value} does not divide the {size} {unit}; use one of "
            f"{', '.join(map(str, divisors(size)))}")


def _vectors(layer) -> int:
    """Input vectors per inference: 1 for a dense layer, output pixels for a convolution."""
    return max(1, math.prod(layer.output_shape) // layer.out_features)


def _window_floor(layer) -> int:
    """Cycles per inference a layer's sliding window or pooling needs at best (a whole pixel
    per beat): the folding of other layers need not beat it."""
    kernel = getattr(layer, "kernel", None)
    if kernel is None or not hasattr(layer, "input_shape") or len(layer.input_shape) != 3:
        return 0
    if getattr(layer, "op", None) == "global_avg":
        h, w, _ = layer.input_shape
        return h * w
    out_pixels = math.prod(layer.output_shape[:2]) if len(layer.output_shape) == 3 else 1
    return out_pixels * kernel * kernel


def _cheapest(mh: int, mw: int, target: int, pe=None, simd=None, allowed=None, *,
              vectors: int = 1, pixel: int | None = None) -> Folding:
    """Fewest multipliers with ``vectors * NF * SF <= target``.

    Ties go to a SIMD that is a multiple of ``pixel`` (a convolution's input channels: its
    sliding window then streams whole pixels), then to the wider SIMD. ``allowed(pe, simd)``,
    a layer's ``allows_folding`` method, rules out foldings its datapath cannot use (an MX
    layer's SIMD must fit its blocks); if it rules out every one, the first candidate is
    returned and the layer's own check explains the problem.
    """
    best, first = None, None
    for p in ([pe] if pe else divisors(mh)):
        for s in ([simd] if simd else divisors(mw)):
            first = first or Folding(pe=p, simd=s)
            if allowed is not None and not allowed(p, s):
                continue
            cycles = vectors * (mh // p) * (mw // s)
            whole_pixels = pixel is None or s % pixel == 0
            key = (cycles > target, p * s if cycles <= target else cycles, not whole_pixels, -s)
            if best is None or key < best[0]:
                best = (key, Folding(pe=p, simd=s))
    return first if best is None else best[1]


def choose_folding(graph: Graph, *, requests=None, max_macs: int = DEFAULT_MAX_MACS,
                   target_cycles: int | None = None) -> Graph:
    """Set every layer's folding.

    Layers balance around one target of cycles per inference: by default the layer with the
    most multiply-accumulates per inference gets ``max_macs`` multipliers,
    ``target = ceil(max(vectors * MH * MW) / max_macs)`` (``vectors``: output pixels of a
    convolution, 1 for a dense layer), raised to what the slowest sliding window or pooling
    needs anyway; every other layer takes the fewest multipliers that keep
    ``vectors * NF * SF <= target``. A requested PE or SIMD is kept (the other one is
    chosen); a layer whose folding is already set is left alone.

    Parameters
    ----------
    graph : Graph
    requests : dict, optional
        ``{layer name: (pe or None, simd or None)}``.
    max_macs : int
        Multipliers of the largest layer when ``target_cycles`` is not given.
    target_cycles : int, optional
        Cycles per inference to aim for.
    """
    requests = dict(requests or {})
    unknown = set(requests) - {layer.name for layer in graph.layers}
    if unknown:
        raise IRError(f"folding requested for unknown layer(s) {', '.join(sorted(unknown))}; "
                      f"layers are {', '.join(layer.name for layer in graph.layers)}")
    if not isinstance(max_macs, int) or max_macs < 1:
        raise IRError(f"max_macs must be a positive integer, not {max_macs!r}")
    if target_cycles is None:
        target_cycles = max(
            [math.ceil(_vectors(layer) * layer.out_features * layer.in_features / max_macs)
             for layer in graph.layers if _foldable(layer)]
            + [_window_floor(layer) for layer in graph.layers] + [1])
    layers = []
    for layer in graph.layers:
        if not _foldable(layer):
            if layer.name in requests:
                raise IRError(f"layer {layer.name!r} has no PE x SIMD folding to choose")
            layers.append(layer)
            continue
        pe, simd = requests.get(layer.name, (None, None))
        _check_request(layer.name, "PE", pe, layer.out_features, "output channels")
        _check_request(layer.name, "SIMD", simd, layer.in_features, "inputs")
        if layer.folding is None or pe or simd:
            pixel = layer.input_shape[-1] if _window_floor(layer) else None
            folding = Folding(pe=pe, simd=simd) if pe and simd else _cheapest(
                layer.out_features, layer.in_features, target_cycles, pe, simd,
                getattr(layer, "allows_folding", None), vectors=_vectors(layer), pixel=pixel)
            layer = layer.replace(folding=folding)
        layers.append(layer)
    return graph.replace_layers(layers)
