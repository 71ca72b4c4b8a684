"""Fit the analytic cost model's coefficients (hwgen/perf/cost) to Yosys over the sweep.

    python benchmarks/fit_cost_model.py [--targets xcup,ecp5,ice40,xc7] [--no-synth] [--write]
                                        [--only i01,i02]
    python benchmarks/fit_cost_model.py --check xc7 [--no-synth]

1. Brings the synthesis cache benchmarks/cost_sweep.json up to date: every point of the sweep
   (benchmarks/cost_sweep.py: about 60 small seeded designs over every block kind) whose
   Verilog changed since it was cached, or that is missing, is synthesised with the Yosys
   script ``hwgen synth`` runs (several designs per Yosys run, each block's hierarchy kept;
   benchmarks/yosys_batch.py). With ``--no-synth`` only the cache is used.
2. Counts every block (and every glue instance) of every point with the cost model
   (:mod:`hwgen.perf.cost`) and fits, per target and per resource (LUT, FF, carry), the
   coefficient of each feature by non-negative least squares on the relative error, over the
   points not held out.
3. Prints the fitted constants and the error per kind on the fitted and the held-out points,
   and checks that DSPs, block RAMs and LUT RAMs are exact. ``--write`` puts the constants
   into hwgen/perf/cost/coefficients.py (with this script's name and the date).

After a datapath change, one run refits: only the designs whose Verilog changed synthesise
again. ``--check TARGETS`` fits nothing: it evaluates each target's coefficients as they are
in coefficients.py against that target's cached sweep and prints the same table, a summary
(LUT / FF mean, worst, parts beyond ``--misses``) and the misses.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from cost_sweep import build_point, point_ids
from scipy.optimize import nnls
from sweep_cache import synthesis_key, update_cache

from hwgen.catalog import kind_of, resolve
from hwgen.perf.cost.coefficients import FIXED
from hwgen.perf.cost.design import glue_tallies
from hwgen.perf.cost.model import evaluate, tally_of

ROOT = Path(__file__).resolve().parent.parent
COEFFICIENTS_FILE = ROOT / "hwgen" / "perf" / "cost" / "coefficients.py"

#: the targets with coefficients of their own
FITTED_TARGETS = ("xcup", "ecp5", "ice40", "xc7")

#: the features each fitted resource may use (a flip-flop is never a LUT and so on)
FIT_FEATURES = {
    "lut": ("add", "add_lut", "inc_lut", "csa", "csa_dsp", "mux", "mux_n", "in_mux", "acc_mux",
            "pad_mux", "lutram_mux", "term_sel", "popcount", "cmp", "cmp_lut", "shift", "rom",
            "soft_mul", "soft_mul_lut", "logic", "ram_ff", "block", "rq_g", "rq_g_bits", "rq_s",
            "rq_s_bits", "rq_var", "rq_shift", "rq_serial", "rq_lshift", "rq_mux",
            "mx_decode", "mx_align", "mx_quant",
            "win_ctl", "thr_cmp", "term_and", "rq_table", "mx_term_log", "csa_borrow",
            "dwc_pick", "dwc_ctl", "win_read", "mx_term_reg", "bwn_csa", "mx_csa",
            "rq_low_and", "tern_term", "rq_zp_odd", "wr_ctl", "wr_bypass",
            "cmp_signed", "mx_sign", "dwc_onehot", "rq_sh", "rq_sh_bits",
            "rq_sh_shift", "mx_in_mux", "mx_in_tree", "mx_rom", "dw_sum", "mx_nan", "rq_g0",
            "rq_g0_bits", "soft_ab", "soft_set", "soft_ab_fold", "soft_ab_one", "soft_ab_two",
            "soft_pack_x", "dsp_sum", "ram_mux", "ram_we", "fifo_ctl", "dsp_pair_add",
            "tern_level", "acc_add"),
    "ff": ("reg", "reg_dsp", "reg_dsp_port", "ram_ff", "block"),
    "carry": ("carry", "soft_mul", "block", "rq_g_carry", "rq_s_carry", "mx_carry"),
}
EXACT = ("dsp", "bram", "lutram")
#: observed values below this weigh as this much in the relative error (tiny glue)
FLOOR = {"lut": 20, "ff": 20, "carry": 5}


def samples(data: dict, target: str, ids) -> list[dict]:
    """One sample per block and per glue instance of each point whose cached synthesis is
    of its current Verilog."""
    out = []
    for pid in ids:
        cached = data["targets"].get(target, {}).get(pid)
        design = build_point(pid)          # memoised: its Verilog is generated once
        if cached is None or cached["verilog_sha256"] != synthesis_key(design.verilog,
                                                                       design.rtl.images):
            continue                       # missing or stale: synthesise it first
        for block, observed in zip(design.blocks, cached["blocks"], strict=True):
            tally = tally_of(resolve(kind_of(block).cost_model).features, block, target)
            out.append({"point": pid, "part": observed["instance"], "kind": block.kind,
                        "tally": tally, "observed": observed["resources"]})
        for name, tally in glue_tallies(design.blocks, design.edges, target).items():
            observed = cached["glue"][name]["resources"]
            out.append({"point": pid, "part": name, "kind": "glue", "tally": tally,
                        "observed": observed})
    return out


def fit(train: list[dict], fixed: dict | None = None) -> dict:
    """``{resource: {feature: coefficient}}`` by NNLS on the relative error; ``fixed``
    (``{resource: {feature: coefficient}}``, measured by hand) is taken off the observed
    counts first and returned as is."""
    fixed = fixed or {}
    result = {}
    for resource, names in FIT_FEATURES.items():
        known = fixed.get(resource, {})
        names = [n for n in names if n not in known]
        rows, targets = [], []
        for s in train:
            obs = s["observed"][resource]
            weight = 1.0 / max(obs, FLOOR[resource])
            part = sum(s["tally"].features.get(n, 0.0) * c for n, c in known.items())
            rows.append([s["tally"].features.get(n, 0.0) * weight for n in names])
            targets.append((obs - part) * weight)
        coef, _ = nnls(np.array(rows), np.array(targets))
        result[resource] = {n: round(float(c), 4) for n, c in zip(names, coef, strict=True)
                            if c > 0}
        result[resource].update(known)
    return result


def relative(estimate: float, observed: float, floor: float) -> float:
    """``(estimate - observed) / observed``, a count below ``floor`` taken as ``floor``."""
    return (estimate - observed) / max(observed, floor)


def report(target: str, coefficients: dict, groups: dict) -> None:
    """Per kind: worst and mean absolute relative error of LUT / FF / carry, exact cells."""
    print(f"### {target}")
    print()
    print("| set | kind | parts | LUT mean / worst | FF mean / worst | carry mean / worst "
          "| DSP, BRAM, LUTRAM exact |")
    print("|---|---|---|---|---|---|---|")
    for label, group in groups.items():
        by_kind = defaultdict(list)
        for s in group:
            by_kind[s["kind"]].append(s)
        for kind in sorted(by_kind):
            parts = by_kind[kind]
            cells = []
            for resource in ("lut", "ff", "carry"):
                errors = [abs(relative(getattr(evaluate(s["tally"], coefficients).rounded(),
                                               resource),
                                       s["observed"][resource], FLOOR[resource]))
                          for s in parts]
                cells.append(f"{np.mean(errors):.1%} / {max(errors):.1%}")
            exact = sum(all(getattr(evaluate(s["tally"], coefficients).rounded(), r)
                            == s["observed"][r] for r in EXACT) for s in parts)
            print(f"| {label} | {kind} | {len(parts)} | " + " | ".join(cells)
                  + f" | {exact}/{len(parts)} |")
    print()


def misses(target: str, coefficients: dict, group: list[dict], limit: float) -> None:
    """Parts off by more than ``limit`` (or with inexact cells), for the record."""
    lines = []
    for s in group:
        est = evaluate(s["tally"], coefficients).rounded()
        bad = [f"{r} {getattr(est, r):g} vs {s['observed'][r]:g}" for r in EXACT
               if getattr(est, r) != s["observed"][r]]
        bad += [f"{r} {getattr(est, r):g} vs {s['observed'][r]:g} "
                f"({relative(getattr(est, r), s['observed'][r], FLOOR[r]):+.0%})"
                for r in ("lut", "ff", "carry")
                if abs(relative(getattr(est, r), s["observed"][r], FLOOR[r])) > limit]
        if bad:
            lines.append(f"- {s['point']} {s['part']} ({s['kind']}): " + "; ".join(bad))
    if lines:
        print(f"{target}: parts beyond +-{limit:.0%} or with inexact cells:")
        print("\n".join(lines))
        print()


def summary(target: str, coefficients: dict, groups: dict, limit: float) -> None:
    """Per set: LUT and FF mean / worst absolute relative error and the parts beyond
    ``limit``; the parts whose DSP, BRAM and LUT RAM are all exact."""
    print(f"{target} summary:")
    for label, group in groups.items():
        estimates = [evaluate(s["tally"], coefficients).rounded() for s in group]
        cells = []
        for resource in ("lut", "ff"):
            errors = [(abs(relative(getattr(e, resource), s["observed"][resource],
                                    FLOOR[resource])), s["point"], s["part"])
                      for e, s in zip(estimates, group, strict=True)]
            worst = max(errors)
            beyond = sum(error > limit for error, _, _ in errors)
            cells.append(f"{resource.upper()} mean {np.mean([e for e, _, _ in errors]):.1%} "
                         f"worst {worst[0]:.1%} ({worst[1]} {worst[2]}), "
                         f"{beyond} beyond {limit:.0%}")
        exact = sum(all(getattr(e, r) == s["observed"][r] for r in EXACT)
                    for e, s in zip(estimates, group, strict=True))
        print(f"  {label} ({len(group)} parts): " + "; ".join(cells)
              + f"; DSP, BRAM, LUTRAM exact {exact}/{len(group)}")
    print()


def check(data: dict, targets, ids, limit: float) -> None:
    """The coefficients in coefficients.py against each target's cached sweep: no fit."""
    from hwgen.perf.cost.coefficients import COEFFICIENTS
    for target in targets:
        groups = {"fitted": samples(data, target, [p for p in point_ids(False)
                                                   if not ids or p in ids]),
                  "held out": samples(data, target, [p for p in point_ids(True)
                                                     if not ids or p in ids])}
        if not any(groups.values()):
            print(f"{target}: no cached points; run without --no-synth")
            continue
        report(target, COEFFICIENTS[target], groups)
        summary(target, COEFFICIENTS[target], groups, limit)
        misses(target, COEFFICIENTS[target], groups["fitted"] + groups["held out"], limit)


BEGIN, END = "# -- fitted: begin", "# -- fitted: end"


def write_coefficients(fitted: dict, provenance: dict) -> None:
    """Replace the fitted part of hwgen/perf/cost/coefficients.py (between its markers):
    ``fitted`` and ``provenance`` per target."""
    lines = [
        "#: where each target's coefficients come from",
        "FITTED_ON = {",
        *(f'    "{t}": "{p}",' for t, p in provenance.items()),
        "}",
        "#: the same in one line (shown in manifest.json and the report)",
        'FITTED = ("benchmarks/fit_cost_model.py: "',
        *(f'          "{t}: {p}{"; " if i < len(provenance) - 1 else ""}"'
          for i, (t, p) in enumerate(provenance.items())),
        "          )",
        "COEFFICIENTS = {",
    ]
    for target, resources in fitted.items():
        lines.append(f'    "{target}": {{')
        for resource, coef in resources.items():
            lines.append(f'        "{resource}": {{')
            known = FIXED.get(target, {}).get(resource, {})     # (written apart, by hand)
            items = [f'"{k}": {v},' for k, v in coef.items() if k not in known]
            row = "           "
            for item in items:
                if len(row) + 1 + len(item) > 99:
                    lines.append(row)
                    row = "           "
                row += " " + item
            lines.append(row)
            lines.append("        },")
        lines.append("    },")
    lines.append("}")
    text = COEFFICIENTS_FILE.read_text()
    head, rest = text.split(BEGIN, 1)
    head_line, _ = rest.split("\n", 1)
    _, tail = rest.split(END, 1)
    COEFFICIENTS_FILE.write_text(head + BEGIN + head_line + "\n" + "\n".join(lines) + "\n"
                                 + END + tail)
    print(f"wrote {COEFFICIENTS_FILE.relative_to(ROOT)}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--targets", default=",".join(FITTED_TARGETS))
    parser.add_argument("--no-synth", action="store_true",
                        help="use the cache only (stale or missing points are left out)")
    parser.add_argument("--write", action="store_true",
                        help="write the fitted constants into hwgen/perf/cost/coefficients.py")
    parser.add_argument("--only", help="comma-separated point ids (default: all)")
    parser.add_argument("--misses", type=float, default=0.15,
                        help="list parts whose error exceeds this fraction")
    parser.add_argument("--check", metavar="TARGETS",
                        help="comma-separated targets: evaluate their coefficients as they are "
                             "against their cached sweep, without fitting")
    args = parser.parse_args(argv)
    targets = (args.check or args.targets).split(",")
    ids = args.only.split(",") if args.only else None
    print("command: python " + " ".join(["benchmarks/fit_cost_model.py", *sys.argv[1:]]))
    print()
    data = update_cache(targets, ids=ids, synthesize=not args.no_synth)
    if args.check:
        check(data, targets, ids, args.misses)
        return 0
    fitted, parts = {}, {}
    for target in targets:
        train = samples(data, target, [p for p in point_ids(False) if not ids or p in ids])
        held = samples(data, target, [p for p in point_ids(True) if not ids or p in ids])
        if not train:
            print(f"{target}: no cached points; run without --no-synth")
            continue
        fitted[target] = fit(train, FIXED.get(target))
        parts[target] = len(train)
        print(f"{target}: fitted on {len(train)} parts, {len(held)} held out")
        for resource, coef in fitted[target].items():
            print(f"  {resource} = " + " + ".join(f"{v:g} x {k}" for k, v in coef.items()))
        print()
        report(target, fitted[target], {"fitted": train, "held out": held})
        misses(target, fitted[target], train + held, args.misses)
    if args.write and fitted:
        from hwgen.perf.cost.coefficients import COEFFICIENTS, FITTED_ON
        stamp = datetime.date.today().isoformat()
        merged = {t: fitted.get(t, COEFFICIENTS[t]) for t in FITTED_TARGETS
                  if t in fitted or t in FITTED_ON}
        provenance = {t: f"{stamp}, {parts[t]} parts" if t in fitted else FITTED_ON[t]
                      for t in merged}
        write_coefficients(merged, provenance)
    return 0


if __name__ == "__main__":
    sys.exit(main())
