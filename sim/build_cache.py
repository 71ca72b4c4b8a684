"""Build directories keyed by a hash of everything that goes into a build.

Each parameter set builds in its own directory; a finished build is reused whenever the
same Verilog, harness and flags come back. A file lock makes concurrent test workers wait
for one build instead of racing. The cache grows until ``hwgen cache clean`` removes the
least recently used builds (:func:`cache_clean`); ``hwgen cache info`` lists it.

The key holds the sources, the flags, and what a build directory depends on outside itself
(:func:`_environment`): the Verilator and cocotb installations, whose absolute paths the
build's makefiles and libraries point into. It does not hold the Python interpreter's path:
``python example.py`` and the ``hwgen`` script of one virtual environment share builds.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from contextlib import contextmanager
from functools import lru_cache
from importlib import metadata
from importlib import util as import_util
from pathlib import Path

from .. import text
from ..errors import SimulationError

__all__ = ["cache_root", "build_key", "build_slot", "cache_info", "cache_clean", "CacheEntry"]

_DONE = "BUILD_OK"
_LOCK_SUFFIX = ".lock"


def cache_root() -> Path:
    """``$HWGEN_CACHE`` or ``~/.cache/hwgen``; refused when it is a file."""
    root = Path(os.environ.get("HWGEN_CACHE") or Path.home() / ".cache" / "hwgen")
    if root.exists() and not root.is_dir():
        where = "HWGEN_CACHE=" if os.environ.get("HWGEN_CACHE") else "the build cache "
        raise SimulationError(f"{where}{text.display(root)} is a file, not a directory; point "
                              "HWGEN_CACHE at a directory (it is created if missing)")
    return root


def _package_dir(name: str) -> str:
    spec = import_util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return ""
    return os.path.realpath(list(spec.submodule_search_locations)[0])


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


@lru_cache(maxsize=1)
def _environment() -> tuple:
    """What a build depends on beyond its sources: where Verilator and cocotb are installed.

    A build directory holds absolute paths into them (the Verilator root in its makefiles,
    cocotb's share/ files and VPI libraries), so a cache shared by two checkouts or virtual
    environments must not hand one's build to the other. The interpreter's own path does not
    enter a build and is not part of the key.
    """
    return ("verilator", _package_dir("verilator"), _version("verilator"),
            "cocotb", _package_dir("cocotb"), _version("cocotb"))


def build_key(*parts) -> str:
    """Hash of ``parts`` and of the toolchain installation that builds them."""
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


def _unusable(base: Path, error: OSError) -> SimulationError:
    return SimulationError(f"cannot use the build cache {text.display(base)}: {error.strerror} "
                           f"({text.display(error.filename or base)}); set HWGEN_CACHE to a "
                           "writable directory")


@contextmanager
def build_slot(kind: str, key: str, root: Path | None = None):
    """Lock and yield the build directory for ``key``; a failed build is wiped.

    A finished build's ``BUILD_OK`` is touched on every use: ``hwgen cache clean`` removes
    the least recently used builds first.
    """
    base = Path(root) if root else cache_root()
    path = base / f"{kind}-{key}"
    try:
        base.mkdir(parents=True, exist_ok=True)
        lock = open(base / f"{kind}-{key}{_LOCK_SUFFIX}", "w")
    except OSError as error:
        raise _unusable(base, error) from None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        slot = _Slot(path)
        try:
            try:
                # under the lock: `hwgen cache clean` removes directories under it too
                path.mkdir(exist_ok=True)
                if slot.ready:
                    os.utime(path / _DONE)
            except OSError as error:
                raise _unusable(base, error) from None
            yield slot
        except BaseException:
            if not slot.ready:
                shutil.rmtree(path, ignore_errors=True)
            raise
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


class CacheEntry:
    """One build directory of the cache."""

    def __init__(self, path: Path):
        self.path = path
        self.name = path.name
        self.kind = path.name.rsplit("-", 1)[0]
        done = path / _DONE
        self.ready = done.exists()
        try:
            self.last_used = (done if self.ready else path).stat().st_mtime
        except OSError:
            self.last_used = 0.0
        self.size = _tree_size(path)

    def as_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "ready": self.ready,
                "bytes": self.size, "last_used": self.last_used}


def _tree_size(path: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


def _entries(base: Path) -> list[CacheEntry]:
    if not base.is_dir():
        return []
    return [CacheEntry(p) for p in sorted(base.iterdir()) if p.is_dir()]


def cache_info(root: Path | None = None) -> dict:
    """The cache's directory, its builds (kind, size, last use) and their total size."""
    base = Path(root) if root else cache_root()
    entries = _entries(base)
    return {"root": str(base), "builds": len(entries),
            "total_bytes": sum(e.size for e in entries),
            "entries": [e.as_dict() for e in sorted(entries, key=lambda e: -e.last_used)]}


def cache_clean(root: Path | None = None, *, keep_bytes: int = 0) -> dict:
    """Remove builds, least recently used first, until at most ``keep_bytes`` remain.

    A build in use (its lock held by a running build or simulation) is skipped. Returns
    ``{"removed": n, "freed_bytes": b, "skipped_in_use": m, "remaining_bytes": r}``.
    """
    if keep_bytes < 0:
        raise SimulationError(f"keep_bytes must be at least 0, not {keep_bytes}")
    base = Path(root) if root else cache_root()
    entries = sorted(_entries(base), key=lambda e: e.last_used)
    total = sum(e.size for e in entries)
    removed = freed = skipped = 0
    for entry in entries:
        if total <= keep_bytes:
            break
        lock_path = base / f"{entry.name}{_LOCK_SUFFIX}"
        try:
            lock = open(lock_path, "w")
        except OSError as error:
            raise _unusable(base, error) from None
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                skipped += 1
                continue
            try:
                shutil.rmtree(entry.path)
            except OSError as error:
                raise _unusable(base, error) from None
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        removed += 1
        freed += entry.size
        total -= entry.size
    return {"removed": removed, "freed_bytes": freed, "skipped_in_use": skipped,
            "remaining_bytes": total, "root": str(base)}
