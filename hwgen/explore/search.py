"""The searches: per-gene sensitivity, greedy bit allocation, an evolutionary search.

A gene is one layer's weight format or the format of one layer's input activations
(:class:`~hwgen.explore.space.Space`). All searches evaluate through an :class:`Archive`,
which asks the backend only for candidates it has not seen and keeps every row, so the Pareto
front is taken over everything evaluated.

- **Sensitivity** (:func:`sensitivity`): each gene alone in each lower format, the rest
  int8: accuracy, SQNR of the model output against the float model, and the added output
  noise power and cost saving at the reference interval.
- **Greedy** (:func:`greedy`): from uniform int8, repeatedly take the move (one gene to a
  cheaper format) with the largest predicted cost saving per unit of added noise (noise
  taken as additive over genes, from the sensitivity table), evaluate it, and keep it if the
  accuracy stays within the allowed drop and the measured cost does not rise (savings do
  not add: int4 weights save DSPs only once the layer's activations are narrow too, so the
  prediction only orders the moves); stop when no move is left. The folding is the
  reference interval, or the fastest interval of the ladder within the budget.
- **Evolution** (:func:`evolve`): a seeded genetic search over the genes (tournament
  selection, uniform crossover, one mutation per child on average), seeded with the greedy
  result, the uniform formats and random candidates; fitness is the cost at the reference
  interval, with infeasible candidates ranked after every feasible one by their accuracy
  shortfall.
"""

from __future__ import annotations

import math

import numpy as np

from .space import BASELINE

__all__ = ["Archive", "sensitivity", "greedy", "evolve"]


class Archive:
    """Every evaluated candidate's rows, evaluated in batches through ``backend``."""

    def __init__(self, backend, *, ref_ii: int, max_drop: float, budget: dict | None = None):
        self.backend = backend
        self.ref_ii = int(ref_ii)
        self.max_drop = float(max_drop)
        self.budget = dict(budget or {})
        self.rows: dict[tuple, list[dict]] = {}
        self.source: dict[tuple, str] = {}
        self.base_accuracy = None

    def evaluate(self, candidates, source: str) -> list[list[dict]]:
        todo = list(dict.fromkeys(tuple(c) for c in candidates if tuple(c) not in self.rows))
        for c, rows in zip(todo, self.backend.map(todo), strict=True):
            self.rows[c] = rows
            self.source[c] = source
        return [self.rows[tuple(c)] for c in candidates]

    def at(self, candidate, ii: int | None = None) -> dict | None:
        """The row of ``candidate`` at interval ``ii`` (default: the reference)."""
        ii = self.ref_ii if ii is None else ii
        return next((r for r in self.rows[tuple(candidate)] if r["target_ii"] == ii), None)

    def accurate(self, row: dict) -> bool:
        # a drop of exactly max_drop is allowed: compare with a margin below float rounding
        return row["accuracy"] >= self.base_accuracy - self.max_drop - 1e-12

    def within_budget(self, row: dict) -> bool:
        return all(row[key] <= limit for key, limit in self.budget.items())

    def feasible(self, row: dict | None) -> bool:
        return row is not None and self.accurate(row) and self.within_budget(row)

    def all_rows(self) -> list[dict]:
        out = []
        for c, rows in self.rows.items():
            for row in rows:
                out.append({**row, "source": self.source[c],
                            "accuracy_drop": self.base_accuracy - row["accuracy"],
                            "within_budget": self.within_budget(row),
                            "feasible": self.feasible(row)})
        return out


def sensitivity(archive: Archive, space) -> list[dict]:
    """Each gene alone in each other format. Returns one entry per (gene, format)."""
    base = space.uniform(BASELINE)
    archive.evaluate([base], "uniform")
    archive.base_accuracy = archive.at(base)["accuracy"]
    singles = []
    for i in range(space.genes):
        for fmt in space.allowed(i):
            if fmt != BASELINE:
                singles.append((i, fmt, base[:i] + (fmt,) + base[i + 1:]))
    archive.evaluate([c for _, _, c in singles], "sensitivity")
    b = archive.at(base)
    table = []
    for i, fmt, c in singles:
        row = archive.at(c)
        if row is None:
            continue
        layer, kind = space.gene(i)
        table.append({"layer": layer, "kind": kind, "index": i, "format": fmt,
                      "accuracy": row["accuracy"],
                      "accuracy_drop": archive.base_accuracy - row["accuracy"],
                      "sqnr_db": row["sqnr_db"],
                      "added_noise": max(row["noise"] - b["noise"], 0.0),
                      "saving": b["cost"] - row["cost"]})
    return table


def greedy(archive: Archive, space, table: list[dict]) -> tuple:
    """Greedy allocation from uniform int8; returns the formats it ends with."""
    by_move = {(e["index"], e["format"]): e for e in table}
    state = list(space.uniform(BASELINE))
    banned = {m for m, e in by_move.items() if e["accuracy_drop"] > archive.max_drop}

    def gain(i, fmt):
        return by_move[(i, fmt)]["saving"] if fmt != BASELINE else 0.0

    def noise(i, fmt):
        return by_move[(i, fmt)]["added_noise"] if fmt != BASELINE else 0.0

    while True:
        moves = []
        for (i, fmt), entry in by_move.items():
            if (i, fmt) in banned or fmt == state[i]:
                continue
            saving = entry["saving"] - gain(i, state[i])
            if saving <= 0:
                continue
            extra = max(entry["added_noise"] - noise(i, state[i]), 0.0)
            # ties broken by layer and format order, so the walk is deterministic
            moves.append((-saving / (extra + 1e-12), i, space.allowed(i).index(fmt), fmt))
        if not moves:
            return tuple(state)
        _, i, _, fmt = min(moves)
        trial = state.copy()
        trial[i] = fmt
        archive.evaluate([tuple(trial)], "greedy")
        row = archive.at(trial)
        now = archive.at(state)
        if row is not None and archive.accurate(row) and (now is None
                                                          or row["cost"] <= now["cost"]):
            state = trial
        else:
            banned.add((i, fmt))


def _fitness(archive: Archive, candidate) -> tuple:
    row = archive.at(candidate)
    if row is None:
        return (2, math.inf, 0.0)
    if archive.feasible(row):
        return (0, row["cost"], -row["accuracy"])
    return (1, archive.base_accuracy - row["accuracy"], row["cost"])


def evolve(archive: Archive, space, *, seed: int, population: int = 12, generations: int = 6,
           start: tuple = ()) -> tuple:
    """Seeded genetic search; returns the fittest candidate it evaluated."""
    rng = np.random.default_rng(seed)
    choices = [space.allowed(i) for i in range(space.genes)]

    def random_candidate():
        return tuple(str(c[rng.integers(len(c))]) for c in choices)

    pop = list(dict.fromkeys([space.uniform(BASELINE), *map(tuple, start)]))
    while len(pop) < population:
        pop.append(random_candidate())
    archive.evaluate(pop, "evolution")
    seen = set(pop)
    for _ in range(generations):
        ranked = sorted(pop, key=lambda c: (_fitness(archive, c), c))
        children = [ranked[0]]          # elitism: the best survives
        while len(children) < population:
            a, b = (min(rng.choice(len(ranked), size=2, replace=False)) for _ in range(2))
            mask = rng.random(len(choices)) < 0.5
            child = [ranked[a][i] if mask[i] else ranked[b][i] for i in range(len(choices))]
            for i in range(len(choices)):
                if rng.random() < 1.0 / len(choices):
                    child[i] = str(choices[i][rng.integers(len(choices[i]))])
            children.append(tuple(child))
        archive.evaluate(children, "evolution")
        seen.update(children)
        pop = children
    return min(seen, key=lambda c: (_fitness(archive, c), c))
