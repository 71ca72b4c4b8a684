"""Synthesis results of the cost-model sweep, cached in benchmarks/cost_sweep.json.

A point is synthesised again only when its Verilog changed (the sha256 of what the current
hardware generates differs from the cached one) or it is missing; everything else comes from
the cache, so refitting after a datapath change re-synthesises only what changed.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import sys
from pathlib import Path

from cost_sweep import build_point, point_ids
from yosys_batch import synthesize_batch

from hwgen.backend.writer import image_text
from hwgen.synth import Progress
from hwgen.synth.tools import YOSYS, tool_version

__all__ = ["CACHE", "load_cache", "update_cache", "point_results", "synthesize_designs",
           "synthesis_key"]

CACHE = Path(__file__).resolve().parent / "cost_sweep.json"
#: Yosys work directories (generated; out/ is not committed)
WORK = Path(__file__).resolve().parent.parent / "out" / "cost_sweep"
SCHEMA = "hwgen-cost-sweep/1"
#: Verilog characters per Yosys run (a handful of small designs share one run)
BATCH_CHARS = 400_000
BATCH_DESIGNS = 8


def load_cache(path: Path = CACHE) -> dict:
    if path.exists():
        data = json.loads(path.read_text())
        if data.get("schema") == SCHEMA:
            return data
    return {"schema": SCHEMA, "tools": {}, "targets": {}}


def _save_results(path: Path, section: str, target: str, results: dict, version: str) -> None:
    """Merge ``results`` (``{design: entry}``) into the cache file under a lock on it: two
    runs (the sweep and the examples' bench) may share the file."""
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = load_cache(path)
        data.setdefault(section, {}).setdefault(target, {}).update(results)
        tools = data["tools"] if section == "targets" else \
            data["tools"].setdefault(section, {})
        tools[target] = version
        path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def synthesis_key(verilog: str, images) -> str:
    """The identity of a design as synthesised: its Verilog and its tables' images (the
    Verilog names an image, the image holds the contents)."""
    digest = hashlib.sha256(verilog.encode())
    for image in images:
        digest.update(f"\n{image.file}\n".encode() + image_text(image).encode())
    return digest.hexdigest()


def _batches(designs: dict):
    batch, size = {}, 0
    for pid, verilog in designs.items():
        if batch and (size + len(verilog) > BATCH_CHARS or len(batch) >= BATCH_DESIGNS):
            yield batch
            batch, size = {}, 0
        batch[pid] = verilog
        size += len(verilog)
    if batch:
        yield batch


def synthesize_designs(designs: dict, targets, *, section: str = "targets",
                       path: Path = CACHE, work: Path = WORK,
                       synthesize: bool = True) -> dict:
    """Bring ``section`` of the cache up to date for ``{name: LoweredDesign}`` (each
    design's Verilog top named ``name``), synthesising what changed or is missing."""
    data = load_cache(path)
    verilog = {name: d.verilog for name, d in designs.items()}
    images = {name: d.rtl.images for name, d in designs.items()}
    sha = {name: synthesis_key(verilog[name], images[name]) for name in designs}
    version = tool_version(YOSYS)
    tools = data["tools"].setdefault(section, {}) if section != "targets" else data["tools"]
    for target in targets:
        cached = data.setdefault(section, {}).setdefault(target, {})
        stale = [n for n in designs if cached.get(n, {}).get("verilog_sha256") != sha[n]
                 or tools.get(target) != version]
        if not stale:
            continue
        if not synthesize:
            print(f"{target}: {len(stale)} designs are stale or missing and synthesis is off: "
                  f"{', '.join(stale)}", file=sys.stderr)
            continue
        print(f"{target}: synthesising {len(stale)} designs", file=sys.stderr)
        for number, batch in enumerate(_batches({n: verilog[n] for n in stale})):
            result = synthesize_batch(batch, target, work / f"{section}_{target}_{number}",
                                      progress=Progress(), images=images)
            for name in batch:
                parts = result["designs"][name]
                design = designs[name]
                cached[name] = {
                    "verilog_sha256": sha[name],
                    "blocks": [{"name": b.name, "kind": b.kind, "instance": f"layer_{i}",
                                **parts[f"layer_{i}"]} for i, b in enumerate(design.blocks)],
                    "glue": {part: res for part, res in parts.items()
                             if not part.startswith("layer_")},
                }
            tools[target] = version
            # after every batch: an interrupted run keeps its work
            _save_results(path, section, target, {n: cached[n] for n in batch}, version)
    return data


def update_cache(targets, *, ids=None, path: Path = CACHE, work: Path = WORK,
                 synthesize: bool = True) -> dict:
    """Bring the sweep's cache up to date for ``targets`` (synthesising stale or missing
    points)."""
    ids = ids or point_ids()
    return synthesize_designs({pid: build_point(pid) for pid in ids}, targets, path=path,
                              work=work, synthesize=synthesize)


def point_results(data: dict, target: str, pid: str) -> dict | None:
    """The cached synthesis of one point for one target (None if absent)."""
    return data["targets"].get(target, {}).get(pid)
