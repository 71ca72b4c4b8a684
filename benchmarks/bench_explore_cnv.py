"""hwgen explore on FINN's CNV (examples/cifar_cnv.py): a small, heavy run, not a test.

    python benchmarks/bench_explore_cnv.py [--weights random|trained] [--out DIR]
                                           [--images 16] [--calib N] [--max-macs 1024]
                                           [--formats int8,int4] [--activations int8,int4]
                                           [--greedy-pricing exact|additive] [--workers N]
                                           [--simulate] [--seed 0]

``--weights trained`` (docs/explore.md's CNV figures): the CNV trained on scikit-learn's
digits made 3x32x32 (examples/cnv_training.py; cached under $HWGEN_CACHE/cnv or OUT, so a
second run does not retrain), the first ``--calib`` (default 32) training images as
calibration, and the 360 validation images of the digits split with their real labels as
the validation set (one image is 0.28 points, so a drop of at most 0.5 points allows one
image more wrong than uniform int8). ``--images`` is ignored.

``--weights random`` (the default, as before): He-initialised random weights and no data
set, so "accuracy" is the agreement of a candidate's top-1 class with the float model's
(onnxruntime) on ``--images`` seeded synthetic images (uniform noise in [0, 1], as the
example's calibration; ``--calib`` default 16): the labels given to ``hwgen explore`` are the
float model's own predictions.

The search is kept small: the weight and activation formats given (int8 / int4 by
default), one interval (the ``--max-macs`` folding's), a population of 4 for one
generation, one finalist (the smallest; ``--simulate`` simulates it on Verilator over the
validation set, bit- and cycle-exact), no synthesis. The greedy prices each layer's moves
once (``--greedy-pricing additive``, the default with trained weights: a CNV compile is
10 s or more, and exact pricing compiles every move at every step). Prints the summary, the
wall-clock and the CPU seconds of this process (not of Ray workers).
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
from cifar_cnv import cache_dir, cnv_onnx, trained_cnv  # noqa: E402
from cpu_time import cpu_seconds  # noqa: E402

import hwgen  # noqa: E402
from hwgen.explore import describe, explore, parse_activations, parse_formats  # noqa: E402


def _random_data(model: Path, args):
    """Synthetic images and the float model's own top-1 classes as labels."""
    import onnxruntime as ort
    rng = np.random.default_rng(1)
    calib = rng.random((args.calib or 16, 3, 32, 32), dtype=np.float32)
    x_val = rng.random((args.images, 3, 32, 32), dtype=np.float32)
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    logits = session.run(None, {session.get_inputs()[0].name: x_val})[0]
    y_val = np.asarray(logits).reshape(len(x_val), -1).argmax(axis=1)
    print(f"CNV, random weights: {args.images} synthetic images, labels = the float model's "
          f"top-1 ({len(set(y_val.tolist()))} distinct classes)")
    return calib, x_val, y_val


def _trained_data(out: Path, args):
    """The trained CNV (saved as OUT/cnv.onnx), training images as calibration, the digits
    validation split."""
    from cnv_training import cnv_digits
    model, info = trained_cnv(cache=cache_dir(out), log=lambda m: print(f"  {m}", flush=True))
    onnx.save(model, out / "cnv.onnx")
    x_train, x_val, _, y_val = cnv_digits()
    print(f"CNV, trained on the digits (3x32x32): float accuracy {info['val_accuracy']:.2%} "
          f"on {len(x_val)} validation images (one image = {100 / len(x_val):.2f} points); "
          f"training {info['train_cpu_s']:.0f} s CPU ({info['settings']})")
    return x_train[:args.calib or 32], x_val, np.asarray(y_val, dtype=np.int64)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", choices=("random", "trained"), default="random")
    parser.add_argument("--out", default="out/bench_explore_cnv")
    parser.add_argument("--images", type=int, default=16,
                        help="synthetic validation images (random weights)")
    parser.add_argument("--calib", type=int, default=None,
                        help="calibration images (default 16 random, 32 trained)")
    parser.add_argument("--max-macs", type=int, default=1024,
                        help="reference folding (the interval every candidate is priced at)")
    parser.add_argument("--formats", default="int8,int4")
    parser.add_argument("--activations", default="int8,int4")
    parser.add_argument("--greedy-pricing", choices=("exact", "additive"), default=None,
                        help="default: exact with random weights, additive with trained")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--simulate", action="store_true",
                        help="simulate the smallest finalist over the validation set")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model = out / "cnv.onnx"
    start, cpu = time.monotonic(), cpu_seconds()
    if args.weights == "trained":
        calib, x_val, y_val = _trained_data(out, args)
    else:
        onnx.save(cnv_onnx(seed=0), model)
        calib, x_val, y_val = _random_data(model, args)
    pricing = args.greedy_pricing or ("additive" if args.weights == "trained" else "exact")
    # the reference interval: the --max-macs folding's
    ref_ii = hwgen.compile(str(model), calib, max_macs=args.max_macs).ii
    print(f"reference II {ref_ii:,} cycles (--max-macs {args.max_macs}); greedy pricing "
          f"{pricing}; data and reference {time.monotonic() - start:.0f} s wall")
    result = explore(str(model), calib, x_val, y_val, out / "explore",
                     # floor(100 MHz / rate) = ref_ii: the reference interval, exactly
                     target_fps=100e6 / (ref_ii + 0.5), clock_mhz=100.0,
                     formats=parse_formats(args.formats),
                     activations=parse_activations(args.activations), seed=args.seed,
                     population=4, generations=1, ladder_steps=0, finalists=1,
                     simulate=args.simulate, synth=False, force=True, workers=args.workers,
                     greedy_pricing=pricing, log=lambda m: print(f"  {m}", flush=True))
    i8, small = result["int8"], result["smallest"]
    word = "accuracy" if args.weights == "trained" else "agreement"
    print(f"uniform int8: {word} {i8['accuracy']:.2%}, II {i8['ii']:,}, cost "
          f"{i8['cost']:,.0f} (LUT {i8['lut']:,}, DSP {i8['dsp']:,})")
    print(f"smallest within 0.5 points: {result['smaller_by']:.2f}x smaller (cost "
          f"{small['cost']:,.0f}, LUT {small['lut']:,}, DSP {small['dsp']:,}, {word} "
          f"{small['accuracy']:.2%}): {describe(small['formats'], small['activations'])}")
    for entry in result["finalists"]:
        if "bit_exact" in entry:
            print(f"finalist {entry['label']}: bit exact {entry['bit_exact']}, cycles exact "
                  f"{entry['cycles_exact']}")
    print(f"{result['candidates']} candidates; {time.monotonic() - start:.0f} s wall clock, "
          f"{cpu_seconds() - cpu:.0f} s CPU (this process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
