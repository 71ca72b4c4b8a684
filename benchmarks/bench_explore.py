"""hwgen explore on the digits CNN: the figures of docs/explore.md.

    python benchmarks/bench_explore.py [--out out/bench_explore] [--seed 0] [--no-simulate]
                                       [--no-synth] [--workers N]
                                       [-- more hwgen explore options]

Trains examples/digits_cnn.py's CNN (SmallCnn(seed=0), 20 epochs, the example's split),
saves it as cnn.onnx with calib.npy (the first 512 training images), xval.npy and yval.npy
(the 360 test images) under OUT, runs ``hwgen explore`` on them into OUT/explore and prints
its summary lines, the wall-clock seconds and the CPU seconds of this process and its
children (Yosys, Verilator; not Ray workers), since wall time is inflated on a shared machine.
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
from cpu_time import cpu_seconds  # noqa: E402
from digits_cnn import load_data  # noqa: E402
from numpy_cnn import SmallCnn  # noqa: E402

from hwgen.cli import main as hwgen_main  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="out/bench_explore")
    parser.add_argument("--seed", default="0")
    parser.add_argument("--no-simulate", action="store_true")
    parser.add_argument("--no-synth", action="store_true")
    parser.add_argument("--workers", default=None)
    parser.add_argument("extra", nargs="*", help="further hwgen explore options (after --)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    x_train, x_test, y_train, y_test = load_data()
    onnx.save(SmallCnn(seed=0).train(x_train, y_train, epochs=20).to_onnx(), out / "cnn.onnx")
    np.save(out / "calib.npy", x_train[:512])
    np.save(out / "xval.npy", x_test)
    np.save(out / "yval.npy", y_test)
    command = ["explore", str(out / "cnn.onnx"), "--calib", str(out / "calib.npy"), "--val",
               str(out / "xval.npy"), str(out / "yval.npy"), "-o", str(out / "explore"),
               "--seed", args.seed]
    command += ["--no-simulate"] if args.no_simulate else []
    command += ["--no-synth"] if args.no_synth else []
    command += ["--workers", args.workers] if args.workers else []
    command += args.extra
    print("hwgen " + " ".join(command))
    start, cpu = time.monotonic(), cpu_seconds()
    status = hwgen_main(command)
    print(f"{time.monotonic() - start:.0f} s wall clock, {cpu_seconds() - cpu:.0f} s CPU")
    return status


if __name__ == "__main__":
    sys.exit(main())
