"""Write a compiled design to a directory: Verilog, memory images, design file, manifest.

Every file written is listed in the manifest with its sha256 (``files.sha256``), so
``hwgen sim`` can check that it simulates exactly what was shipped (docs/simulation.md).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .design import LoweredDesign
from .design_file import DESIGN_FILE, save_design
from .manifest import build_manifest
from .templates import render

__all__ = ["write_design", "MANIFEST_FILE", "MEMORY_DIR", "image_text", "sha256_hex"]

MANIFEST_FILE = "manifest.json"
#: Where the ``$readmemh`` images go, relative to the output directory (and the directory the
#: ROM modules read them from, relative to where a simulator runs).
MEMORY_DIR = "mem"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def image_text(image) -> str:
    """A ``$readmemh`` image: one word per line, hexadecimal, zero-padded to the word width."""
    digits = max(1, -(-image.bits // 4))
    return "".join(f"{word:0{digits}x}\n" for word in image.words)


def write_design(design: LoweredDesign, out_dir) -> dict:
    """Write everything ``hwgen sim`` and users need into ``out_dir``; return the manifest.

    ``rtl/TOP.v`` (the accelerator and its ROM modules), ``rtl/lint_waivers.vlt``,
    ``rtl/files.f``, ``mem/*.memh`` (one ``$readmemh`` image per table the RTL reads),
    ``design.npz`` and ``manifest.json``, which lists every other file with its sha256.
    """
    out = Path(out_dir)
    (out / "rtl").mkdir(parents=True, exist_ok=True)
    (out / MEMORY_DIR).mkdir(exist_ok=True)
    rtl = design.rtl
    verilog_name = f"rtl/{design.top}.v"
    texts = {
        verilog_name: rtl.verilog,
        "rtl/lint_waivers.vlt": render("lint_waivers.vlt.j2", top=design.top),
        "rtl/files.f": render("files.f.j2", top=design.top, sources=[f"{design.top}.v"]),
    }
    images = {}
    for image in rtl.images:
        path = f"{MEMORY_DIR}/{image.file}"
        texts[path] = image_text(image)
        images[image.key] = {"file": path, "words": len(image.words), "bits": image.bits}
    digests = {}
    for path, text in texts.items():
        data = text.encode()
        (out / path).write_bytes(data)
        digests[path] = sha256_hex(data)
    save_design(design, out / DESIGN_FILE)
    digests[DESIGN_FILE] = sha256_hex((out / DESIGN_FILE).read_bytes())
    files = {
        "verilog": verilog_name,
        "lint_waivers": "rtl/lint_waivers.vlt",
        "file_list": "rtl/files.f",
        "design": DESIGN_FILE,
        "memory_dir": MEMORY_DIR,
        "memory_images": images,
        "sha256": dict(sorted(digests.items())),
    }
    manifest = build_manifest(design, files=files)
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest
