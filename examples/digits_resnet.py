"""A residual CNN for scikit-learn's digits, quantized two ways, compiled, simulated, checked.

    python examples/digits_resnet.py [--simulator verilator|icarus] [--limit N] [--epochs E]
                                     [--out out/digits_resnet] [--max-macs M]

The network (examples/numpy_resnet.py), conv3x3(16)-relu-maxpool-[conv3x3(16)-relu-
conv3x3(16)] + skip-relu-global average pool-dense(10) on 8x8x1 images, is trained in float
with numpy and exported to ONNX: the max pool's output feeds the block and the Add (the skip
connection). As in examples/digits_cnn.py it is quantized with hwgen's PTQ and with
onnxruntime's ``quantize_static`` (QDQ: the Add becomes DQ, DQ -> Add -> Q, which onnxruntime
runs as QLinearAdd), both designs are compiled (the skip becomes a FIFO sized by the cycle
model) and simulated over the test split, outputs checked against the golden model bit for
bit and every transfer against the cycle model. It prints accuracies, the golden model against
onnxruntime's own execution of the QDQ model (whole model and per layer, the add included),
cycles and per-block utilization. Exits non-zero if the RTL differs from the golden model or a
transfer happens in another cycle than the model says.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from digits_cnn import compare_two_ways, load_data
from numpy_resnet import SmallResNet


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--simulator", choices=("verilator", "icarus"), default="verilator")
    parser.add_argument("--out", default="out/digits_resnet")
    parser.add_argument("--max-macs", type=int, default=64,
                        help="multipliers of the busiest layer; the compiler balances the rest")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--limit", type=int, default=None,
                        help="simulate only the first N test images (the tests use this)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    x_train, x_test, y_train, y_test = load_data()
    if args.limit:
        x_test, y_test = x_test[:args.limit], y_test[:args.limit]
    model = SmallResNet(seed=0).train(x_train, y_train, epochs=args.epochs)
    return compare_two_ways(model, "digits_resnet", "digits ResNet conv3x3(16)-relu-maxpool-"
                            "[conv3x3(16)-relu-conv3x3(16)]+skip-relu-gap-dense(10)", args, out,
                            (x_train, x_test, y_test))


if __name__ == "__main__":
    sys.exit(main())
