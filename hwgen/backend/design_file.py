"""Saving and loading a LoweredDesign: arrays in design.npz, everything else in JSON.

Block parameters are frozen dataclasses; each field is stored by its value's type: numpy
arrays as arrays, IntType by name, enums by value, plain numbers and strings as JSON.
"""

from __future__ import annotations

import enum
import json
import typing
import zipfile
from dataclasses import fields
from pathlib import Path

import numpy as np

from ..catalog import kind_named, resolve
from ..errors import HwgenError
from ..ir.types import IntType, TensorQuant
from .design import LoweredDesign

__all__ = ["save_design", "load_design", "DESIGN_FILE"]

DESIGN_FILE = "design.npz"
FORMAT_VERSION = 1


def _quant_dict(q: TensorQuant) -> dict:
    return {"type": q.dtype.name, "scale": q.scale, "zero_point": q.zero_point}


def _quant_from(d: dict) -> TensorQuant:
    return TensorQuant(IntType.parse(d["type"]), float(d["scale"]), int(d["zero_point"]))


def _encode(block, index: int, arrays: dict) -> dict:
    entry = {"kind": block.kind, "fields": {}}
    for f in fields(block):
        value = getattr(block, f.name)
        if isinstance(value, np.ndarray) and value.dtype == object:
            # Python integers wider than int64 (MX accumulator constants): decimal strings.
            entry["fields"][f.name] = {"big_ints": [str(int(v)) for v in value.reshape(-1)],
                                       "shape": list(value.shape)}
        elif isinstance(value, np.ndarray):
            key = f"block{index}.{f.name}"
            arrays[key] = value
            entry["fields"][f.name] = {"array": key}
        elif isinstance(value, IntType):
            entry["fields"][f.name] = {"int_type": value.name}
        elif isinstance(value, enum.Enum):
            entry["fields"][f.name] = {"enum": value.value}
        elif isinstance(value, tuple) and all(isinstance(v, int) for v in value):
            entry["fields"][f.name] = {"ints": list(value)}
        elif isinstance(value, (bool, int, float, str)) or value is None:
            entry["fields"][f.name] = {"value": value}
        else:
            raise HwgenError(f"cannot store field {f.name} of {type(block).__name__}: "
                             f"{type(value).__name__}")
    return entry


def _decode(entry: dict, data) -> object:
    try:
        cls = resolve(kind_named(entry["kind"]).params)
    except KeyError as error:
        raise HwgenError(f"design file: {error.args[0]}") from None
    hints = typing.get_type_hints(cls)
    values = {}
    for name, stored in entry["fields"].items():
        if "array" in stored:
            values[name] = data[stored["array"]]
        elif "big_ints" in stored:
            big = np.empty(len(stored["big_ints"]), dtype=object)
            big[:] = [int(v) for v in stored["big_ints"]]
            values[name] = big.reshape(stored["shape"])
        elif "int_type" in stored:
            values[name] = IntType.parse(stored["int_type"])
        elif "ints" in stored:
            values[name] = tuple(stored["ints"])
        elif "enum" in stored:
            values[name] = hints[name](stored["enum"])
        else:
            values[name] = stored["value"]
    return cls(**values)


def save_design(design: LoweredDesign, path: Path) -> None:
    """Write ``design`` to ``path`` (an .npz file)."""
    arrays = {}
    blocks = [_encode(block, i, arrays) for i, block in enumerate(design.blocks)]
    meta = {"format": FORMAT_VERSION, "name": design.name, "top": design.top,
            "input": _quant_dict(design.input_quant),
            "output": _quant_dict(design.output_quant), "blocks": blocks,
            "edges": [list(ports) for ports in design.edges],
            "input_axes": None if design.input_axes is None else list(design.input_axes)}
    arrays["meta"] = np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def load_design(path: Path) -> LoweredDesign:
    """Read a design written by :func:`save_design` (a file, or the directory holding it)."""
    path = Path(path)
    if path.is_dir():
        path = path / DESIGN_FILE
    if not path.exists():
        raise HwgenError(f"{path} does not exist; run `hwgen compile` first")
    if not path.is_file():
        raise HwgenError(f"{path} is not a file; run `hwgen compile` again")
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION:
                raise HwgenError(f"{path} was written by another hwgen version; compile again")
            blocks = tuple(_decode(entry, data) for entry in meta["blocks"])
        return LoweredDesign(
            name=meta["name"], blocks=blocks, top=meta["top"],
            edges=tuple(tuple(ports) for ports in meta["edges"]),
            input_quant=_quant_from(meta["input"]), output_quant=_quant_from(meta["output"]),
            input_axes=None if meta.get("input_axes") is None else tuple(meta["input_axes"]))
    except HwgenError as error:
        if str(error).startswith(str(path)):
            raise
        raise HwgenError(f"{path} does not hold a valid design ({error}); compile again") \
            from None
    except (OSError, EOFError, ValueError, KeyError, TypeError, AttributeError,
            zipfile.BadZipFile) as error:
        # a truncated or edited file: numpy, zipfile and json raise any of these
        raise HwgenError(f"{path} is corrupt or truncated ({type(error).__name__}: {error}); "
                         "compile again: hwgen compile MODEL -o OUT") from None
