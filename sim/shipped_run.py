"""Simulate what an output directory ships, in a run directory of its own.

``hwgen sim OUT`` (and :meth:`hwgen.Design.simulate` of a saved design) never regenerates
Verilog: it reads every file manifest.json lists, checks its sha256
(:func:`hwgen.backend.shipped.read_shipped`), copies the bytes it checked into a fresh run
directory ``OUT/sim/run-<pid>-<random>/`` and builds and runs from that copy. The golden and
cycle models come from the same checked copy of design.npz. Each run has its own inputs,
logs and outputs, so two runs on one OUT never share a file; their results reach
``OUT/sim/`` by :func:`publish_results`, which renames complete files into place under a short
lock, so result.json and the outputs beside it always come from one run.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..backend.design import LoweredDesign
from ..backend.design_file import DESIGN_FILE, load_design
from ..backend.shipped import ShippedDesign, read_shipped
from ..errors import ModifiedFilesError, SimulationError
from .model_run import SimulationOutcome, simulate_rtl

__all__ = ["ShippedRun", "new_run_dir", "simulate_shipped", "publish_results"]

#: Files of a run directory that :func:`publish_results` copies next to result.json.
PUBLISHED_LOGS = ("sim.log", "waves.vcd")


@dataclass
class ShippedRun:
    """One simulation of an output directory's shipped files."""

    outcome: SimulationOutcome
    design: LoweredDesign          # loaded from the checked copy of design.npz
    shipped: ShippedDesign
    run_dir: Path


def new_run_dir(results_dir: Path) -> Path:
    """A fresh directory for one run under ``results_dir`` (created with it)."""
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"run-{os.getpid()}-", dir=results_dir)).resolve()


def _sources(shipped: ShippedDesign) -> dict:
    sources = {}
    for path in shipped.sources():
        try:
            sources[path] = shipped.files[path].decode("utf-8")
        except UnicodeDecodeError:
            raise ModifiedFilesError(f"{shipped.out / path} is not UTF-8 text; "
                                     "recompile") from None
    return sources


def simulate_shipped(out, x, *, run_dir: Path, allow_modified: bool = False,
                     **options) -> ShippedRun:
    """Check and simulate the files ``hwgen compile`` wrote to ``out``, in ``run_dir``.

    Parameters
    ----------
    out : path
        The output directory.
    x : numpy.ndarray
        Inputs, one row per inference.
    run_dir : path
        An empty directory for this run (:func:`new_run_dir`): the checked copy of the
        shipped files, inputs, logs.
    allow_modified : bool
        Simulate RTL or memory images that differ from manifest.json (the result lists
        them in ``modified_files``) instead of refusing them.
    **options
        As :func:`hwgen.sim.model_run.simulate_rtl` (simulator, driver, idle, ...).

    Raises
    ------
    ModifiedFilesError
        A shipped file is missing or edited (without ``allow_modified``), naming it.
    """
    shipped = read_shipped(out, allow_modified=allow_modified)
    run_dir = Path(run_dir).resolve()
    shipped.write_to(run_dir)
    design = load_design(run_dir / DESIGN_FILE)
    if design.top != shipped.top:
        raise ModifiedFilesError(f"{Path(out) / 'manifest.json'} names top {shipped.top!r} but "
                                 f"{DESIGN_FILE} {design.top!r}; recompile")
    outcome = simulate_rtl(design, x, sources=_sources(shipped), work_dir=run_dir, **options)
    outcome.result["design_sha256"] = shipped.manifest_sha256
    outcome.result["modified_files"] = list(shipped.modified)
    return ShippedRun(outcome=outcome, design=design, shipped=shipped, run_dir=run_dir)


@contextmanager
def _locked(path: Path):
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _replace(target: Path, write) -> None:
    """Write ``target`` through a temporary file in its directory and rename it in place."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _save_array(path: Path, array) -> None:
    with open(path, "wb") as f:
        np.save(f, array)


def publish_results(results_dir: Path, run_dir: Path, result: dict, arrays: dict) -> Path:
    """Put one run's result.json, arrays (``{file name: array}``) and logs in ``results_dir``.

    Every file is written beside its target and renamed into place, all under one lock, so
    readers see complete files and concurrent runs never mix their results. Returns the
    path of result.json.
    """
    results_dir = Path(results_dir)
    if not results_dir.is_dir():
        raise SimulationError(f"{results_dir} is not a directory")
    with _locked(results_dir / ".publish.lock"):
        for name, array in arrays.items():
            _replace(results_dir / name, lambda tmp, a=array: _save_array(tmp, a))
        for name in PUBLISHED_LOGS:
            source = Path(run_dir) / name
            if source.exists():
                _replace(results_dir / name, lambda tmp, s=source: shutil.copyfile(s, tmp))
        target = results_dir / "result.json"
        text = json.dumps(result, indent=2) + "\n"
        _replace(target, lambda tmp: tmp.write_text(text))
    return target
