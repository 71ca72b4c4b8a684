"""The model-level harness: whole data sets at compiled-simulator speed.

A jinja2-rendered SystemVerilog wrapper (rtl_templates/model_harness.sv.j2) streams input
beats from a hex file, captures every output beat and logs the cycle of every transfer at the
accelerator's ports and at each layer's ports. Python never touches a clock edge: it writes the
input file, runs the simulator once, and reads the logs.

Verilator builds the harness with a small C++ main that toggles the clock (no timing
support needed, fastest); Icarus runs it with the harness's own clock.
"""

from __future__ import annotations

import re
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..backend.templates import render
from ..errors import SimulationError
from ..subprocesses import run_child
from .build_cache import build_key, build_slot
from .limits import CycleLimits
from .toolchain import ensure_icarus, ensure_verilator, native_cpu, verilator_make_overrides

__all__ = ["HARNESS_TOP", "HARNESS_MODULES", "Monitor", "Harness", "HarnessRun",
           "VerilatorOptions", "check_top", "build_harness", "run_harness"]

HARNESS_TOP = "hwgen_harness"
#: Module names the harness brings into a build: a design may not use them.
HARNESS_MODULES = (HARNESS_TOP,)
_STOPPED = re.compile(r"hwgen harness: STOPPED by the (cycle limit|watchdog) at cycle (\d+) "
                      r"with (\d+) of (\d+) output beats")


@dataclass(frozen=True)
class Monitor:
    """A stream inside the design whose transfers the harness logs.

    ``bit`` indexes the accelerator's ``transfers`` output (high in a cycle with a transfer on
    that stream). Only beats whose index modulo ``period`` equals ``phase`` are logged (e.g.
    the first input beat or the last output beat of each inference), which keeps the log, and
    the time spent writing it, small.
    """

    bit: int        # index into the accelerator's transfers port
    tag: str        # label in the transfer log, e.g. "o0"
    label: str = ""
    period: int = 1
    phase: int = 0

    def as_template_values(self) -> dict:
        return {"bit": self.bit, "tag": self.tag, "label": self.label or self.tag,
                "period": self.period, "phase": self.phase}


@dataclass(frozen=True)
class Harness:
    simulator: str
    build_dir: Path
    command: tuple


@dataclass
class HarnessRun:
    simulator: str
    out_words: list
    out_cycles: list
    in_cycles: list                                 # first input beat of each inference
    monitors: dict = field(default_factory=dict)   # tag -> list of transfer cycles
    wall_seconds: float = 0.0                       # the whole simulator process
    loop_seconds: float | None = None               # the simulation loop alone, if reported
    loop_cpu_seconds: float | None = None           # its CPU time, if reported
    cycles: int = 0                                 # cycles 0 .. last output transfer

    @property
    def cycles_per_second(self) -> float:
        """Simulated cycles per second of the simulation loop (of the process if unknown)."""
        seconds = self.loop_seconds or self.wall_seconds
        return self.cycles / seconds if seconds else 0.0

    @property
    def cycles_per_cpu_second(self) -> float | None:
        """Simulated cycles per CPU second of the simulation loop (None if not reported):
        what the model costs, whatever else the machine runs."""
        return self.cycles / self.loop_cpu_seconds if self.loop_cpu_seconds else None

    @property
    def cycles_per_second_wall(self) -> float:
        """Simulated cycles per second of the whole process, start-up included."""
        return self.cycles / self.wall_seconds if self.wall_seconds else 0.0


def render_harness(*, top: str, in_width: int, out_width: int, in_period: int,
                   transfer_bits: int, monitors=()) -> str:
    """The harness source for a design with the given port widths."""
    return render("model_harness.sv.j2", top=top, harness=HARNESS_TOP, in_width=in_width,
                  in_bytes=input_bytes(in_width), out_width=out_width, in_period=in_period,
                  transfer_bits=transfer_bits,
                  monitors=[m.as_template_values() for m in monitors])


def input_bytes(in_width: int) -> int:
    return -(-in_width // 8)


def check_top(top: str) -> None:
    """Refuse a design whose top module is named like a module of the harness."""
    if top in HARNESS_MODULES:
        raise SimulationError(
            f"the design's top module is named {top!r}, which the simulation harness uses "
            f"for itself; compile again with another --top (e.g. --top hwgen_top)")


def build_harness(sources: dict, *, top: str, in_width: int, out_width: int, in_period: int,
                  transfer_bits: int, monitors=(), simulator: str = "verilator",
                  waves: bool = False, verilator: VerilatorOptions | None = None,
                  log=print) -> Harness:
    """Render and build the harness around ``sources`` (cached by content hash).

    ``sources`` maps relative file names to Verilog text, in compile order (the design's
    shipped files). ``in_period`` is the number of input beats per inference: the harness
    logs the transfer cycle of the first beat of each. Memory images are not part of the
    build: the ROMs read them when the simulation starts, from ``mem/`` in its directory.
    """
    check_top(top)
    harness_sv = render_harness(top=top, in_width=in_width, out_width=out_width,
                                in_period=in_period, transfer_bits=transfer_bits,
                                monitors=monitors)
    named = [f"{name}\n{text}" for name, text in sources.items()]
    if simulator == "verilator":
        ensure_verilator()
        main_cpp = render("verilator_main.cpp.j2", harness=HARNESS_TOP)
        verilator = verilator or VerilatorOptions()
        flags = verilator_flags(waves, verilator)
        # The options' optimisation levels replace the toolchain's defaults.
        overrides = [o for o in verilator_make_overrides()
                     if not o.startswith(("OPT_FAST=", "OPT_SLOW="))] + verilator.make_overrides()
        key = build_key("verilator", *named, harness_sv, main_cpp, *flags, *overrides,
                        verilator.cpu())
        with build_slot("harness-verilator", key) as slot:
            exe = slot.path / "obj" / f"V{HARNESS_TOP}"
            if not slot.ready:
                log(f"building the Verilator model in {slot.path} (cached for reuse)")
                _write_sources(slot.path, sources, harness_sv)
                (slot.path / "main.cpp").write_text(main_cpp)
                cmd = ["verilator", *flags, "--top-module", HARNESS_TOP, "-Mdir", "obj",
                       *sources, "harness.sv", "main.cpp"]
                for override in overrides:
                    cmd += ["-MAKEFLAGS", override]
                _run_build(cmd, slot.path)
                slot.mark_ready()
        return Harness("verilator", slot.path, (str(exe),))
    if simulator == "icarus":
        ensure_icarus()
        key = build_key("icarus", *named, harness_sv, waves)
        with build_slot("harness-icarus", key) as slot:
            if not slot.ready:
                log(f"building the Icarus model in {slot.path}")
                _write_sources(slot.path, sources, harness_sv)
                cmd = ["iverilog", "-g2012", "-o", "sim.vvp", "-s", HARNESS_TOP,
                       *sources, "harness.sv"] + (["-DHWGEN_WAVES"] if waves else [])
                _run_build(cmd, slot.path)
                slot.mark_ready()
        return Harness("icarus", slot.path, ("vvp", "-n", str(slot.path / "sim.vvp")))
    raise SimulationError(f"unknown simulator {simulator!r}; use verilator or icarus")


@dataclass(frozen=True)
class VerilatorOptions:
    """How Verilator builds the harness (benchmarks/bench_sim.py measures the choices).

    Parameters
    ----------
    opt_fast : str
        g++ optimisation of the code run every cycle (``OPT_FAST``).
    march : str
        ``-march`` of the C++ (``-CFLAGS``): ``"native"`` (the default: the instructions of the CPU
        that builds, which is the one that runs the harness; 25 % fewer CPU seconds on CNV
        than the compiler's baseline x86-64), a named target such as ``"x86-64-v3"``, or
        ``""`` for the compiler's default. ``"native"`` is dropped when the compiler does
        not take it.
    opt_slow : str
        g++ optimisation of construction and initial-block code (``OPT_SLOW``).
    output_split : int
        ``--output-split``: statements per C++ file, so ``make -j`` compiles a large model
        on every core (0: one file per kind of code).
    threads : int
        ``--threads``: threads evaluating the model.
    jobs : int
        Parallel jobs of Verilator and of make.
    """

    opt_fast: str = "-O3"
    march: str = "native"
    opt_slow: str = "-O1"
    output_split: int = 20_000
    threads: int = 1
    jobs: int = 2

    def flags(self) -> list:
        flags = ["-j", str(self.jobs), "--output-split", str(self.output_split)]
        if self.threads > 1:
            flags += ["--threads", str(self.threads)]
        if self.march and (self.march != "native" or native_cpu()):
            flags += ["-CFLAGS", f"-march={self.march}"]
        return flags

    def make_overrides(self) -> list:
        return [f"OPT_FAST={self.opt_fast}", f"OPT_SLOW={self.opt_slow}"]

    def cpu(self) -> str:
        """What the build depends on beyond its flags: with ``march="native"``, the compiler's
        account of this CPU (:func:`~hwgen.sim.toolchain.native_cpu`), so that a cache shared
        by different machines holds one build per kind of CPU; else ``""``."""
        return native_cpu() if self.march == "native" else ""

    def describe(self) -> str:
        return " ".join(self.flags() + self.make_overrides())


def verilator_flags(waves: bool = False, options: VerilatorOptions | None = None) -> list:
    """Verilator's options for the harness build (docs/simulation.md: why these)."""
    options = options or VerilatorOptions()
    flags = ["--cc", "--exe", "--build", "-O3", "--x-assign", "fast", "--x-initial", "fast",
             "-DHWGEN_EXTERNAL_CLOCK", "-Wno-fatal", "-Wno-lint", "-Wno-style",
             *options.flags()]
    if waves:
        flags += ["--trace", "-DHWGEN_WAVES"]
    return flags


def _write_sources(path: Path, sources: dict, harness_sv: str) -> None:
    for name, text in sources.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    (path / "harness.sv").write_text(harness_sv)


def _run_build(cmd, cwd: Path) -> None:
    result = run_child(cmd, cwd=cwd, capture=True)
    (cwd / "build.log").write_text(result.stdout + result.stderr)
    if result.returncode:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-25:])
        raise SimulationError(f"building the simulation model failed ({cmd[0]}); "
                              f"log in {cwd / 'build.log'}:\n{tail}")


def harness_plusargs(work_dir: Path, beats_in: int, beats_out: int, *, limits: CycleLimits,
                     idle=0.0, backpressure=0.0, seed=1, waves_file=None) -> list:
    args = [f"+inputs={work_dir / 'inputs.bin'}", f"+outputs={work_dir / 'outputs.txt'}",
            f"+transfers={work_dir / 'transfers.txt'}", f"+beats_in={beats_in}",
            f"+beats_out={beats_out}", f"+idle={round(idle * 1000)}",
            f"+backpressure={round(backpressure * 1000)}", f"+seed={seed}",
            f"+max_cycles={limits.max_cycles}", f"+watchdog={limits.watchdog}"]
    if waves_file:
        args.append(f"+waves={waves_file}")
    return args


def write_inputs(work_dir: Path, in_words, in_width: int) -> None:
    """Input beats as the harness reads them with $fread: whole bytes, big-endian."""
    size = input_bytes(in_width)
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / "inputs.bin").write_bytes(b"".join(int(w).to_bytes(size, "big")
                                                   for w in in_words))


def check_stopped(work_dir: Path, limits: CycleLimits) -> None:
    """Raise the CycleLimitError of a run the harness stopped at a limit (its log says so)."""
    log = work_dir / "sim.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    found = _STOPPED.search(text)
    if found:
        reason, cycle, received, beats_out = found.groups()
        raise limits.error(reason=reason, cycle=int(cycle), received=int(received),
                           beats_out=int(beats_out), log=log)


def read_results(work_dir: Path, simulator: str, beats_out: int, wall: float) -> HarnessRun:
    out_words, out_cycles = [], []
    outputs = work_dir / "outputs.txt"
    for line in outputs.read_text().split("\n") if outputs.exists() else []:
        if line.strip():
            cycle, word = line.split()
            out_cycles.append(int(cycle))
            out_words.append(int(word, 16))
    in_cycles, monitors = [], {}
    transfers = work_dir / "transfers.txt"
    for line in transfers.read_text().split("\n") if transfers.exists() else []:
        if line.strip():
            tag, cycle = line.split()
            if tag == "i":
                in_cycles.append(int(cycle))
            else:
                monitors.setdefault(tag, []).append(int(cycle))
    loop_seconds = loop_cpu_seconds = None
    log = work_dir / "sim.log"
    for line in log.read_text(errors="replace").splitlines() if log.exists() else []:
        if line.startswith("hwgen harness: simulation loop"):
            loop_seconds = float(line.split()[-2])
        elif line.startswith("hwgen harness: loop CPU time"):
            loop_cpu_seconds = float(line.split()[-2])
    if len(out_words) != beats_out:
        raise SimulationError(
            f"the simulation produced {len(out_words)} of {beats_out} output beats; "
            f"see {work_dir / 'sim.log'}")
    return HarnessRun(simulator=simulator, out_words=out_words, out_cycles=out_cycles,
                      in_cycles=in_cycles, monitors=monitors, wall_seconds=wall,
                      loop_seconds=loop_seconds, loop_cpu_seconds=loop_cpu_seconds,
                      cycles=(out_cycles[-1] + 1) if out_cycles else 0)


def run_harness(harness: Harness, in_words, beats_out: int, *, in_width: int, work_dir,
                limits: CycleLimits, idle=0.0, backpressure=0.0, seed=1, waves_file=None,
                progress=None) -> HarnessRun:
    """Run the built harness once over every input beat, in ``work_dir``.

    The ROMs read their images from ``work_dir/mem``. ``progress(done, total)`` is called
    about twice a second with the output beats so far. A run stopped at one of ``limits``
    raises :class:`~hwgen.errors.CycleLimitError`.
    """
    work_dir = Path(work_dir).resolve()   # the simulator runs in work_dir; paths are absolute
    write_inputs(work_dir, in_words, in_width)
    for stale in ("outputs.txt", "transfers.txt"):
        (work_dir / stale).unlink(missing_ok=True)
    cmd = list(harness.command) + harness_plusargs(
        work_dir, len(in_words), beats_out, limits=limits, idle=idle,
        backpressure=backpressure, seed=seed, waves_file=waves_file)

    def poll():
        progress(_count_lines(work_dir / "outputs.txt"), beats_out)

    start = time.perf_counter()
    with open(work_dir / "sim.log", "w") as log:
        # its own process group: ended with everything it started if hwgen is interrupted
        process = run_child(cmd, cwd=work_dir, stdout=log, stderr=subprocess.STDOUT,
                            poll=poll if progress else None)
    wall = time.perf_counter() - start
    if progress:
        progress(_count_lines(work_dir / "outputs.txt"), beats_out)
    check_stopped(work_dir, limits)
    if process.returncode:
        raise SimulationError(f"{harness.simulator} exited with code {process.returncode}; "
                              f"see {work_dir / 'sim.log'}")
    return read_results(work_dir, harness.simulator, beats_out, wall)


def _count_lines(path: Path) -> int:
    try:
        with open(path, "rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 16), b""))
    except FileNotFoundError:
        return 0
