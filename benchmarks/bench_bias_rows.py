"""A binary MVAU's requantizer inside its block, by the accumulator bits its bias alone holds.

    python benchmarks/bench_bias_rows.py [--targets ice40] [--designs fc3,b07]
                                         [--shifts 0,8,16] [--folds 1,2,4,8]

An XNOR MVAU with ``acc_shift`` s adds its dot products ``s + 1`` bits up, so the
accumulators' low bits only ever hold the bias preloads (per-fold constants): the cost
model counts the requantizer's rows over them apart (``soft_ab_fold`` over one or two folds,
as variable bits over more; none for a bit no fold sets). Each variant is synthesised under
the sweep's top with its Yosys script (benchmarks/yosys_batch.py), as it is and with its
requantizer replaced by a register of each accumulator's top output bits; the difference is
the requantizer inside the block. Variants:

``fc3``  the binary MLP example's fc3 (2 folds) at each ``acc_shift`` of ``--shifts``;
``b07``  sweep point b07's shape (PE 2, SIMD 8, 64 inputs, ``acc_shift`` 16, round half to
         even) at each fold count of ``--folds`` (seeded as b07);
``b07c`` b07 with one constant shift in place of its per-fold shifts (``rq_s_bits``'s rule).

Each also with the bias's low bits made 0 (``z``: those rows vanish). Printed per variant:
the block's and the requantizer's LUTs, the model's estimate of the block and its operand
pairs (``soft_ab``, ``soft_ab_fold``) and, against ``z``, the LUTs a bias-bit pair costs.
Figures, not assertions.
"""

from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
import warnings
import zlib
from dataclasses import replace
from pathlib import Path
from unittest import mock

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yosys_batch  # noqa: E402
from amaranth.back import verilog  # noqa: E402
from amaranth.hdl import Module  # noqa: E402
from bench_int_mvau_parts import _Truncate  # noqa: E402
from cpu_time import child_cpu_seconds  # noqa: E402
from yosys_batch import BlockTop  # noqa: E402

import hwgen.hw.binary.datapath as rtl_datapath  # noqa: E402
from hwgen.hw.binary.xnor_mvau import XnorMvau  # noqa: E402
from hwgen.ir import RequantRounding  # noqa: E402
from hwgen.perf.cost.binary_mvau import dot_zeros, xnor_mvau_features  # noqa: E402
from hwgen.perf.cost.model import evaluate, tally_of  # noqa: E402
from tests.fixtures.binary_factories import random_binary_params  # noqa: E402


class _TopBits(_Truncate):
    """In place of the requantizer: each accumulator's top output bits, registered."""

    def elaborate(self, platform):
        m = Module()
        m.d.sync += [self.o_valid.eq(self.i_valid),
                     *(self.o_data[i].eq(self.i_acc[i][-len(self.o_data[i]):])
                       for i in range(len(self.o_data)))]
        return m


def zeroed(p):
    """``p`` with the bias's low ``dot_zeros`` bits 0 (so its preloads' rows vanish)."""
    z = dot_zeros(p, xnor=True)
    return replace(p, bias=((p.hw_bias >> z) << z) + (p.mw << p.acc_shift))


def fc3_params():
    import bench_resources
    with tempfile.TemporaryDirectory() as d:
        lowered = bench_resources.BUILDERS["binary"][1](Path(d))
    block = next(b for b in lowered.blocks if b.name == "fc3")
    return getattr(block, "params", block)


def b07_params(folds: int):
    rng = np.random.default_rng(zlib.crc32(b"b07"))
    return random_binary_params(rng, "xnor", mh=2 * folds, mw=64, pe=2, simd=8,
                                activation="requant", out_bits=8, acc_shift=16,
                                rounding=RequantRounding.SINGLE_EVEN)


def variants(designs, shifts, folds) -> dict:
    """``{name: params}``, each with its ``z`` twin."""
    out = {}
    if "fc3" in designs:
        p = fc3_params()
        for s in shifts:
            out[f"fc3_s{s}"] = replace(p, acc_shift=s)
    if "b07" in designs:
        for f in folds:
            out[f"b07_nf{f}"] = b07_params(f)
    if "b07c" in designs:
        p = b07_params(8)
        out["b07c"] = replace(p, shift=np.full_like(p.shift, int(np.median(p.shift))))
    return {**out, **{f"{k}z": zeroed(p) for k, p in out.items()}}


def synthesize(params: dict, target: str, out: Path) -> dict:
    designs = {}
    for name, p in params.items():
        designs[name] = verilog.convert(BlockTop(XnorMvau(params=p)), name=name)
        with mock.patch.object(rtl_datapath, "Requantizer",
                               functools.partial(_TopBits, rtl_datapath.Requantizer)):
            designs[f"{name}_norq"] = verilog.convert(BlockTop(XnorMvau(params=p)),
                                                      name=f"{name}_norq")
    result = yosys_batch.synthesize_batch(designs, target, out / target)["designs"]
    return {name: result[name]["layer_0"]["resources"]["lut"] for name in designs}


def report(params: dict, luts: dict, target: str) -> None:
    print(f"\n### {target}\n")
    print("| variant | acc bits | bias-only bits | block LUT | requantizer | estimate | "
          "soft_ab | soft_ab_fold | a bias-bit pair |")
    print("|---|---|---|---|---|---|---|---|---|")
    rq = {name: luts[name] - luts[f"{name}_norq"] for name in params}
    for name, p in params.items():
        t = tally_of(xnor_mvau_features, p, target)
        twin = name[:-1] if name.endswith("z") else f"{name}z"
        pairs = t.features["soft_ab_fold"] + t.features["soft_ab"]
        twin_pairs = tally_of(xnor_mvau_features, params[twin], target).features["soft_ab"]
        per_pair = ("" if name.endswith("z") or pairs == twin_pairs
                    else f"{(rq[name] - rq[twin]) / (pairs - twin_pairs):.2f}")
        print(f"| {name} | {p.hw_acc_bits} | {dot_zeros(p, xnor=True)} | {luts[name]} | "
              f"{rq[name]} | {evaluate(t).rounded().lut} | {t.features['soft_ab']:.0f} | "
              f"{t.features['soft_ab_fold']:.0f} | {per_pair} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="ice40")
    parser.add_argument("--designs", default="fc3,b07")
    parser.add_argument("--shifts", default="0,8,16", help="fc3's acc_shift values")
    parser.add_argument("--folds", default="2,4,8", help="b07's fold counts")
    parser.add_argument("--out", default="out/bench_bias_rows")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    params = variants(args.designs.split(","), [int(v) for v in args.shifts.split(",")],
                      [int(v) for v in args.folds.split(",")])
    wall, cpu = time.monotonic(), child_cpu_seconds()
    for target in args.targets.split(","):
        report(params, synthesize(params, target, Path(args.out)), target)
    print(f"\n{time.monotonic() - wall:.0f} s wall, {child_cpu_seconds() - cpu:.0f} CPU s "
          "(Yosys)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
