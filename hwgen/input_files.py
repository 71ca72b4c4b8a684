"""Input files are checked before they are opened: regular files only.

A directory, a FIFO, a socket or a device (``/dev/zero``) given where hwgen reads a model, a
configuration or an array would give a traceback, block forever (a FIFO nobody writes) or
never end (``/dev/zero``). :func:`input_file` refuses them with one message that names the
option and the path, without opening the file.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from . import text
from .errors import HwgenError

__all__ = ["input_file"]

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"))


def input_file(path, what: str) -> Path:
    """``path`` as a Path, if it is an existing regular file hwgen may read.

    Parameters
    ----------
    path : str or os.PathLike
        The file (symbolic links are followed).
    what : str
        The option or argument for messages, e.g. ``"--calib"`` or ``"the model"``.

    Raises
    ------
    HwgenError
        The path is empty, does not exist, is not a regular file (directory, FIFO, socket,
        device), or cannot be read; the message names ``what`` and the path.
    """
    if path is None or str(path) == "":
        raise HwgenError(f"{what}: the file name is empty")
    shown = text.display(os.fspath(path))
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise HwgenError(f"{what}: {shown} does not exist") from None
    except OSError as error:
        raise HwgenError(f"{what}: cannot read {shown}: {error.strerror}") from None
    for test, kind in _KINDS:
        if test(mode):
            raise HwgenError(f"{what}: {shown} is {kind}, not a regular file; give the path "
                             "of a file")
    if not stat.S_ISREG(mode):
        raise HwgenError(f"{what}: {shown} is not a regular file; give the path of a file")
    if not os.access(path, os.R_OK):
        raise HwgenError(f"{what}: cannot read {shown}: permission denied")
    return Path(path)
