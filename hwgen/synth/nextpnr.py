"""Place and route with nextpnr: the device, the arguments, and its JSON report.

nextpnr imports the hierarchical netlist and names each cell by its instance path, e.g.
``dut.layer_1.$abc$1234$lut...`` for a cell of the block instance ``layer_1`` inside the
harness's ``dut``. The critical path's cells are mapped back to blocks through that prefix.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ..errors import SynthesisError
from .design_dir import DesignDir
from .targets import Device, Target

__all__ = ["TARGET_MHZ", "SEED", "choose_device", "nextpnr_args", "read_report",
           "capacity_problem"]

TARGET_MHZ = 150      # issue 12's timing target on ECP5; nextpnr optimises towards it
SEED = 1              # deterministic placement (`hwgen synth --seed` picks another)
_FILL = 0.85          # leave routing room: at most this share of the LUTs


def _needs(target: Target, totals: dict) -> dict:
    """LUT sites, multipliers and block RAMs the design needs, in the devices' units."""
    luts = totals["lut"] + totals["lutram_luts"]
    if target.name == "ecp5":
        luts += 2 * totals["carry"]          # a CCU2C occupies two LUT4 sites
    return {"LUTs": max(luts, totals["ff"]), "multipliers": totals["dsp"],
            "block RAMs": totals["bram"]}


def choose_device(target: Target, totals: dict, harness: dict) -> Device:
    """The smallest device of ``target`` that holds the design (and harness), or a clear
    :class:`SynthesisError` naming the resource that no device has enough of."""
    needs = _needs(target, {k: totals[k] + harness[k] for k in totals})
    for device in target.devices:
        have = {"LUTs": device.luts * _FILL, "multipliers": device.dsps,
                "block RAMs": device.brams}
        if all(needs[k] <= have[k] for k in needs):
            return device
    largest = target.devices[-1]
    have = {"LUTs": largest.luts, "multipliers": largest.dsps, "block RAMs": largest.brams}
    over = [f"{needs[k]:g} {k} (the largest, {largest.name}, has {have[k]}"
            f"{f'; {_FILL:.0%} usable' if k == 'LUTs' else ''})"
            for k in needs if needs[k] > (have[k] * _FILL if k == "LUTs" else have[k])]
    raise SynthesisError(f"the design is too big for any {target.name} device: it needs "
                         f"{'; '.join(over)}. Fold it further (smaller PE / SIMD, "
                         "`--max-macs`) or use another target")


def nextpnr_args(target: Target, device: Device, *, netlist: str, report: str,
                 log: str, seed: int = SEED) -> list[str]:
    constraints = ("--lpf-allow-unconstrained" if target.name == "ecp5"
                   else "--pcf-allow-unconstrained")
    return ["--json", netlist, *device.args, "--freq", str(TARGET_MHZ), "--timing-allow-fail",
            constraints, "--seed", str(seed), "--report", report, "-l", log, "-q"]


_CAPACITY = re.compile(r"(?i)(not enough|too many|exceed|utili[sz]ation.*\b1\d\d%|unable to "
                       r"place|failed to place|no bels? (left|available)|out of)")


def capacity_problem(log_text: str) -> str | None:
    """The line of a failed nextpnr log that says the device is too small, if any."""
    for line in log_text.splitlines():
        if line.startswith("ERROR") and _CAPACITY.search(line):
            return line.strip()
    return None


def _block_of(cell: str, prefix: str, design: DesignDir) -> str | None:
    """The block (layer name), glue instance or "harness" a nextpnr cell belongs to; None
    for a cell nextpnr inserted itself (``$nextpnr_CCU2C_5``, a carry chain's feed-in)."""
    if cell.startswith("$nextpnr"):
        return None
    if not cell.startswith(prefix):
        return "harness"
    rest = cell[len(prefix):]
    for block in design.blocks:
        if rest.startswith(f"{block.instance}."):
            return block.name
    for glue in design.glue:
        if rest.startswith(f"{glue.instance}."):
            return glue.instance
    return design.top


def _clock_name(fmax: dict, clock: str) -> str | None:
    """nextpnr's name of the design's clock: it renames the clock net when it promotes it to
    a global (``$glbnet$clk$TRELLIS_IO_IN``); the design has one clock."""
    if len(fmax) == 1:
        return next(iter(fmax))
    named = [name for name in fmax if clock in name]
    return named[0] if len(named) == 1 else None


def _clock_path(report: dict, clock: str) -> list | None:
    for path in report.get("critical_paths", []):
        if path.get("from") == path.get("to") == f"posedge {clock}":
            return path.get("path", [])
    return None


def read_report(path: Path, design: DesignDir, *, instance_prefix: str,
                clock: str = "clk") -> dict:
    """Fmax, critical path (with the block of every step) and utilization of a nextpnr
    report. Cells outside ``instance_prefix`` belong to the harness."""
    report = json.loads(path.read_text())
    name = _clock_name(report.get("fmax", {}), clock)
    if name is None:
        raise SynthesisError(f"nextpnr reported no Fmax for clock {clock!r} in {path} (clocks: "
                             f"{sorted(report.get('fmax', {}))}); is the design clocked?")
    fmax = report["fmax"][name]
    steps = []
    for segment in _clock_path(report, name) or []:
        steps.append({"type": segment["type"], "delay_ns": round(segment["delay"], 3),
                      "from": {"cell": segment["from"]["cell"],
                               "block": _block_of(segment["from"]["cell"], instance_prefix,
                                                  design)},
                      "to": {"cell": segment["to"]["cell"],
                             "block": _block_of(segment["to"]["cell"], instance_prefix,
                                                design)},
                      **({"net": segment["net"]} if "net" in segment else {})})
    critical = None
    if steps:
        blocks = []
        for step in steps:
            for end in ("from", "to"):
                block = step[end]["block"]
                if block is not None and (not blocks or blocks[-1] != block):
                    blocks.append(block)
        logic = [s for s in steps if s["type"] == "logic"]
        critical = {"from": steps[0]["from"], "to": steps[-1]["to"],
                    "delay_ns": round(sum(s["delay_ns"] for s in steps), 3),
                    "logic_segments": len(logic),
                    "logic_ns": round(sum(s["delay_ns"] for s in logic), 3),
                    "routing_ns": round(sum(s["delay_ns"] for s in steps
                                            if s["type"] == "routing"), 3),
                    "blocks": blocks, "steps": steps}
    utilization = {bel: u for bel, u in sorted(report.get("utilization", {}).items())
                   if u.get("used")}
    return {"fmax_mhz": round(fmax["achieved"], 2), "target_mhz": fmax.get("constraint"),
            "critical_path": critical, "utilization": utilization}
