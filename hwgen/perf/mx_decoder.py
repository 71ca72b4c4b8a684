"""Cycle model of ``hwgen.hw.mx.decoder.MxDecoder`` (one register with backpressure).

* ``valid_out[b] = in[b] + 1``;
* ``ready_in[b] = max(in[b - 1] + 1, out[b - 1])``: the register takes a block in the cycle
  its previous one leaves.
"""

from __future__ import annotations

from .events import Schedule, Stream

__all__ = ["mx_decoder_processes"]


def mx_decoder_processes(schedule: Schedule, inp: Stream, out: Stream):
    """Register the decoder's rules on ``schedule`` (the streams carry one block per beat)."""

    def input_side():
        previous = -1
        for b in range(inp.beats):
            ready = previous + 1
            if b:
                ready = max(ready, (yield out.after(b - 1)))
            inp.accept(b, ready)
            previous = yield inp.after(b)

    def output_side():
        for b in range(out.beats):
            out.offer(b, (yield inp.after(b)) + 1)

    schedule.process(input_side())
    schedule.process(output_side())
