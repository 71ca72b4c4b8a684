"""What a block costs on a target: LUTs, flip-flops, carry cells, DSPs, block and LUT RAMs."""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["Resources", "RESOURCE_NAMES"]

#: The resources an estimate gives, in the order ``hwgen synth`` reports them.
RESOURCE_NAMES = ("lut", "ff", "carry", "dsp", "bram", "lutram")


@dataclass(frozen=True)
class Resources:
    """Resources of one block (or of glue, or of a whole design) on one target.

    Counted as ``hwgen synth`` counts Yosys cells (docs/synthesis.md): ``lut`` logic LUTs
    (LUT1..LUT6 on Xilinx, LUT4 on ECP5 / iCE40; the LUTs inside ECP5 carry cells and LUT
    RAMs not included), ``ff`` flip-flops, ``carry`` carry cells (CARRY4 / CCU2C / SB_CARRY),
    ``dsp`` DSP slices (DSP48E2 / DSP48E1 / MULT18X18D / SB_MAC16), ``bram`` 36 Kb tiles on
    Xilinx (a RAMB18 is 0.5) or the family's block RAM cells, ``lutram`` LUT RAM primitives.
    Estimates are rounded to whole cells except ``bram``.
    """

    target: str
    lut: float = 0
    ff: float = 0
    carry: float = 0
    dsp: float = 0
    bram: float = 0
    lutram: float = 0

    def __add__(self, other: "Resources") -> "Resources":
        if not isinstance(other, Resources):
            return NotImplemented
        if other.target != self.target:
            raise ValueError(f"cannot add resources of {self.target!r} and {other.target!r}")
        return Resources(self.target, *(getattr(self, n) + getattr(other, n)
                                        for n in RESOURCE_NAMES))

    def rounded(self) -> "Resources":
        """Whole cells (``bram`` to halves: RAMB18 tiles)."""
        values = {n: int(round(getattr(self, n))) for n in RESOURCE_NAMES if n != "bram"}
        return Resources(self.target, bram=round(self.bram * 2) / 2, **values)

    def as_dict(self) -> dict:
        """``{resource: count}`` (JSON-serialisable; the target left out)."""
        out = {}
        for f in fields(self):
            if f.name != "target":
                value = getattr(self, f.name)
                out[f.name] = int(value) if float(value).is_integer() else value
        return out

    @classmethod
    def total(cls, target: str, parts) -> "Resources":
        """The sum of ``parts`` (zero for none)."""
        result = cls(target)
        for part in parts:
            result = result + part
        return result
