"""MX block formats (OCP Microscaling v1.0 and the two-level MX4 / MX6 / MX9), numpy, exact.

* formats: :data:`MX_FORMATS`, :func:`mx_format` (``"mxfp4"``, ``"mxfp6_e2m3"``,
  ``"mxfp6_e3m2"``, ``"mxfp8_e4m3"``, ``"mxfp8_e5m2"``, ``"mxint8"``, ``"mx4"``, ``"mx6"``,
  ``"mx9"``), :class:`ElementFormat` (integer decoding constants)
* elements: :func:`element_fields` (sign / integer mantissa / exponent offset, what the
  hardware decoder produces), :func:`decode_elements`, :func:`encode_elements`
* shared exponent: :func:`shared_exponent`, :data:`SCALE_RULES` (``"floor"``, ``"ceil"``,
  ``"rceil"``)
* blocks: :func:`mx_quantize`, :func:`mx_dequantize`, :class:`MxTensor`
* storage: :func:`pack_mx`, :func:`unpack_mx`, :func:`pack_blocks`, :func:`unpack_blocks`,
  :func:`block_bits`

The rules are documented in docs/mx.md.
"""

from .block import MxTensor, check_block_size, mx_dequantize, mx_quantize
from .elements import ElementFields, decode_elements, element_fields, encode_elements, nan_code
from .formats import (
    E8M0_BIAS,
    E8M0_NAN,
    ELEMENT_FORMATS,
    MX_FORMAT_NAMES,
    MX_FORMATS,
    SCALE_BITS,
    ElementFormat,
    MxFormat,
    element_format,
    mx_format,
)
from .packing import block_bits, pack_blocks, pack_mx, unpack_blocks, unpack_mx
from .scale import SCALE_RULES, scale_values, shared_exponent

__all__ = [
    "MxTensor", "check_block_size", "mx_dequantize", "mx_quantize", "ElementFields",
    "decode_elements", "element_fields", "encode_elements", "nan_code", "E8M0_BIAS",
    "E8M0_NAN", "ELEMENT_FORMATS", "MX_FORMAT_NAMES", "MX_FORMATS", "SCALE_BITS",
    "ElementFormat", "MxFormat", "element_format", "mx_format", "block_bits", "pack_blocks",
    "pack_mx", "unpack_blocks", "unpack_mx", "SCALE_RULES", "scale_values", "shared_exponent",
]
