"""Write a compiled design to a directory: Verilog, memory images, design file, manifest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..perf.cost.summary import DEFAULT_COST_TARGET
from .design import LoweredDesign
from .design_file import DESIGN_FILE, save_design
from .manifest import build_manifest
from .memory_images import memory_images
from .templates import render

__all__ = ["write_design", "MANIFEST_FILE"]

MANIFEST_FILE = "manifest.json"


def _hex_lines(words, bits: int) -> str:
    digits = max(1, -(-bits // 4))
    return "".join(f"{w:0{digits}x}\n" for w in words)


def _memory_images(design: LoweredDesign, mem_dir: Path) -> dict:
    """One $readmemh-style file per on-chip table; the Verilog carries the same contents."""
    images = {}
    for index, block in enumerate(design.blocks):
        for table, (words, bits) in memory_images(block).items():
            name = f"layer{index}_{table}.memh"
            (mem_dir / name).write_text(_hex_lines(words, bits))
            images[f"layer{index}.{table}"] = {"file": f"mem/{name}", "words": len(words),
                                               "bits": bits}
    return images


def write_design(design: LoweredDesign, out_dir, *,
                 cost_target: str = DEFAULT_COST_TARGET) -> dict:
    """Write everything ``hwgen sim`` and users need into ``out_dir``; return the manifest.

    ``cost_target``: target of the manifest's resource estimate (:mod:`hwgen.perf.cost`).
    """
    out = Path(out_dir)
    (out / "rtl").mkdir(parents=True, exist_ok=True)
    (out / "mem").mkdir(exist_ok=True)
    verilog_name = f"rtl/{design.top}.v"
    (out / verilog_name).write_text(design.verilog)
    (out / "rtl/lint_waivers.vlt").write_text(render("lint_waivers.vlt.j2", top=design.top))
    (out / "rtl/files.f").write_text(render("files.f.j2", top=design.top,
                                            sources=[f"{design.top}.v"]))
    save_design(design, out / DESIGN_FILE)
    files = {
        "verilog": verilog_name,
        "verilog_sha256": hashlib.sha256(design.verilog.encode()).hexdigest(),
        "lint_waivers": "rtl/lint_waivers.vlt",
        "file_list": "rtl/files.f",
        "design": DESIGN_FILE,
        "memory_images": _memory_images(design, out / "mem"),
    }
    manifest = build_manifest(design, files=files, cost_target=cost_target)
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest
