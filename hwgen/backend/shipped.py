"""Reading back what ``hwgen compile`` shipped, checked against manifest.json.

The manifest lists every file written next to it with its sha256 (``files.sha256``: the RTL,
the memory images, the design file). :func:`read_shipped` reads each one once, checks its
digest and hands back the bytes it checked, so a simulation can build from exactly those
bytes (a copy in its own run directory) and never from a file that changed after the check.
The manifest's own digest names the design (:func:`hwgen.backend.writer.design_sha256`, here
of the bytes checked); result.json records it.

The digests catch edits, stale files and truncated copies. They are not a signature: whoever
rewrites a file and the manifest together is not detected.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ..errors import HwgenError, ModifiedFilesError
from ..text import display
from .design_file import DESIGN_FILE
from .writer import MANIFEST_FILE, sha256_hex

__all__ = ["ShippedDesign", "ModifiedFilesError", "read_shipped"]

#: How every refusal below ends (as hwgen report says it).
_AGAIN = "compile again: hwgen compile MODEL -o OUT"


@dataclass(frozen=True)
class ShippedDesign:
    """The files of an output directory as they were read and checked.

    Attributes
    ----------
    out : pathlib.Path
        The output directory.
    manifest : dict
        manifest.json, parsed.
    manifest_sha256 : str
        sha256 of manifest.json's bytes: names the design.
    files : dict
        ``relative path -> bytes`` of every file the manifest lists, as read.
    modified : tuple of str
        Paths whose bytes differ from the manifest's digest (only with ``allow_modified``).
    """

    out: Path
    manifest: dict
    manifest_sha256: str
    files: dict
    modified: tuple

    @property
    def top(self) -> str:
        return self.manifest["top"]

    def sources(self) -> list:
        """Verilog sources in compile order, as paths relative to ``out``: those of
        ``rtl/files.f`` (one per line, relative to rtl/; ``//`` comments)."""
        file_list = self.manifest["files"]["file_list"]
        base = PurePosixPath(file_list).parent
        sources = []
        for line in self.files[file_list].decode(errors="replace").splitlines():
            line = line.strip()
            if not line or line.startswith("//"):
                continue
            path = _checked_path(str(base / line), f"{file_list} line {line!r}")
            if path not in self.files:
                raise ModifiedFilesError(
                    f"{display(self.out / file_list)} lists {display(line)}, which manifest.json "
                    "does not: "
                    f"only shipped files are simulated; {_AGAIN}")
            sources.append(path)
        if not sources:
            raise ModifiedFilesError(f"{display(self.out / file_list)} lists no Verilog "
                                     "source")
        return sources

    def write_to(self, directory: Path) -> None:
        """Copy every checked file into ``directory``, same relative paths."""
        for path, data in self.files.items():
            target = Path(directory) / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def _checked_path(path: str, what: str) -> str:
    """``path`` if it stays inside the output directory (relative, no ``..``)."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or "\\" in path or not pure.parts:
        raise ModifiedFilesError(f"{what}: {display(path)!r} is not a path inside the output "
                                 "directory")
    return str(pure)


def _read_manifest(out: Path) -> tuple:
    path = out / MANIFEST_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise HwgenError(f"{display(path)} does not exist; run `hwgen compile ... -o "
                         f"{display(out)}` "
                         "first") from None
    try:
        manifest = json.loads(data)
        digests = manifest["files"]["sha256"]
        named = (manifest["top"], manifest["files"]["file_list"], *digests, *digests.values())
    except (ValueError, KeyError, TypeError, AttributeError):
        named = None
    if named is None or not all(isinstance(name, str) for name in named):
        raise HwgenError(f"{display(path)} is not a manifest this hwgen can check (corrupt, or "
                         f"written by an older hwgen without file digests); {_AGAIN}")
    if DESIGN_FILE not in digests:
        raise HwgenError(f"{display(path)} lists no digest of {DESIGN_FILE}; {_AGAIN}")
    return manifest, sha256_hex(data), digests


def read_shipped(out, *, allow_modified: bool = False) -> ShippedDesign:
    """Read and check every file manifest.json lists.

    Parameters
    ----------
    out : str or os.PathLike
        The output directory of ``hwgen compile``.
    allow_modified : bool
        Accept RTL and memory images that differ from their digests (they are listed in
        :attr:`ShippedDesign.modified`). The design file is the reference every check
        compares with: it must always match.

    Raises
    ------
    ModifiedFilesError
        A listed file is missing, or differs from its digest (naming it).
    HwgenError
        No manifest, or one without digests.
    """
    out = Path(out)
    manifest, manifest_sha256, digests = _read_manifest(out)
    files, modified, missing = {}, [], []
    for path, digest in sorted(digests.items()):
        path = _checked_path(path, f"{out / MANIFEST_FILE}")
        try:
            data = (out / path).read_bytes()
        except FileNotFoundError:
            missing.append(path)
            continue
        except IsADirectoryError:
            raise ModifiedFilesError(f"{out / path} is a directory, not the shipped "
                                     "file") from None
        files[path] = data
        if sha256_hex(data) != digest:
            modified.append(path)
    if missing:
        raise ModifiedFilesError(
            f"shipped file(s) missing from {display(out)}: "
            f"{', '.join(display(name) for name in missing)}; {_AGAIN}")
    if DESIGN_FILE in modified:
        raise ModifiedFilesError(
            f"{display(out / DESIGN_FILE)} differs from the digest in manifest.json: it is the "
            "reference the simulation is checked against and cannot be simulated modified; "
            f"{_AGAIN}")
    if modified and not allow_modified:
        names = ", ".join(display(out / path) for path in modified)
        raise ModifiedFilesError(
            f"{names} changed after hwgen compile wrote {'it' if len(modified) == 1 else 'them'}"
            f" (sha256 differs from manifest.json): {_AGAIN}, or pass --allow-modified "
            "(allow_modified=True) to simulate the edited files and compare them with the "
            "golden and cycle models")
    return ShippedDesign(out=out, manifest=manifest, manifest_sha256=manifest_sha256,
                         files=files, modified=tuple(modified))
