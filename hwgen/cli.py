"""The ``hwgen`` command: compile, sim, synth, report, check."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from . import api
from .errors import HwgenError
from .perf.cost import COST_TARGETS
from .perf.cost.summary import DEFAULT_COST_TARGET
from .report import render_markdown, report_data, write_report
from .version import __version__

__all__ = ["main"]


def _load_npy(path, what: str) -> np.ndarray:
    path = Path(path)
    if not path.exists():
        raise HwgenError(f"{what} file {path} does not exist")
    try:
        return np.load(path, allow_pickle=False)
    except ValueError as error:
        raise HwgenError(f"{what} file {path} is not a numpy .npy array: {error}") from None


class _Progress:
    """A one-line progress indicator on stderr (only when it is a terminal, or forced)."""

    def __init__(self, label: str, enabled: bool):
        self.label = label
        self.enabled = enabled
        self.last = None

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        percent = int(100 * done / total)
        if percent != self.last:
            self.last = percent
            print(f"\r{self.label}: {done}/{total} output beats ({percent}%)", end="",
                  file=sys.stderr, flush=True)
            if done >= total:
                print(file=sys.stderr)


def cmd_compile(args) -> int:
    calibration = _load_npy(args.calib, "calibration") if args.calib else None
    design = api.compile(args.model, calibration, args.config, max_macs=args.max_macs,
                         top=args.top)
    design.save(args.output, cost_target=args.cost_target)
    print(f"wrote {args.output}/ (Verilog in rtl/{design.top}.v, manifest.json)")
    print(render_markdown(report_data(args.output)))
    return 0


def cmd_sim(args) -> int:
    design = api.load(args.design_dir)
    x = _load_npy(args.inputs, "inputs")
    progress = _Progress(f"simulating {design.name} on {args.simulator}",
                         sys.stderr.isatty() or args.progress)
    sim = design.simulate(x, simulator=args.simulator, driver=args.driver, idle=args.idle,
                          backpressure=args.backpressure, seed=args.seed, waves=args.waves,
                          progress=progress, log=lambda m: print(m, file=sys.stderr))
    r, c = sim.result, sim.result["cycles"]
    print(f"{r['num_inferences']} inferences on {r['simulator']} ({r['driver']}): "
          f"bit exact {r['bit_exact']} ({r['mismatches']} mismatching outputs)")
    if r["cycles_checked"]:
        print(f"cycles: latency RTL {c['latency_rtl']} / model {c['latency_model']}, "
              f"II RTL {c['ii_rtl']} / model {c['ii_model']}, every transfer as modelled: "
              f"{r['cycles_exact']}")
    print(f"{r['simulated_cycles']} cycles in {r['wall_seconds']:.2f} s "
          f"({r['cycles_per_second']:,.0f} cycles/s); results in {sim.path}")
    if args.waves:
        print(f"waveform: {sim.path.parent / 'waves.vcd'}")
    return 0 if sim.ok else 1


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def cmd_synth(args) -> int:
    import signal

    from .synth import Progress, synthesize
    from .synth.report_section import critical_path_text
    # SIGTERM ends the tool processes like Ctrl-C does (they run in their own session)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        data = synthesize(args.design_dir, args.target, progress=Progress())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    t = data["totals"]
    print(f"{data['target']}{' on ' + data['device'] if data['device'] else ''}: "
          f"LUT {t['lut']}, FF {t['ff']}, carry {t['carry']}, DSP {t['dsp']}, "
          f"BRAM {t['bram']}, LUTRAM {t['lutram']}")
    if data["fmax_mhz"]:
        print(f"Fmax {data['fmax_mhz']:.1f} MHz, {data['throughput_inferences_per_s']:,.0f} "
              f"inferences/s; critical path {critical_path_text(data['critical_path'])}")
    print(f"wrote {args.design_dir}/synth/resources.json and synth/synth.log")
    return 0


def cmd_report(args) -> int:
    markdown, data = write_report(args.design_dir)
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print(markdown, end="")
    return 0


def cmd_check(args) -> int:
    from .frontend import check_onnx
    problems = check_onnx(args.model)
    if not problems:
        print(f"{args.model}: no problems found")
        return 0
    print(f"{args.model}: {len(problems)} problem(s):")
    for problem in problems:
        print(f"  - {problem}")
    return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hwgen", description=__doc__)
    parser.add_argument("--version", action="version", version=f"hwgen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("compile", help="quantize and compile an ONNX model to Verilog")
    p.add_argument("model", help="float ONNX model, or a QDQ model (compiled with its own scales)")
    p.add_argument("--calib", help="calibration inputs of a float model, .npy in the model's own "
                                   "layout: (N, features) or (N, C, H, W)")
    p.add_argument("-o", "--output", required=True, help="output directory")
    p.add_argument("--config", help="CONFIG.toml with [default] and [layer.NAME] tables")
    p.add_argument("--max-macs", type=int, default=64,
                   help="multipliers of the largest layer when folding is automatic (64)")
    p.add_argument("--top", default="hwgen_top", help="Verilog module name (hwgen_top)")
    p.add_argument("--cost-target", choices=tuple(COST_TARGETS), default=DEFAULT_COST_TARGET,
                   help="target of the resource estimate in manifest.json and the report "
                        f"(default {DEFAULT_COST_TARGET}, as hwgen synth)")
    p.set_defaults(func=cmd_compile)

    p = sub.add_parser("sim", help="simulate a compiled design over a data set")
    p.add_argument("design_dir", help="directory written by hwgen compile")
    p.add_argument("--inputs", required=True,
                   help=".npy of inputs, one row per inference (floats are quantized, "
                        "integers are taken as codes)")
    p.add_argument("--simulator", choices=("verilator", "icarus"), default="verilator")
    p.add_argument("--driver", choices=("harness", "cocotb"), default="harness",
                   help="run the harness binary directly (fast) or under a cocotb test")
    p.add_argument("--waves", action="store_true", help="write sim/waves.vcd")
    p.add_argument("--idle", type=float, default=0.0,
                   help="probability of an idle input cycle (disables the cycle check)")
    p.add_argument("--backpressure", type=float, default=0.0,
                   help="probability of a cycle without output ready (disables the cycle check)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--progress", action="store_true", help="show progress even when not a tty")
    p.set_defaults(func=cmd_sim)

    p = sub.add_parser("synth", help="synthesise a compiled design (Yosys; nextpnr on ECP5 / "
                                     "iCE40): per-layer resources, Fmax")
    p.add_argument("design_dir", help="directory written by hwgen compile")
    p.add_argument("--target", choices=("xcup", "xc7", "ecp5", "ice40"), default="ecp5",
                   help="xcup / xc7: Yosys synth_xilinx (resources only); ecp5 / ice40: Yosys "
                        "and nextpnr (resources, Fmax, critical path); default ecp5")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("report", help="per-layer table: predicted vs simulated cycles")
    p.add_argument("design_dir")
    p.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("check", help="list every problem of an ONNX model without compiling")
    p.add_argument("model")
    p.set_defaults(func=cmd_check)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except HwgenError as error:
        print(f"hwgen {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
