"""Per-layer report of a compiled (and possibly simulated) design, as Markdown and JSON."""

from __future__ import annotations

import json
from pathlib import Path

from .backend.writer import MANIFEST_FILE
from .errors import HwgenError
from .perf.cost.summary import render_estimate
from .synth.report_section import render_synthesis, synthesis_data

__all__ = ["RESULT_FILE", "report_data", "render_markdown"]

RESULT_FILE = "sim/result.json"


def report_data(out_dir) -> dict:
    """Merge manifest.json and, if present, sim/result.json of ``out_dir``."""
    out = Path(out_dir)
    manifest_path = out / MANIFEST_FILE
    if not manifest_path.exists():
        raise HwgenError(f"{manifest_path} does not exist; run `hwgen compile ... -o {out}` first")
    manifest = json.loads(manifest_path.read_text())
    result_path = out / RESULT_FILE
    result = json.loads(result_path.read_text()) if result_path.exists() else None
    sim_layers = {layer["name"]: layer for layer in result["layers"]} if result else {}
    layers = []
    for layer in manifest["layers"]:
        sim = sim_layers.get(layer["name"], {})
        layers.append({
            "name": layer["name"], "kind": layer["kind"],
            "shape": (f"{'x'.join(map(str, layer['output_shape']))} <- "
                      f"{'x'.join(map(str, layer['input_shape']))}"),
            "weights": layer.get("weight_type"), "input": layer["input_format"]["element"],
            "output": layer["output_format"]["element"],
            "pe": layer.get("pe"), "simd": layer.get("simd"), "macs": layer.get("macs"),
            "cycles_per_vector": layer["cycles_per_vector"],
            "latency_model": layer["predicted"]["latency"],
            "latency_rtl": sim.get("latency_rtl"),
            "utilization_model": layer["predicted"]["utilization"],
            "utilization_rtl": sim.get("utilization_rtl"),
        })
    predicted = manifest["predicted"]
    data = {"model": manifest["model"], "top": manifest["top"], "layers": layers,
            "predicted": {"latency": predicted["latency"], "ii": predicted["ii"],
                          "ii_bound": predicted["ii_bound"]},
            "simulation": None, "synthesis": synthesis_data(out, manifest),
            "estimate": manifest.get("estimate")}
    if result:
        data["simulation"] = {key: result[key] for key in (
            "simulator", "driver", "num_inferences", "bit_exact", "mismatches",
            "cycles_exact", "cycles_per_second", "cycles")}
    return data


def _fmt(value, spec="") -> str:
    if value is None:
        return "-"
    return format(value, spec)


def render_markdown(data: dict) -> str:
    """The report as a Markdown document."""
    lines = [f"# hwgen report: {data['model']} (top `{data['top']}`)", "",
             "| layer | kind | out <- in | w / in / out | PE x SIMD | MACs | cycles/inference "
             "| latency model | latency RTL | utilization model | utilization RTL |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for layer in data["layers"]:
        folding = f"{layer['pe']} x {layer['simd']}" if layer["pe"] is not None else "-"
        lines.append(
            f"| {layer['name']} | {layer['kind']} | {layer['shape']} "
            f"| {_fmt(layer['weights'])} / {layer['input']} / {layer['output']} "
            f"| {folding} | {_fmt(layer['macs'])} | {layer['cycles_per_vector']} "
            f"| {layer['latency_model']} | {_fmt(layer['latency_rtl'])} "
            f"| {_fmt(layer['utilization_model'], '.1%')} "
            f"| {_fmt(layer['utilization_rtl'], '.1%')} |")
    p = data["predicted"]
    lines += ["", f"Pipeline (cycle model): latency {p['latency']} cycles, initiation interval "
                  f"{p['ii']} cycles (slowest layer: {p['ii_bound']})."]
    sim = data["simulation"]
    if sim:
        c = sim["cycles"]
        lines += ["", f"Simulation ({sim['simulator']}, {sim['driver']}, "
                      f"{sim['num_inferences']} inferences): bit exact: "
                      f"{'yes' if sim['bit_exact'] else 'NO'} ({sim['mismatches']} mismatches); "
                      f"cycles exact: {_fmt(sim['cycles_exact'])}; latency RTL "
                      f"{c['latency_rtl']} / model {c['latency_model']}, II RTL "
                      f"{_fmt(c['ii_rtl'])} / model {_fmt(c['ii_model'])}; "
                      f"{sim['cycles_per_second']:,.0f} simulated cycles/s."]
    else:
        lines += ["", "Not simulated yet: run `hwgen sim`."]
    lines += render_synthesis(data.get("synthesis"), [layer["name"] for layer in data["layers"]])
    lines += render_estimate(data.get("estimate"), data.get("synthesis"))
    return "\n".join(lines) + "\n"


def write_report(out_dir) -> tuple[str, dict]:
    data = report_data(out_dir)
    markdown = render_markdown(data)
    out = Path(out_dir)
    (out / "report.md").write_text(markdown)
    (out / "report.json").write_text(json.dumps(data, indent=2) + "\n")
    return markdown, data
