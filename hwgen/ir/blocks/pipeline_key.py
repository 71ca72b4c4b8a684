"""The ``pipeline`` key (CONFIG.toml) shared by the blocks that take it.

``"auto"`` builds the default registers; ``"deep"`` adds registers for a faster clock with
the same outputs and II: the integer MVAU's (``IntMvauParams``), an input register slice in
front of a pool's window reduction (``WindowReduceParams``), and a sliding window's line
buffer kept out of block RAM (``SlidingWindowParams``).
"""

from __future__ import annotations

from ...errors import IRError

__all__ = ["PIPELINE_CHOICES", "INPUT_SLICE_DEPTH", "check_pipeline"]

#: Values of the ``pipeline`` key.
PIPELINE_CHOICES = ("auto", "deep")

#: Beats of a ``pipeline = "deep"`` block's input register slice.
INPUT_SLICE_DEPTH = 2


def check_pipeline(where: str, value) -> None:
    """Raise :class:`IRError` unless ``value`` is one of :data:`PIPELINE_CHOICES`."""
    if value not in PIPELINE_CHOICES:
        raise IRError(f"{where}: pipeline = {value!r} is not valid; valid: "
                      f"{', '.join(PIPELINE_CHOICES)}")
