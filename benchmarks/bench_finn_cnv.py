"""Brevitas' BNN-PYNQ CNV-w1a1 (``brevitas_examples.bnn_pynq.models.CNV``, the full model:
six 3x3 convolutions of 64-64-128-128-256-256 channels, two max pools, three dense layers,
TensorNorm) through hwgen: exported to QONNX by Brevitas, compiled, golden model against the
torch model, optionally simulated. Too large for CI (tests/qat/test_bnn_pynq_tfc.py holds the
TFC check).

    python benchmarks/bench_finn_cnv.py [--images 16] [--max-macs 256] [--simulate verilator]

The weights are BNN-PYNQ's initialisation (uniform in [-1, 1]) and the batch norms' statistics
come from a few training-mode passes over seeded random images in [0, 1): neither changes what
is measured. Prints the export, check and compile times (wall seconds), the layers and the
datapaths hwgen chose, the predicted interval, and how many of the output codes differ from
the torch model's float output on hwgen's calibrated output grid (expected: 0); with
``--simulate``, the simulation's bit- and cycle-exactness.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np


def build(seed: int):
    import torch
    from brevitas_examples.bnn_pynq.models.CNV import CNV

    torch.manual_seed(seed)
    net = CNV(num_classes=10, weight_bit_width=1, act_bit_width=1, in_bit_width=8, in_ch=3)
    images = torch.rand(256, 3, 32, 32, generator=torch.Generator().manual_seed(seed))
    net.train()
    with torch.no_grad():
        for start in range(0, len(images), 64):
            net(images[start:start + 64])
    return net.eval()


def export(net, path: Path):
    import torch
    from brevitas.export import export_qonnx

    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), \
            contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        export_qonnx(net, input_t=torch.rand(1, 3, 32, 32), export_path=str(path))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=16)
    parser.add_argument("--max-macs", type=int, default=256)
    parser.add_argument("--simulate", choices=["verilator", "icarus"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import torch

    import hwgen
    from hwgen.frontend import check_onnx

    torch.set_num_threads(1)
    rng = np.random.default_rng(args.seed)
    calibration = rng.uniform(0, 1, (64, 3, 32, 32)).astype(np.float32)
    x = rng.uniform(0, 1, (args.images, 3, 32, 32)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cnv_w1a1.onnx"
        net = build(args.seed)
        start = time.time()
        export(net, path)
        print(f"export: {time.time() - start:.1f} s")
        start = time.time()
        problems = check_onnx(path)
        print(f"check: {time.time() - start:.1f} s, {len(problems)} problems")
        for p in problems:
            print(f"  {p}")
        if problems:
            return 1
        start = time.time()
        design = hwgen.compile(path, calibration, max_macs=args.max_macs)
        print(f"compile (max-macs {args.max_macs}): {time.time() - start:.1f} s")
        kinds = Counter(b.kind for b in design.blocks)
        print("blocks: " + ", ".join(f"{k} x{n}" for k, n in sorted(kinds.items())))
        print(f"predicted: interval {design.ii} cycles per inference, latency "
              f"{design.latency} cycles")
        with torch.no_grad():
            scores = net(torch.tensor(x)).numpy().astype(np.float64)
        q = design.output_quant
        expected = np.clip(np.rint(scores / q.scale) + q.zero_point, q.dtype.qmin, q.dtype.qmax)
        golden = design.golden_int(x).reshape(len(x), -1)
        print(f"golden vs torch: {np.count_nonzero(golden != expected)} of {golden.size} "
              "output codes differ")
        if args.simulate:
            start = time.time()
            outcome = design.simulate(x, simulator=args.simulate, log=lambda m: None)
            r = outcome.result
            print(f"simulate ({args.simulate}): {time.time() - start:.1f} s, bit_exact "
                  f"{r['bit_exact']}, cycles_exact {r['cycles_exact']}, "
                  f"interval {r['cycles']['ii_rtl']} cycles")
    return 0


if __name__ == "__main__":
    sys.exit(main())
