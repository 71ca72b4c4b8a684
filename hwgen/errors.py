"""User-facing errors.

Every error hwgen raises on bad input derives from :class:`HwgenError`. The message names the
layer, node or value at fault and says what to do; the CLI prints it without a traceback.
"""


class HwgenError(ValueError):
    """Base class of every error caused by the user's input."""


class IRError(HwgenError):
    """An IR object (type, layer, graph) is inconsistent."""


class QuantizationError(HwgenError):
    """Quantization cannot be carried out on the given data (NaN, empty, constant, bad bits)."""


class ConfigError(HwgenError):
    """The compile configuration has an unknown key or an invalid value."""


class ModelError(HwgenError):
    """The input model uses unsupported operators, shapes or values."""


class SimulationError(HwgenError):
    """A simulator is missing, a build failed, or a simulation did not finish."""


class SynthesisError(HwgenError):
    """Synthesis or place-and-route cannot run: missing output, tool, or device capacity."""


class HwgenWarning(UserWarning):
    """Something the user should know about a result that is still produced (an ignored
    option, a calibration range set by outliers); ``hwgen`` prints it as one line."""
