"""Print the sha256 of every Verilog file the shipped examples generate.

Runs each example on a couple of test images into a scratch directory and hashes every
``*.v`` it wrote. Run it before and after a change that must not alter the hardware (a
refactoring) and compare the two listings: generated Verilog is deterministic, so equal
hashes mean byte-identical files.

    python benchmarks/verilog_fingerprints.py [--out DIR] [--examples digits_mlp,...]
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: example script -> extra arguments (every RTL variant, as few images as possible)
EXAMPLES = {
    "digits_mlp": ["--limit", "2"],
    "binary_mlp": ["--limit", "2"],
    "digits_mx": ["--limit", "2", "--rtl", "all"],
    "digits_cnn": ["--limit", "2"],
    "digits_mx_cnn": ["--limit", "2", "--rtl", "all"],
    "digits_resnet": ["--limit", "2"],
}


def fingerprints(out: Path, names) -> list:
    lines = []
    for name in names:
        target = out / name
        command = [sys.executable, str(ROOT / "examples" / f"{name}.py"), "--out", str(target),
                   *EXAMPLES[name]]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"{name}: exit {done.returncode}\n{done.stderr[-2000:]}", file=sys.stderr)
        for path in sorted(target.rglob("*.v")):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            lines.append(f"{digest}  {path.relative_to(out)}")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", help="scratch directory (default: a temporary one)")
    parser.add_argument("--examples", default=",".join(EXAMPLES),
                        help="comma-separated example names")
    args = parser.parse_args(argv)
    names = [n for n in args.examples.split(",") if n]
    unknown = sorted(set(names) - set(EXAMPLES))
    if unknown:
        parser.error(f"unknown example(s): {', '.join(unknown)}")
    if args.out:
        lines = fingerprints(Path(args.out), names)
    else:
        with tempfile.TemporaryDirectory() as scratch:
            lines = fingerprints(Path(scratch), names)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
