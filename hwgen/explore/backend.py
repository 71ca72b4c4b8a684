"""Where candidates are evaluated: in process (serial) or fanned out over Ray.

Both return the rows of each candidate in the order the candidates were given, so a search
takes the same steps, and gives the same result for a seed, whichever backend runs it. Ray is
the optional extra ``hwgen[ray]``.
"""

from __future__ import annotations

import os

from ..errors import HwgenError
from .evaluate import Context, evaluate

__all__ = ["SerialBackend", "RayBackend", "make_backend"]


class SerialBackend:
    """Evaluate candidates one after the other in this process."""

    name = "serial"

    def __init__(self, context: Context):
        self.context = context

    def map(self, candidates: list, function=evaluate) -> list:
        """``function(context, candidate)`` of each candidate (:func:`evaluate` by default,
        or :func:`~hwgen.explore.evaluate.price`), in order."""
        return [function(self.context, c) for c in candidates]

    def close(self) -> None:
        pass


def _ray():
    try:
        import ray
    except ImportError:
        raise HwgenError("--workers / --ray-address need Ray: pip install 'hwgen[ray]' (or run "
                         "without them: the search then runs serially, same results)") from None
    return ray


class RayBackend:
    """Evaluate candidates as Ray tasks: a local instance of ``workers`` CPUs, or the
    cluster at ``address``. The context goes to the object store once."""

    name = "ray"

    def __init__(self, context: Context, *, workers: int | None = None,
                 address: str | None = None):
        ray = _ray()
        self._ray = ray
        self._started = not ray.is_initialized()
        if self._started:
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                # workers import hwgen from the same interpreter; keep their logs quiet
                ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
                         runtime_env={"env_vars": {k: v for k, v in os.environ.items()
                                                   if k.startswith("HWGEN_")}})
        self._context = ray.put(context)
        self._tasks = {}

    def map(self, candidates: list, function=evaluate) -> list:
        if function not in self._tasks:
            self._tasks[function] = self._ray.remote(function)
        task = self._tasks[function]
        return self._ray.get([task.remote(self._context, c) for c in candidates])

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()


def make_backend(context: Context, *, workers: int | None = None, address: str | None = None):
    """Serial without ``workers`` and ``address``, Ray otherwise."""
    if workers is None and address is None:
        return SerialBackend(context)
    return RayBackend(context, workers=workers, address=address)
