"""Multiplier counts derived from a manifest, without synthesis.

Every integer MVAU has PE x SIMD weight-times-activation products (8 x 8 bits at most here;
with ``dsp_packing`` two PEs' products of one input code share a 27 x 9 multiply, see
docs/datapaths.md) and ``ceil(PE / SF)`` requantizer multipliers (shared by the PEs when
``SF > 1``). A requantizer multiplier is the accumulator (``acc_bits`` signed, at most 27)
times the 31-bit unsigned constant cut into a 17-bit and a 14-bit piece (18 and 15 bits
signed), one product per piece; where the fold leaves two cycles per accumulator, a lane
takes both pieces on one multiplier in turn (``ceil(PE / floor(SF / 2))`` lanes of one
product), when that is fewer; an accumulator saturated to 18 bits (``requant_acc_bits``)
takes the constant's top 26 bits in one product. A DSP multiplies signed operands up to
its port widths (18 x 18 on ECP5's MULT18X18D, 27 x 18 on the DSP48E2); a wider product
takes ceil(a / A) x ceil(b / B) of them, the wider operand on the wider port.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

DSP_PORTS = {"ecp5": (18, 18), "xcup": (27, 18)}


def _tiles(a: int, b: int, ports) -> int:
    wide, narrow = max(a, b), min(a, b)
    return math.ceil(wide / ports[0]) * math.ceil(narrow / ports[1])


def expected_dsps(out: Path, target: str) -> dict:
    """``{layer name: DSP count}`` of the int MVAUs of the design in ``out``."""
    manifest = json.loads((out / "manifest.json").read_text())
    ports = DSP_PORTS[target]
    result = {}
    for layer in manifest["layers"]:
        assert layer["kind"] == "int_mvau", "the derivation covers integer MVAUs only"
        w_bits = int(layer["weight_type"].removeprefix("int"))
        a_bits = int(layer["input_type"].removeprefix("uint").removeprefix("int"))
        assert max(w_bits, a_bits) <= min(ports), "a MAC product must fit one DSP"
        pe, simd, sf, acc_bits = layer["pe"], layer["simd"], layer["sf"], layer["acc_bits"]
        assert acc_bits <= 27, "the derivation covers accumulators of at most 27 bits"
        # On ECP5 a packed 27 x 9 multiply takes two 18 x 18 tiles: the same count.
        packed = (layer["dsp_packing"] == "auto" and pe >= 2 and w_bits + a_bits >= 9
                  and target == "xcup")
        assert not packed or max(w_bits, a_bits) <= 8
        multipliers = (pe // 2 + pe % 2) * simd if packed else pe * simd
        requant = _tiles(acc_bits, 18, ports) + _tiles(acc_bits, 15, ports)
        if layer.get("requant_acc_bits") == 18:
            # saturated to 18 bits: times the constant's top 26 bits (27 signed) in one
            # product, its low 5 bits in logic
            requant = _tiles(27, 18, ports)
        lanes = math.ceil(pe / sf) * requant
        if sf >= 2:
            # serial lanes: both pieces on one multiplier, one accumulator per two cycles
            lanes = min(lanes, math.ceil(pe / (sf // 2)) * _tiles(acc_bits, 18, ports))
        result[layer["name"]] = multipliers + lanes
    return result
