"""A ternary MVAU's products by its TTQ levels, measured in the block (``tern_level``).

    python benchmarks/bench_ternary_levels.py [--targets ice40] [--point t03 | 32:32:2:8:8]
                                              [--sets ones,base,...] [--out out/bench_levels]

The sweep point's ternary MVAU (t03 by default: one PE of 16 terms a side, 4-bit inputs, a
2-bit threshold output, levels 1-5 varying over its 16 folds) is synthesised alone
(flattened, as ``hwgen synth`` keeps a block) with its levels replaced by a few level sets
(:func:`level_sets`), and once with every level 1 (no product: ``P - N``). Per set it prints
the block's LUTs, what the model counts for the block less its level products (the level
tables, the wider difference and the comparators behind it), the level products' units
(``binary_mvau.level_product_units``: the side's bits x the level bits some fold sets, or x
a constant level's odd set bits) and what the products cost in the block, per unit:

    products = (block - block with every level 1) - (model's rest - its rest at level 1)

then the least-squares LUTs a unit over the sets, and the CPU seconds (Yosys counted as a
child) beside the wall seconds. Figures, not assertions.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from amaranth.back import verilog  # noqa: E402
from cost_sweep import _BUILDERS, POINTS, _bin, _rng  # noqa: E402
from cpu_time import cpu_seconds  # noqa: E402
from yosys_batch import synthesize_alone  # noqa: E402

from hwgen.hw.binary.ternary_mvau import TernaryMvau  # noqa: E402
from hwgen.perf.cost.binary_mvau import ternary_mvau_features  # noqa: E402
from hwgen.perf.cost.coefficients import COEFFICIENTS  # noqa: E402
from hwgen.perf.cost.model import evaluate, tally_of  # noqa: E402
from hwgen.synth.tools import YOSYS, require_tool  # noqa: E402

#: the level sets measured by default (``ones`` first: the reference)
SETS = ("ones", "base", "const", "pos1", "neg1", "v123", "v17", "v12")


def point_params(pid: str):
    """The sweep point's (first) block parameters, as the sweep builds them; or a shape
    ``MH:MW:PE:SIMD:A`` outside the sweep: a ternary MVAU of ``A``-bit unsigned inputs with
    levels and a 2-bit threshold output, as t03 (seeded by the shape)."""
    if ":" in pid:
        mh, mw, pe, simd, a = map(int, pid.split(":"))
        builder, kwargs = _bin("ternary", mh, mw, pe, simd, a=a, out=2, levels=True)
        return _BUILDERS[builder](_rng(pid), **kwargs)[0]
    (builder, kwargs), = [spec for p, spec, _ in POINTS if p == pid]
    return _BUILDERS[builder](_rng(pid), **kwargs)[0]


def level_sets(p) -> dict:
    """Name -> the block with those levels: every level 1, the point's own (``base``), two
    constants (3 and 5), one side at 1 and the other the point's, and levels drawn from
    1-3, 1-7 and 1-2 (seeded)."""
    rng = np.random.default_rng(7)
    shape = p.level_pos.shape
    ones = np.ones_like(p.level_pos)
    return {
        "ones": replace(p, level_pos=ones, level_neg=ones),
        "base": p,
        "const": replace(p, level_pos=ones * 3, level_neg=ones * 5),
        "pos1": replace(p, level_pos=ones),
        "neg1": replace(p, level_neg=ones),
        "v123": replace(p, level_pos=rng.integers(1, 4, shape),
                        level_neg=rng.integers(1, 4, shape)),
        "v17": replace(p, level_pos=rng.integers(1, 8, shape),
                       level_neg=rng.integers(1, 8, shape)),
        "v12": replace(p, level_pos=rng.integers(1, 3, shape),
                       level_neg=rng.integers(1, 3, shape)),
    }


def model_rest(params, target: str) -> tuple[float, float]:
    """The model's LUTs for the block less its level products, and those products' units."""
    tally = tally_of(ternary_mvau_features, params, target)
    units = tally.features.get("tern_level", 0.0)
    lut = evaluate(tally).lut - units * COEFFICIENTS[target]["lut"].get("tern_level", 0.0)
    return lut, units


def measure(target: str, pid: str, names, work: Path) -> list[tuple]:
    """Rows ``(set, block LUTs, model's rest, units)``, the reference set first."""
    sets = level_sets(point_params(pid))
    rows = []
    for name in names:
        params = sets[name]
        top = f"{pid.replace(':', '_')}_levels_{name}"
        text = verilog.convert(TernaryMvau(params=params), name=top, emit_src=False)
        observed = synthesize_alone(top, text, target, work)["lut"]
        rest, units = model_rest(params, target)
        rows.append((name, observed, rest, units))
    return rows


def print_rows(rows: list[tuple]) -> None:
    """The table and the least-squares LUTs a unit (the first row is the reference)."""
    _, lut0, rest0, _ = rows[0]
    print("| levels | block LUT | model's rest | products' units | products' LUT | a unit |")
    print("|---|---|---|---|---|---|")
    xy = xx = 0.0
    for name, lut, rest, units in rows:
        products = (lut - lut0) - (rest - rest0)
        per = f"{products / units:.2f}" if units else "-"
        print(f"| {name} | {lut} | {rest:.1f} | {units:.0f} | {products:.1f} | {per} |")
        xy, xx = xy + units * products, xx + units * units
    if xx:
        print(f"\nleast squares: {xy / xx:.2f} LUT a unit over {len(rows) - 1} level sets")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="ice40")
    parser.add_argument("--point", default="t03",
                        help="a ternary sweep point with levels, or MH:MW:PE:SIMD:A")
    parser.add_argument("--sets", default=",".join(SETS),
                        help="level sets, the reference (every level 1) first")
    parser.add_argument("--out", default="out/bench_levels")
    args = parser.parse_args(argv)
    require_tool(YOSYS)
    started, cpu_started = time.monotonic(), cpu_seconds()
    print("command: python " + " ".join([f"benchmarks/{Path(__file__).name}", *sys.argv[1:]]))
    for target in args.targets.split(","):
        print(f"\n### {target}: {args.point}\n")
        rows = measure(target, args.point, args.sets.split(","),
                       Path(args.out).resolve() / target)
        print_rows(rows)
    print(f"\n{cpu_seconds() - cpu_started:.0f} CPU s, {time.monotonic() - started:.0f} s wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
