"""What each main structure of a depthwise unit costs inside its block, measured part by part.

    python benchmarks/bench_depthwise_parts.py [--targets xcup,ecp5] [--points d02,d01,d03]
                                               [--alone noacc,norq,gemm]
                                               [--lanes [--acc 12,24,30]]

Each sweep point's depthwise unit (benchmarks/cost_sweep.py) is synthesised with the sweep's
Yosys script (benchmarks/yosys_batch.py; the block under a top, as in the sweep), then again
with one structure more removed or made trivial at each step:

``as``       the block as it is;
``rqflat``   the requantizer per-tensor (multiplier and shift channel 0's: no tables, and
             every lane the same constants);
``wflat``    and the kernel taps repeated with period 2 (every weight column a function of
             the beat counter's low bit: no ROM logic; the products stay variables);
``noacc``    and the running sums never preloaded (``current + product``: no preload
             select, no bias table);
``norq``     and no requantizer: each sum's low output bits, registered.

With ``--alone noacc,norq`` each listed step is made by itself on the block as it is, each
against ``as``; ``gemm`` (alone only) makes the requantizer's rounding gemmlowp (same
multipliers and shifts) and ``shift0`` every lane's shift 0 (a left shift of none).

The RTL variants are ``DepthwiseUnit.elaborate``'s source with one line changed, and its
``Requantizer`` replaced (bench_int_mvau_parts' ``_Truncate``), made here for the
measurement only. Printed per point: each step's LUTs, what the step removed (Yosys) and the
model's count of the same structure (its features times the current coefficients), and, for
``noacc``, the LUTs a preload select bit (``acc_mux``). Figures, not assertions.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import time
import warnings
from dataclasses import replace
from pathlib import Path
from unittest import mock

import numpy as np
from amaranth.back import verilog
from bench_int_mvau_parts import _Truncate, alone_line, block_luts, patched_elaborate
from cost_sweep import build_point
from cpu_time import child_cpu_seconds
from yosys_batch import BlockTop, synthesize_alone

import hwgen.hw.arith.depthwise_unit as rtl_depthwise
from hwgen.hw.arith.depthwise_unit import DepthwiseUnit
from hwgen.hw.arith.requantizer import Requantizer
from hwgen.ir.rules import RequantRounding
from hwgen.perf.cost.arith_blocks import depthwise_features
from hwgen.perf.cost.coefficients import COEFFICIENTS
from hwgen.perf.cost.components import requantizer
from hwgen.perf.cost.model import evaluate, tally_of
from hwgen.perf.cost.tally import Tally
from hwgen.perf.cost.targets import cost_target

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "out" / "depthwise_parts"
#: the sweep's three depthwise units: d02 (groups 1, held out), d01 and d03 (groups 4)
POINTS = ("d02", "d01", "d03")
STEPS = ("as", "rqflat", "wflat", "noacc", "norq")
#: the one line of ``DepthwiseUnit.elaborate`` an RTL variant changes
REPLACED = {"noacc": ("Mux(first1, bias[lane], current[lane]) + product",
                      "current[lane] + product")}


def depthwise_block(pid: str):
    """Sweep point ``pid``'s depthwise unit."""
    return next(b for b in build_point(pid).blocks if getattr(b, "kind", "") == "depthwise")


@contextlib.contextmanager
def rtl_variant(done):
    """The unit's RTL with the RTL steps in ``done`` applied; yields the component class."""
    with contextlib.ExitStack() as stack:
        if "norq" in done:
            stack.enter_context(mock.patch.object(
                rtl_depthwise, "Requantizer",
                functools.partial(_Truncate, rtl_depthwise.Requantizer)))
        yield patched_elaborate(DepthwiseUnit, rtl_depthwise,
                                [REPLACED[s] for s in REPLACED if s in done])


def params_of(p, done):
    """The unit's parameters with the parameter steps in ``done`` applied."""
    if "rqflat" in done:
        p = replace(p, multiplier=np.full_like(p.multiplier, p.multiplier[0]),
                    shift=np.full_like(p.shift, p.shift[0]))
    if "wflat" in done:
        w = np.asarray(p.weights)
        p = replace(p, weights=w[:, np.arange(w.shape[1]) % 2])
    if "gemm" in done:
        p = replace(p, rounding=RequantRounding.GEMMLOWP)
    if "shift0" in done:
        p = replace(p, shift=np.zeros_like(p.shift))
    return p


def estimate(p, target: str) -> float:
    return evaluate(tally_of(depthwise_features, p, target)).lut


def model_parts(p, target: str) -> dict:
    """The model's LUTs for what each step removes (current coefficients)."""
    coef = COEFFICIENTS[target]["lut"]
    q = params_of(p, ("rqflat", "wflat"))
    acc = tally_of(depthwise_features, q, target).features["acc_mux"]
    requant = Tally(cost_target(target))
    requantizer(requant, acc_bits=q.acc_bits, out_bits=q.output_type.bits,
                multiplier=q.multiplier.reshape(q.groups, q.pe),
                shift=q.shift.reshape(q.groups, q.pe), rounding=q.rounding.value, lanes=q.pe)
    rq = evaluate(requant).lut
    return {"rqflat": estimate(p, target) - estimate(params_of(p, ("rqflat",)), target),
            "wflat": estimate(params_of(p, ("rqflat",)), target) - estimate(q, target),
            "noacc": coef.get("acc_mux", 0) * acc, "acc_bits": acc, "norq": rq,
            "rest": estimate(q, target) - coef.get("acc_mux", 0) * acc - rq,
            "as": estimate(p, target)}


def synthesise(pid: str, target: str, *, alone: str = "") -> dict:
    """``{step: LUTs}`` of point ``pid``'s depthwise unit at every step (one Yosys run)."""
    p = depthwise_block(pid)
    steps = ("as", *alone.split(",")) if alone else STEPS
    designs = {}
    for step in steps:
        done = (step,) if alone else STEPS[:STEPS.index(step) + 1]
        with rtl_variant(done) as unit:
            top = f"{pid}_{step}"
            designs[top] = verilog.convert(BlockTop(unit(params=params_of(p, done))), name=top)
    work = WORK / target / (f"{pid}_alone" if alone else pid)
    return dict(zip(steps, block_luts(designs, target, work), strict=True))


def requantizer_alone(pid: str, target: str, steps=("as", "rqflat", "gemm", "shift0"),
                      acc_widths=()):
    """The unit's requantizer synthesised alone (its ports the design's; as the unit builds
    it, not pipelined) for each parameter step and, as it is, at each accumulator width of
    ``acc_widths``: ``{step: (LUTs, model)}``."""
    p0 = depthwise_block(pid)
    out = {}
    for step in [*steps, *(f"acc{bits}" for bits in acc_widths)]:
        p = params_of(p0, (step,))
        acc_bits = int(step[3:]) if step.startswith("acc") else p.acc_bits
        dut = Requantizer(acc_bits=acc_bits, output_type=p.output_type,
                          multiplier=p.multiplier.reshape(p.groups, p.pe),
                          shift=p.shift.reshape(p.groups, p.pe), rounding=p.rounding,
                          zero_point=p.out_zero_point, out_min=p.out_min, out_max=p.out_max)
        top = f"dwrq_{pid}_{step}"
        lut = synthesize_alone(top, verilog.convert(dut, name=top, emit_src=False), target,
                               WORK / target / "lanes")["lut"]
        t = Tally(cost_target(target))
        requantizer(t, acc_bits=acc_bits, out_bits=p.output_type.bits,
                    multiplier=p.multiplier.reshape(p.groups, p.pe),
                    shift=p.shift.reshape(p.groups, p.pe), rounding=p.rounding.value,
                    lanes=p.pe)
        out[step] = (lut, evaluate(t).lut)
    return out


def print_point(pid: str, target: str, luts: dict) -> None:
    p = depthwise_block(pid)
    model = model_parts(p, target)
    print(f"  {pid} (PE {p.pe}, groups {p.groups}, taps {p.positions}, acc {p.acc_bits}, "
          f"{p.rounding.value}): {luts['as']} LUT, model {model['as']:.0f}")
    previous = luts["as"]
    for step in STEPS[1:]:
        gone = previous - luts[step]
        per = (f"; {gone / model['acc_bits']:5.2f} LUT a bit of {model['acc_bits']:.0f}"
               if step == "noacc" else "")
        print(f"    {step:7} {luts[step]:5} LUT: removed {gone:5} / model "
              f"{model[step]:6.0f}{per}")
        previous = luts[step]
    print(f"    {'rest':7} {luts['norq']:5} LUT: / model {model['rest']:6.0f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="xcup,ecp5")
    parser.add_argument("--points", default=",".join(POINTS))
    parser.add_argument("--alone", default="",
                        help="steps (noacc, norq, rqflat, wflat, gemm, shift0) each made "
                             "alone on the block as it is, in place of the sequence")
    parser.add_argument("--lanes", action="store_true",
                        help="the unit's requantizer alone (as is, rqflat, gemm, shift0) "
                             "in place of the block")
    parser.add_argument("--acc", default="",
                        help="with --lanes: accumulator widths to synthesise the requantizer "
                             "at besides the unit's own")
    args = parser.parse_args(argv)
    # (a real requantizer is built for ``norq`` only to ask its latency)
    warnings.filterwarnings("ignore", message=".*created but never used")
    wall, cpu0 = time.monotonic(), child_cpu_seconds()
    for target in args.targets.split(","):
        print(f"{target}: depthwise structures removed one after another (LUTs; removed: "
              "Yosys / model)")
        for pid in args.points.split(","):
            if args.lanes:
                p = depthwise_block(pid)
                print(f"  {pid} requantizer alone ({p.pe} lanes, groups {p.groups}): " + ", ".join(
                    f"{step} {lut} / model {model:.0f} ({lut / p.pe:.1f} a lane)"
                    for step, (lut, model) in requantizer_alone(
                        pid, target, acc_widths=[int(a) for a in args.acc.split(",") if a]
                    ).items()),
                    flush=True)
            elif args.alone:
                model = estimate(depthwise_block(pid), target)
                print(alone_line(f"{pid} (model {model:.0f})",
                                 synthesise(pid, target, alone=args.alone)))
            else:
                print_point(pid, target, synthesise(pid, target))
    print(f"\nyosys: {child_cpu_seconds() - cpu0:.0f} CPU s, "
          f"{time.monotonic() - wall:.0f} s wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
