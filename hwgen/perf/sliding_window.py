"""Cycle model of ``hwgen.hw.stream.sliding_window.SlidingWindow``.

Beats are numbered globally over back-to-back images. Input beat ``i`` of image ``m`` is
pixel ``(y, x)``, channel group ``g``; output beat ``j`` is ``(m, oy, ox, ky, kx, g)``: the
taps ``(ky + dy, kx + dx)``, ``dy < tap_rows``, ``dx < tap_cols`` (one tap, ``dy = dx = 0``,
unless a beat carries several), which read input pixels ``(iy, ix) = (oy*s - pad_top + ky +
dy, ox*s - pad_left + kx + dx)`` (or the pad value outside the image). The taps inside the
image form a rectangle; the last input beat the step reads, ``i(j)``, is its bottom-right
pixel, channel group ``g``. The line buffer holds ``R = buffer_rows`` rows (``kernel +
stride``, and more where an image's last window holds rows the next image's first window
needs: :attr:`~hwgen.ir.blocks.sliding_window.SlidingWindowParams.buffer_rows`); global input
row ``Y`` goes to buffer row ``Y mod R``. With ``C`` the output FIFO depth:

* read steps issue in order, at most one per cycle: ``issue[j] >= issue[j-1] + 1``;
* credits: ``issue[j] >= out[j - C] + 1``;
* a step with a tap inside the image waits for its last input beat: ``issue[j] >= in[i(j)] +
  1`` (the earlier ones arrived before it);
* the read result is written into the output FIFO the next cycle and is valid the cycle
  after: ``valid[j] = max(issue[j] + 2, out[j-1] + 1)``;
* input beat ``i`` of global row ``Y`` may overwrite buffer row ``Y - R`` only once every step
  of the last output row that uses row ``Y - R`` has issued:
  ``ready[i] = max(in[i-1] + 1, issue[last step of that output row] + 1)``.
"""

from __future__ import annotations

from ..ir.blocks.sliding_window import SlidingWindowParams
from .cycle_model import CycleModel
from .events import Schedule, Stream

__all__ = ["READ_DELAY", "sliding_window_processes", "sliding_window_cycles",
           "sliding_window_reads", "sliding_window_steps", "sliding_window_reach",
           "SLIDING_WINDOW"]

#: Issue of a read step to its output FIFO write: the buffer memory's read latency.
READ_DELAY = 1


def sliding_window_steps(p: SlidingWindowParams) -> int:
    """Read steps (output beats) per image."""
    return p.out_height * p.out_width * p.beats_per_patch


def sliding_window_cycles(p: SlidingWindowParams) -> int:
    """Cycles per image at full rate: one read step per output beat, one input beat per
    cycle, whichever takes longer (a lone window reaches it: the line buffer holds the rows
    that let the next image load while an image's last row is read)."""
    return max(sliding_window_steps(p), p.height * p.width * p.groups)


def sliding_window_reads(p: SlidingWindowParams) -> list:
    """The input beat (within the image) each read step of an image waits for, in step
    order; -1 for a step whose taps are all padding."""
    k, s, g_count = p.kernel, p.stride, p.groups
    r, q = p.tap_rows, p.tap_cols
    top, left = p.pads[0], p.pads[1]
    reads = []
    for oy in range(p.out_height):
        for ox in range(p.out_width):
            for ky in range(0, k, r):
                iy = oy * s - top + ky
                last_y = min(iy + r - 1, p.height - 1)
                for kx in range(0, k, q):
                    ix = ox * s - left + kx
                    last_x = min(ix + q - 1, p.width - 1)
                    inside = last_y >= max(iy, 0) and last_x >= max(ix, 0)
                    for g in range(g_count):
                        reads.append((last_y * p.width + last_x) * g_count + g if inside else -1)
    return reads


def sliding_window_processes(schedule: Schedule, p: SlidingWindowParams, inp: Stream,
                             out: Stream, inferences: int | None = None):
    """Register the block's rules on ``schedule`` (images follow each other for ever; the
    streams' lengths end a run)."""
    steps_per_image = sliding_window_steps(p)
    steps_per_row = steps_per_image // p.out_height
    beats_per_row = p.width * p.groups
    beats_per_image = p.height * beats_per_row
    rows = p.buffer_rows
    depth, log = schedule.fifo_depth(p, "out_fifo_depth")
    issues = schedule.stream(f"{p.name}.issue", None, per=steps_per_image, always_ready=True)
    # Input beat (within the image) each read step waits for, or -1 for padding.
    reads = sliding_window_reads(p)
    # Last step (within the image) of the last output row that uses each input row.
    frees = [(p.last_output_row_using(row) + 1) * steps_per_row - 1 for row in range(p.height)]

    def engine():
        issued, j, image_base = -1, 0, 0
        ox, ix = out.xfer, inp.xfer
        while True:
            for read in reads:
                start = issued + 1
                if depth is not None:
                    if j >= depth:
                        q = j - depth - out.base
                        t = ox[q] if 0 <= q < len(ox) else (yield (out, j - depth))
                        if t >= start:
                            start = t + 1
                if read >= 0:
                    beat = image_base + read
                    q = beat - inp.base
                    t = ix[q] if 0 <= q < len(ix) else (yield (inp, beat))
                    if t >= start:
                        start = t + 1
                if log is not None:
                    log.offer(j, start)
                issued = start
                issues.offer(j, issued)
                out.arrive(j, issued + READ_DELAY + 1)
                j += 1
            image_base += beats_per_image

    def input_side():
        previous, i, row = -1, 0, 0
        xs = issues.xfer
        while True:
            wait = -1
            if row >= rows:
                image, local = divmod(row - rows, p.height)   # the row this one overwrites
                wait = image * steps_per_image + frees[local]
            for _ in range(beats_per_row):
                ready = previous + 1
                if wait >= 0:
                    q = wait - issues.base
                    t = xs[q] if 0 <= q < len(xs) else (yield (issues, wait))
                    if t >= ready:
                        ready = t + 1
                inp.accept(i, ready)
                q = i - inp.base
                previous = inp.xfer[q] if 0 <= q < len(inp.xfer) else (yield (inp, i))
                i += 1
            row += 1

    schedule.process(engine())
    schedule.process(input_side())


def sliding_window_fifos(block: SlidingWindowParams, upstream) -> dict:
    """Credits for one read per cycle (a result leaves ``READ_DELAY + 1`` cycles after its
    read) and room for a whole patch, so the next patch is ready while a consumer works
    through its later folds."""
    return {"out_fifo_depth": max(READ_DELAY + 2, block.beats_per_patch),
            "in_fifo_depth": 0}


def sliding_window_reach(p: SlidingWindowParams) -> int:
    """Inferences back a rule reaches: the previous beat (1), a credit ``C`` read steps back,
    and an input row overwriting the buffer row of ``buffer_rows`` input rows before."""
    steps = sliding_window_steps(p)
    return max(1, -(-p.out_fifo_depth // steps), -(-p.buffer_rows // p.height))


#: The sliding window's cycle model (catalog entry ``sliding_window``).
SLIDING_WINDOW = CycleModel(sliding_window_processes, sliding_window_cycles,
                            sliding_window_fifos, sliding_window_reach)
