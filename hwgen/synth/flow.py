"""``hwgen synth``: Yosys (and nextpnr) over a compiled design's shipped Verilog."""

from __future__ import annotations

import json
import re
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

from ..errors import SynthesisError
from .design_dir import read_design_dir
from .ecp5_dsp_registers import absorb_dsp_registers
from .harness import HARNESS_INSTANCE, HARNESS_TOP, harness_verilog
from .nextpnr import SEED, capacity_problem, choose_device, nextpnr_args, read_report
from .resources_file import LOG_FILE, SCHEMA, write_resources
from .stat import block_resources
from .targets import TARGETS
from .tools import (
    NEXTPNR_ECP5,
    NEXTPNR_ICE40,
    YOSYS,
    Progress,
    require_tool,
    run_tool,
    tool_version,
)
from .yosys_script import (
    ABSORBED_FILE,
    COARSE_FILE,
    NETLIST_FILE,
    SPLIT_LABEL,
    STAT_FILE,
    split_yosys_scripts,
    yosys_script,
)

__all__ = ["synthesize", "WORK_DIR"]

WORK_DIR = "synth"
DSP_REGISTERS_FILE = "dsp_registers.json"
_LOGS = ("yosys_coarse.log", "yosys.log", "nextpnr.log")
_NEXTPNR = {"nextpnr-ecp5": NEXTPNR_ECP5, "nextpnr-ice40": NEXTPNR_ICE40}


def _errors(log: Path, limit: int = 5) -> str:
    lines = log.read_text(errors="replace").splitlines() if log.exists() else []
    errors = [line for line in lines if line.startswith("ERROR") or "Assert" in line]
    return "\n".join((errors or lines)[-limit:])


def _yosys_banner(log: Path) -> str | None:
    """``Yosys 0.70 (git sha1 28ba3cb92)`` from a Yosys log."""
    if not log.exists():
        return None
    match = re.search(r"Yosys (\d+\.\d+\S*) \(git sha1 ([0-9a-f]+)",
                      log.read_text(errors="replace"))
    return f"Yosys {match.group(1)} (git sha1 {match.group(2)})" if match else None


def _yosys(script: str, name: str, log_name: str, target, design, work: Path,
           progress: Progress, phase: str = "") -> None:
    (work / f"{name}.ys").write_text(script)
    log = work / log_name
    code = run_tool(YOSYS, ["-q", "-l", f"{WORK_DIR}/{log_name}", "-s", f"{WORK_DIR}/{name}.ys"],
                    cwd=design.out, log=log,
                    phase=f"yosys {target.synth_command.split()[0]}{phase}", progress=progress)
    if code != 0:
        raise SynthesisError(f"Yosys failed (exit {code}) on {design.out}:\n"
                             f"{_errors(log)}\nfull log: {log}")


def _run_yosys(design, target, work: Path, progress: Progress, *,
               dsp_registers: bool) -> tuple[float, dict | None]:
    """Yosys, in one run, or in two around the DSP register rewrite; returns the seconds and
    the rewrite's counts per module (None without the rewrite)."""
    top = HARNESS_TOP if target.places else design.top
    extra = []
    if target.places:
        (work / "harness.v").write_text(harness_verilog(design))
        extra.append(f"{WORK_DIR}/harness.v")
    started = time.monotonic()
    if not dsp_registers:
        script = yosys_script(design, target, top=top, extra_sources=extra, work=WORK_DIR)
        _yosys(script, "synth", "yosys.log", target, design, work, progress)
        return time.monotonic() - started, None
    first, second = split_yosys_scripts(design, target, top=top, extra_sources=extra,
                                        work=WORK_DIR)
    _yosys(first, "synth_coarse", "yosys_coarse.log", target, design, work, progress,
           f" -run :{SPLIT_LABEL}")
    netlist = json.loads((work / COARSE_FILE).read_text())
    counts = absorb_dsp_registers(netlist)
    (work / ABSORBED_FILE).write_text(json.dumps(netlist))
    (work / DSP_REGISTERS_FILE).write_text(json.dumps(counts, indent=2) + "\n")
    progress("DSP registers absorbed (MULT18X18D with input A / input B / output registers): "
             + ", ".join(f"{name} {c['input_a']}/{c['input_b']}/{c['output']} of {c['cells']}"
                         for name, c in counts.items()))
    _yosys(second, "synth", "yosys.log", target, design, work, progress,
           f" -run {SPLIT_LABEL}: (after the DSP register rewrite)")
    return time.monotonic() - started, counts


def _pnr_files(seed: int | None) -> dict:
    """nextpnr's report and log of one seed of a sweep (None: the chosen run's)."""
    tail = "" if seed is None else f"_seed{seed}"
    return {"report": f"nextpnr_report{tail}.json", "log": f"nextpnr{tail}.log"}


def _place_and_route_once(design, target, device_list, work: Path, progress: Progress,
                          seed: int, files: dict, label: str):
    """Place and route at ``seed`` on the first device of ``device_list`` that holds the
    design; returns (device, timing)."""
    tool = _NEXTPNR[target.nextpnr]
    for device in device_list:
        args = nextpnr_args(target, device, netlist=f"{WORK_DIR}/{NETLIST_FILE}",
                            report=f"{WORK_DIR}/{files['report']}",
                            log=f"{WORK_DIR}/{files['log']}", seed=seed)
        code = run_tool(tool, args, cwd=design.out, log=work / files["log"],
                        phase=f"{tool.name} place and route on {device.name}{label}",
                        progress=progress)
        if code == 0:
            timing = read_report(work / files["report"], design,
                                 instance_prefix=f"{HARNESS_INSTANCE}.")
            return device, timing
        log_text = (work / files["log"]).read_text(errors="replace")
        problem = capacity_problem(log_text)
        if problem is None:
            raise SynthesisError(f"{tool.name} failed (exit {code}) on {device.name}:\n"
                                 f"{_errors(work / files['log'])}\n"
                                 f"full log: {work / files['log']}")
        if device is device_list[-1]:
            raise SynthesisError(f"the design does not fit the largest {target.name} device, "
                                 f"{device.name}: {problem}")
        progress(f"{device.name} is too small ({problem}); trying the next device")
    raise AssertionError("unreachable")


def _place_and_route(design, target, blocks, work: Path, progress: Progress,
                     seeds: tuple[int, ...]):
    """Place and route at every seed of ``seeds`` (in order; each after the first on the
    device the first settled on) and keep the fastest run: its report and log become
    ``nextpnr_report.json`` / ``nextpnr.log``. Returns (device, timing of the kept run, the
    kept seed, one record per seed, seconds)."""
    device = choose_device(target, blocks["totals"], blocks["harness"]["resources"])
    candidates = list(target.devices[target.devices.index(device):])
    started = time.monotonic()
    sweep = len(seeds) > 1
    runs = []
    for index, seed in enumerate(seeds):
        files = _pnr_files(seed if sweep else None)
        label = f", seed {seed} ({index + 1} of {len(seeds)})" if sweep else ""
        device, timing = _place_and_route_once(design, target, candidates, work, progress,
                                               seed, files, label)
        candidates = [device]
        runs.append((seed, timing, files))
        if sweep:
            progress(f"seed {seed}: Fmax {timing['fmax_mhz']:.1f} MHz")
    # the fastest seed; on a tie, the first listed
    best_seed, best, files = max(runs, key=lambda run: run[1]["fmax_mhz"])
    if sweep:
        for key, name in _pnr_files(None).items():
            shutil.copyfile(work / files[key], work / name)
    record = [{"seed": seed, "fmax_mhz": timing["fmax_mhz"],
               "critical_path": _path_summary(timing["critical_path"])}
              for seed, timing, _ in runs]
    return device, best, best_seed, record, time.monotonic() - started


def _path_summary(path: dict | None) -> dict | None:
    """A seed's critical path in brief: its delay and the blocks it starts and ends in."""
    if path is None:
        return None
    return {"delay_ns": path["delay_ns"], "from": path["from"]["block"],
            "to": path["to"]["block"]}


def _write_log(work: Path) -> None:
    parts = []
    for name in _LOGS:
        path = work / name
        if path.exists():
            parts.append(f"===== {name} =====\n{path.read_text(errors='replace')}")
    (work.parent / LOG_FILE).write_text("\n".join(parts))


def _with_dsp_registers(parts: list[dict], design, counts: dict | None) -> None:
    for part in parts:
        module = design.module(part["instance"]) if part["instance"] != design.top \
            else design.top
        if counts is not None:
            part["dsp_registers"] = counts.get(
                module, {"cells": 0, "input_a": 0, "input_b": 0, "output": 0})


def _seeds(seed) -> tuple[int, ...]:
    """``seed`` (an int or a sequence of ints) as a tuple of distinct valid seeds."""
    single = isinstance(seed, (str, bytes)) or not isinstance(seed, Sequence)
    seeds = (seed,) if single else tuple(seed)
    if not seeds:
        raise SynthesisError("seed is an empty sequence; give at least one seed")
    for one in seeds:
        if not isinstance(one, int) or isinstance(one, bool) or not 0 <= one < 2**31:
            raise SynthesisError(f"seed must be an integer in [0, 2**31), not {one!r}")
    repeated = sorted({one for one in seeds if seeds.count(one) > 1})
    if repeated:
        raise SynthesisError(f"seed {repeated[0]} is given twice; the same seed places the "
                             "same way, so list each seed once")
    return tuple(seeds)


def synthesize(out, target_name: str = "ecp5", *, progress: Progress | None = None,
               dsp_registers: bool | None = None,
               seed: int | Sequence[int] = SEED) -> dict:
    """Synthesise ``out`` for ``target_name``; write ``synth/resources.json`` and
    ``synth/synth.log``; return what was written.

    ``dsp_registers``: absorb flip-flops into the DSPs' registers
    (:mod:`hwgen.synth.ecp5_dsp_registers`); None means on where the target has it (ECP5),
    and it is ignored on the others. ``seed``: nextpnr's placement seed (ECP5, iCE40), or a
    sequence of seeds to sweep: the netlist is synthesised once, placed and routed at every
    seed, and the fastest placement is kept (resources.json records it as ``seed`` and every
    seed's Fmax under ``seeds``). The same netlist and seed place the same way; another seed
    may close timing a few per cent either side. Every check that can fail fast (directory,
    manifest, Verilog, tools, seeds) runs before Yosys.
    """
    if target_name not in TARGETS:
        raise SynthesisError(f"unknown target {target_name!r}; use one of "
                             f"{', '.join(TARGETS)}")
    target = TARGETS[target_name]
    seeds = _seeds(seed)
    progress = progress or Progress()
    design = read_design_dir(out)
    require_tool(YOSYS)
    if target.places:
        require_tool(_NEXTPNR[target.nextpnr])
    manifest_sha = design.manifest.get("files", {}).get("verilog_sha256")
    if manifest_sha != design.verilog_sha256:
        progress(f"warning: {design.sources[0]} differs from what `hwgen compile` wrote "
                 "(sha256 mismatch with manifest.json); synthesising the file as it is, and "
                 "`hwgen report` will call the result stale")
    work = design.out / WORK_DIR
    work.mkdir(exist_ok=True)
    for old in [*work.glob("nextpnr_seed*.log"), *work.glob("nextpnr_report_seed*.json")]:
        old.unlink()
    for stale in ("nextpnr.log", "nextpnr_report.json", STAT_FILE, NETLIST_FILE, COARSE_FILE,
                  ABSORBED_FILE, DSP_REGISTERS_FILE, "yosys_coarse.log"):
        (work / stale).unlink(missing_ok=True)
    absorb = target.dsp_registers and dsp_registers is not False

    yosys_s, counts = _run_yosys(design, target, work, progress, dsp_registers=absorb)
    blocks = block_resources(design, target, work / STAT_FILE,
                             harness=HARNESS_TOP if target.places else None)
    _with_dsp_registers(blocks["layers"] + blocks["glue"], design, counts)
    tools = {YOSYS.distribution: tool_version(YOSYS),
             "yosys": _yosys_banner(work / "yosys.log")}
    device, timing, pnr_s, seed_runs = None, None, None, None
    if target.places:
        device, timing, seed, seed_runs, pnr_s = _place_and_route(
            design, target, blocks, work, progress, seeds)
        tool = _NEXTPNR[target.nextpnr]
        tools[tool.distribution] = tool_version(tool)
    _write_log(work)

    ii = design.manifest["predicted"]["ii"]
    fmax = timing["fmax_mhz"] if timing else None
    data = {
        "schema": SCHEMA,
        "model": design.manifest.get("model"), "top": design.top,
        "target": target.name,
        "synthesis": target.synth_command,
        "device": device.name if device else None,
        "tools": tools,
        "verilog_sha256": design.verilog_sha256,
        "inputs": design.inputs,
        "hierarchy": ("kept at each block and glue instance of the top (keep_hierarchy), "
                      "flattened below; no optimisation across block boundaries"),
        "layers": blocks["layers"],
        "glue": blocks["glue"],
        "totals": blocks["totals"],
        "dsp_registers": None if counts is None else {
            key: sum(p["dsp_registers"][key] for p in blocks["layers"] + blocks["glue"])
            for key in ("cells", "input_a", "input_b", "output")},
        "harness": blocks["harness"],
        "unclassified_cells": blocks["unclassified_cells"],
        "fmax_mhz": fmax,
        "seed": seed if target.places else None,
        "seeds": seed_runs,
        "target_mhz": timing["target_mhz"] if timing else None,
        "ii_cycles": ii,
        "throughput_inferences_per_s": round(fmax * 1e6 / ii, 1) if fmax else None,
        "critical_path": timing["critical_path"] if timing else None,
        "utilization": timing["utilization"] if timing else None,
        "elapsed_s": {"yosys": round(yosys_s, 1),
                      **({"nextpnr": round(pnr_s, 1)} if pnr_s is not None else {})},
    }
    write_resources(design.out, data)
    return data
