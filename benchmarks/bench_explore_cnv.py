"""hwgen explore on FINN's CNV (examples/cifar_cnv.py): a small, heavy run, not a test.

    python benchmarks/bench_explore_cnv.py [--out out/bench_explore_cnv] [--images 16]
                                           [--calib 16] [--max-macs 1024] [--seed 0]

The CNV has random (He-initialised) weights and no data set, so "accuracy" here is the
agreement of a candidate's top-1 class with the float model's (onnxruntime) on seeded
synthetic images (uniform noise in [0, 1], as the example's calibration): the labels given
to ``hwgen explore`` are the float model's own predictions. The search is kept small: weight
formats int8 / int4, activations int8 / int4, one interval (the ``--max-macs`` folding's),
a population of 4 for one generation, one finalist, no simulation and no
synthesis. Prints the summary, the wall-clock and the CPU seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import onnx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "examples"))
from bench_explore import _cpu_seconds  # noqa: E402
from cifar_cnv import cnv_onnx  # noqa: E402

import hwgen  # noqa: E402
from hwgen.explore import describe, explore  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="out/bench_explore_cnv")
    parser.add_argument("--images", type=int, default=16, help="synthetic validation images")
    parser.add_argument("--calib", type=int, default=16, help="synthetic calibration images")
    parser.add_argument("--max-macs", type=int, default=1024,
                        help="reference folding (the interval every candidate is priced at)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model = out / "cnv.onnx"
    onnx.save(cnv_onnx(seed=0), model)
    rng = np.random.default_rng(1)
    calib = rng.random((args.calib, 3, 32, 32), dtype=np.float32)
    x_val = rng.random((args.images, 3, 32, 32), dtype=np.float32)
    import onnxruntime as ort
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    logits = session.run(None, {session.get_inputs()[0].name: x_val})[0]
    y_val = np.asarray(logits).reshape(len(x_val), -1).argmax(axis=1)
    # the reference interval: the --max-macs folding's
    ref_ii = hwgen.compile(str(model), calib, max_macs=args.max_macs).ii
    print(f"CNV: {args.images} synthetic images, labels = the float model's top-1 "
          f"({len(set(y_val.tolist()))} distinct classes); reference II {ref_ii:,} cycles "
          f"(--max-macs {args.max_macs})")
    start, cpu = time.monotonic(), _cpu_seconds()
    result = explore(str(model), calib, x_val, y_val, out / "explore",
                     # floor(100 MHz / rate) = ref_ii: the reference interval, exactly
                     target_fps=100e6 / (ref_ii + 0.5), clock_mhz=100.0,
                     formats=("int8", "int4"), activations=("int8", "int4"), seed=args.seed,
                     population=4, generations=1, ladder_steps=0, finalists=1,
                     simulate=False, synth=False, force=True,
                     log=lambda m: print(f"  {m}", flush=True))
    i8, small = result["int8"], result["smallest"]
    print(f"uniform int8: agreement {i8['accuracy']:.2%}, II {i8['ii']:,}, cost "
          f"{i8['cost']:,.0f} (LUT {i8['lut']:,}, DSP {i8['dsp']:,})")
    print(f"smallest within 0.5 points: {result['smaller_by']:.2f}x smaller (cost "
          f"{small['cost']:,.0f}, LUT {small['lut']:,}, DSP {small['dsp']:,}, agreement "
          f"{small['accuracy']:.2%}): {describe(small['formats'], small['activations'])}")
    print(f"{result['candidates']} candidates; {time.monotonic() - start:.0f} s wall clock, "
          f"{_cpu_seconds() - cpu:.0f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
