"""The search space: one weight format per matrix layer, and the folding target.

A candidate is a tuple of formats, one per layer of :attr:`Space.layers` (the model's
Conv / Gemm / MatMul layers, in pipeline order). Activations stay as ``[default]`` has them
(int8): a CNN's activations cannot take MX formats, and a format per weight tensor is the
choice HAQ makes too. An MX format needs a block size that divides the layer's inputs: the
space gives each MX layer the largest divisor of its ``k * k * in`` (or ``in``) inputs that is
at most 32 (and even, for mx4 / mx6 / mx9).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..errors import ConfigError

__all__ = ["FORMATS", "DEFAULT_FORMATS", "Space", "parse_formats", "config_toml"]

#: Weight formats the search may give a layer (CONFIG.toml's ``weights`` values).
FORMATS = ("int8", "int7", "int6", "int5", "int4", "int3", "int2", "binary", "ternary",
           "mxfp4", "mxfp6_e2m3", "mxfp6_e3m2", "mxfp8_e4m3", "mxfp8_e5m2", "mxint8", "mx4",
           "mx6", "mx9")
DEFAULT_FORMATS = ("int8", "int4", "int2", "binary", "ternary", "mxfp4")
#: The format every layer starts from, and the reference of the summary.
BASELINE = "int8"
_MX_EVEN = ("mx4", "mx6", "mx9")


def parse_formats(text: str) -> tuple[str, ...]:
    """``"int8,int4,binary"`` -> ``("int8", "int4", "binary")``; int8 is always included."""
    names = [f.strip() for f in str(text).split(",") if f.strip()]
    wrong = [f for f in names if f not in FORMATS]
    if wrong or not names:
        raise ConfigError(f"--formats: unknown format(s) {', '.join(map(repr, wrong)) or '(none)'}"
                          f"; valid: {', '.join(FORMATS)}")
    if BASELINE not in names:
        names.insert(0, BASELINE)
    return tuple(dict.fromkeys(names))


def _block_size(fmt: str, inputs: int) -> int | None:
    even = fmt in _MX_EVEN
    sizes = [d for d in range(1, min(32, inputs) + 1)
             if inputs % d == 0 and (not even or d % 2 == 0)]
    return max(sizes) if sizes else None


@dataclass(frozen=True)
class Space:
    """Layers (name, inputs per output) and the formats each may take."""

    layers: tuple[str, ...]
    inputs: tuple[int, ...]
    formats: tuple[str, ...]

    def __post_init__(self):
        if not self.layers:
            raise ConfigError("the model has no Conv / Gemm / MatMul layer to give a format")

    def allowed(self, index: int) -> tuple[str, ...]:
        """Formats layer ``index`` can take (MX formats need a block size that fits)."""
        return tuple(f for f in self.formats
                     if not f.startswith("mx") or _block_size(f, self.inputs[index]))

    def uniform(self, fmt: str) -> tuple[str, ...]:
        return tuple(fmt if fmt in self.allowed(i) else BASELINE
                     for i in range(len(self.layers)))

    def config(self, formats: tuple[str, ...], folding: dict | None = None) -> dict:
        """The CONFIG dict of ``formats`` (and ``{layer: (pe, simd)}`` from ``folding``)."""
        tables = {}
        for name, inputs, fmt in zip(self.layers, self.inputs, formats, strict=True):
            table = {"weights": fmt}
            if fmt.startswith("mx"):
                table["block_size"] = _block_size(fmt, inputs)
            if folding and name in folding:
                table["pe"], table["simd"] = folding[name]
            tables[name] = table
        return {"default": {"weights": BASELINE}, "layer": tables}


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
