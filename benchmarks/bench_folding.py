"""Folding to a budget and to a target: MAC units, interval and efficiency of CNV and the
digits CNN.

    python benchmarks/bench_folding.py [--models cnv,digits_cnn] [--no-exact]

For every row the folding pass (``hwgen.passes.choose_folding``, budget mode ``max-macs N``
or target mode ``target-ii T``) folds the model's IR graph (random int8 codes: the shapes
matter, not the values; tests/fixtures/folding_graphs.py). Columns:

- MAC units: sum of PE x SIMD;
- II analytic: the slowest block's ideal cycles per inference (``folding_report``, equal to
  the lowered blocks' own cycle models);
- II model: the exact cycle model's steady-state interval (``pipeline_timing`` over 4
  inferences of the lowered design, its FIFOs sized by ``size_fifos`` as the compile flow
  sizes them); ``--no-exact`` skips it (CNV's FIFO sizing takes about 20-30 s of CPU per row
  on the event-level cycle model);
- efficiency: MACs / (MAC units x II), with the model's II when it ran;
- bound: the layer whose blocks set the interval and which part (its matrix, its sliding
  window's input or output beats, a pool's window);
- fold s: CPU seconds of the folding pass.

A target below the fastest reachable interval prints the error the compiler gives.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hwgen.ir.lowering import lower_graph  # noqa: E402
from hwgen.passes import (  # noqa: E402
    FoldingTargetError,
    choose_folding,
    folding_report,
    size_fifos,
)
from hwgen.perf import pipeline_timing  # noqa: E402
from tests.fixtures.folding_graphs import cnv_graph, digits_cnn_graph  # noqa: E402

#: model -> (graph builder, rows: ("max-macs", N) or ("target-ii", T))
MODELS = {
    "cnv": (cnv_graph, [("max-macs", 64), ("max-macs", 256), ("max-macs", 1024),
                        ("max-macs", 4096), ("target-ii", 100_000), ("target-ii", 10_000),
                        ("target-ii", 1_024), ("target-ii", 1_000)]),
    "digits_cnn": (digits_cnn_graph, [("max-macs", 16), ("max-macs", 45), ("max-macs", 64),
                                      ("max-macs", 256), ("target-ii", 64),
                                      ("target-ii", 63)]),
}


def _exact_ii(graph) -> int:
    blocks, edges = lower_graph(graph)
    return pipeline_timing(size_fifos(blocks, edges), 4, edges).ii


def row(model: str, graph, mode: str, value: int, exact: bool) -> str:
    start = time.process_time()
    try:
        if mode == "max-macs":
            folded = choose_folding(graph, max_macs=value)
        else:
            folded = choose_folding(graph, target_ii=value)
    except FoldingTargetError as error:
        return f"| {model} | {mode} {value:,} | error: {error} | | | | | | |"
    seconds = time.process_time() - start
    report = folding_report(folded)
    ii = _exact_ii(folded) if exact else None
    efficiency = report.macs / (report.mac_units * (ii or report.ii))
    limit = report.limit
    return (f"| {model} | {mode} {value:,} | {report.mac_units:,} | {report.ii:,} | "
            f"{'-' if ii is None else f'{ii:,}'} | {efficiency:.1%} | {limit.name}: "
            f"{limit.bound} | {seconds:.2f} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(MODELS),
                        help=f"comma-separated, from {', '.join(MODELS)}")
    parser.add_argument("--no-exact", action="store_true",
                        help="skip the exact cycle model (analytic interval only)")
    args = parser.parse_args(argv)
    print("| model | folding | MAC units | II analytic | II model | efficiency | bound | "
          "fold s |")
    print("|---|---|---|---|---|---|---|---|")
    for model in args.models.split(","):
        build, rows = MODELS[model]
        graph = build()
        for mode, value in rows:
            print(row(model, graph, mode, value, not args.no_exact), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
