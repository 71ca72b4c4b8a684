"""The estimate as manifest.json carries it, and as ``hwgen report`` shows it.

:func:`estimate_section` is what ``hwgen compile`` writes under ``"estimate"`` in
manifest.json; :func:`render_estimate` turns it into the report's Markdown, beside the
synthesis figures of the same target when ``hwgen synth`` has run and its result is current.
"""

from __future__ import annotations

from .coefficients import FITTED
from .design import design_cost
from .resources import RESOURCE_NAMES
from .targets import cost_target

__all__ = ["DEFAULT_COST_TARGET", "estimate_section", "render_estimate"]

#: ``hwgen compile --cost-target``'s default: the default target of ``hwgen synth``, so that
#: ``hwgen report`` compares like with like.
DEFAULT_COST_TARGET = "ecp5"


def estimate_section(blocks, edges, target: str = DEFAULT_COST_TARGET) -> dict:
    """Per layer, per glue instance and total estimates on ``target`` (JSON-serialisable)."""
    cost_target(target)
    cost = design_cost(blocks, edges, target)
    return {
        "model": "analytic",
        "target": target,
        "coefficients": FITTED,
        "layers": [{"name": block.name, "kind": block.kind, "instance": f"layer_{index}",
                    "resources": res.as_dict()}
                   for index, (block, res) in enumerate(zip(blocks, cost.blocks, strict=True))],
        "glue": [{"instance": name, "resources": res.as_dict()}
                 for name, res in cost.glue.items()],
        "total": cost.total.as_dict(),
    }


def _cell(estimate, observed) -> str:
    if observed is None:
        return f"{estimate:g}"
    if observed == 0:
        return f"{estimate:g} / {observed:g}"
    return f"{estimate:g} / {observed:g} ({(estimate - observed) / observed:+.0%})"


def render_estimate(estimate: dict | None, synthesis: dict | None, *, name=str) -> list[str]:
    """Markdown lines: the estimate per layer and in total; ``estimate / synthesis (error)``
    where a current synthesis result of the same target exists. Layer names are shown
    through ``name`` (the report passes :func:`hwgen.text.markdown`)."""
    if not estimate:
        return ["", "No resource estimate in manifest.json: recompile with this hwgen."]
    target = estimate["target"]
    syn = synthesis if synthesis and synthesis.get("current") and \
        synthesis.get("target") == target else None
    head = (f"## Estimated resources (analytic model, {target}"
            + ("; estimate / synthesis (error))" if syn else ")"))
    lines = ["", head, "", "| block | " + " | ".join(n.upper() if n != "lutram" else "LUTRAM"
                                                    for n in RESOURCE_NAMES) + " |",
             "|---" * (len(RESOURCE_NAMES) + 1) + "|"]
    for layer in estimate["layers"]:
        observed = syn["layers"].get(layer["name"]) if syn else None
        lines.append(f"| {name(layer['name'])} | " + " | ".join(
            _cell(layer["resources"][n], observed[n] if observed else None)
            for n in RESOURCE_NAMES) + " |")
    glue = {n: sum(g["resources"][n] for g in estimate["glue"]) for n in RESOURCE_NAMES}
    rows = [("glue (FIFOs, width converters, top)", glue, syn["glue"] if syn else None),
            ("**total**", estimate["total"], syn["totals"] if syn else None)]
    for name, res, observed in rows:
        lines.append(f"| {name} | " + " | ".join(
            _cell(res[n], observed[n] if observed else None) for n in RESOURCE_NAMES) + " |")
    note = ("" if syn else
            f" Run `hwgen synth --target {target}` to compare with Yosys."
            if not synthesis or synthesis.get("target") == target else
            f" The synthesis result is for {synthesis.get('target')}: recompile with "
            f"`--cost-target {synthesis.get('target')}` to compare.")
    lines += ["", f"Estimates from the analytic cost model ({estimate['coefficients']}; "
                  "docs/synthesis.md gives its measured error)." + note]
    return lines
