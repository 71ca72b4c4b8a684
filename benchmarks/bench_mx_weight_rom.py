"""LUTs an MX MVAU's weight ROM takes alone, by depth and contents, against the model's count.

    python benchmarks/bench_mx_weight_rom.py [--targets ecp5] [--point m10]
                                             [--depths 16,17,18,24,32] [--widths 544,64]

The cost model counts a soft-logic weight ROM as its distinct columns times
``tally.rom_luts_of_depth`` (``ROM_LUTS[target]["counter"]``, past 16 and 32 words on ECP5
the split rule ``ROM_SPLIT_SELECT``) times the fitted ``rom`` coefficient. Inside sweep point
m10 (MX9 weights, 18 words of 544 bits) the ROM measures 0.70 of that count
(benchmarks/bench_mx_parts.py, ``no_rom``). Here the ROM is built alone, as ``MvauCore``
builds it (``hwgen.hw.rom.Rom``, a registered read at a step counter that wraps at the
depth, the word on a port), with the point's own element words (``mx_element_words``; the
rows past its depth drawn at random from the same codes, seeded) truncated to each width,
and again with every row ``r`` replaced by row ``r mod 2`` (a column of two words is an
address bit: no LUT): the difference per distinct column is what one column costs. Every
design of a target goes into one Yosys run (benchmarks/yosys_batch.py). Printed per depth and
width: LUTs, LUTs per column, the model's LUTs per column (``rom`` units x the fitted
coefficient) and their ratio.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import yosys_batch
from amaranth.back import verilog
from amaranth.hdl import Cat, Module, Mux, Signal, signed
from amaranth.lib import wiring
from amaranth.lib.wiring import In, Out
from cost_sweep import build_point
from cpu_time import child_cpu_seconds

from hwgen.hw.mx.element_decoder import MxElementDecoder
from hwgen.hw.rom import Rom
from hwgen.ir.mx.packing import is_micro, mx_element_word_bits, mx_element_words
from hwgen.ir.mx.types import mx_format
from hwgen.perf.cost.coefficients import COEFFICIENTS
from hwgen.perf.cost.memory import rom_from_words
from hwgen.perf.cost.tally import rom_luts_of_depth

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "out" / "mx_weight_rom"


class RomAlone(wiring.Component):
    """A weight ROM read as ``MvauCore`` reads it: registered, at a step counter that counts
    ``0 .. depth - 1`` while ``en`` is high and wraps. With ``decoded`` (the MX MVAU's
    ``(format, lanes, micro)``), the word goes through the block's element decoders and sign
    application (``Mux(sign, -mant, mant)``) into registers, as in front of its products;
    with ``external`` too, the word comes from a register loaded from a port ``w_ext``
    instead of the ROM (``bench_mx_parts.py``'s ``no_rom``)."""

    def __init__(self, words, bits: int, *, decoded=None, external: bool = False):
        self._words, self._bits = words, bits
        self._decoded, self._external = decoded, external
        members = {"en": In(1), "data": Out(bits if decoded is None else
                                            decoded_bits(*decoded))}
        if external:
            members["w_ext"] = In(bits)
        super().__init__(members)

    def elaborate(self, platform):
        m = Module()
        depth = len(self._words)
        word = Signal(self._bits, name="word")
        if self._external:
            m.d.sync += word.eq(self.w_ext)
        else:
            m.submodules.rom = rom = Rom(words=self._words, bits=self._bits, read="sync",
                                         table="weights")
            step = Signal(range(depth), name="step")
            with m.If(self.en):
                m.d.sync += step.eq(step + 1)
                with m.If(step == depth - 1):
                    m.d.sync += step.eq(0)
            # the read enable left at 1, as ``MvauCore`` leaves it
            m.d.comb += [rom.addr.eq(step), word.eq(rom.data)]
        if self._decoded is None:
            m.d.comb += self.data.eq(word)
            return m
        fmt, lanes, micro = self._decoded
        e = mx_format(fmt).element
        outs = []
        for lane in range(lanes):
            dec = MxElementDecoder(fmt=e.name)
            m.submodules[f"dec{lane}"] = dec
            m.d.comb += dec.i_code.eq(word[lane * e.bits:(lane + 1) * e.bits])
            if micro:
                m.d.comb += dec.i_micro.eq(word[lanes * e.bits + lane // 2])
            sm = Signal(signed(e.mant_bits + 1), name=f"sm{lane}")
            f = Signal(e.exp_bits + 2, name=f"f{lane}")
            m.d.sync += [sm.eq(Mux(dec.o_sign, -dec.o_mant, dec.o_mant)),
                         f.eq(dec.o_exp | (dec.o_nan << e.exp_bits)
                              | (dec.o_inf << (e.exp_bits + 1)))]
            outs += [sm, f]
        m.d.comb += self.data.eq(Cat(*outs))
        return m


def decoded_bits(fmt: str, lanes: int, micro: bool) -> int:
    """Bits of :class:`RomAlone`'s decoded output: per lane the signed mantissa and the
    exponent offset with the NaN / Inf flags."""
    e = mx_format(fmt).element
    return lanes * (e.mant_bits + 1 + e.exp_bits + 2)


def point_words(pid: str, depth: int, seed: int = 0) -> tuple[list[int], int]:
    """``depth`` element words of sweep point ``pid``'s MX MVAU and their bits: its own
    words, then words of random codes (its codes are uniform: every code bit about half
    ones, no constant column), seeded."""
    p = build_point(pid).blocks[0]
    words = mx_element_words(p)
    bits = mx_element_word_bits(p)
    rng = np.random.default_rng(seed)
    while len(words) < depth:
        words.append(int("".join(rng.choice(["0", "1"], size=bits)), 2))
    return words[:depth], bits


def model_per_column(target: str, depth: int) -> float:
    """The model's LUTs for one distinct column of a ``depth``-word weight ROM."""
    return (rom_luts_of_depth(target, depth, counter=True)
            * COEFFICIENTS[target]["lut"]["rom"])


def measure(target: str, pid: str, depths, widths) -> None:
    designs, meta = {}, {}
    for depth in depths:
        words, bits = point_words(pid, depth)
        for width in widths:
            cut = [w & ((1 << min(width, bits)) - 1) for w in words]
            for period in (2, depth):
                rows = [cut[r % period] for r in range(depth)]
                top = f"rom_d{depth}_w{width}_p{period}"
                designs[top] = verilog.convert(RomAlone(rows, min(width, bits)), name=top)
                meta[top] = (depth, width, period,
                             rom_from_words(rows, min(width, bits), sync_read=True,
                                            counter_address=True).distinct)
    result = yosys_batch.synthesize_batch(designs, target, WORK / target)["designs"]
    print(f"{target}: {pid}'s weight words, the ROM alone (LUTs; per distinct column against "
          "period 2 at the same depth and width)")
    base = {}
    for top, (depth, width, period, distinct) in meta.items():
        # the top (its counter) and its ROM, kept apart by the batch
        lut = sum(part["resources"]["lut"] for part in result[top].values())
        if period == 2:
            base[depth, width] = lut
            continue
        per = (lut - base[depth, width]) / distinct
        model = model_per_column(target, depth)
        print(f"  {depth:3} words x {width:4} bits ({distinct} distinct): {lut:5} LUT, "
              f"{per:5.2f} a column, model {model:5.2f} ({per / model:4.2f} of it)")


def decoded(target: str, pids) -> None:
    """Per sweep point, its own weight ROM with the block's decoders behind it, less the same
    decoders behind a register loaded from a port (``no_rom`` alone), against the model's
    count of the ROM."""
    designs, meta = {}, {}
    for pid in pids:
        p = build_point(pid).blocks[0]
        words, bits = mx_element_words(p), mx_element_word_bits(p)
        spec = (p.weight_format, p.pe * p.simd, is_micro(p))
        for external in (False, True):
            top = f"{pid}_{'ext' if external else 'rom'}"
            designs[top] = verilog.convert(RomAlone(words, bits, decoded=spec,
                                                    external=external), name=top)
        rom = rom_from_words(words, bits, sync_read=True, counter_address=True)
        meta[pid] = (len(words), bits, rom.distinct)
    result = yosys_batch.synthesize_batch(designs, target, WORK / target / "decoded")["designs"]
    print(f"{target}: the weight ROM with the decoders behind it, less the decoders behind a "
          "register (LUTs)")
    for pid, (depth, bits, distinct) in meta.items():
        luts = {kind: sum(part["resources"]["lut"] for part in result[f"{pid}_{kind}"].values())
                for kind in ("rom", "ext")}
        saved = luts["rom"] - luts["ext"]
        model = distinct * model_per_column(target, depth)
        print(f"  {pid}: {depth} words x {bits} bits ({distinct} distinct): {luts['rom']} "
              f"LUT, decoders alone {luts['ext']}: ROM {saved} ({saved / distinct:4.2f} a "
              f"column), model {model:6.0f} ({saved / model:4.2f} of it)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="ecp5")
    parser.add_argument("--point", default="m10")
    parser.add_argument("--depths", default="16,17,18,24,32")
    parser.add_argument("--widths", default="544,64")
    parser.add_argument("--decoded", default="",
                        help="comma-separated sweep points: their ROM with the decoders "
                             "behind it, in place of the depths")
    args = parser.parse_args(argv)
    wall, cpu0 = time.monotonic(), child_cpu_seconds()
    for target in args.targets.split(","):
        if args.decoded:
            decoded(target, args.decoded.split(","))
            continue
        measure(target, args.point, [int(d) for d in args.depths.split(",")],
                [int(w) for w in args.widths.split(",")])
    print(f"\nyosys: {child_cpu_seconds() - cpu0:.0f} CPU s, "
          f"{time.monotonic() - wall:.0f} s wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
