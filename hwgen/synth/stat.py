"""Per-block resources from Yosys ``stat -json`` of a design whose blocks kept their hierarchy."""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import SynthesisError
from .design_dir import DesignDir
from .targets import RESOURCE_KEYS, Target, classify_cells, unclassified_cells

__all__ = ["module_cells", "block_resources", "add_resources"]


def module_cells(stat_path: Path) -> dict:
    """``{module name: {cell type: count}}``, leaving out sub-module instances and the
    bookkeeping ``$scopeinfo`` cells that flattening leaves behind."""
    stat = json.loads(stat_path.read_text())
    modules = {name.lstrip("\\"): data for name, data in stat["modules"].items()}
    result = {}
    for name, data in modules.items():
        cells = data.get("num_cells_by_type", {})
        result[name] = {cell: n for cell, n in sorted(cells.items())
                        if cell.lstrip("\\") not in modules and not cell.startswith("$scope")}
    return result


def add_resources(parts) -> dict:
    total = {key: 0 for key in RESOURCE_KEYS}
    for part in parts:
        for key in RESOURCE_KEYS:
            total[key] += part[key]
    return total


def _entry(target: Target, cells: dict) -> dict:
    return {"resources": classify_cells(target, cells), "cells": cells}


def block_resources(design: DesignDir, target: Target, stat_path: Path, *,
                    harness: str | None) -> dict:
    """Layers, glue, the top's own cells, the harness (if any) and the accelerator's totals.

    Every block module must appear in the statistics: a missing one means the hierarchy was
    not kept, and per-block figures would be wrong.
    """
    cells = module_cells(stat_path)
    missing = [design.module(c) for c in design.children if design.module(c) not in cells]
    if design.top not in cells or missing:
        raise SynthesisError(f"Yosys flattened {missing or [design.top]} although their "
                             "hierarchy was to be kept; per-block resources cannot be counted "
                             f"(see {stat_path})")
    layers = [{"name": b.name, "kind": b.kind, "instance": b.instance,
               **_entry(target, cells[design.module(b.instance)])} for b in design.blocks]
    glue = [{"instance": g.instance, "feeds": g.feeds,
             **_entry(target, cells[design.module(g.instance)])} for g in design.glue]
    glue.append({"instance": design.top, "feeds": None, **_entry(target, cells[design.top])})
    totals = add_resources([p["resources"] for p in layers + glue])
    extra = set(cells) - {design.top, *(design.module(c) for c in design.children)}
    if harness is not None:
        extra.discard(harness)
    if extra:
        raise SynthesisError(f"unexpected modules after synthesis: {sorted(extra)}; their "
                             "cells would be counted nowhere")
    everything = {c for module in cells.values() for c in module}
    return {"layers": layers, "glue": glue, "totals": totals,
            "unclassified_cells": unclassified_cells(target, dict.fromkeys(everything)),
            "harness": _entry(target, cells[harness]) if harness is not None else None}
