"""Synthesise several small compiled designs in one Yosys run, each block counted apart.

The cost-model sweep (benchmarks/fit_cost_model.py) has dozens of small designs. Yosys spends
most of a small run reading its cell libraries, so the sweep puts a handful of designs into one
run: each design keeps its own top name (``s17``, ``s17.layer_0``, ...), a generated wrapper
instantiates them all, and the script is the one ``hwgen synth`` runs
(:func:`hwgen.synth.yosys_script.yosys_script`): ``rename -hide w:*]`` against Yosys issue
4349, ``keep_hierarchy`` on every design top and each of its direct children (one module per
block and per glue instance), the target's own synthesis command (``hwgen.synth.TARGETS``),
``stat -json``. Nothing is optimised across a kept boundary, so each block's cells are the
ones ``hwgen synth`` counts for it; ECP5 / iCE40 place and route (Fmax) is not run.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

from amaranth.hdl import Module
from amaranth.lib import wiring

from hwgen.backend.writer import MEMORY_DIR, image_text
from hwgen.synth import TARGETS, Progress
from hwgen.synth.stat import module_cells
from hwgen.synth.targets import classify_cells
from hwgen.synth.tools import YOSYS, require_tool, run_tool

__all__ = ["BlockTop", "synthesize_batch", "synthesize_alone"]

WRAPPER = "sweep_top"
_MODULE = re.compile(r"^module\s+\\?(\S+?)\s*\(", re.MULTILINE)
_PORT = re.compile(r"^\s*(input|output)\s+(?:\[(\d+):0\]\s+)?(\w+);", re.MULTILINE)


class BlockTop(wiring.Component):
    """One block as the direct child ``layer_0`` of a top, as a compiled design holds its
    blocks (the block kept by the flow, its own submodules flattened into it)."""

    def __init__(self, block):
        self._block = block
        super().__init__(block.signature)

    def elaborate(self, platform):
        m = Module()
        m.submodules.layer_0 = self._block
        wiring.connect(m, wiring.flipped(self), self._block)
        return m


def _top_ports(verilog: str, top: str) -> list[tuple[str, int, str]]:
    """``(direction, width, name)`` of the ports of module ``top`` in ``verilog``."""
    start = re.search(rf"^module\s+{re.escape(top)}\s*\(", verilog, re.MULTILINE)
    end = verilog.index("endmodule", start.end())
    return [(d, int(msb) + 1 if msb else 1, name)
            for d, msb, name in _PORT.findall(verilog[start.end():end])]


def _wrapper(designs: dict) -> str:
    """A top that instantiates every design, each port on a port of its own."""
    ports, decls, instances = ["clk", "rst"], ["  input clk;", "  input rst;"], []
    for top, verilog in designs.items():
        connections = []
        for direction, width, name in _top_ports(verilog, top):
            if name in ("clk", "rst"):
                connections.append(f".{name}({name})")
                continue
            outer = f"{top}_{name}"
            ports.append(outer)
            decls.append(f"  {direction} {f'[{width - 1}:0] ' if width > 1 else ''}{outer};")
            connections.append(f".{name}({outer})")
        instances.append(f"  {top} {top}_i ({', '.join(connections)});")
    return (f"module {WRAPPER}({', '.join(ports)});\n" + "\n".join(decls) + "\n"
            + "\n".join(instances) + "\nendmodule\n")


def synthesize_batch(designs: dict, target_name: str, work: Path, *,
                     progress: Progress | None = None, images: dict | None = None,
                     keep_all: bool = False) -> dict:
    """Synthesise ``{top: verilog}`` for ``target_name`` in ``work``.

    ``images``: ``{top: RomImage tuple}``, the ``$readmemh`` images a design's ROM modules
    read (``hwgen.backend.rtl.Rtl.images``). Each design's go into ``mem/<top>/`` (two
    designs of a batch have images of the same name), its ``FILE`` parameters pointing there.
    ``keep_all``: keep every module of every design, not only the tops and their direct
    children (benchmarks/bench_kept_modules.py).

    Returns ``{"designs": {top: {instance: {"resources": {...}, "cells": {...}}}},
    "modules": {module: {"resources": ..., "cells": ...}}, "elapsed_s": ...}`` with every
    direct child of each design top (blocks ``layer_i`` and glue) and the top itself under
    its own name in ``designs``, and every module Yosys reports in ``modules``.
    """
    require_tool(YOSYS)
    target = TARGETS[target_name]
    progress = progress or Progress()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    sources, kept = [], []
    children = {}
    for top, verilog in designs.items():
        if images and images.get(top):
            (work / MEMORY_DIR / top).mkdir(parents=True)
            for image in images[top]:
                (work / MEMORY_DIR / top / image.file).write_text(image_text(image))
            verilog = verilog.replace('.FILE("', f'.FILE("{top}/')
        (work / f"{top}.v").write_text(verilog)
        sources.append(f"{top}.v")
        modules = _MODULE.findall(verilog)
        children[top] = [m[len(top) + 1:] for m in modules
                         if m.startswith(f"{top}.") and "." not in m[len(top) + 1:]]
        kept += modules if keep_all else [top] + [f"{top}.{child}" for child in children[top]]
    (work / "wrapper.v").write_text(_wrapper(designs))
    script = "\n".join([
        f"read_verilog -defer wrapper.v {' '.join(sources)}",
        f"hierarchy -check -top {WRAPPER}",
        "rename -hide w:*]",
        f"setattr -mod -set keep_hierarchy 1 {' '.join(kept)}",
        f"{target.synth_command} -top {WRAPPER}",
        "tee -q -o stat.json stat -json",
    ]) + "\n"
    (work / "synth.ys").write_text(script)
    started = time.monotonic()
    code = run_tool(YOSYS, ["-q", "-l", "yosys.log", "-s", "synth.ys"], cwd=work,
                    log=work / "yosys.log", phase=f"yosys {target_name}: {len(designs)} designs",
                    progress=progress)
    if code != 0:
        tail = (work / "yosys.log").read_text(errors="replace").splitlines()[-5:]
        raise RuntimeError(f"Yosys failed (exit {code}) in {work}:\n" + "\n".join(tail))
    cells = module_cells(work / "stat.json")
    result = {}
    for top in designs:
        parts = {top: cells[top]}
        parts.update({child: cells[f"{top}.{child}"] for child in children[top]})
        result[top] = {name: {"resources": classify_cells(target, c), "cells": c}
                       for name, c in parts.items()}
    return {"designs": result,
            "modules": {name: {"resources": classify_cells(target, c), "cells": c}
                        for name, c in cells.items()},
            "elapsed_s": round(time.monotonic() - started, 1)}


def synthesize_alone(top: str, verilog: str, target_name: str, work: Path) -> dict:
    """One small design ``top`` synthesised alone and flattened (a component measured by
    itself, not a compiled design's blocks): its resources as ``hwgen synth`` classifies
    them. The script is ``hwgen synth``'s: ``rename -hide w:*]`` against Yosys issue 4349,
    then the target's own synthesis command."""
    require_tool(YOSYS)
    target = TARGETS[target_name]
    work.mkdir(parents=True, exist_ok=True)
    (work / f"{top}.v").write_text(verilog)
    script = (f"read_verilog {top}.v\nhierarchy -check -top {top}\nrename -hide w:*]\n"
              f"{target.synth_command} -top {top}\n"
              f"tee -q -o {top}.stat.json stat -json\n")
    (work / f"{top}.ys").write_text(script)
    code = run_tool(YOSYS, ["-q", "-s", f"{top}.ys"], cwd=work, log=work / f"{top}.log",
                    phase=f"yosys {target_name}: {top}", progress=Progress())
    if code != 0:
        raise RuntimeError(f"Yosys failed (exit {code}) on {top} in {work}")
    return classify_cells(target, module_cells(work / f"{top}.stat.json")[top])
