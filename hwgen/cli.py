"""The ``hwgen`` command: compile, sim, synth, report, check, cache, explore."""

from __future__ import annotations

import argparse
import functools
import signal
import sys
import time
import warnings

import numpy as np

from . import api
from .backend.design import INTERFACES
from .backend.shipped import read_shipped
from .backend.writer import check_out_dir
from .errors import CycleLimitError, HwgenError, HwgenWarning
from .input_files import input_file
from .passes import DEFAULT_MAX_MACS, MAX_LAYER_WEIGHTS
from .passes.folding import target_interval
from .perf.cost import COST_TARGETS
from .perf.cost.summary import DEFAULT_COST_TARGET
from .report import render_markdown, report_data, write_report
from .subprocesses import descendants, end_descendants
from .text import check_verilog_identifier, display, json_text, needs_escaping, terminal
from .version import __version__

__all__ = ["main"]

#: Exit status of an interrupted command (128 + SIGINT), as shells report it.
INTERRUPTED = 130


# -- argument types: a bad value is refused by argparse, naming the flag ---------------------

def _probability(value: str) -> float:
    try:
        p = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not 0.0 <= p < 1.0:       # also refuses nan
        raise argparse.ArgumentTypeError(
            f"{value} is not a probability in [0, 1) (0 = never, 0.5 = every other cycle)")
    return p


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an integer") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive integer")
    return n


def _seed(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not an integer") from None
    if not 0 <= n < 2**31:     # the harness's $random seed is a 32-bit integer
        raise argparse.ArgumentTypeError(f"{value} is not in [0, 2**31)")
    return n


def _seeds(value: str) -> tuple[int, ...]:
    """``N`` or a comma list ``N,M,...`` of distinct seeds."""
    seeds = tuple(_seed(part.strip()) for part in value.split(","))
    repeated = sorted({seed for seed in seeds if seeds.count(seed) > 1})
    if repeated:
        raise argparse.ArgumentTypeError(f"seed {repeated[0]} is listed twice")
    return seeds


def _top(value: str) -> str:
    try:
        return check_verilog_identifier(value, "module name")
    except HwgenError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _out_dir(value: str) -> str:
    if value == "":
        raise argparse.ArgumentTypeError("the output directory is empty: give one, e.g. "
                                         "-o out/model")
    return value


_SIZE_UNITS = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}


def _size(value: str) -> int:
    number, unit = value.strip().lower().rstrip("b"), ""
    if number and number[-1] in _SIZE_UNITS:
        number, unit = number[:-1], number[-1]
    try:
        size = float(number) * _SIZE_UNITS[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a size (e.g. 500M, 2G)") from None
    if not 0 <= size < float("inf"):
        raise argparse.ArgumentTypeError(f"{value!r} is not a size (e.g. 500M, 2G)")
    return int(size)


# -- files -----------------------------------------------------------------------------------

def _load_npy(path, what: str) -> np.ndarray:
    """A real-valued numpy array from the .npy file ``path`` (``what``: the flag)."""
    path = input_file(path, what)
    shown = display(path)
    try:
        array = np.load(path, allow_pickle=False)
    except ValueError as error:
        raise HwgenError(f"{what}: {shown} is not a numpy .npy array: {error}") from None
    except (EOFError, OSError) as error:
        raise HwgenError(f"{what}: {shown} is empty or truncated: {error}") from None
    if not isinstance(array, np.ndarray):
        array.close()
        raise HwgenError(f"{what}: {shown} is an .npz archive; give one .npy array "
                         "(np.save)")
    if array.dtype.kind == "c":
        raise HwgenError(f"{what}: {shown} holds complex numbers ({array.dtype}); hwgen "
                         "takes real values (the imaginary part is not dropped silently)")
    if array.dtype.kind not in "biuf":
        raise HwgenError(f"{what}: {shown} holds {array.dtype} values; give integers or "
                         "floats")
    return array


class _Steps:
    """Each step of a long command, with the time since the command started, on stderr."""

    def __init__(self, command: str):
        self.command = command
        self.start = time.monotonic()

    def __call__(self, step: str) -> None:
        print(f"hwgen {self.command}: [{time.monotonic() - self.start:6.1f} s] {step}",
              file=sys.stderr, flush=True)


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
    input_file(args.model, "the model")
    if args.config:
        input_file(args.config, "--config")
    check_out_dir(args.output, force=args.force)          # refused before any long work
    calibration = _load_npy(args.calib, "--calib") if args.calib else None
    steps = _Steps("compile")
    design = api.compile(args.model, calibration, args.config, max_macs=args.max_macs,
                         target_ii=args.target_ii, target_fps=args.target_fps,
                         clock_mhz=args.clock_mhz, top=args.top, interface=args.interface,
                         max_layer_weights=args.max_layer_weights, progress=steps)
    design.save(args.output, force=args.force, progress=steps,
                cost_target=args.cost_target)
    steps("done")
    print(f"wrote {display(args.output)}/ (Verilog in rtl/{design.top}.v, manifest.json)")
    if args.target_ii is not None or args.target_fps is not None:
        target = target_interval(target_ii=args.target_ii, target_fps=args.target_fps,
                                 clock_mhz=args.clock_mhz)
        print(f"target: at most {target:,} cycles per inference; predicted interval "
              f"{design.ii:,} cycles")
    print(render_markdown(report_data(args.output)))
    return 0


def cmd_sim(args) -> int:
    # Every shipped file is checked before anything is read from it (design.npz included).
    read_shipped(args.design_dir, allow_modified=args.allow_modified)
    design = api.load(args.design_dir)
    x = _load_npy(args.inputs, "--inputs")
    progress = _Progress(f"simulating {display(design.name)} on {args.simulator}",
                         sys.stderr.isatty() or args.progress)
    try:
        sim = design.simulate(x, simulator=args.simulator, driver=args.driver, idle=args.idle,
                              backpressure=args.backpressure, seed=args.seed, waves=args.waves,
                              allow_modified=args.allow_modified, max_cycles=args.max_cycles,
                              progress=progress, log=lambda m: print(m, file=sys.stderr))
    except CycleLimitError as error:
        # The RTL did not deliver its outputs in time: a failed check, not a usage error.
        print(f"hwgen sim: error: {terminal(error)}", file=sys.stderr)
        return 1
    r, c = sim.result, sim.result["cycles"]
    if r["modified_files"]:
        print(f"simulated modified files (they differ from manifest.json): "
              f"{', '.join(display(name) for name in r['modified_files'])}")
    print(f"{r['num_inferences']} inferences on {r['simulator']} ({r['driver']}): "
          f"bit exact {r['bit_exact']} ({r['mismatches']} mismatching outputs)")
    if r["cycles_checked"]:
        print(f"cycles: latency RTL {c['latency_rtl']} / model {c['latency_model']}, "
              f"II RTL {c['ii_rtl']} / model {c['ii_model']}, every transfer as modelled: "
              f"{r['cycles_exact']}")
    print(f"{r['simulated_cycles']} cycles in {r['wall_seconds']:.2f} s "
          f"({r['cycles_per_second']:,.0f} cycles/s); results in {sim.path}")
    if r["run_dir"]:
        print(f"the failed run's files are kept in {sim.path.parent / r['run_dir']}")
    if args.waves:
        print(f"waveform: {sim.path.parent / 'waves.vcd'}")
    return 0 if sim.ok else 1


def cmd_synth(args) -> int:
    from .synth import Progress, synthesize
    from .synth.report_section import critical_path_text, seed_sweep_text
    data = synthesize(args.design_dir, args.target, progress=Progress(),
                      dsp_registers=None if args.dsp_registers is None
                      else args.dsp_registers == "on",
                      seed=args.seed[0] if len(args.seed) == 1 else args.seed)
    t = data["totals"]
    print(f"{data['target']}{' on ' + data['device'] if data['device'] else ''}: "
          f"LUT {t['lut']}, FF {t['ff']}, carry {t['carry']}, DSP {t['dsp']}, "
          f"BRAM {t['bram']}, LUTRAM {t['lutram']}")
    if data["fmax_mhz"]:
        print(f"Fmax {data['fmax_mhz']:.1f} MHz{seed_sweep_text(data['seed'], data['seeds'])}, "
              f"{data['throughput_inferences_per_s']:,.0f} inferences/s; critical path "
              f"{critical_path_text(data['critical_path'], name=display)}")
    print(f"wrote {display(args.design_dir)}/synth/resources.json and synth/synth.log")
    return 0


def cmd_report(args) -> int:
    if args.html:
        from .report_html import write_html_report
        print(f"wrote {display(write_html_report(args.design_dir))}")
        return 0
    markdown, data = write_report(args.design_dir)
    if args.json:
        print(json_text(data, indent=2))
    else:
        print(markdown, end="")
    return 0


def cmd_explore(args) -> int:
    from .explore import describe, explore, parse_activations, parse_budget, parse_formats
    formats = parse_formats(args.formats)
    activations = parse_activations(args.activations)
    budget = parse_budget(args.budget)
    if (args.target_fps is None) != (args.clock_mhz is None) and args.target_fps is not None:
        raise HwgenError("--target-fps needs --clock-mhz (the clock the rate is counted at)")
    if args.workers is not None and args.ray_address is not None:
        raise HwgenError("give --workers (start a local Ray) or --ray-address (join one), "
                         "not both")
    input_file(args.model, "the model")
    calibration = _load_npy(args.calib, "--calib")
    x_val = _load_npy(args.val[0], "--val inputs")
    y_val = _load_npy(args.val[1], "--val labels")
    check_out_dir(args.output, force=args.force)
    steps = _Steps("explore")
    result = explore(args.model, calibration, x_val, y_val, args.output, budget=budget,
                     target_fps=args.target_fps, clock_mhz=args.clock_mhz, formats=formats,
                     activations=activations, max_drop=args.max_accuracy_drop, seed=args.seed,
                     workers=args.workers, address=args.ray_address,
                     simulate=not args.no_simulate,
                     synth="none" if args.no_synth else args.synth,
                     population=args.population, generations=args.generations,
                     finalists=args.finalists, dsp_luts=args.dsp_luts, force=args.force,
                     greedy_pricing=args.greedy_pricing, log=steps)
    i8, small, fast = result["int8"], result["smallest"], result["fastest"]
    drop = 100 * result["max_accuracy_drop"]
    print(f"uniform int8: accuracy {i8['accuracy']:.2%}, II {i8['ii']} cycles, cost "
          f"{i8['cost']:,.0f} (LUT {i8['lut']:,}, DSP {i8['dsp']:,})")
    print(f"smallest within {drop:g} points: {result['smaller_by']:.2f}x smaller "
          f"(cost {small['cost']:,.0f}, accuracy {small['accuracy']:.2%}, II {small['ii']}): "
          + display(describe(small["formats"], small["activations"])))
    print(f"fastest within {drop:g} points at no more cost: {result['faster_by']:.2f}x "
          f"faster (II {fast['ii']}, cost {fast['cost']:,.0f}, accuracy "
          f"{fast['accuracy']:.2%}): " + display(describe(fast["formats"],
                                                          fast["activations"])))
    if result.get("smaller_by_synth"):
        print(f"synthesised (Yosys, {result['target']}): smallest finalist "
              f"{result['smaller_by_synth']:.2f}x smaller than uniform int8")
    print(f"{result['candidates']} candidates ({result['backend']}), resources: "
          f"{result['resources']}; wrote {display(args.output)}/pareto.csv, pareto.json, "
          "pareto.png, summary.json, configs/")
    bad = [f["label"] for f in result["finalists"]
           if f.get("bit_exact") is False or f.get("cycles_exact") is False
           or not f["matches_search"]]
    if bad:
        print(f"finalists not exact: {', '.join(bad)}", file=sys.stderr)
        return 1
    return 0


def _name_notes(model) -> list[str]:
    """Names in ``model`` that generated text shows escaped (none is refused: every output
    escapes or maps them; docs/guarantees.md)."""
    from .frontend.onnx.graph import load_model
    proto, _ = load_model(model)
    graph = proto.graph
    named = [("graph", graph.name)]
    named += [(f"node ({node.op_type})", node.name) for node in graph.node]
    tensors = {name for node in graph.node for name in (*node.input, *node.output)}
    tensors |= {t.name for t in (*graph.input, *graph.output, *graph.initializer)}
    named += [("tensor", name) for name in sorted(tensors)]
    notes, seen = [], set()
    for what, name in named:
        if name and name not in seen and needs_escaping(name):
            seen.add(name)
            notes.append(f"{what} '{display(name)}'")
    return notes


def cmd_check(args) -> int:
    from .frontend import check_onnx
    input_file(args.model, "the model")
    shown = display(args.model)
    problems = check_onnx(args.model)
    if problems:
        print(f"{shown}: {len(problems)} problem(s):")
        for problem in problems:
            print(f"  - {terminal(problem)}")
        return 1
    print(f"{shown}: no problems found")
    notes = _name_notes(args.model)
    if notes:
        print(f"note: {len(notes)} name(s) hold characters that hwgen escapes wherever it writes "
              "them (shown here as \\n, \\x1b, ...); no name reaches generated code or markup "
              "as it is:")
        for note in notes:
            print(f"  - {note}")
    return 0


def cmd_cache(args) -> int:
    from .sim.build_cache import cache_clean, cache_info
    if args.action == "info":
        info = cache_info()
        if args.json:
            print(json_text(info, indent=2))
            return 0
        print(f"build cache {display(info['root'])}: {info['builds']} build(s), "
              f"{info['total_bytes'] / 1e6:,.1f} MB")
        kinds: dict = {}
        for entry in info["entries"]:
            count, size = kinds.get(entry["kind"], (0, 0))
            kinds[entry["kind"]] = (count + 1, size + entry["bytes"])
        for kind, (count, size) in sorted(kinds.items()):
            print(f"  {kind}: {count} build(s), {size / 1e6:,.1f} MB")
        return 0
    done = cache_clean(keep_bytes=args.keep)
    print(f"removed {done['removed']} build(s) ({done['freed_bytes'] / 1e6:,.1f} MB) from "
          f"{display(done['root'])}; {done['remaining_bytes'] / 1e6:,.1f} MB remain"
          + (f"; {done['skipped_in_use']} in use kept" if done["skipped_in_use"] else ""))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hwgen", description=__doc__)
    parser.add_argument("--version", action="version", version=f"hwgen {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("compile", help="quantize and compile an ONNX model to Verilog")
    p.add_argument("model", help="float ONNX model, or a QDQ model (compiled with its own scales)")
    p.add_argument("--calib", help="calibration inputs of a float model, .npy in the model's own "
                                   "layout: (N, features) or (N, C, H, W)")
    p.add_argument("-o", "--output", required=True, type=_out_dir,
                   help="output directory: new, empty, or written by hwgen (replaced whole)")
    p.add_argument("--force", action="store_true",
                   help="replace OUT even if it is a non-empty directory hwgen did not write")
    p.add_argument("--config", help="CONFIG.toml with [default] and [layer.NAME] tables")
    folding = p.add_argument_group(
        "folding", "budget mode (--max-macs, the default) or target mode (--target-ii, or "
                   "--target-fps with --clock-mhz): the fewest multipliers that reach the "
                   "target; PE / SIMD in CONFIG.toml are kept")
    folding.add_argument("--max-macs", type=_positive_int, default=None,
                         help="multipliers of the largest layer when folding is automatic "
                              f"({DEFAULT_MAX_MACS})")
    folding.add_argument("--target-ii", type=_positive_int, default=None, metavar="CYCLES",
                         help="reach at most CYCLES clock cycles per inference")
    folding.add_argument("--target-fps", type=float, default=None, metavar="F",
                         help="reach at least F inferences per second (needs --clock-mhz)")
    folding.add_argument("--clock-mhz", type=float, default=None, metavar="M",
                         help="clock frequency for --target-fps, in MHz")
    p.add_argument("--max-layer-weights", type=_positive_int, default=MAX_LAYER_WEIGHTS,
                   help="refuse a layer with more weights, before any long work "
                        f"({MAX_LAYER_WEIGHTS:,}: about 30 s of compile time)")
    p.add_argument("--top", default="hwgen_top", type=_top,
                   help="Verilog module name (hwgen_top)")
    p.add_argument("--interface", default="stream", choices=INTERFACES,
                   help="ports of the top module: stream (Amaranth valid/ready, clk, rst; the "
                        "default) or axis (AXI4-Stream s_axis_* / m_axis_*, aclk, aresetn; "
                        "docs/integration.md)")
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
    p.add_argument("--idle", type=_probability, default=0.0,
                   help="probability in [0, 1) of an idle input cycle (disables the cycle "
                        "check)")
    p.add_argument("--backpressure", type=_probability, default=0.0,
                   help="probability in [0, 1) of a cycle without output ready (disables the "
                        "cycle check)")
    p.add_argument("--seed", type=_seed, default=1,
                   help="seed of the idle and backpressure cycles, in [0, 2**31) (1)")
    p.add_argument("--allow-modified", action="store_true",
                   help="simulate shipped RTL or memory images that differ from manifest.json "
                        "(and compare them with both models) instead of refusing them")
    p.add_argument("--max-cycles", type=_positive_int, default=None, metavar="N",
                   help="stop after N cycles, or N cycles without an output beat (default: "
                        "2 x the cycle model's cycles + 10,000)")
    p.add_argument("--progress", action="store_true", help="show progress even when not a tty")
    p.set_defaults(func=cmd_sim)

    p = sub.add_parser("synth", help="synthesise a compiled design (Yosys; nextpnr on ECP5 / "
                                     "iCE40): per-layer resources, Fmax")
    p.add_argument("design_dir", help="directory written by hwgen compile")
    p.add_argument("--target", choices=("xcup", "xc7", "ecp5", "ice40"), default="ecp5",
                   help="xcup / xc7: Yosys synth_xilinx (resources only); ecp5 / ice40: Yosys "
                        "and nextpnr (resources, Fmax, critical path); default ecp5")
    p.add_argument("--dsp-registers", choices=("on", "off"), default=None,
                   help="ecp5: absorb the flip-flops before and after each MULT18X18D into its "
                        "input and output registers (default on; ignored on other targets)")
    p.add_argument("--seed", type=_seeds, default=(1,), metavar="SEED[,SEED...]",
                   help="ecp5 / ice40: nextpnr's placement seed, in [0, 2**31) (1); another "
                        "seed places differently and may close timing a few per cent either "
                        "side. A comma list (1,2,3) synthesises once, places and routes at "
                        "each seed and keeps the fastest")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("report", help="per-layer table: predicted vs simulated cycles")
    p.add_argument("design_dir")
    p.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    p.add_argument("--html", action="store_true",
                   help="write OUT/report.html (self-contained charts; also for an explore "
                        "run's OUT)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("explore", help="search per-layer formats and folding: Pareto front of "
                                       "accuracy, resources and throughput")
    p.add_argument("model", help="float ONNX model")
    p.add_argument("--calib", required=True, help="calibration inputs, .npy")
    p.add_argument("--val", required=True, nargs=2, metavar=("X.npy", "Y.npy"),
                   help="validation inputs and integer labels")
    p.add_argument("-o", "--output", required=True, type=_out_dir, help="output directory")
    p.add_argument("--force", action="store_true",
                   help="replace OUT even if it is a non-empty directory hwgen did not write")
    p.add_argument("--budget", help="resource budget, e.g. luts=20000,dsps=40,bram=10")
    p.add_argument("--target-fps", type=float, default=None, metavar="F",
                   help="throughput target in inferences/s (needs --clock-mhz)")
    p.add_argument("--clock-mhz", type=float, default=None, metavar="M",
                   help="clock frequency in MHz (inferences/s in the plot; 100 by default)")
    p.add_argument("--formats", default="int8,int4,int2,binary,ternary,mxfp4",
                   help="weight formats to consider, comma separated (int8 is always one)")
    p.add_argument("--activations", default="int8,int6,int4,int2",
                   help="formats of each layer's input activations to consider, comma "
                        "separated (int8 is always one; 'int8' searches the weights only)")
    p.add_argument("--max-accuracy-drop", type=float, default=0.005, metavar="D",
                   help="largest accuracy loss against uniform int8, a fraction (0.005)")
    p.add_argument("--seed", type=_seed, default=0, help="seed of the evolutionary search")
    p.add_argument("--population", type=_positive_int, default=12)
    p.add_argument("--generations", type=_positive_int, default=6)
    p.add_argument("--finalists", type=_positive_int, default=3,
                   help="finalists compiled (and simulated) with a CONFIG.toml each")
    p.add_argument("--greedy-pricing", choices=("exact", "additive"), default="exact",
                   help="exact: compile every greedy move; additive: price each layer's "
                        "moves once against uniform int8 (large models, e.g. the CNV)")
    p.add_argument("--dsp-luts", type=float, default=196.0,
                   help="LUTs one DSP counts as in the cost (196: ZU3EG's LUT/DSP ratio)")
    p.add_argument("--no-simulate", action="store_true",
                   help="do not simulate the finalists (Verilator)")
    p.add_argument("--synth", choices=("all", "smallest", "none"), default="smallest",
                   help="finalists synthesised with Yosys (xcup), beside uniform int8: the "
                        "smallest (default), all, or none")
    p.add_argument("--no-synth", action="store_true", help="the same as --synth none")
    ray = p.add_mutually_exclusive_group()
    ray.add_argument("--workers", type=_positive_int, default=None,
                     help="start a local Ray instance with N workers (the [ray] extra)")
    ray.add_argument("--ray-address", default=None, help="join the Ray cluster at ADDR")
    p.set_defaults(func=cmd_explore)

    p = sub.add_parser("check", help="list every problem of an ONNX model without compiling")
    p.add_argument("model")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("cache", help="the Verilator / Icarus build cache ($HWGEN_CACHE)")
    cache = p.add_subparsers(dest="action", required=True)
    q = cache.add_parser("info", help="where the cache is, its builds and their size")
    q.add_argument("--json", action="store_true", help="print JSON")
    q = cache.add_parser("clean", help="remove builds, least recently used first")
    q.add_argument("--keep", type=_size, default=0,
                   help="keep up to this much (e.g. 2G), the most recently used builds; "
                        "default: remove every build not in use")
    p.set_defaults(func=cmd_cache)
    return parser


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _show_warning(message, category, filename, lineno, file=None, line=None, *, command):
    if issubclass(category, HwgenWarning):
        print(f"hwgen {command}: warning: {terminal(message)}", file=sys.stderr)
    else:
        print(warnings.formatwarning(message, category, filename, lineno, line),
              file=sys.stderr, end="")


def main(argv=None) -> int:
    """Run one ``hwgen`` command; return its exit status.

    0 success; 1 the command ran and its result is bad (a mismatch in simulation, problems
    found by ``check``); 2 bad input (one clear message, no traceback); 130 interrupted
    (Ctrl-C or SIGTERM: child processes are ended first).
    """
    args = build_parser().parse_args(argv)
    before = set(descendants())     # processes that are not this command's to end
    # SIGTERM ends a command like Ctrl-C: children are ended, "interrupted", exit 130
    try:
        previous = signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:             # not the main thread (main() called from a thread)
        previous = None
    try:
        with warnings.catch_warnings():
            warnings.showwarning = functools.partial(_show_warning, command=args.command)
            return args.func(args)
    except HwgenError as error:
        print(f"hwgen {args.command}: error: {terminal(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        end_descendants(keep=before)    # children that third-party code started (cocotb)
        print(f"hwgen {args.command}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except OSError as error:
        # a file hwgen could not read or write that no check above named (read-only, full)
        where = f" ({display(error.filename)})" if error.filename else ""
        print(f"hwgen {args.command}: error: {error.strerror or error}{where}",
              file=sys.stderr)
        return 2
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
