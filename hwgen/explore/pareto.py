"""The Pareto front and the summary against uniform int8."""

from __future__ import annotations

from .space import BASELINE

__all__ = ["pareto_front", "summary", "uniform_marks"]


def _dominates(a: dict, b: dict) -> bool:
    no_worse = a["accuracy"] >= b["accuracy"] and a["cost"] <= b["cost"] and a["ii"] <= b["ii"]
    better = a["accuracy"] > b["accuracy"] or a["cost"] < b["cost"] or a["ii"] < b["ii"]
    return no_worse and better


def pareto_front(rows: list[dict]) -> list[dict]:
    """Rows no other row beats on accuracy, cost and interval at once; by cost, then II.

    Of rows equal in all three (two foldings of one candidate that price the same) the first
    is kept.
    """
    front, seen = [], set()
    for row in rows:
        key = (row["accuracy"], row["cost"], row["ii"])
        if key in seen or any(_dominates(other, row) for other in rows):
            continue
        seen.add(key)
        front.append(row)
    return sorted(front, key=lambda r: (r["cost"], r["ii"], -r["accuracy"]))


def summary(rows: list[dict], *, int8: dict, ref_ii: int, max_drop: float,
            clock_mhz: float | None) -> dict:
    """How much smaller (at the reference interval or faster) and how much faster (at no more
    cost) than uniform int8 the best candidate within ``max_drop`` accuracy is."""
    accurate = [r for r in rows if r["accuracy"] >= int8["accuracy"] - max_drop - 1e-12]
    smaller = min((r for r in accurate if r["ii"] <= ref_ii),
                  key=lambda r: (r["cost"], r["ii"], -r["accuracy"]))
    faster = min((r for r in accurate if r["cost"] <= int8["cost"]),
                 key=lambda r: (r["ii"], r["cost"], -r["accuracy"]))

    def brief(r):
        out = {k: r[k] for k in ("formats", "activations", "ii", "latency", "accuracy", "cost",
                                 "lut", "dsp", "bram", "lutram")}
        if clock_mhz:
            out["inferences_per_s"] = clock_mhz * 1e6 / r["ii"]
        return out

    return {
        "reference_ii": ref_ii, "max_accuracy_drop": max_drop,
        "int8": brief(int8),
        "smallest": brief(smaller), "smaller_by": int8["cost"] / smaller["cost"],
        "fastest": brief(faster), "faster_by": int8["ii"] / faster["ii"],
    }


def uniform_marks(rows: list[dict]) -> dict:
    """The rows of the uniform references the plots mark: int8 (W8A8), int4 weights with
    int8 activations (W4A8) and, when activations were searched, W4A4."""
    def uniform(w, a):
        # a row without "activations" (a run before they were searched) has int8 ones
        return [r for r in rows if set(r["formats"].values()) == {w}
                and set((r.get("activations") or {"": BASELINE}).values()) == {a}]
    marks = {"uniform int8": uniform(BASELINE, BASELINE),
             "uniform int4 weights (W4A8)": uniform("int4", BASELINE),
             "uniform W4A4": uniform("int4", "int4")}
    return {k: v for k, v in marks.items() if v}
