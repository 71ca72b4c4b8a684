"""Random and edge-case MX layers and inputs for tests (seeded)."""

from __future__ import annotations

import numpy as np

from hwgen.ir import Folding, IntType, TensorQuant, WeightQuant
from hwgen.ir.mx_layers import MxDense
from hwgen.ir.mx_params import MxMvauParams, mx_output_window
from hwgen.ir.mx_types import MxElementType, MxQuant, is_mx_format
from hwgen.quant.mx import (E8M0_NAN, MxTensor, decode_elements, mx_format, mx_quantize,
                            scale_values)


def random_codes(rng, fmt, shape, *, specials=False):
    """Random element codes of an MX format (NaN / Inf codes only if ``specials``)."""
    elem = mx_format(fmt).element
    codes = rng.integers(0, 1 << elem.bits, size=shape)
    if not specials:
        values = decode_elements(codes, elem, np.zeros(shape, dtype=np.int64)
                                 if elem.micro else None)
        codes = np.where(np.isfinite(values), codes, 0)
    return codes.astype(np.int64)


def random_mx_tensor(rng, fmt, shape, block, *, e_lo, e_hi, edge_rows=False):
    """Random codes and shared exponents in ``[e_lo, e_hi]``; with ``edge_rows`` the first
    rows hold an all-zero block, the largest codes, subnormal codes and a NaN scale."""
    f = mx_format(fmt)
    codes = random_codes(rng, fmt, shape)
    scales = rng.integers(e_lo, e_hi + 1, size=(shape[0], shape[1] // block))
    micro = None
    if f.micro:
        micro = np.repeat(rng.integers(0, 2, size=(shape[0], shape[1] // 2)), 2, axis=1)
    if edge_rows:
        elem = f.element
        codes[0, :block] = 0                      # an all-zero block ...
        scales[0, 0] = 0                          # ... with the all-zero rule's E = 0
        top = _max_code(elem)
        codes[1, :block] = top                    # saturated block, both signs
        codes[1, 1:block:2] |= 1 << (elem.bits - 1)
        scales[1, 0] = e_hi
        if elem.kind == "float":                  # subnormals: exponent field 0
            codes[2, :block] = rng.integers(0, 1 << elem.mbits, size=block) | \
                (rng.integers(0, 2, size=block) << (elem.bits - 1))
        scales[2, 0] = e_lo
        scales[3, -1] = E8M0_NAN                  # a NaN block
    return MxTensor(fmt=f, block_size=block, codes=codes, scales=scales, micro=micro)


def _max_code(elem) -> int:
    if elem.kind == "float":
        return ((elem.max_exp + 1) << elem.mbits) | (elem.max_mant - (1 << elem.mbits))
    if elem.kind == "int":
        return 127
    return (1 << elem.mbits) - 1


def tensor_values(t: MxTensor) -> np.ndarray:
    return t.dequantize()


def mx_stream_elements(t: MxTensor) -> np.ndarray:
    """Stream elements (code | micro << w | E << (w + micro bits)) of an MxTensor."""
    element = MxElementType(t.fmt.name, t.block_size)
    micro = t.micro if t.micro is not None else np.zeros_like(t.codes)
    return t.codes | (micro << element.code_bits) | \
        (t.element_scales() << (element.code_bits + element.micro_bits))


def random_mx_inputs(rng, p: MxMvauParams, n: int, *, edges=False) -> np.ndarray:
    """Input vectors for ``p``: int codes, or MX stream elements in the input window (with
    ``edges``: zero, NaN, window-edge, below- and above-window and saturated blocks)."""
    if not is_mx_format(p.input_dtype):
        t = p.input_type
        return rng.integers(t.qmin, t.qmax + 1, size=(n, p.mw))
    k, lo, hi = p.input_block, p.input_exp_lo, p.input_exp_hi
    t = random_mx_tensor(rng, p.input_dtype, (n, p.mw), k, e_lo=lo, e_hi=hi)
    if edges:
        scales, codes = t.scales.copy(), t.codes.copy()
        nb = p.mw // k
        cases = [(0, 0), (lo, None), (hi, None), (max(lo - 1, 0), None), (min(hi + 1, 254), None),
                 (E8M0_NAN, None)]
        for row, (e, code) in enumerate(cases[:n]):
            b = row % nb
            scales[row, b] = e
            if e == 0:
                codes[row, b * k:(b + 1) * k] = 0
        t = MxTensor(fmt=t.fmt, block_size=k, codes=codes, scales=scales, micro=t.micro)
    return mx_stream_elements(t)


def make_mx_layer(rng, *, mh, mw, pe, simd, weights="mxfp4", block=None, inputs="uint8",
                  outputs="int8", out_block=None, relu=False, rounding="half_even",
                  w_exp=(118, 124), in_window=(120, 126), edge_rows=False, name="mx",
                  out_fifo_depth=None, return_layer=False):
    """An MxMvauParams with random codes; output scales chosen from a float reference so
    int outputs spread over their range."""
    if is_mx_format(weights):
        k = block or mx_format(weights).default_block
        w = random_mx_tensor(rng, weights, (mh, mw), k, e_lo=w_exp[0], e_hi=w_exp[1],
                             edge_rows=edge_rows)
        wq, w_real = None, np.nan_to_num(w.dequantize())
    else:
        k = block
        dtype = IntType.parse(weights)
        w = rng.integers(dtype.qmin + 1, dtype.qmax + 1, size=(mh, mw))
        scale = rng.uniform(0.5, 2.0, size=mh) / dtype.qmax
        wq = WeightQuant(dtype, scale, "channel")
        w_real = w * scale[:, None]
    if is_mx_format(inputs):
        in_q = MxQuant(inputs, k, *in_window)
        x_real_max = mx_format(inputs).element.max_normal * 2.0 ** (in_window[1] - 127)
    else:
        dtype = IntType.parse(inputs)
        zero = 0 if not dtype.signed else int(rng.integers(-10, 10))
        in_q = TensorQuant(dtype, float(rng.uniform(0.005, 0.02)), zero)
        x_real_max = in_q.scale * (dtype.qmax - dtype.qmin)
    y_scale = np.abs(w_real).sum(axis=1).max() * x_real_max / 3 + 1e-30
    bias = rng.normal(0, y_scale / 20, size=mh)
    if is_mx_format(outputs):
        out_q = MxQuant(outputs, out_block or mx_format(outputs).default_block)
    else:
        dtype = IntType.parse(outputs)
        out_q = TensorQuant(dtype, float(y_scale / dtype.qmax), int(rng.integers(-5, 5)))
    layer = MxDense(name=name, weights=w, weight_quant=wq, bias=bias, input_quant=in_q,
                    output_quant=out_q, relu=relu, rounding=rounding,
                    folding=Folding(pe=pe, simd=simd))
    if isinstance(out_q, MxQuant):
        lo, hi = mx_output_window(layer)
        layer = layer.replace(output_quant=MxQuant(out_q.format, out_q.block_size, lo, hi))
    p = MxMvauParams.from_layer(layer)
    if out_fifo_depth is not None:
        from dataclasses import replace
        p = replace(p, out_fifo_depth=out_fifo_depth)
    return (p, layer) if return_layer else p


def real_inputs(p: MxMvauParams, x) -> np.ndarray:
    """Real values of input vectors (int: raw codes as given; MX: decoded, NaN kept)."""
    if not is_mx_format(p.input_dtype):
        return np.asarray(x, dtype=np.float64)
    from hwgen.ir.mx_types import mx_lane_fields
    element = p.input_type
    codes, micro, scales = mx_lane_fields(x, element)
    values = decode_elements(codes, element.mx.element, micro if element.mx.micro else None)
    return values * scale_values(scales)
