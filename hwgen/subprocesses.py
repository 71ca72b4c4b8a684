"""Child processes (Verilator, make, the simulation binary, vvp, Yosys) that end with hwgen.

Every tool hwgen starts runs through :func:`run_child`: in its own session and process group,
so a Ctrl-C at the terminal reaches hwgen alone, and hwgen itself ends the child's whole
group (the tool and everything it started: make, the C++ compiler, ...) when it is
interrupted, when a ``poll`` callback raises (a watchdog, a cycle budget) or when a timeout
expires. :func:`end_descendants` is the last resort of an interrupted ``hwgen`` command for
processes that third-party code started (cocotb's runner).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

__all__ = ["run_child", "end_process_group", "end_descendants", "descendants",
           "GRACE_SECONDS"]

#: Seconds a child group gets between SIGTERM and SIGKILL.
GRACE_SECONDS = 5.0


def _signal_group(pgid: int, sig: int) -> bool:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def end_process_group(process: subprocess.Popen, grace: float = GRACE_SECONDS) -> None:
    """End the process group led by ``process`` (started by :func:`run_child`) and reap it.

    SIGTERM to the group, SIGKILL to whatever is left after ``grace`` seconds (the group
    outlives its leader when the leader exits first, e.g. make's compilers).
    """
    pgid = process.pid
    if _signal_group(pgid, signal.SIGTERM):
        deadline = time.monotonic() + grace
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        while _group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        _signal_group(pgid, signal.SIGKILL)
    process.wait()


def run_child(cmd, *, cwd=None, env=None, stdin=subprocess.DEVNULL, stdout=None, stderr=None,
              capture: bool = False, poll=None, poll_every: float = 0.5,
              timeout: float | None = None) -> subprocess.CompletedProcess:
    """Run ``cmd`` to completion as a child that cannot outlive hwgen.

    Parameters
    ----------
    cmd : sequence of str
        The program and its arguments.
    cwd, env : optional
        As for :class:`subprocess.Popen`.
    stdin, stdout, stderr : optional
        As for :class:`subprocess.Popen` (stdin defaults to ``/dev/null``: a child never
        reads the terminal). Ignored with ``capture``.
    capture : bool
        Collect stdout and stderr as text (``.stdout``, ``.stderr`` of the result).
    poll : callable, optional
        Called as ``poll()`` every ``poll_every`` seconds while the child runs (progress,
        watchdogs). If it raises, the child's group is ended and the exception propagates.
    poll_every : float
        Seconds between ``poll`` calls.
    timeout : float, optional
        Seconds after which the child's group is ended and
        :class:`subprocess.TimeoutExpired` is raised.

    Returns
    -------
    subprocess.CompletedProcess
        ``returncode`` (negative: killed by that signal), and ``stdout`` / ``stderr`` with
        ``capture``. A non-zero exit is not an error here: the caller decides.

    Notes
    -----
    On any exception while the child runs (KeyboardInterrupt from Ctrl-C, SystemExit,
    an exception from ``poll``), :func:`end_process_group` ends the child and everything it
    started before the exception propagates.
    """
    if capture:
        stdout = stderr = subprocess.PIPE
    started = time.monotonic()
    process = subprocess.Popen(list(map(os.fspath, cmd)), cwd=cwd, env=env, stdin=stdin,
                               stdout=stdout, stderr=stderr, text=capture or None,
                               start_new_session=True)
    out = err = None
    try:
        while True:
            wait = poll_every if timeout is None else \
                max(0.0, min(poll_every, started + timeout - time.monotonic()))
            try:
                if capture:
                    out, err = process.communicate(timeout=wait)
                else:
                    process.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                if timeout is not None and time.monotonic() - started >= timeout:
                    raise subprocess.TimeoutExpired(process.args, timeout) from None
                if poll is not None:
                    poll()
    except BaseException:
        end_process_group(process)
        raise
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _parents() -> dict:
    """pid -> parent pid of every process (Linux /proc; empty elsewhere)."""
    table = {}
    proc = Path("/proc")
    if not proc.is_dir():
        return table
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat_line = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat_line[stat_line.rindex(")") + 2:].split()
        if fields[0] != "Z":
            table[int(entry.name)] = int(fields[1])
    return table


def descendants(root: int | None = None) -> list[int]:
    """Live descendants of process ``root`` (default: this process); Linux only."""
    return _descendants(os.getpid() if root is None else root)


def _descendants(root: int) -> list[int]:
    parents = _parents()
    found, frontier = [], [root]
    while frontier:
        pid = frontier.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        found += children
        frontier += children
    return found


def end_descendants(grace: float = GRACE_SECONDS, *, keep=()) -> list[int]:
    """SIGTERM, then SIGKILL after ``grace`` s, every live descendant of this process.

    The interrupted ``hwgen`` command's last step, for children started outside
    :func:`run_child` (cocotb's runner starts its simulator itself). Processes in ``keep``
    (those that existed before the command started) are left alone. Returns the pids ended.
    Linux only (reads /proc); elsewhere it does nothing.
    """
    keep = set(keep)
    pids = [pid for pid in _descendants(os.getpid()) if pid not in keep]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
    deadline = time.monotonic() + grace
    alive = list(pids)
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        live = set(_parents())
        alive = [pid for pid in alive if pid in live]
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for pid in pids:                       # reap our own children
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
    return pids
