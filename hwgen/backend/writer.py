"""Write a compiled design to a directory: Verilog, memory images, design file, manifest.

The output directory OUT belongs to hwgen. Everything is written into a new directory beside
OUT, which then takes OUT's place by a rename: a compile that fails or is interrupted leaves
the previous OUT as it was, and a finished one leaves nothing of it (no stale ``sim/``,
``mem/`` or ``synth/`` results). A non-empty OUT that hwgen did not write (no marker file,
no hwgen manifest) is refused unless ``force`` says to replace it.

Every file written is listed in the manifest with its sha256 (``files.sha256``), so
``hwgen sim`` can check that it simulates exactly what was shipped (docs/simulation.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from pathlib import Path

from .. import text
from ..errors import HwgenError
from ..perf.cost.summary import DEFAULT_COST_TARGET
from .design import LoweredDesign
from .design_file import DESIGN_FILE, save_design
from .lint_waivers import lint_waivers
from .manifest import build_manifest
from .templates import render

__all__ = ["write_design", "MANIFEST_FILE", "MARKER_FILE", "MEMORY_DIR", "is_hwgen_out",
           "check_out_dir", "design_sha256", "image_text", "sha256_hex"]

MANIFEST_FILE = "manifest.json"
#: Present in every directory ``hwgen compile`` writes: recompiling may replace it whole.
MARKER_FILE = ".hwgen-out"
_MARKER_TEXT = ("This directory was written by `hwgen compile`. Compiling into it again "
                "replaces everything in it.\n")
#: Where the ``$readmemh`` images go, relative to the output directory (and the directory the
#: ROM modules read them from, relative to where a simulator runs).
MEMORY_DIR = "mem"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def image_text(image) -> str:
    """A ``$readmemh`` image: one word per line, hexadecimal, zero-padded to the word width."""
    digits = max(1, -(-image.bits // 4))
    return "".join(f"{word:0{digits}x}\n" for word in image.words)


def design_sha256(out) -> str | None:
    """The identity of the design in ``out``: the sha256 of its manifest.json (None if absent).

    The manifest holds the sha256 of every file written (the Verilog, each memory image and
    design.npz), every layer and the predicted cycles, and the same model and options give a
    byte-identical manifest. A simulation result records it (``design_sha256`` in
    sim/result.json) so that ``hwgen report`` shows a result only with the design it describes.
    """
    try:
        return sha256_hex((Path(out) / MANIFEST_FILE).read_bytes())
    except FileNotFoundError:
        return None


def is_hwgen_out(path) -> bool:
    """Whether directory ``path`` was written by hwgen: its marker file, or (directories
    written before the marker existed) a manifest.json of hwgen's schema."""
    path = Path(path)
    if (path / MARKER_FILE).is_file():
        return True
    try:
        manifest = json.loads((path / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and {"hwgen_version", "files", "layers"} <= set(manifest)


def check_out_dir(out_dir, *, force: bool = False) -> Path:
    """The absolute output directory, if hwgen may write it; otherwise a clear error.

    Refused: an empty path, a path that is a file, a directory holding the current working
    directory, and a non-empty directory hwgen did not write (unless ``force``).
    """
    if out_dir is None or str(out_dir) == "":
        raise HwgenError("the output directory is empty: give one, e.g. -o out/model")
    out = Path(os.path.abspath(out_dir))
    shown = text.display(out_dir)
    if out.exists() and not out.is_dir():
        raise HwgenError(f"output directory {shown} is a file; choose another -o")
    real, cwd = Path(os.path.realpath(out)), Path.cwd()
    if cwd == real or real in cwd.parents:
        raise HwgenError(f"output directory {shown} holds the current directory, which "
                         "compiling would replace; choose a new directory, e.g. -o out/model")
    if out.is_dir() and not force and not is_hwgen_out(out):
        try:
            entries = sorted(p.name for p in out.iterdir())
        except OSError as error:
            raise HwgenError(f"cannot read output directory {shown}: {error.strerror}") \
                from None
        if entries:
            listed = ", ".join(text.display(e) for e in entries[:5])
            more = f" and {len(entries) - 5} more" if len(entries) > 5 else ""
            raise HwgenError(
                f"output directory {shown} is not empty ({listed}{more}) and was not written "
                "by hwgen; choose a new or empty directory, or pass --force (force=True) to "
                "replace it and everything in it")
    return out


def _write_tree(design: LoweredDesign, out: Path, progress, cost_target: str) -> dict:
    """Every file of a compiled design, into the empty directory ``out``.

    ``rtl/TOP.v`` (the accelerator and its ROM modules), ``rtl/lint_waivers.vlt``,
    ``rtl/files.f``, ``mem/*.memh`` (one ``$readmemh`` image per table the RTL reads),
    ``design.npz`` and ``manifest.json``, which lists every other file with its sha256.
    """
    progress("generating the Verilog (Amaranth export)")
    rtl = design.rtl
    progress("writing the Verilog, memory images, design file and manifest")
    (out / "rtl").mkdir()
    (out / MEMORY_DIR).mkdir()
    verilog_name = f"rtl/{design.top}.v"
    texts = {
        verilog_name: rtl.verilog,
        "rtl/lint_waivers.vlt": lint_waivers(rtl.verilog, design.top),
        "rtl/files.f": render("files.f.j2", top=design.top, sources=[f"{design.top}.v"]),
    }
    images = {}
    for image in rtl.images:
        path = f"{MEMORY_DIR}/{image.file}"
        texts[path] = image_text(image)
        images[image.key] = {"file": path, "words": len(image.words), "bits": image.bits}
    digests = {}
    for path, content in texts.items():
        data = content.encode()
        (out / path).write_bytes(data)
        digests[path] = sha256_hex(data)
    save_design(design, out / DESIGN_FILE)
    digests[DESIGN_FILE] = sha256_hex((out / DESIGN_FILE).read_bytes())
    files = {
        "verilog": verilog_name,
        # Also in files.sha256; kept under its own key for hwgen synth.
        "verilog_sha256": digests[verilog_name],
        "lint_waivers": "rtl/lint_waivers.vlt",
        "file_list": "rtl/files.f",
        "design": DESIGN_FILE,
        "memory_dir": MEMORY_DIR,
        "memory_images": images,
        "sha256": dict(sorted(digests.items())),
    }
    manifest = build_manifest(design, files=files, cost_target=cost_target)
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    (out / MARKER_FILE).write_text(_MARKER_TEXT)
    return manifest


def _sibling(out: Path, tag: str) -> Path:
    return out.with_name(f".{out.name}.hwgen-{tag}-{os.getpid()}-{secrets.token_hex(4)}")


def _replace(new: Path, out: Path) -> None:
    """Put directory ``new`` in ``out``'s place; the old ``out`` (if any) is removed."""
    if not out.exists():
        os.rename(new, out)
        return
    old = _sibling(out, "old")
    os.rename(out, old)
    try:
        os.rename(new, out)
    except BaseException:
        os.rename(old, out)                    # put the previous output back
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_design(design: LoweredDesign, out_dir, *, force: bool = False,
                 progress=None, cost_target: str = DEFAULT_COST_TARGET) -> dict:
    """Write everything ``hwgen sim`` and users need into ``out_dir``; return the manifest.

    The files are written into a new directory beside ``out_dir`` that then replaces it, so
    nothing of a previous output survives (:func:`check_out_dir` says what is refused).
    ``progress(step)``, if given, is called as each step starts. ``cost_target``: target of
    the manifest's resource estimate (:mod:`hwgen.perf.cost`).

    Raises
    ------
    HwgenError
        When ``out_dir`` is refused or cannot be written (naming the path and the reason).
    """
    out = check_out_dir(out_dir, force=force)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        new = _sibling(out, "new")
        new.mkdir()
    except OSError as error:
        raise HwgenError(f"cannot write output directory {text.display(out_dir)}: "
                         f"{error.strerror} ({text.display(error.filename or out.parent)}); "
                         "choose a writable -o") from None
    try:
        manifest = _write_tree(design, new, progress or (lambda step: None), cost_target)
        _replace(new, out)
    except OSError as error:
        raise HwgenError(f"cannot write output directory {text.display(out_dir)}: "
                         f"{error.strerror} ({text.display(error.filename or out)})") from None
    finally:
        if new.exists():
            shutil.rmtree(new, ignore_errors=True)
    return manifest
