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
        previous, b = -1, 0
        while True:
            ready = previous + 1
            if b:
                t = yield (out, b - 1)
                if t > ready:
                    ready = t
            inp.accept(b, ready)
            previous = yield (inp, b)
            b += 1

    def output_side():
        b = 0
        while True:
            out.offer(b, (yield (inp, b)) + 1)
            b += 1

    schedule.process(input_side())
    schedule.process(output_side())
