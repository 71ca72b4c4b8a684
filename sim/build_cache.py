"""Build directories keyed by a hash of everything that goes into a build.

Each parameter set builds in its own directory; a finished build is reused whenever the
same Verilog, harness and flags come back. A file lock makes concurrent test workers wait
for one build instead of racing.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

__all__ = ["cache_root", "build_key", "build_slot"]

_DONE = "BUILD_OK"


def cache_root() -> Path:
    """``$HWGEN_CACHE`` or ``~/.cache/hwgen``."""
    root = os.environ.get("HWGEN_CACHE") or Path.home() / ".cache" / "hwgen"
    # Absolute: simulators run in their own work directories, and the built executables
    # are found through this path.
    return Path(root).resolve()


def _environment() -> tuple:
    """What a build depends on beyond its sources: the interpreter and cocotb's install.

    A build directory holds absolute paths into the virtualenv (cocotb's share/ files in the
    Verilator makefiles, its VPI libraries), so a cache shared by two checkouts or virtualenvs
    must not hand one's build to the other.
    """
    try:
        import cocotb
        cocotb_id = (os.path.dirname(cocotb.__file__), getattr(cocotb, "__version__", ""))
    except ImportError:
        cocotb_id = ("", "")
    return (sys.executable, sys.prefix) + cocotb_id


def build_key(*parts) -> str:
    """Hash of ``parts`` and of the Python environment that builds them."""
    digest = hashlib.sha256()
    for part in (*_environment(), *parts):
        data = part if isinstance(part, bytes) else str(part).encode()
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()[:20]


class _Slot:
    def __init__(self, path: Path):
        self.path = path

    @property
    def ready(self) -> bool:
        return (self.path / _DONE).exists()

    def mark_ready(self) -> None:
        (self.path / _DONE).write_text("ok\n")


@contextmanager
def build_slot(kind: str, key: str, root: Path | None = None):
    """Lock and yield the build directory for ``key``; a failed build is wiped."""
    base = Path(root) if root else cache_root()
    path = base / f"{kind}-{key}"
    path.mkdir(parents=True, exist_ok=True)
    with open(base / f"{kind}-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        slot = _Slot(path)
        try:
            yield slot
        except BaseException:
            if not slot.ready:
                shutil.rmtree(path, ignore_errors=True)
            raise
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
