"""The searches: per-gene sensitivity, greedy bit allocation, an evolutionary search.

A gene is one layer's weight format or the format of one layer's input activations
(:class:`~hwgen.explore.space.Space`). All searches evaluate through an :class:`Archive`,
which asks the backend only for candidates it has not seen and keeps every row, so the Pareto
front is taken over everything evaluated.

- **Sensitivity** (:func:`sensitivity`): each gene alone in each lower format, the rest
  int8: accuracy, SQNR of the model output against the float model, and the added output
  noise power and cost saving at the reference interval.
- **Greedy** (:func:`greedy`): from uniform int8, repeatedly take the move (one layer to a
  new weight and activation format pair) with the largest cost saving (priced exactly by
  the cost model) per unit of added noise (taken as additive over genes, from the
  sensitivity table), evaluate it, and keep it if the accuracy stays within the allowed
  drop; stop when no move is left. Pairs, because savings do not add: int4 weights save
  DSPs only once the layer's activations are narrow too. The folding is the reference
  interval, or the fastest interval of the ladder within the budget.
- **Evolution** (:func:`evolve`): a seeded genetic search over the genes (tournament
  selection, uniform crossover, one mutation per child on average), seeded with the greedy
  result, the uniform formats and random candidates; fitness is the cost at the reference
  interval, with infeasible candidates ranked after every feasible one by their accuracy
  shortfall.
"""

from __future__ import annotations

import math

import numpy as np

from .evaluate import price
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
        self.prices: dict[tuple, float | None] = {}
        self.base_accuracy = None

    def evaluate(self, candidates, source: str) -> list[list[dict]]:
        todo = list(dict.fromkeys(tuple(c) for c in candidates if tuple(c) not in self.rows))
        for c, rows in zip(todo, self.backend.map(todo), strict=True):
            self.rows[c] = rows
            self.source[c] = source
        return [self.rows[tuple(c)] for c in candidates]

    def price(self, candidates) -> list:
        """Cost of each candidate at the reference interval (None: the interval is out of
        reach): from its rows if evaluated, else priced by the backend (cached)."""
        todo = list(dict.fromkeys(tuple(c) for c in candidates
                                  if tuple(c) not in self.rows and tuple(c) not in self.prices))
        for c, value in zip(todo, self.backend.map(todo, price), strict=True):
            self.prices[c] = value
        out = []
        for c in map(tuple, candidates):
            if c in self.rows:
                row = self.at(c)
                out.append(None if row is None else row["cost"])
            else:
                out.append(self.prices[c])
        return out

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


#: How the greedy prices its moves: every move compiled ("exact"), or each layer's pair
#: priced once against uniform int8 and the savings added ("additive").
PRICINGS = ("exact", "additive")


def greedy(archive: Archive, space, table: list[dict], *, prune: float = 4.0,
           pricing: str = "exact") -> tuple:
    """Greedy allocation from uniform int8; returns the candidate it ends with.

    A move gives one layer a new (weight format, activation format) pair: changing both at
    once is what moves its products from DSPs to LUTs, which neither change alone does. Each
    move is priced exactly (:meth:`Archive.price`: the cost model at the reference interval,
    no golden model); its added noise is predicted as the sum of its genes' added noise in
    the sensitivity table. The move with the largest saving per unit of added noise is
    evaluated and kept if the accuracy stays within the allowed drop; a rejected move is not
    tried again. Genes whose own accuracy drop (sensitivity) exceeds ``prune`` times the
    allowed drop are left out, so hopeless moves cost no evaluation.

    ``pricing="additive"`` prices a move as the current cost plus the saving of the same
    layer change made alone on uniform int8 (each layer's pairs are compiled once, in the
    first step; a large model such as the CNV cannot afford a compile per move and step).
    The prediction only ranks the moves: a move is kept only if its evaluated cost is below
    the current one as well.
    """
    if pricing not in PRICINGS:
        raise ValueError(f"greedy pricing {pricing!r}; valid: {', '.join(PRICINGS)}")
    n = len(space.layers)
    noise = {(e["index"], e["format"]): e["added_noise"] for e in table}
    hopeless = {(e["index"], e["format"]) for e in table
                if e["accuracy_drop"] > prune * archive.max_drop}
    options = [[f for f in space.allowed(g) if (g, f) not in hopeless]
               for g in range(space.genes)]
    state = tuple(space.uniform(BASELINE))
    rejected = set()

    def added(g, fmt):
        return noise.get((g, fmt), 0.0) if fmt != BASELINE else 0.0

    while True:
        moves = []
        for layer in range(n):
            for w in options[layer]:
                for a in options[n + layer]:
                    if (w, a) == (state[layer], state[n + layer]):
                        continue
                    trial = list(state)
                    trial[layer], trial[n + layer] = w, a
                    moves.append(tuple(trial))
        moves = [m for m in moves if m not in rejected]
        if pricing == "exact":
            prices = archive.price(moves + [state])
            now = prices[-1]
        else:
            prices, now = _additive_prices(archive, space, moves, state)
        ranked = []
        for move, cost in zip(moves, prices, strict=False):
            if cost is None or now is None or cost >= now:
                continue
            extra = sum(added(g, move[g]) - added(g, state[g]) for g in range(space.genes))
            # ties broken by the candidate's formats, so the walk is deterministic
            ranked.append((-(now - cost) / (max(extra, 0.0) + 1e-12), move))
        if not ranked:
            return state
        _, move = min(ranked)
        archive.evaluate([move], "greedy")
        row = archive.at(move)
        if row is not None and archive.accurate(row) and row["cost"] < now:
            state = move
        else:
            rejected.add(move)


def _additive_prices(archive: Archive, space, moves, state):
    """Predicted costs of ``moves`` (each changes one layer of ``state``) and the cost of
    ``state``: the current cost plus the change of that layer alone on uniform int8."""
    n = len(space.layers)
    base = tuple(space.uniform(BASELINE))

    def alone(candidate, layer):
        trial = list(base)
        trial[layer], trial[n + layer] = candidate[layer], candidate[n + layer]
        return tuple(trial)

    changed = [next(i for i in range(n) if (m[i], m[n + i]) != (state[i], state[n + i]))
               for m in moves]
    singles = [alone(m, layer) for m, layer in zip(moves, changed, strict=True)]
    currents = [alone(state, layer) for layer in changed]
    known = archive.price([state, base] + singles + currents)
    now, at_base = known[0], known[1]
    singles_cost = known[2:2 + len(moves)]
    currents_cost = known[2 + len(moves):]
    prices = [None if None in (now, at_base, single, current) else now + single - current
              for single, current in zip(singles_cost, currents_cost, strict=True)]
    return prices, now


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
