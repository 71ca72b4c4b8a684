"""Transfer times on streams as a timed event graph (max-plus algebra).

Every beat that crosses a stream is an event. Its cycle is ``max(valid, ready)``: the first
cycle in which the producer offers it and the consumer takes it. Each block's rules give its
producer-side ``valid`` times and consumer-side ``ready`` times as maxima of earlier transfer
times plus constant delays. Those rules are closed-form per beat, and together they fix every
transfer time exactly.

Blocks are written as generator "processes" that state their rules in program order: they
``yield`` a request for a transfer time they depend on (``stream.after(i)``, or
``stream.offered(i)`` for the cycle a beat is first valid) and receive it once it is known.
The :class:`Schedule` runs them cooperatively; every event is computed once, so the cost is
linear in the number of beats. A process may read a time that is already known without
yielding (:meth:`Stream.known`, or the inline form ``xfer[i - base]`` the hot loops use).

A stream has a finite number of ``beats`` (a run of a fixed length) or none (``beats=None``):
then its processes run for ever and :mod:`hwgen.perf.pipeline` feeds the run one inference
at a time, checks each inference, and drops old beats (:meth:`Schedule.forget`) so that the
memory stays bounded. Every stream settles its beats in order: a producer offers beat ``i``
only after beat ``i - 1`` has crossed, and a consumer takes them in order.

A process carries nothing from one beat to the next but transfer times it has read or
published on a stream (its ``previous`` variables are such times): so the events of a run
are fixed by the streams alone, which the periodicity argument of
:mod:`hwgen.perf.pipeline` relies on.
"""

from __future__ import annotations

from collections import deque

__all__ = ["Stream", "Schedule", "NEVER_BLOCKS", "CycleModelDeadlock"]

#: A time that never delays a transfer (``max(x, NEVER_BLOCKS) == x`` for cycles >= 0).
NEVER_BLOCKS = -1

_UNBOUNDED = 1 << 62


class CycleModelDeadlock(RuntimeError):
    """The rules wait on each other: the hardware would stop (e.g. a FIFO too shallow for
    a branch of the graph)."""


class Stream:
    """Transfer times of the beats that cross one stream.

    ``xfer[i - base]`` is the transfer cycle of beat ``i`` for the beats settled so far and
    not yet forgotten (``base`` is 0 unless :meth:`Schedule.forget` dropped old beats).
    ``per`` is the number of beats per inference, where the stream has one (0 if unknown).
    """

    __slots__ = ("name", "beats", "per", "xfer", "base", "always_ready", "arrivals", "_next",
                 "_last", "_nv", "_nr", "_queue", "_valid", "_ready", "_waiters",
                 "_offer_waiters", "_schedule", "_limit")

    def __init__(self, schedule: "Schedule", name: str, beats: int | None, per: int,
                 always_ready: bool):
        self.name = name
        self.beats = beats
        self.per = per
        self.xfer: list = []
        self.base = 0
        self.always_ready = always_ready
        self.arrivals: "Stream | None" = None
        self._next = 0              # the beat to settle next
        self._last = -1             # transfer cycle of the beat before it
        self._nv = None             # its valid time, once offered
        self._nr = None             # its ready time, once accepted
        self._queue = deque()       # FIFO arrival cycles of the beats after it, in order
        self._valid: dict = {}      # offers and accepts of later beats (rare)
        self._ready: dict = {}
        self._waiters: dict = {}
        self._offer_waiters: dict = {}
        self._schedule = schedule
        self._limit = _UNBOUNDED if beats is None else beats

    @property
    def settled(self) -> int:
        """Beats whose transfer cycle is known (forgotten ones included)."""
        return self._next

    def known(self, index: int):
        """Transfer cycle of beat ``index`` if known, else None."""
        j = index - self.base
        if j < 0:
            raise RuntimeError(f"{self.name}[{index}] was forgotten: a rule reaches further "
                               "back than its cycle model's reach says")
        return self.xfer[j] if j < len(self.xfer) else None

    def offer(self, index: int, cycle: int) -> None:
        """Producer rule: beat ``index`` is valid from ``cycle`` on."""
        if index >= self._limit:
            return
        if self._offer_waiters:
            self._wake_offer(index, cycle)
        if index != self._next:
            self._valid[index] = cycle
        elif self.always_ready:
            self._settle(cycle)
        elif self._nr is None:
            self._nv = cycle
        else:
            self._settle(cycle if cycle >= self._nr else self._nr)

    def arrive(self, index: int, cycle: int) -> None:
        """FIFO read-side rule: beat ``index`` is in the FIFO from ``cycle`` on, and is
        offered from ``max(cycle, xfer[index - 1] + 1)`` (one beat leaves per cycle).
        Beats arrive in order."""
        if index >= self._limit:
            return
        if self.arrivals is not None:
            self.arrivals.offer(index, cycle)
        if index != self._next:
            self._queue.append(cycle)
            return
        if cycle <= self._last:
            cycle = self._last + 1
        if self._offer_waiters:
            self._wake_offer(index, cycle)
        if self.always_ready:
            self._settle(cycle)
        elif self._nr is None:
            self._nv = cycle
        else:
            self._settle(cycle if cycle >= self._nr else self._nr)

    def accept(self, index: int, cycle: int) -> None:
        """Consumer rule: beat ``index`` is taken from ``cycle`` on."""
        if index >= self._limit:
            return
        if index != self._next:
            self._ready[index] = cycle
        elif self._nv is None:
            self._nr = cycle
        else:
            self._settle(self._nv if self._nv >= cycle else cycle)

    def after(self, index: int):
        """Request for the transfer time of beat ``index`` (to ``yield`` from a process)."""
        return (self, index)

    def offered(self, index: int):
        """Request for the cycle from which beat ``index`` is valid (a join waits on both
        of its inputs' offers before it takes them together)."""
        return (self, -1 - index)

    def _wake_offer(self, index: int, cycle: int) -> None:
        waiters = self._offer_waiters.pop(index, None)
        if waiters:
            wake = self._schedule._runnable.append
            for process in waiters:
                wake((process, cycle))

    def _settle(self, cycle: int) -> None:
        """The next beat crosses at ``cycle``; so may the ones after it."""
        while True:
            index = self._next
            self.xfer.append(cycle)
            self._next = index + 1
            self._last = cycle
            self._nv = self._nr = None
            if self._waiters:
                waiters = self._waiters.pop(index, None)
                if waiters:
                    wake = self._schedule._runnable.append
                    for process in waiters:
                        wake((process, cycle))
            if not (self._queue or self._valid or self._ready):
                return
            index += 1
            if self._queue:
                valid = self._queue.popleft()
                if valid <= cycle:
                    valid = cycle + 1
                if self._offer_waiters:
                    self._wake_offer(index, valid)
            elif self._valid:
                valid = self._valid.pop(index, None)
            else:
                valid = None
            ready = self._ready.pop(index, None) if self._ready else None
            if valid is None:
                self._nr = ready
                return
            if self.always_ready:
                cycle = valid
            elif ready is None:
                self._nv = valid
                return
            else:
                cycle = valid if valid >= ready else ready

    def valid_of(self, index: int):
        """The cycle from which beat ``index`` (not settled yet) is valid, if known."""
        return self._nv if index == self._next else self._valid.get(index)


class Schedule:
    """Runs block processes until no rule can be evaluated any more."""

    def __init__(self):
        self._runnable = deque()
        self._streams = []
        self._processes = 0
        self._logged: dict = {}

    def log_fifo(self, block, field: str, per: int, *, unbounded: bool) -> Stream:
        """Log the slot times of ``block``'s FIFO ``field`` (e.g. ``"out_fifo_depth"``; see
        :meth:`fifo_depth`) on the stream returned (``per`` beats per inference, one per
        beat of the FIFO); ``unbounded`` also lifts the FIFO's depth limit."""
        log = self.stream(f"{block.name}.{field}.slots", None, per=per, always_ready=True)
        self._logged[(id(block), field)] = (None if unbounded else getattr(block, field), log)
        return log

    def fifo_depth(self, block, field: str):
        """``(depth, log)`` of ``block``'s FIFO ``field``: its depth (None: unbounded) and
        the stream to offer its slot times on, or None (:meth:`log_fifo`).

        With a depth, beat ``b`` enters the FIFO only when beat ``b - depth`` has left it:
        the rule adds ``out[b - depth] + 1`` to the maximum that fixes the time of some
        event ``E(b)`` (a write, a fold's start). A process with a log offers the time of
        ``E(b)`` (that term included) as beat ``b`` of the log: the depth that never delays
        anything is then :func:`hwgen.perf.fifo_depth.needed_depth`.
        """
        return self._logged.get((id(block), field)) or (getattr(block, field), None)

    @property
    def streams(self) -> tuple:
        """Every stream of the schedule, internal ones included."""
        return tuple(self._streams)

    def stream(self, name: str, beats: int | None = None, *, per: int = 0,
               always_ready: bool = False) -> Stream:
        """A new stream of ``beats`` beats (``None``: unbounded, fed inference by inference).

        ``always_ready`` streams have no consumer rule: every beat crosses when offered (an
        internal event such as a FIFO write, or an always-ready sink).
        """
        s = Stream(self, name, beats, per, always_ready)
        self._streams.append(s)
        return s

    def process(self, generator) -> None:
        self._runnable.append((generator, None))
        self._processes += 1

    def run(self) -> None:
        """Evaluate every rule that can be evaluated; check finite streams completed.

        Raises :class:`CycleModelDeadlock` if a finite stream still misses beats when no
        process can go on.
        """
        self.advance()
        unfinished = [s for s in self._streams if s.beats is not None and s.settled < s.beats]
        if unfinished:
            raise self.deadlock(unfinished)

    def advance(self) -> None:
        """Evaluate every rule that can be evaluated now (processes that wait stay parked)."""
        runnable = self._runnable
        pop = runnable.popleft
        while runnable:
            process, value = pop()
            send = process.send
            while True:
                try:
                    stream, index = send(value)
                except StopIteration:
                    break
                if index >= 0:
                    j = index - stream.base
                    xfer = stream.xfer
                    if j < len(xfer):
                        if j < 0:
                            raise RuntimeError(
                                f"{stream.name}[{index}] was forgotten: a rule reaches "
                                "further back than its cycle model's reach says")
                        value = xfer[j]
                        continue
                    waiters = stream._waiters.get(index)
                    if waiters is None:
                        stream._waiters[index] = [process]
                    else:
                        waiters.append(process)
                    break
                index = -1 - index
                value = stream.valid_of(index)
                if value is not None:
                    continue
                if index < stream._next:
                    raise RuntimeError(f"{stream.name}[{index}]: its offer was asked for "
                                       "after it crossed")
                stream._offer_waiters.setdefault(index, []).append(process)
                break

    def deadlock(self, streams) -> CycleModelDeadlock:
        """The error for ``streams`` that cannot complete, naming what is waited for."""
        pending = []
        for s in self._streams:
            pending += [f"{s.name}[{i}]" for i in list(s._waiters) + list(s._offer_waiters)]
        missing = ", ".join(f"{s.name} ({s.settled} beats)" for s in streams[:4])
        return CycleModelDeadlock(f"cycle model deadlock; waiting for "
                                  f"{', '.join(pending[:8]) or 'nothing'}; stuck: {missing}")

    def forget(self, keep_from: dict) -> None:
        """Drop the settled beats of each stream before ``keep_from[stream]`` (a beat index).

        Only between :meth:`advance` calls; processes must never read a dropped beat (the
        reads raise if they do).
        """
        for s, start in keep_from.items():
            cut = min(start, s.settled) - s.base
            if cut > 0:
                del s.xfer[:cut]
                s.base += cut
