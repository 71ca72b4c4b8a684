"""The one padding rule of every reader: strides, ``auto_pad`` / ``pads`` and ``ceil_mode`` of a
square 2-D window (Conv, MaxPool, AveragePool), as the sliding window computes them.

ONNX gives the padding either explicitly (``pads``: begins then ends, ``(top, left, bottom,
right)`` in 2-D) or by ``auto_pad``: ``VALID`` is none, ``SAME_UPPER`` / ``SAME_LOWER`` pad the
total ``max((ceil(size / stride) - 1) * stride + kernel - size, 0)`` of each axis evenly, the odd
position at the end (UPPER) or at the beginning (LOWER). The hardware pads at most
``kernel - 1`` positions per side and computes only full windows (``ceil_mode = 0``; 1 is
accepted where it gives the same size).
"""

from __future__ import annotations

import math

from ...ir.blocks.sliding_window import conv_output_size

__all__ = ["AUTO_PADS", "same_pads", "window_of"]

#: Values of ONNX's ``auto_pad`` attribute.
AUTO_PADS = ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER")


def same_pads(auto_pad: str, hw, kernel: int, stride: int) -> tuple:
    """``(top, left, bottom, right)`` of ``auto_pad`` ``SAME_UPPER`` / ``SAME_LOWER`` over an
    image of ``hw = (height, width)``: the output is ``ceil(size / stride)`` per axis."""
    begin, end = [], []
    for size in hw:
        total = max((math.ceil(size / stride) - 1) * stride + kernel - size, 0)
        small, large = total // 2, total - total // 2
        begin.append(small if auto_pad == "SAME_UPPER" else large)
        end.append(large if auto_pad == "SAME_UPPER" else small)
    return (begin[0], begin[1], end[0], end[1])


def window_of(g, node, attrs: dict, hw, kernel: int):
    """``(stride, pads)`` of a square ``kernel`` over ``hw = (height, width)``, or None.

    Parameters
    ----------
    g : OnnxGraph
        Records the problems found (every one, naming ``node``).
    node : onnx.NodeProto
    attrs : dict
        The node's attributes (:func:`hwgen.frontend.onnx.graph.node_attrs`): ``strides``,
        ``dilations``, ``auto_pad``, ``pads``, ``ceil_mode``.
    hw : tuple
        Height and width of the input.
    kernel : int
        Side of the square window.
    """
    ok = True
    strides = list(attrs.get("strides", [1, 1]))
    if len(strides) != 2 or strides[0] != strides[1] or strides[0] < 1:
        g.problem(f"strides={strides}: only equal strides along height and width are "
                  "supported", node)
        ok = False
    dilations = list(attrs.get("dilations", [1, 1]))
    if any(d != 1 for d in dilations):
        g.problem(f"dilations={dilations} are not supported; use dilations 1", node)
        ok = False
    if not ok:
        return None
    stride = int(strides[0])
    auto_pad = attrs.get("auto_pad", "NOTSET")
    if isinstance(auto_pad, bytes):
        auto_pad = auto_pad.decode()
    if auto_pad not in AUTO_PADS:
        g.problem(f"auto_pad={auto_pad!r} is not valid; use one of {', '.join(AUTO_PADS)}", node)
        return None
    if auto_pad == "NOTSET":
        pads = list(attrs.get("pads", [0, 0, 0, 0]))
        if len(pads) != 4:
            g.problem(f"pads={pads}: a 2-D window needs 4 pads (top, left, bottom, right)", node)
            return None
        pads = tuple(int(p) for p in pads)
    elif auto_pad == "VALID":
        pads = (0, 0, 0, 0)
    else:
        pads = same_pads(auto_pad, hw, kernel, stride)
    if any(p < 0 or p >= kernel for p in pads):
        g.problem(f"pads {list(pads)} (top, left, bottom, right): each pad must lie in "
                  f"[0, {kernel - 1}] for a {kernel}x{kernel} window; the sliding window pads "
                  "at most kernel - 1 positions", node)
        return None
    for size, before, after in ((hw[0], pads[0], pads[2]), (hw[1], pads[1], pads[3])):
        out = conv_output_size(size, kernel, stride, before, after)
        if out < 1:
            g.problem(f"a {kernel}x{kernel} window does not fit the padded {hw[0]}x{hw[1]} "
                      "input", node)
            return None
        if attrs.get("ceil_mode", 0) and \
                math.ceil((size + before + after - kernel) / stride) + 1 != out:
            g.problem("ceil_mode=1 adds a partial window at the border that the hardware does "
                      "not compute; export with ceil_mode=0 (or pad the input so both modes "
                      "agree)", node)
            return None
    return stride, pads
