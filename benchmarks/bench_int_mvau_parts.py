"""What each main structure of an int MVAU costs inside its block, measured part by part.

    python benchmarks/bench_int_mvau_parts.py [--targets ecp5] [--points g07/0,i11,i32]
                                              [--alone nosel,notree,noacc,norq]

Each sweep point's int MVAU (benchmarks/cost_sweep.py, ``point`` or ``point/index``) is
synthesised with the sweep's Yosys script (benchmarks/yosys_batch.py; the block under a top,
as in the sweep), then again with one structure more removed or made trivial at each step:

``as``       the block as it is;
``rqflat``   the requantizer per-tensor (multiplier and shift channel 0's: no tables);
``wflat``    and the weight rows repeated with period 2 (every weight column a function of
             one address bit: no ROM logic; the products stay variables);
``nosel``    and no stream / buffer select: the step's inputs are always the latched beat
             (the buffer's read is then unused and goes);
``notree``   and each PE's dot product its first product alone (the adder trees go; on ECP5
             every product of the sweep's int MVAUs is a MULT18X18D, so they go as DSPs);
``noacc``    and the accumulators never preloaded (``acc + dot``: no preload select, no
             bias table);
``norq``     and no requantizer: each accumulator's low output bits, registered.

With ``--alone nosel,notree`` each listed RTL step is made by itself on the block as it is
(no per-tensor requantizer, the weights as they are), each against ``as``.

The RTL variants are the block's own code with one line changed (``MvauCore.elaborate``'s
source, ``pipelined_sum`` and the requantizers in hwgen.hw.arith.int_mvau), made here for
the measurement only.
Printed per point: each step's LUTs, what the step removed (Yosys), the model's count of the
same structure (its features times the current coefficients) and, per unit of the feature,
the LUTs Yosys spent: ``in_mux`` bits, the trees' carry-save bits (``csa``, ``csa_dsp``,
``csa_borrow``), ``acc_mux`` bits; what is left after ``norq`` (counters, credits, control,
the accumulators' adders, the output FIFO) against the model's rest.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import inspect
import textwrap
import time
import warnings
from pathlib import Path
from unittest import mock

import numpy as np
import yosys_batch
from amaranth.back import verilog
from amaranth.hdl import Module, signed
from amaranth.lib import data, wiring
from amaranth.lib.wiring import In, Out
from bench_requant_tables import estimate, variant
from bench_weight_rom_in_block import int_block, periodic
from cpu_time import child_cpu_seconds
from yosys_batch import BlockTop

import hwgen.hw.arith.int_mvau as rtl_int_mvau
import hwgen.hw.arith.mvau_core as rtl_mvau_core
from hwgen.hw.arith.int_mvau import IntMvau
from hwgen.hw.shapes import lanes_layout
from hwgen.perf.cost.arith import width
from hwgen.perf.cost.coefficients import COEFFICIENTS
from hwgen.perf.cost.components import fold_table
from hwgen.perf.cost.int_mvau import block_requantizer, dot_trees, int_mvau_features
from hwgen.perf.cost.model import evaluate, tally_of
from hwgen.perf.cost.multipliers import multiplier
from hwgen.perf.cost.tally import Tally
from hwgen.perf.cost.targets import cost_target

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "out" / "int_mvau_parts"
#: int MVAUs over SIMD 3-16, PE 2-8, NF 2-16, 2-8-bit weights and inputs, packed and plain
#: DSP products: the four ECP5 misses (g07's first layer, i11, i32, c01's conv), then i03,
#: i12, i16 and i02
POINTS = ("g07/0", "i11", "i32", "c01", "i03", "i12", "i16", "i02")
STEPS = ("as", "rqflat", "wflat", "nosel", "notree", "noacc", "norq")
#: the trees' carry-save bits (a packed pair's borrow rows, ``csa_borrow``, printed apart)
TREE_FEATURES = ("csa", "csa_dsp")


#: the one line of ``MvauCore.elaborate`` each RTL variant changes
REPLACED = {"nosel": ("with m.If(from_stream1):", "with m.If(1):"),
            "noacc": ("else Mux(first2, bias[pe], self.acc[pe])", "else self.acc[pe]")}


def patched_elaborate(cls, module, lines):
    """A subclass of component ``cls`` (defined in ``module``) whose ``elaborate`` has each
    ``(old, new)`` of ``lines`` replaced, each ``old`` found exactly once: an RTL variant
    made for a measurement only."""
    source = textwrap.dedent(inspect.getsource(cls.elaborate))
    for old, new in lines:
        assert source.count(old) == 1, old
        source = source.replace(old, new)
    scope = dict(vars(module))
    exec(compile(source, module.__file__, "exec"), scope)  # noqa: S102
    return type(f"{cls.__name__}Variant", (cls,), {"elaborate": scope["elaborate"]})


def block_luts(designs: dict, target: str, work: Path) -> list[int]:
    """The LUTs of each design's one block (``BlockTop``'s ``layer_0``), in one Yosys run."""
    result = yosys_batch.synthesize_batch(designs, target, work)["designs"]
    return [result[top]["layer_0"]["resources"]["lut"] for top in designs]


def alone_line(label: str, luts: dict) -> str:
    """One point's ``--alone`` line: each step's LUTs and what it changed against ``as``."""
    return f"  {label}: " + ", ".join(f"{step} {lut} LUT ({lut - luts['as']:+})"
                                      for step, lut in luts.items())


def _first_term(m, terms, *, every, stages, name):
    """In place of ``pipelined_sum``: the first term alone (no adder tree)."""
    del m, every, stages, name
    return terms[0]


class _Truncate(wiring.Component):
    """In place of a requantizer (``norq``): each accumulator's low output bits, registered;
    ``latency`` the real one's (``IntMvau`` checks it)."""

    def __init__(self, real, **kwargs):
        self.latency = real(**kwargs).latency
        lanes = kwargs["multiplier"].shape[1]
        out = kwargs["output_type"]
        super().__init__({
            "i_valid": In(1), "i_acc": In(data.ArrayLayout(signed(kwargs["acc_bits"]), lanes)),
            "i_fold": In(range(max(kwargs["multiplier"].shape[0], 2))), "o_valid": Out(1),
            "o_data": Out(lanes_layout(out, lanes))})

    def elaborate(self, platform):
        m = Module()
        m.d.sync += [self.o_valid.eq(self.i_valid),
                     *(self.o_data[i].eq(self.i_acc[i]) for i in range(len(self.o_data)))]
        return m


@contextlib.contextmanager
def rtl_variant(step: str, *, alone: bool = False):
    """The block's RTL as ``step`` (and every step before it, unless ``alone``) builds it."""
    done = (step,) if alone else STEPS[:STEPS.index(step) + 1]
    with contextlib.ExitStack() as stack:
        core = patched_elaborate(rtl_mvau_core.MvauCore, rtl_mvau_core,
                                 [REPLACED[s] for s in REPLACED if s in done])
        stack.enter_context(mock.patch.object(rtl_int_mvau, "MvauCore", core))
        if "notree" in done:
            stack.enter_context(mock.patch.object(rtl_int_mvau, "pipelined_sum", _first_term))
        if "norq" in done:
            for name in ("Requantizer", "SharedRequantizer"):
                real = getattr(rtl_int_mvau, name)
                stack.enter_context(mock.patch.object(
                    rtl_int_mvau, name, functools.partial(_Truncate, real)))
        yield


def params_of(p, step: str):
    """The block's parameters at ``step``: per-tensor requantization from ``rqflat`` on,
    period-2 weight rows from ``wflat`` on."""
    if STEPS.index(step) >= STEPS.index("wflat"):
        return periodic(p, 2)
    if step == "rqflat":
        return variant(p, "rqflat")
    return p


def model_parts(p, target: str) -> dict:
    """The model's LUTs (current coefficients) and units of what each step removes, from
    block ``p`` with per-tensor requantization and period-2 weights (``wflat``)."""
    q = params_of(p, "wflat")
    coef = COEFFICIENTS[target]["lut"]
    full = tally_of(int_mvau_features, q, target)
    x_bits = q.input_type.bits + (0 if q.input_type.signed else 1)
    corners = [a * b for a in (q.weight_type.qmin, q.weight_type.qmax)
               for b in (q.input_type.qmin, q.input_type.qmax)]
    trees = Tally(cost_target(target))
    dot_trees(trees, q, dsp_leaves=multiplier(q.weight_type.bits, x_bits,
                                              width(min(corners), max(corners)),
                                              trees.target).dsp > 0)
    bias = Tally(cost_target(target))
    values = np.asarray(q.acc_bias.reshape(q.nf, q.pe), dtype=object)
    fold_table(bias, "bias", values,
               bits=width(min(int(values.min()), -1), max(int(values.max()), 0)))
    requant = Tally(cost_target(target))
    block_requantizer(requant, q)
    sel = full.features["in_mux"]
    acc = full.features["acc_mux"]
    return {
        "as": estimate(p, target) - estimate(variant(p, "rqflat"), target),
        "rqflat": estimate(variant(p, "rqflat"), target) - estimate(q, target),
        "nosel": (coef.get("in_mux", 0) * sel, sel),
        "notree": (evaluate(trees).lut, sum(trees.features[f] for f in TREE_FEATURES)),
        "borrow": trees.features["csa_borrow"],
        "noacc": (coef.get("acc_mux", 0) * acc + evaluate(bias).lut, acc),
        "norq": (evaluate(requant).lut, None),
        "rest": estimate(q, target),
    }


def synthesise(spec: str, target: str, *, alone: str = "") -> dict:
    """``{step: LUTs}`` of point ``spec``'s int MVAU at every step (one Yosys run);
    ``alone``: only these RTL steps (comma-separated), each by itself on the block as it is."""
    pid, p = int_block(spec)
    designs = {}
    steps = ("as", *alone.split(",")) if alone else STEPS
    for step in steps:
        top = f"{pid}_{spec.partition('/')[2] or 0}_{step}"
        with rtl_variant(step, alone=bool(alone)):
            params = p if alone else params_of(p, step)
            designs[top] = verilog.convert(BlockTop(IntMvau(params=params)), name=top)
    work = WORK / target / (f"{pid}_alone" if alone else pid)
    return dict(zip(steps, block_luts(designs, target, work), strict=True))


def print_point(spec: str, target: str, luts: dict) -> None:
    """One point's table: each step's LUTs, what it removed against the model's count."""
    _, p = int_block(spec)
    model = model_parts(p, target)
    print(f"  {spec} (PE {p.pe}, SIMD {p.simd}, NF {p.nf}, SF {p.sf}, W{p.weight_type.bits}"
          f"A{p.input_type.bits}): {luts['as']} LUT, model {estimate(p, target):.0f}")
    removed = {"rqflat": ("tables", model["as"], None), "wflat": ("weight ROM",
                                                                   model["rqflat"], None),
               "nosel": ("in_mux",) + model["nosel"], "notree": ("trees",) + model["notree"],
               "noacc": ("acc_mux+bias",) + model["noacc"],
               "norq": ("requantizer",) + model["norq"]}
    previous = luts["as"]
    for step in STEPS[1:]:
        what, counted, units = removed[step]
        gone = previous - luts[step]
        per = f"; {gone / units:5.2f} LUT a unit of {units:.0f}" if units else ""
        if step == "notree" and model["borrow"]:
            per += f" (and {model['borrow']:.0f} borrow row bits)"
        print(f"    {step:7} {luts[step]:5} LUT: {what:13} {gone:5} / model {counted:6.0f}{per}")
        previous = luts[step]
    rest = model["rest"] - sum(model[step][0] for step in ("nosel", "notree", "noacc", "norq"))
    print(f"    {'rest':7} {luts['norq']:5} LUT: / model {rest:6.0f}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default="ecp5")
    parser.add_argument("--points", default=",".join(POINTS))
    parser.add_argument("--alone", default="",
                        help="RTL steps (nosel, notree, noacc, norq) each made alone on the "
                             "block as it is, in place of the sequence")
    args = parser.parse_args(argv)
    # (a real requantizer is built for ``norq`` only to ask its latency)
    warnings.filterwarnings("ignore", message=".*created but never used")
    wall, cpu0 = time.monotonic(), child_cpu_seconds()
    for target in args.targets.split(","):
        print(f"{target}: int MVAU structures removed one after another (LUTs; removed: "
              "Yosys / model)")
        for spec in args.points.split(","):
            if args.alone:
                print(alone_line(spec, synthesise(spec, target, alone=args.alone)))
            else:
                print_point(spec, target, synthesise(spec, target))
    print(f"\nyosys: {child_cpu_seconds() - cpu0:.0f} CPU s, "
          f"{time.monotonic() - wall:.0f} s wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
