"""Transfer times on streams as a timed event graph (max-plus algebra).

Every beat that crosses a stream is an event. Its cycle is ``max(valid, ready)``: the first
cycle in which the producer offers it and the consumer takes it. Each block's rules give its
producer-side ``valid`` times and consumer-side ``ready`` times as maxima of earlier transfer
times plus constant delays. Those rules are closed-form per beat, and together they fix every
transfer time exactly.

Blocks are written as generator "processes" that state their rules in program order: they
``yield`` a request for a transfer time they depend on and receive it once it is known. The
:class:`Schedule` runs them cooperatively; every event is computed once, so the cost is linear
in the number of beats.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

__all__ = ["Stream", "Schedule", "NEVER_BLOCKS"]

#: A time that never delays a transfer (``max(x, NEVER_BLOCKS) == x`` for cycles >= 0).
NEVER_BLOCKS = -1


@dataclass(frozen=True)
class _Xfer:
    stream: "Stream"
    index: int

    def known(self):
        return self.stream.xfer[self.index]

    def wait(self, process):
        self.stream._waiters.setdefault(self.index, []).append(process)


@dataclass(frozen=True)
class _Offer:
    """The cycle from which the producer offers a beat (before any consumer takes it)."""

    stream: "Stream"
    index: int

    def known(self):
        return self.stream._valid[self.index]

    def wait(self, process):
        self.stream._offer_waiters.setdefault(self.index, []).append(process)


class Stream:
    """Transfer times of the beats that cross one stream."""

    def __init__(self, name: str, beats: int):
        self.name = name
        self.beats = beats
        self._valid = [None] * beats
        self._ready = [None] * beats
        self.xfer = [None] * beats
        self._waiters: dict[int, list] = {}
        self._offer_waiters: dict[int, list] = {}
        self._schedule: "Schedule | None" = None

    def offer(self, index: int, cycle: int) -> None:
        """Producer rule: beat ``index`` is valid from ``cycle`` on."""
        self._valid[index] = cycle
        for process in self._offer_waiters.pop(index, ()):
            self._schedule._wake(process, cycle)
        self._settle(index)

    def accept(self, index: int, cycle: int) -> None:
        """Consumer rule: beat ``index`` is taken from ``cycle`` on."""
        self._ready[index] = cycle
        self._settle(index)

    def after(self, index: int):
        """Request for the transfer time of beat ``index`` (to ``yield`` from a process)."""
        return _Xfer(self, index)

    def offered(self, index: int):
        """Request for the cycle from which beat ``index`` is valid (a join waits on both
        of its inputs' offers before it takes them together)."""
        return _Offer(self, index)

    def _settle(self, index: int) -> None:
        valid, ready = self._valid[index], self._ready[index]
        if valid is None or ready is None:
            return
        self.xfer[index] = max(valid, ready)
        for process in self._waiters.pop(index, ()):
            self._schedule._wake(process, self.xfer[index])


class Schedule:
    """Runs block processes until every stream event is known."""

    def __init__(self):
        self._runnable = deque()
        self._blocked = 0
        self._streams = []

    @property
    def streams(self) -> tuple:
        """Every stream of the schedule, internal ones included."""
        return tuple(self._streams)

    def stream(self, name: str, beats: int) -> Stream:
        s = Stream(name, beats)
        s._schedule = self
        self._streams.append(s)
        return s

    def process(self, generator) -> None:
        self._runnable.append((generator, None))

    def _wake(self, process, value) -> None:
        self._blocked -= 1
        self._runnable.append((process, value))

    def run(self) -> None:
        while self._runnable:
            process, value = self._runnable.popleft()
            while True:
                try:
                    request = process.send(value)
                except StopIteration:
                    break
                known = request.known()
                if known is not None:
                    value = known
                    continue
                request.wait(process)
                self._blocked += 1
                break
        if self._blocked:
            pending = [f"{s.name}[{i}]" for s in self._streams
                       for i in list(s._waiters) + list(s._offer_waiters)]
            raise RuntimeError(f"cycle model deadlock; waiting for {', '.join(pending[:8])}")
