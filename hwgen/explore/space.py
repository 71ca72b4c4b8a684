"""The search space: a weight format and an input-activation format per matrix layer.

A candidate is a tuple of ``2 L`` format names for the ``L`` layers of :attr:`Space.layers`
(the model's Conv / Gemm / MatMul layers, in pipeline order): first the weight format of each
layer (CONFIG.toml's ``weights``), then the format of each layer's input activations
(``activations``: the codes its multipliers see; layer i's output format is layer i+1's
``activations``, and the first layer's is the model input's). Searching both is what moves
products off DSPs: a product narrower than 9 bits (e.g. int4 weights times int4 activations)
is a LUT multiplier, where int4 weights times int8 activations is still a DSP
(``hwgen.hw.arith.dsp_packing.PRODUCT_MIN_BITS``).

An MX weight format needs a block size that divides the layer's inputs: the space gives each
MX layer the largest divisor of its ``k * k * in`` (or ``in``) inputs that is at most 32 (and
even, for mx4 / mx6 / mx9). Activation formats are integer (signed or unsigned, 2 to 8 bits).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..errors import ConfigError

__all__ = ["FORMATS", "DEFAULT_FORMATS", "ACTIVATION_FORMATS", "DEFAULT_ACTIVATIONS", "Space",
           "parse_formats", "parse_activations", "config_toml", "describe"]

#: Weight formats the search may give a layer (CONFIG.toml's ``weights`` values).
FORMATS = ("int8", "int7", "int6", "int5", "int4", "int3", "int2", "binary", "ternary",
           "mxfp4", "mxfp6_e2m3", "mxfp6_e3m2", "mxfp8_e4m3", "mxfp8_e5m2", "mxint8", "mx4",
           "mx6", "mx9")
DEFAULT_FORMATS = ("int8", "int4", "int2", "binary", "ternary", "mxfp4")
#: Input-activation formats the search may give a layer (CONFIG.toml's ``activations``).
ACTIVATION_FORMATS = tuple(f"int{b}" for b in range(8, 1, -1)) + \
    tuple(f"uint{b}" for b in range(8, 1, -1))
#: Signed codes only by default: an unsigned code gains a sign bit at the multiplier, so
#: uint4 x int4 is a 9-bit product (a DSP) where int4 x int4 is a LUT multiplier.
DEFAULT_ACTIVATIONS = ("int8", "int6", "int4", "int2")
#: The format every layer starts from, and the reference of the summary.
BASELINE = "int8"
_MX_EVEN = ("mx4", "mx6", "mx9")


def _parse(text: str, valid: tuple, option: str) -> tuple[str, ...]:
    names = [f.strip() for f in str(text).split(",") if f.strip()]
    wrong = [f for f in names if f not in valid]
    if wrong or not names:
        raise ConfigError(f"{option}: unknown format(s) {', '.join(map(repr, wrong)) or '(none)'}"
                          f"; valid: {', '.join(valid)}")
    if BASELINE not in names:
        names.insert(0, BASELINE)
    return tuple(dict.fromkeys(names))


def parse_formats(text: str) -> tuple[str, ...]:
    """``"int8,int4,binary"`` -> ``("int8", "int4", "binary")``; int8 is always included."""
    return _parse(text, FORMATS, "--formats")


def parse_activations(text: str) -> tuple[str, ...]:
    """``"int8,int4"`` -> ``("int8", "int4")``: the input-activation formats to consider
    (int8 is always included; ``"int8"`` alone searches the weights only)."""
    return _parse(text, ACTIVATION_FORMATS, "--activations")


def _block_size(fmt: str, inputs: int) -> int | None:
    even = fmt in _MX_EVEN
    sizes = [d for d in range(1, min(32, inputs) + 1)
             if inputs % d == 0 and (not even or d % 2 == 0)]
    return max(sizes) if sizes else None


def describe(weights: dict, activations: dict | None = None) -> str:
    """``"conv1 w int4 a int4, fc w int8 a int8"``: a row's formats for messages and tables."""
    activations = activations or {}
    return ", ".join(f"{name} w {fmt}" + (f" a {activations[name]}" if name in activations
                                          else "") for name, fmt in weights.items())


@dataclass(frozen=True)
class Space:
    """Layers (name, inputs per output), the weight formats and the activation formats each
    may take. Gene ``g < L`` is layer ``g``'s weight format, gene ``L + i`` its input
    activations'."""

    layers: tuple[str, ...]
    inputs: tuple[int, ...]
    formats: tuple[str, ...]
    activations: tuple[str, ...] = (BASELINE,)

    def __post_init__(self):
        if not self.layers:
            raise ConfigError("the model has no Conv / Gemm / MatMul layer to give a format")

    @property
    def genes(self) -> int:
        """Length of a candidate: two per layer."""
        return 2 * len(self.layers)

    def gene(self, g: int) -> tuple[str, str]:
        """``(layer name, "weights" or "activations")`` of gene ``g``."""
        n = len(self.layers)
        return self.layers[g % n], ("weights" if g < n else "activations")

    def allowed(self, g: int) -> tuple[str, ...]:
        """Formats gene ``g`` can take (MX weights need a block size that fits)."""
        n = len(self.layers)
        if g >= n:
            return self.activations
        return tuple(f for f in self.formats
                     if not f.startswith("mx") or _block_size(f, self.inputs[g]))

    def uniform(self, fmt: str, activations: str = BASELINE) -> tuple[str, ...]:
        """Every layer's weights in ``fmt`` (int8 where it cannot be) and activations in
        ``activations``."""
        n = len(self.layers)
        weights = tuple(fmt if fmt in self.allowed(i) else BASELINE for i in range(n))
        acts = (activations if activations in self.activations else BASELINE,) * n
        return weights + acts

    def split(self, candidate) -> tuple[dict, dict]:
        """``({layer: weight format}, {layer: activation format})`` of a candidate."""
        n = len(self.layers)
        candidate = tuple(candidate)
        return (dict(zip(self.layers, candidate[:n], strict=True)),
                dict(zip(self.layers, candidate[n:], strict=True)))

    def candidate(self, row: dict) -> tuple[str, ...]:
        """The candidate of an evaluated row (its ``formats`` and ``activations``)."""
        acts = row.get("activations") or {}
        return (tuple(row["formats"][name] for name in self.layers)
                + tuple(acts.get(name, BASELINE) for name in self.layers))

    def config(self, candidate, folding: dict | None = None) -> dict:
        """The CONFIG dict of ``candidate`` (and ``{layer: (pe, simd)}`` from ``folding``)."""
        weights, acts = self.split(candidate)
        tables = {}
        for name, inputs in zip(self.layers, self.inputs, strict=True):
            fmt = weights[name]
            table = {"weights": fmt, "activations": acts[name]}
            if fmt.startswith("mx"):
                table["block_size"] = _block_size(fmt, inputs)
            if folding and name in folding:
                table["pe"], table["simd"] = folding[name]
            tables[name] = table
        return {"default": {"weights": BASELINE, "activations": BASELINE}, "layer": tables}


def config_toml(config: dict, header: str = "") -> str:
    """CONFIG.toml text of a config dict (strings quoted as TOML basic strings)."""
    lines = [f"# {line}" for line in header.splitlines()]
    for table, values in (("default", config.get("default", {})),):
        lines.append(f"[{table}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    for name, values in config.get("layer", {}).items():
        lines.append("")
        lines.append(f"[layer.{json.dumps(name)}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"
