"""Saving and loading a Design: arrays in design.npz, everything else in JSON."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import HwgenError
from ..ir.mvau_params import IntMvauParams
from ..ir.rules import RequantRounding
from ..ir.types import IntType, TensorQuant
from .design import Design

__all__ = ["save_design", "load_design", "DESIGN_FILE"]

DESIGN_FILE = "design.npz"
_ARRAYS = ("weights", "acc_bias", "multiplier", "shift")
_SCALARS = ("name", "out_zero_point", "out_min", "out_max", "pe", "simd",
            "out_fifo_depth", "in_fifo_depth")
_TYPES = ("weight_type", "input_type", "output_type")


def _quant_dict(q: TensorQuant) -> dict:
    return {"type": q.dtype.name, "scale": q.scale, "zero_point": q.zero_point}


def _quant_from(d: dict) -> TensorQuant:
    return TensorQuant(IntType.parse(d["type"]), float(d["scale"]), int(d["zero_point"]))


def save_design(design: Design, path: Path) -> None:
    """Write ``design`` to ``path`` (an .npz file)."""
    arrays = {}
    layers = []
    for i, layer in enumerate(design.layers):
        for key in _ARRAYS:
            arrays[f"layer{i}.{key}"] = getattr(layer, key)
        entry = {key: getattr(layer, key) for key in _SCALARS}
        entry.update({key: getattr(layer, key).name for key in _TYPES})
        entry["rounding"] = layer.rounding.value
        layers.append(entry)
    meta = {"name": design.name, "top": design.top, "input": _quant_dict(design.input_quant),
            "output": _quant_dict(design.output_quant), "layers": layers}
    arrays["meta"] = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def load_design(path: Path) -> Design:
    """Read a design written by :func:`save_design`."""
    path = Path(path)
    if path.is_dir():
        path = path / DESIGN_FILE
    if not path.exists():
        raise HwgenError(f"{path} does not exist; run `hwgen compile` first")
    with np.load(path) as data:
        meta = json.loads(bytes(data["meta"]).decode())
        layers = []
        for i, entry in enumerate(meta["layers"]):
            fields = {key: entry[key] for key in _SCALARS}
            fields.update({key: IntType.parse(entry[key]) for key in _TYPES})
            fields.update({key: data[f"layer{i}.{key}"] for key in _ARRAYS})
            fields["rounding"] = RequantRounding(entry["rounding"])
            layers.append(IntMvauParams(**fields))
    return Design(name=meta["name"], layers=tuple(layers), top=meta["top"],
                  input_quant=_quant_from(meta["input"]), output_quant=_quant_from(meta["output"]))
