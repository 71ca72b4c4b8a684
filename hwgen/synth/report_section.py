"""The synthesis part of ``hwgen report`` and the summary ``hwgen synth`` prints."""

from __future__ import annotations

from ..text import display, markdown
from .resources_file import RESOURCES_FILE, load_resources, staleness

__all__ = ["synthesis_data", "render_synthesis", "critical_path_text", "seed_sweep_text"]

_COLUMNS = (("lut", "LUT"), ("ff", "FF"), ("carry", "carry"), ("dsp", "DSP"), ("bram", "BRAM"),
            ("lutram", "LUTRAM"))


def critical_path_text(path: dict | None, *, name=display) -> str:
    """One line: where the critical path starts and ends, and the blocks it crosses.

    Block and cell names are shown through ``name`` (:func:`hwgen.text.display` for a
    terminal, :func:`hwgen.text.markdown` for the report).
    """
    if not path:
        return "no register-to-register path reported"
    ends = f"{name(path['from']['block'])} -> {name(path['to']['block'])}"
    return (f"{path['delay_ns']:.2f} ns ({path['logic_ns']:.2f} logic, {path['routing_ns']:.2f} "
            f"routing, {path['logic_segments']} logic cells), {ends} "
            f"(through {', '.join(map(name, path['blocks']))}; from "
            f"{name(path['from']['cell'])} to {name(path['to']['cell'])})")


def seed_sweep_text(seed: int | None, seeds: list | None) -> str:
    """`` (seed 3, the fastest of seeds 1 / 2 / 3: 150.1 / 147.2 / 158.3 MHz)`` after a seed
    sweep; empty after a single place and route."""
    if not seeds or len(seeds) < 2:
        return ""
    names = " / ".join(str(run["seed"]) for run in seeds)
    figures = " / ".join(f"{run['fmax_mhz']:.1f}" for run in seeds)
    return f" (seed {seed}, the fastest of seeds {names}: {figures} MHz)"


def synthesis_data(out, manifest: dict) -> dict | None:
    """What the report shows of ``out/synth/resources.json``; None when there is none."""
    data = load_resources(out)
    if data is None:
        return None
    reason = staleness(out, data, manifest)
    summary = {"file": RESOURCES_FILE, "current": reason is None, "stale_reason": reason,
               "target": data["target"], "device": data["device"]}
    if reason is not None:
        return summary
    glue = {key: sum(g["resources"][key] for g in data["glue"]) for key, _ in _COLUMNS}
    fmax = data["fmax_mhz"]
    ii = manifest["predicted"]["ii"]
    latency = manifest["predicted"]["latency"]
    return {**summary,
            "layers": {layer["name"]: layer["resources"] for layer in data["layers"]},
            "glue": glue, "totals": data["totals"], "fmax_mhz": fmax, "ii_cycles": ii,
            "throughput_inferences_per_s": fmax * 1e6 / ii if fmax else None,
            "latency_us": latency / fmax if fmax else None,
            "critical_path": data["critical_path"],
            "seed": data.get("seed"), "seeds": data.get("seeds"),
            "dsp_registers": data.get("dsp_registers")}


def render_synthesis(syn: dict | None, layer_names) -> list[str]:
    """Markdown lines of the synthesis section."""
    if syn is None:
        return ["", "Not synthesised yet: run `hwgen synth` for resources and Fmax."]
    if not syn["current"]:
        return ["", f"Synthesis result {syn['file']} ({syn['target']}) is STALE and not shown: "
                    f"{syn['stale_reason']}. Run `hwgen synth` again."]
    where = syn["target"] + (f", {syn['device']}" if syn["device"] else "")
    lines = ["", f"## Resources ({where}; Yosys, hierarchy kept per block)", "",
             "| block | " + " | ".join(label for _, label in _COLUMNS) + " |",
             "|---" * (len(_COLUMNS) + 1) + "|"]
    rows = [(markdown(name), syn["layers"][name]) for name in layer_names]
    rows += [("glue (FIFOs, width converters, top)", syn["glue"]), ("**total**", syn["totals"])]
    for name, res in rows:
        lines.append(f"| {name} | " + " | ".join(f"{res[key]:g}" for key, _ in _COLUMNS) + " |")
    registers = syn.get("dsp_registers")
    if registers:
        lines += ["", f"DSP registers absorbed (ECP5): of {registers['cells']} MULT18X18D, "
                      f"{registers['output']} with the output register, {registers['input_a']} "
                      "with the input registers."]
    if syn["fmax_mhz"]:
        sweep = seed_sweep_text(syn.get("seed"), syn.get("seeds"))
        lines += ["", f"Fmax {syn['fmax_mhz']:.1f} MHz (nextpnr{sweep}): throughput = Fmax / II = "
                      f"{syn['throughput_inferences_per_s']:,.0f} inferences/s "
                      f"(II {syn['ii_cycles']} cycles), latency {syn['latency_us']:.2f} us.",
                  f"Critical path: {critical_path_text(syn['critical_path'], name=markdown)}."]
    else:
        lines += ["", f"No Fmax: {syn['target']} is synthesised without place and route "
                      "(use --target ecp5 or ice40 for timing)."]
    return lines
