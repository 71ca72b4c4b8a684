"""The compile configuration (CONFIG.toml): per-layer quantization and folding choices.

A ``[default]`` table and ``[layer.NAME]`` tables, NAME being the ONNX node that carries the
layer's weights. Every key is documented in docs/config.md. :func:`load_config` reads a TOML
file, a dict of the same structure or ``None`` (all defaults) into a frozen
:class:`CompileConfig`; every unknown table, key or value is reported in one
:class:`~hwgen.errors.ConfigError` that lists the valid choices.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Mapping

from ..errors import ConfigError
from ..ir import REQUANT_ROUNDINGS, IntType
from ..ir.blocks.int_mvau import DSP_PACKING_CHOICES, PIPELINE_CHOICES
from ..ir.layers.dense import INT_MVAU_BITS
from ..quant import CALIBRATION_METHODS, ROUNDING_RULES
from ..quant.mx import MX_FORMAT_NAMES

__all__ = ["LayerOptions", "CompileConfig", "load_config", "FORMATS", "WEIGHT_FORMATS"]

_BITS = range(INT_MVAU_BITS[0], INT_MVAU_BITS[1] + 1)
#: Weight formats of the INT datapath (signed: weights have zero point 0).
WEIGHT_FORMATS = tuple(f"int{b}" for b in _BITS)
#: Activation formats of the INT datapath.
FORMATS = WEIGHT_FORMATS + tuple(f"uint{b}" for b in _BITS)
#: Granularity names: "group:N" parses, but only the MX / VS-Quant path will accept it.
GRANULARITY_NAMES = ("tensor", "channel", "group:N")
#: Rounding rules of weights (the quantizer's tie rules).
WEIGHT_ROUNDINGS = tuple(ROUNDING_RULES)
#: Binary and ternary weight formats (the XNOR, binary-weight and ternary MVAUs).
BINARY_WEIGHT_FORMATS = ("binary", "ternary")
#: How float weights become binary: BWN (alpha = mean |W|) or sign alone.
BINARIZE_CHOICES = ("bwn", "sign")
#: How float weights become ternary: TWN (one scale) or TTQ (positive and negative scales).
TERNARIZE_CHOICES = ("twn", "ttq")

_FORMAT_RE = re.compile(r"^(u?)int(\d+)$")
_GROUP_RE = re.compile(r"^group:([1-9]\d*)$")
_TABLES = ("default", "layer")


@dataclass(frozen=True)
class LayerOptions:
    """Every choice for one layer, resolved (defaults filled in).

    Attributes
    ----------
    weights : str
        Weight format, e.g. ``"int8"`` (signed; codes are narrow-range, ``[-127, 127]`` for int8).
    activations : str
        Format of the layer's INPUT activations, e.g. ``"int8"`` or ``"uint4"``.
    granularity : str
        Weight scale granularity: ``"tensor"``, ``"channel"`` or ``"group:N"``.
    calibration : str
        Range calibration method of the layer's input activations.
    rounding : str
        Tie rule of weight rounding.
    requant : str
        Requantization rule (:data:`hwgen.ir.REQUANT_ROUNDINGS`).
    pe, simd : int or None
        Folding; None lets the compiler choose.
    block_size : int or None
        MX layers: elements per shared exponent of the weights and input activations; None
        for the default (32, or 16 with MX4 / MX6 / MX9).
    binarize : str
        Binary weights: ``"bwn"`` (alpha = mean |W| per ``granularity``) or ``"sign"``.
    ternarize : str
        Ternary weights: ``"twn"`` or ``"ttq"`` (separate positive and negative scales).
    dsp_packing : str
        Integer MVAUs: ``"auto"`` packs two PEs' products into one multiplier where that
        saves a DSP, ``"off"`` keeps one multiplier per product.
    pipeline : str
        Integer MVAUs (dense layers and the matrix part of convolutions): ``"auto"`` (the
        default pipeline) or ``"deep"`` (more registers around the multiplies and in the
        requantizer, for a faster clock on ECP5; a few cycles more latency, the same II);
        pools (a register slice at the input) and sliding windows (line buffer in LUT RAM)
        take it too. Other layers have no such choice: ``"deep"`` there is refused at
        compile time.
    """

    weights: str = "int8"
    activations: str = "int8"
    granularity: str = "channel"
    calibration: str = "minmax"
    rounding: str = "half_even"
    requant: str = "gemmlowp"
    pe: int | None = None
    simd: int | None = None
    block_size: int | None = None
    binarize: str = "bwn"
    ternarize: str = "twn"
    dsp_packing: str = "auto"
    pipeline: str = "auto"

    @property
    def weight_type(self) -> IntType:
        return IntType.parse(self.weights)

    @property
    def activation_type(self) -> IntType:
        return IntType.parse(self.activations)

    @property
    def group_size(self) -> int | None:
        """N of ``"group:N"``, None for tensor or channel granularity."""
        match = _GROUP_RE.match(self.granularity)
        return int(match.group(1)) if match else None


_LAYER_KEYS = tuple(f.name for f in fields(LayerOptions))
_DEFAULT_KEYS = tuple(sorted(_LAYER_KEYS + ("output",)))


@dataclass(frozen=True, eq=False)
class CompileConfig:
    """A parsed, validated compile configuration.

    Attributes
    ----------
    default : LayerOptions
        The ``[default]`` table with unset keys at their defaults.
    output : str
        Format of the model's final output (``[default] output``).
    overrides : Mapping[str, LayerOptions]
        Resolved options of every layer named by a ``[layer.NAME]`` table.
    source : str
        Where the configuration came from (for messages).
    explicit : Mapping[str or None, frozenset]
        The keys written in each table: ``None`` for ``[default]``, NAME for
        ``[layer.NAME]``. Lets a reader tell a chosen value from a built-in default (QDQ
        models and pools have their own default requantization rule).
    """

    default: LayerOptions = field(default_factory=LayerOptions)
    output: str = "int8"
    overrides: Mapping = field(default_factory=dict)
    source: str = "config"
    explicit: Mapping = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))
        object.__setattr__(self, "explicit", MappingProxyType(
            {k: frozenset(v) for k, v in dict(self.explicit).items()}))

    def is_set(self, name: str, key: str) -> bool:
        """Whether ``key`` of layer ``name`` is written in ``[layer.NAME]`` or ``[default]``."""
        return key in self.explicit.get(name, ()) or key in self.explicit.get(None, ())

    def layer(self, name: str) -> LayerOptions:
        """Options of layer ``name``: its ``[layer.NAME]`` table over ``[default]``."""
        return self.overrides.get(name, self.default)

    @property
    def output_type(self) -> IntType:
        return IntType.parse(self.output)

    def check_layer_names(self, names) -> None:
        """Raise :class:`ConfigError` if a ``[layer.NAME]`` table names no layer of the model."""
        names = list(names)
        unknown = [n for n in self.overrides if n not in names]
        if unknown:
            tables = ", ".join(f"[layer.{_toml_key(n)}]" for n in unknown)
            raise ConfigError(
                f"{self.source}: {tables}: the model has no such layer; its layers are: "
                f"{', '.join(names)}")


def _toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else f'"{name}"'


# -- value checks: each returns (value, None) or (None, message) ------------------------------

def _format(value, key: str, *, weights: bool, mx: bool = False, binary: bool = False):
    valid = (WEIGHT_FORMATS if weights else FORMATS) + (MX_FORMAT_NAMES if mx else ()) + \
        (BINARY_WEIGHT_FORMATS if binary else ())
    listed = ", ".join(valid)
    if not isinstance(value, str):
        return None, f"{key} must be a format name such as 'int8', not {value!r}; valid: {listed}"
    if mx and value in MX_FORMAT_NAMES:
        return value, None
    if binary and value in BINARY_WEIGHT_FORMATS:
        return value, None
    match = _FORMAT_RE.match(value)
    if match is None:
        return None, f"{key} = {value!r} is not a known format; valid: {listed}"
    bits = int(match.group(2))
    if bits not in _BITS:
        return None, (f"{key} = {value!r}: {bits}-bit codes are out of range for the INT datapath "
                      f"({_BITS.start} to {_BITS.stop - 1} bits); valid: {listed}")
    if weights and match.group(1):
        return None, (f"{key} = {value!r}: weights must be signed (their zero point is 0); "
                      f"valid: {listed}")
    return value, None


def _choice(value, key: str, choices):
    if not isinstance(value, str) or value not in choices:
        return None, f"{key} = {value!r} is not valid; valid: {', '.join(choices)}"
    return value, None


def _granularity(value, key: str):
    if isinstance(value, str) and (value in ("tensor", "channel") or _GROUP_RE.match(value)):
        return value, None
    return None, (f"{key} = {value!r} is not valid; valid: tensor, channel, group:N "
                  "(N a positive integer)")


def _folding(value, key: str):
    if value == "auto":
        return None, None
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value, None
    return None, f"{key} = {value!r} is not valid; valid: a positive integer or 'auto'"


_CHECKS = {
    "weights": lambda v, k: _format(v, k, weights=True, mx=True, binary=True),
    "activations": lambda v, k: _format(v, k, weights=False, mx=True),
    "output": lambda v, k: _format(v, k, weights=False),
    "granularity": _granularity,
    "calibration": lambda v, k: _choice(v, k, CALIBRATION_METHODS),
    "rounding": lambda v, k: _choice(v, k, WEIGHT_ROUNDINGS),
    "requant": lambda v, k: _choice(v, k, REQUANT_ROUNDINGS),
    "pe": _folding,
    "simd": _folding,
    "block_size": _folding,
    "binarize": lambda v, k: _choice(v, k, BINARIZE_CHOICES),
    "ternarize": lambda v, k: _choice(v, k, TERNARIZE_CHOICES),
    "dsp_packing": lambda v, k: _choice(v, k, DSP_PACKING_CHOICES),
    "pipeline": lambda v, k: _choice(v, k, PIPELINE_CHOICES),
}


def _parse_table(table, where: str, allowed, errors: list) -> dict:
    """Checked values of one table; problems are appended to ``errors``."""
    if not isinstance(table, Mapping):
        errors.append(f"{where} must be a table of keys, not {table!r}")
        return {}
    values = {}
    for key, value in table.items():
        if key not in allowed:
            hint = (" ('output' is the format of the model's final output and belongs in "
                    "[default])" if key == "output" else "")
            errors.append(f"{where}: unknown key {key!r}{hint}; valid keys: {', '.join(allowed)}")
            continue
        checked, message = _CHECKS[key](value, key)
        if message is not None:
            errors.append(f"{where}: {message}")
        else:
            values[key] = checked
    return values


def _read_toml(path) -> tuple[dict, str]:
    source = os.fspath(path)
    try:
        with open(source, "rb") as handle:
            return tomllib.load(handle), source
    except FileNotFoundError:
        raise ConfigError(f"config file {source!r} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source} is not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {source!r} is not UTF-8 text (byte {exc.start}: "
                          f"{exc.reason}); CONFIG.toml is a TOML text file") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {source!r}: {exc.strerror}") from None


def load_config(source=None) -> CompileConfig:
    """Parse a compile configuration.

    Parameters
    ----------
    source : None, CompileConfig, dict, str or os.PathLike
        ``None`` for all defaults; a dict ``{"default": {...}, "layer": {NAME: {...}}}``; or the
        path of a TOML file with the same tables.

    Returns
    -------
    CompileConfig

    Raises
    ------
    ConfigError
        Listing every unknown table, key and invalid value at once.
    """
    if source is None:
        return CompileConfig()
    if isinstance(source, CompileConfig):
        return source
    if isinstance(source, Mapping):
        data, name = source, "config"
    elif isinstance(source, (str, os.PathLike)):
        data, name = _read_toml(source)
    else:
        raise ConfigError(
            f"config must be None, a dict or the path of a TOML file, not {type(source).__name__}")

    errors: list[str] = []
    for table in data:
        if table not in _TABLES:
            errors.append(f"unknown table [{table}]; valid tables: [default], [layer.NAME]")
    defaults = _parse_table(data.get("default", {}), "[default]", _DEFAULT_KEYS, errors)
    explicit = {None: frozenset(defaults)}          # "output" included: it was set
    output = defaults.pop("output", "int8")
    default = replace(LayerOptions(), **defaults)

    layer_tables = data.get("layer", {})
    overrides = {}
    if not isinstance(layer_tables, Mapping):
        errors.append("[layer] must hold one [layer.NAME] table per layer, "
                      f"not {layer_tables!r}")
        layer_tables = {}
    for layer_name, table in layer_tables.items():
        where = f"[layer.{_toml_key(str(layer_name))}]"
        values = _parse_table(table, where, _LAYER_KEYS, errors)
        overrides[str(layer_name)] = replace(default, **values)
        explicit[str(layer_name)] = frozenset(values)

    if errors:
        if len(errors) == 1:
            raise ConfigError(f"{name}: {errors[0]}")
        raise ConfigError(f"{name} has {len(errors)} problems:\n  - " + "\n  - ".join(errors))
    return CompileConfig(default=default, output=output, overrides=overrides, source=name,
                         explicit=explicit)
