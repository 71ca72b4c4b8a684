"""Multiplier counts derived from a manifest and its memory images, without synthesis.

Every integer MVAU has PE x SIMD weight-times-activation products (8 x 8 bits at most here)
and one requantizer product per PE: the accumulator (``acc_bits`` signed; 32 bits when any
channel shifts it left first) times the 31-bit unsigned multiplier, a 32-bit signed operand.
A DSP multiplies signed operands up to its port widths (18 x 18 on ECP5's MULT18X18D, 27 x 18
on the DSP48E2); a wider product takes ceil(a / A) x ceil(b / B) of them, the wider operand on
the wider port.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

DSP_PORTS = {"ecp5": (18, 18), "xcup": (27, 18)}


def _shift_codes(out: Path, image: dict, pe: int) -> list[int]:
    """The per-channel requantizer shifts: 6-bit two's complement fields, PE per word."""
    codes = []
    for line in (out / image["file"]).read_text().split():
        word = int(line, 16)
        for lane in range(pe):
            field = (word >> (6 * lane)) & 0x3F
            codes.append(field - 64 if field >= 32 else field)
    return codes


def _tiles(a: int, b: int, ports) -> int:
    wide, narrow = max(a, b), min(a, b)
    return math.ceil(wide / ports[0]) * math.ceil(narrow / ports[1])


def expected_dsps(out: Path, target: str) -> dict:
    """``{layer name: DSP count}`` of the int MVAUs of the design in ``out``."""
    manifest = json.loads((out / "manifest.json").read_text())
    images = manifest["files"]["memory_images"]
    ports = DSP_PORTS[target]
    result = {}
    for index, layer in enumerate(manifest["layers"]):
        assert layer["kind"] == "int_mvau", "the derivation covers integer MVAUs only"
        w_bits = int(layer["weight_type"].removeprefix("int"))
        a_bits = int(layer["input_type"].removeprefix("uint").removeprefix("int"))
        assert max(w_bits, a_bits) <= min(ports), "a MAC product must fit one DSP"
        shifts = _shift_codes(out, images[f"layer{index}.shift"], layer["pe"])
        operand = 32 if max(shifts) > 0 else layer["acc_bits"]
        pe, simd = layer["pe"], layer["simd"]
        result[layer["name"]] = pe * simd + pe * _tiles(operand, 32, ports)
    return result
