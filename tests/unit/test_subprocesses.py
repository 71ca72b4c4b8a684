"""run_child: a child and everything it starts end with hwgen (finding 6)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hwgen.subprocesses import end_descendants, run_child
from tests.fixtures.processes import stat

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="needs Linux /proc to see the grandchild")

# a shell that starts a grandchild (sleep), writes both pids and waits
FAMILY = ["sh", "-c", 'sleep 60 & echo "$$ $!" > "$0"; wait']


class Stop(Exception):
    pass


def test_capture_and_exit_status():
    done = run_child([sys.executable, "-c", "import sys; print('out'); "
                      "print('err', file=sys.stderr); sys.exit(3)"], capture=True)
    assert (done.returncode, done.stdout, done.stderr) == (3, "out\n", "err\n")


def test_child_runs_in_its_own_process_group(tmp_path):
    pids = tmp_path / "pids"
    done = run_child(["sh", "-c", 'ps -o pgid= -p $$ > "$0"', str(pids)])
    assert done.returncode == 0
    assert int(pids.read_text()) != os.getpgid(0)


@pytest.mark.parametrize("error", [Stop, KeyboardInterrupt])
def test_an_exception_while_waiting_ends_the_whole_group(tmp_path, error):
    pids_file = tmp_path / "pids"

    def poll():
        if pids_file.exists() and pids_file.read_text().strip():
            raise error

    started = time.monotonic()
    with pytest.raises(error):
        run_child([*FAMILY, str(pids_file)], poll=poll, poll_every=0.05)
    shell, grandchild = map(int, pids_file.read_text().split())
    assert stat(shell) is None and stat(grandchild) is None, "a process survived"
    assert time.monotonic() - started < 30


def test_timeout_ends_the_group(tmp_path):
    pids_file = tmp_path / "pids"
    with pytest.raises(subprocess.TimeoutExpired):
        run_child([*FAMILY, str(pids_file)], timeout=1.0, poll_every=0.1)
    shell, grandchild = map(int, pids_file.read_text().split())
    assert stat(shell) is None and stat(grandchild) is None


def test_end_descendants_spares_what_it_is_told_to_keep():
    keep = subprocess.Popen(["sleep", "60"])
    try:
        victim = subprocess.Popen(["sleep", "60"])
        ended = end_descendants(grace=2.0, keep={keep.pid})
        assert victim.pid in ended and keep.pid not in ended
        assert stat(victim.pid) is None and stat(keep.pid) is not None
    finally:
        keep.kill()
        keep.wait()
