"""Choose PE x SIMD for every layer: to a budget of multipliers or to a target interval.

The pipeline's initiation interval (II) is its slowest block's cycles per inference. A
matrix layer (dense or convolution, ``MH`` outputs x ``MW`` inputs, ``vectors`` input vectors
per inference) folded by ``PE x SIMD`` takes ``vectors * (MH / PE) * (MW / SIMD)`` cycles;
a convolution's sliding window, whose lanes follow the SIMD
(:func:`~hwgen.ir.blocks.sliding_window.window_lanes`), takes one output beat and one input
beat per cycle (:func:`~hwgen.perf.sliding_window.sliding_window_cycles`); pools and adds
after a layer take the lanes of its PE. Each layer's cycles are the largest of these, so
the cheapest folding of a whole graph under a target interval ``T`` is each layer's cheapest
folding under ``T``, as FINN's SetFolding finds it: the fewest MAC units (PE x SIMD) whose
cycles are at most ``T``; ties go to a SIMD the window delivers without a width converter,
then to the wider SIMD (one accumulator and requantizer per PE).

- Budget mode (:func:`choose_folding` with ``max_macs``): ``T`` is the largest layer's
  multiply-accumulates over ``max_macs``, raised to the fastest interval the graph can reach.
- Target mode (``target_ii``): ``T`` is given; if no folding reaches it,
  :class:`FoldingTargetError` names the best reachable interval, the layer that sets it and
  why (its window's input pixels, a layer at full parallelism, a requested folding, ...).

:func:`folding_report` gives the per-layer figures of a folded graph (cycles, MAC units,
what bounds each layer) and the efficiency ``MACs / (MAC units x II)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from ..errors import ConfigError, IRError
from ..ir.blocks.int_mvau import codes_pack, requant_plan
from ..ir.blocks.sliding_window import WINDOW_SUFFIX, SlidingWindowParams, window_lanes
from ..ir.graph import Graph
from ..ir.layers.conv import QuantConv, QuantPool
from ..ir.layers.dense import Folding, QuantDense
from ..ir.layers.depthwise import QuantDepthwiseConv
from ..ir.lowering import lower_layer
from ..perf.registry import cycle_model

__all__ = ["DEFAULT_MAX_MACS", "FoldingReport", "FoldingTargetError", "LayerFolding",
           "choose_folding", "divisors", "folding_report", "target_interval",
           "target_rate_error"]

#: Multipliers given to the largest layer when nothing else is asked for.
DEFAULT_MAX_MACS = 64


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


class FoldingTargetError(IRError):
    """No folding reaches the target interval. ``best_ii`` is the fastest the graph can run,
    set by layer ``layer`` for the reason ``why``."""

    def __init__(self, message: str, *, target_ii: int, best_ii: int, layer: str, why: str):
        super().__init__(message)
        self.target_ii, self.best_ii, self.layer, self.why = target_ii, best_ii, layer, why


@dataclass(frozen=True)
class LayerFolding:
    """One layer of a folded graph.

    ``cycles`` are the ideal cycles per inference of its slowest block (with the lanes its
    producer gives a pool or an add), ``bound`` what sets them, ``macs`` its
    multiply-accumulates per inference and ``mac_units`` its multipliers (0 for a layer
    without a matrix).
    """

    name: str
    folding: Folding | None
    cycles: int
    bound: str
    macs: int
    mac_units: int


@dataclass(frozen=True)
class FoldingReport:
    """Per-layer figures of a folded graph, in graph order."""

    layers: tuple

    @property
    def ii(self) -> int:
        """The analytic interval: the slowest layer's cycles per inference."""
        return max(layer.cycles for layer in self.layers)

    @property
    def limit(self) -> LayerFolding:
        """The layer that sets :attr:`ii` (the first of equals)."""
        return max(self.layers, key=lambda layer: layer.cycles)

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @property
    def mac_units(self) -> int:
        return sum(layer.mac_units for layer in self.layers)

    @property
    def efficiency(self) -> float:
        """``MACs / (MAC units x II)``: the share of multiplier cycles doing useful work."""
        return self.macs / (self.mac_units * self.ii) if self.mac_units else 0.0


# -- per-layer cycles -------------------------------------------------------------------

def _foldable(layer) -> bool:
    """Matrix-vector layers (``out_features`` x ``in_features`` with a ``folding``)."""
    return all(hasattr(layer, a) for a in ("folding", "out_features", "in_features"))


def _vectors(layer) -> int:
    """Input vectors per inference: 1 for a dense layer, output pixels for a convolution."""
    return max(1, math.prod(layer.output_shape) // layer.out_features)


def _macs(layer) -> int:
    return _vectors(layer) * layer.out_features * layer.in_features


def _has_window(layer) -> bool:
    return hasattr(layer, "kernel") and len(getattr(layer, "input_shape", ())) == 3


def _window(layer, lanes: int) -> SlidingWindowParams:
    """The sliding window a convolution-shaped layer lowers to, with ``lanes`` (the pad
    value does not change its timing)."""
    h, w, c = layer.input_shape
    element = layer.input_quant.dtype
    return SlidingWindowParams(name=f"{layer.name}{WINDOW_SUFFIX}", height=h, width=w, channels=c,
                               kernel=layer.kernel, stride=layer.stride, pads=layer.pads,
                               element=element, pad_value=element.qmin, lanes=lanes)


def _window_parts(window: SlidingWindowParams) -> dict:
    return {"window output": window.out_height * window.out_width * window.beats_per_patch,
            "window input": window.height * window.width * window.groups}


class _Costs:
    """Cycles of layers under candidate foldings, cached (windows depend on the lanes only)."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.consumers = {i: [] for i in range(len(graph.layers))}
        for i, ports in enumerate(graph.edges):
            for port, producer in enumerate(ports):
                if producer >= 0:
                    self.consumers[producer].append((i, port))
        self._windows, self._followers = {}, {}

    def window_parts(self, layer, lanes: int) -> dict:
        key = (layer.name, lanes)
        if key not in self._windows:
            self._windows[key] = _window_parts(_window(layer, lanes))
        return self._windows[key]

    def own(self, layer, folding: Folding) -> dict:
        """Cycles of a matrix layer's blocks under ``folding``, by part."""
        mh, mw = layer.out_features, layer.in_features
        parts = {"matrix": _vectors(layer) * (mh // folding.pe) * (mw // folding.simd)}
        if _has_window(layer):
            c = layer.input_shape[2]
            lanes = folding.pe if isinstance(layer, QuantDepthwiseConv) else \
                window_lanes(c, layer.kernel, folding.simd)
            parts.update(self.window_parts(layer, lanes))
        return parts

    def follower(self, layer, lanes: int) -> tuple:
        """``(cycles, part, output lanes)`` of a layer without folding fed ``lanes`` wide."""
        key = (layer.name, lanes)
        if key not in self._followers:
            self._followers[key] = self._follower(layer, lanes)
        return self._followers[key]

    @staticmethod
    def _follower(layer, lanes: int) -> tuple:
        blocks = lower_layer(layer, lanes)
        cycles = [cycle_model(block).ideal_cycles(block) for block in blocks]
        worst = max(range(len(blocks)), key=lambda i: cycles[i])
        if isinstance(layer, QuantPool) and layer.op != "global_avg":
            part = "pool window" if blocks[worst].kind == "sliding_window" else "pool"
        else:
            part = layer.__class__.__name__
        return cycles[worst], part, blocks[-1].output_format.lanes

    def downstream(self, index: int, lanes: int) -> tuple:
        """Slowest ``(cycles, layer name, part)`` among the layers that take the lanes of
        layer ``index``'s output (pools and adds reading it on their first port, and theirs)."""
        worst = (0, "", "")
        for consumer, port in self.consumers[index]:
            layer = self.graph.layers[consumer]
            if port != 0 or _foldable(layer):
                continue
            cycles, part, out_lanes = self.follower(layer, lanes)
            worst = max(worst, (cycles, layer.name, part), self.downstream(consumer, out_lanes))
        return worst


def _candidates(layer, pe, simd) -> list:
    """Foldings a layer allows with the requested PE / SIMD kept; if its datapath rules
    out every one (``allows_folding``), the first, so its own check explains why."""
    allowed = getattr(layer, "allows_folding", None)
    every = [Folding(pe=p, simd=s) for p in ([pe] if pe else divisors(layer.out_features))
             for s in ([simd] if simd else divisors(layer.in_features))]
    chosen = [f for f in every if allowed is None or allowed(f.pe, f.simd)]
    return chosen or every[:1]


#: Which part to name when several set a layer's cycles: the window, which no folding of
#: the layer can speed up, before the matrix.
_PART_ORDER = {"window input": 0, "window output": 1, "matrix": 2}


def _part_rank(part: str) -> int:
    return _PART_ORDER.get(part, len(_PART_ORDER))


@dataclass(frozen=True)
class _Option:
    folding: Folding
    cycles: int
    part: str            # what sets the cycles: a part of the layer or "after:<layer>"
    native: bool         # the window delivers SIMD-wide beats itself
    multiplies: int      # hardware multiplies (:func:`_multiplies`)


def _multiplies(layer, folding: Folding, packing: str) -> int:
    """Hardware multiplies of an integer MVAU folded so (0 for other layers): ``PE x SIMD``
    products, or ``ceil(PE / 2) x SIMD`` when two PEs' products of one input code share a
    multiply (``dsp_packing``, :func:`hwgen.ir.blocks.int_mvau.codes_pack`), plus the
    requantizer's (:func:`hwgen.ir.blocks.int_mvau.requant_plan`, for an accumulator of at
    most 27 bits): two per lane (its multiply is two partial products), one per lane when
    the lanes multiply their pieces serially."""
    if type(layer) not in (QuantDense, QuantConv):
        return 0
    pe, simd = folding.pe, folding.simd
    sf = layer.in_features // simd
    packs = codes_pack(layer.weight_quant.dtype, layer.input_quant.dtype, packing)
    products = (pe - pe // 2 if packs else pe) * simd
    lanes, _, serial = requant_plan(pe, sf)
    return products + (1 if serial else 2) * lanes


def _options(costs: _Costs, index: int, layer, pe, simd, packing: str = "auto") -> list:
    options = []
    for folding in _candidates(layer, pe, simd):
        parts = costs.own(layer, folding)
        after, name, part = costs.downstream(index, folding.pe)
        if after:
            parts[f"{part} of layer {name!r}"] = after
        worst = max(sorted(parts, key=_part_rank), key=parts.get)
        native = not _has_window(layer) or isinstance(layer, QuantDepthwiseConv) or \
            window_lanes(layer.input_shape[2], layer.kernel, folding.simd) == folding.simd
        options.append(_Option(folding, parts[worst], worst, native,
                               _multiplies(layer, folding, packing)))
    return options


def _cheapest(options: list, target: int, *, lean: bool = False) -> _Option:
    """Fewest MAC units within ``target`` (then, if ``lean``, the fewest hardware
    multiplies; then a native SIMD, the wider SIMD); if none is within it, the fastest (then
    the fewest units)."""
    def key(o):
        units = o.folding.pe * o.folding.simd
        multiplies = o.multiplies if lean else 0
        if o.cycles <= target:
            return (0, units, multiplies, not o.native, -o.folding.simd)
        return (1, o.cycles, units, multiplies, not o.native, -o.folding.simd)
    return min(options, key=key)


def _fastest(options: list) -> _Option:
    return min(options, key=lambda o: (o.cycles, o.folding.pe * o.folding.simd))


def _why(layer, option: _Option, requested: bool) -> str:
    """Why ``option``, the fastest folding of ``layer``, takes ``option.cycles``."""
    f = option.folding
    if option.part == "window input":
        h, w, c = layer.input_shape
        return (f"its sliding window takes one input pixel per cycle ({h}x{w} pixels of {c} "
                f"channel{'s' if c > 1 else ''})")
    if option.part == "window output":
        oh, ow = layer.output_shape[:2]
        if isinstance(layer, QuantDepthwiseConv):
            return (f"the depthwise unit takes one kernel tap per cycle ({oh}x{ow} output "
                    f"pixels x {layer.kernel}x{layer.kernel} taps at PE={f.pe})")
        return f"its sliding window sends one patch per cycle ({oh}x{ow} output pixels)"
    if option.part != "matrix":
        return f"the {option.part} after it, at the lanes of its PE={f.pe}"
    if requested:
        return (f"its requested folding PE={f.pe} x SIMD={f.simd} (pe / simd in CONFIG.toml, "
                "or set before folding)")
    if f.pe == layer.out_features and f.simd == layer.in_features:
        return (f"it is at full parallelism, PE={f.pe} x SIMD={f.simd}: one "
                f"{'output pixel' if _vectors(layer) > 1 else 'vector'} per cycle")
    return f"its datapath allows no faster folding than PE={f.pe} x SIMD={f.simd}"


# -- the pass ---------------------------------------------------------------------------

def _check_request(name: str, what: str, value, size: int, unit: str) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise IRError(f"layer {name!r}: {what} must be a positive integer or 'auto', not {value!r}")
    if size % value:
        raise IRError(
            f"layer {name!r}: {what}={value} does not divide the {size} {unit}; use one of "
            f"{', '.join(map(str, divisors(size)))}")


def _plan(graph: Graph, requests: dict, packing: dict):
    """Every foldable layer's options, and the fastest interval the graph can reach:
    ``(options by layer index, best cycles, limiting layer name, why)``."""
    costs = _Costs(graph)
    options, best = {}, (0, "", "")
    for index, layer in enumerate(graph.layers):
        if not _foldable(layer):
            continue
        pe, simd = requests.get(layer.name, (None, None))
        if layer.folding is not None and not (pe or simd):
            pe, simd, fixed = layer.folding.pe, layer.folding.simd, True
        else:
            fixed = bool(pe and simd)
        _check_request(layer.name, "PE", pe, layer.out_features, "output channels")
        _check_request(layer.name, "SIMD", simd, layer.in_features, "inputs")
        options[index] = _options(costs, index, layer, pe, simd,
                                  packing.get(layer.name, "auto"))
        fastest = _fastest(options[index])
        if fastest.cycles > best[0]:
            best = (fastest.cycles, layer.name,
                    _why(layer, fastest, fixed or bool(pe or simd)))
    # Pools and adds no matrix layer feeds (fed by the design input) keep their rate.
    for index, layer in enumerate(graph.layers):
        if _foldable(layer) or graph.edges[index][0] != -1:
            continue
        lanes = lower_layer(layer, 1)[0].input_format.lanes
        cycles, part, out_lanes = costs.follower(layer, lanes)
        tail = costs.downstream(index, out_lanes)
        if max(cycles, tail[0]) > best[0]:
            best = (cycles, layer.name, f"its {part} at the design input's {lanes} lanes") \
                if cycles >= tail[0] else (tail[0], tail[1], f"its {tail[2]}")
    return options, best[0], best[1], best[2]


def choose_folding(graph: Graph, *, requests=None, max_macs: int = DEFAULT_MAX_MACS,
                   target_ii: int | None = None, dsp_packing=None) -> Graph:
    """Set every layer's folding: the cheapest one meeting a target interval.

    By default the target is ``ceil(max(vectors * MH * MW) / max_macs)``: the layer with the
    most multiply-accumulates per inference gets ``max_macs`` multipliers (``vectors``:
    output pixels of a convolution, 1 for a dense layer), raised to the fastest interval the
    graph can reach. With ``target_ii`` the target is that interval, and a graph that cannot
    reach it raises :class:`FoldingTargetError`. Every other layer takes the fewest
    multipliers that keep its cycles (its matrix, its window, the pools after it) within the
    target (see the module docstring). Among foldings of equally many MAC units within the
    interval those foldings reach, each layer takes the one with the fewest hardware
    multiplies: an even PE whose products pack two to a DSP (``dsp_packing``), fewer
    requantizer lanes. A requested PE or SIMD is kept (the other one is chosen); a layer
    whose folding is already set is left alone.

    Parameters
    ----------
    graph : Graph
    requests : dict, optional
        ``{layer name: (pe or None, simd or None)}``.
    max_macs : int
        Multipliers of the largest layer when ``target_ii`` is not given.
    target_ii : int, optional
        Cycles per inference the pipeline must reach.
    dsp_packing : dict, optional
        ``{layer name: "auto" | "off"}`` (CONFIG.toml's ``dsp_packing``); ``"auto"`` for a
        layer not named.
    """
    requests = dict(requests or {})
    names = {layer.name for layer in graph.layers}
    unknown = set(requests) - names
    if unknown:
        raise IRError(f"folding requested for unknown layer(s) {', '.join(sorted(unknown))}; "
                      f"layers are {', '.join(layer.name for layer in graph.layers)}")
    for layer in graph.layers:
        if layer.name in requests and not _foldable(layer):
            raise IRError(f"layer {layer.name!r} has no PE x SIMD folding to choose")
    if target_ii is None:
        if not isinstance(max_macs, int) or isinstance(max_macs, bool) or max_macs < 1:
            raise IRError(f"max_macs must be a positive integer, not {max_macs!r}")
    elif not isinstance(target_ii, int) or isinstance(target_ii, bool) or target_ii < 1:
        raise IRError(f"the target interval must be a positive number of cycles, "
                      f"not {target_ii!r}")
    options, best, limit, why = _plan(graph, requests, dict(dsp_packing or {}))
    if target_ii is None:
        target = max([math.ceil(_macs(layer) / max_macs) for layer in graph.layers
                      if _foldable(layer)] + [best, 1])
    elif best > target_ii:
        raise FoldingTargetError(
            f"no folding reaches an interval of {target_ii:,} cycles per inference: the "
            f"fastest is {best:,} cycles, set by layer {limit!r}: {why}; ask for "
            f"{best:,} cycles or more", target_ii=target_ii, best_ii=best, layer=limit,
            why=why)
    else:
        target = target_ii
    # Then, at the interval those foldings reach (never slower), the same MAC units with the
    # fewest multiplies: an even PE whose products pack two to a DSP, fewer requantizer lanes.
    first = [_cheapest(layer_options, target) for layer_options in options.values()]
    if first:
        target = min(target, max(option.cycles for option in first))
    layers = list(graph.layers)
    for index, layer_options in options.items():
        chosen = _cheapest(layer_options, target, lean=True)
        layers[index] = layers[index].replace(folding=chosen.folding)
    return graph.replace_layers(layers)


def folding_report(graph: Graph) -> FoldingReport:
    """Cycles, MAC units and bound of every layer of a folded graph (see
    :class:`FoldingReport`); pools and adds take the lanes their producer gives them, as
    :func:`hwgen.ir.lowering.lower_graph` lowers them."""
    costs = _Costs(graph)
    rows, lanes_out = [], {}
    for index, (layer, ports) in enumerate(zip(graph.layers, graph.edges, strict=True)):
        if _foldable(layer):
            if layer.folding is None:
                raise IRError(f"layer {layer.name!r} has no folding yet; run "
                              "hwgen.passes.choose_folding first")
            parts = costs.own(layer, layer.folding)
            bound = max(sorted(parts, key=_part_rank), key=parts.get)
            rows.append(LayerFolding(layer.name, layer.folding, parts[bound], bound,
                                     _macs(layer), layer.folding.pe * layer.folding.simd))
            lanes_out[index] = layer.folding.pe
            continue
        producer = ports[0]
        lanes = lanes_out[producer] if producer >= 0 else \
            lower_layer(layer, 1)[0].input_format.lanes
        cycles, part, lanes_out[index] = costs.follower(layer, lanes)
        rows.append(LayerFolding(layer.name, None, cycles, part, 0, 0))
    return FoldingReport(tuple(rows))


def _positive(value, what: str):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 \
            or not math.isfinite(value):
        raise ConfigError(f"{what} must be a positive number, not {value!r}")
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def target_interval(*, target_ii=None, target_fps=None, clock_mhz=None) -> int | None:
    """The interval (cycles per inference) a compile must reach, or None for budget mode.

    ``target_ii`` directly, or ``floor(clock_mhz * 1e6 / target_fps)`` (the most cycles per
    inference that still give ``target_fps`` inferences per second at ``clock_mhz``).
    """
    if target_fps is None and clock_mhz is None:
        if target_ii is not None and (isinstance(target_ii, bool) or
                                      not isinstance(target_ii, int) or target_ii < 1):
            raise ConfigError(f"the target interval must be a positive number of cycles, "
                          f"not {target_ii!r}")
        return target_ii
    if target_ii is not None:
        raise ConfigError("give a target interval in cycles or a target rate (inferences per "
                      "second and clock), not both")
    if target_fps is None or clock_mhz is None:
        raise ConfigError("a target rate needs both the inferences per second and the clock "
                      "frequency in MHz")
    fps = _positive(target_fps, "the target rate (inferences per second)")
    clock = _positive(clock_mhz, "the clock frequency (MHz)")
    cycles = math.floor(clock * 1_000_000 / fps)
    if cycles < 1:
        raise ConfigError(f"{target_fps} inferences per second at {clock_mhz} MHz leave less than "
                      "one clock cycle per inference")
    return cycles


def _show(value) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def target_rate_error(error: FoldingTargetError, target_fps, clock_mhz) -> FoldingTargetError:
    """``error`` reworded for a target given as a rate at a clock frequency."""
    best_fps = math.floor(Fraction(str(clock_mhz)) * 1_000_000 / error.best_ii)
    return FoldingTargetError(
        f"no folding reaches {_show(target_fps)} inferences per second at {_show(clock_mhz)} "
        f"MHz (at "
        f"most {error.target_ii:,} cycles per inference): the fastest is {error.best_ii:,} "
        f"cycles per inference ({best_fps:,} per second), set by layer {error.layer!r}: "
        f"{error.why}; ask for at most {best_fps:,} inferences per second",
        target_ii=error.target_ii, best_ii=error.best_ii, layer=error.layer, why=error.why)
