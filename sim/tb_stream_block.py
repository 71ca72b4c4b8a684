"""cocotb test: one stream block (i_stream -> o_stream) against expected words and cycles.

The job file named by $HWGEN_COSIM_JOB (JSON) holds the input words, the golden model's
output words and, for runs without stalls, the cycle model's transfer cycles. The driver,
the monitor and the checker are separate roles; the expected values come from hwgen.golden
and hwgen.perf in the parent process, never from this file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import cocotb

from hwgen.sim.stream_bfm import StreamSink, StreamSource, start_clock_and_reset


def _load_job() -> dict:
    return json.loads(Path(os.environ["HWGEN_COSIM_JOB"]).read_text())


def _first_difference(got, want) -> str:
    # the beats both hold; a length difference is reported after them
    for index, (g, w) in enumerate(zip(got, want, strict=False)):
        if g != w:
            return f"first difference at beat {index}: got {g:#x}, expected {w:#x}"
    return f"got {len(got)} beats, expected {len(want)}"


@cocotb.test()
async def stream_block(dut):
    job = _load_job()
    words_in = [int(w, 16) for w in job["in_words"]]
    expect = [int(w, 16) for w in job["expect_words"]]
    await start_clock_and_reset(dut)
    source = StreamSource(dut, "i_stream", idle=job["idle"], seed=job["seed"])
    sink = StreamSink(dut, "o_stream", backpressure=job["backpressure"], seed=job["seed"] + 1)
    sending = cocotb.start_soon(source.send(words_in))
    await sink.receive(len(expect), timeout_cycles=job["timeout_cycles"])
    await sending
    Path(os.environ["HWGEN_COSIM_JOB"]).with_suffix(".observed.json").write_text(json.dumps({
        "out_words": [f"{w:x}" for w in sink.words], "out_cycles": sink.cycles,
        "in_cycles": source.cycles}))
    assert sink.words == expect, "outputs differ from the golden model: " + \
        _first_difference(sink.words, expect)
    if job.get("expect_in_cycles") is not None:
        assert source.cycles == job["expect_in_cycles"], \
            f"input transfer cycles differ from the cycle model: {source.cycles[:12]} ... vs " \
            f"{job['expect_in_cycles'][:12]} ..."
    if job.get("expect_out_cycles") is not None:
        assert sink.cycles == job["expect_out_cycles"], \
            f"output transfer cycles differ from the cycle model: {sink.cycles[:12]} ... vs " \
            f"{job['expect_out_cycles'][:12]} ..."
