"""Per-layer report of a compiled (and possibly simulated) design, as Markdown and JSON.

The report shows a simulation only while it describes the design in the directory: its
result.json must carry the ``design_sha256`` of the manifest.json the simulation ran against
(:func:`hwgen.backend.writer.design_sha256`). A result of an earlier compile, or one without
that hash, is stale: the report says "no simulation of this design yet". Names from the model
appear escaped (:func:`hwgen.text.markdown`, :func:`hwgen.text.json_text`).
"""

from __future__ import annotations

import json
from pathlib import Path

from . import text
from .backend.writer import MANIFEST_FILE, design_sha256
from .errors import HwgenError
from .perf.cost.summary import render_estimate
from .synth.report_section import render_synthesis, synthesis_data

__all__ = ["RESULT_FILE", "report_data", "render_markdown", "write_report", "current_result"]

RESULT_FILE = "sim/result.json"
NOT_SIMULATED = "no simulation of this design yet: run `hwgen sim`"


def _read_json(path: Path, what: str, fix: str) -> dict:
    try:
        data = json.loads(path.read_text())
    except UnicodeDecodeError:
        raise HwgenError(f"{path} is not text ({what} is JSON); {fix}") from None
    except json.JSONDecodeError as error:
        raise HwgenError(f"{path} is not valid JSON ({error}; truncated or edited?); "
                         f"{fix}") from None
    except OSError as error:
        raise HwgenError(f"cannot read {path}: {error.strerror}") from None
    if not isinstance(data, dict):
        raise HwgenError(f"{path} holds a JSON {type(data).__name__}, not {what}; {fix}")
    return data


def current_result(out, manifest_sha256: str) -> tuple[dict | None, str | None]:
    """The simulation result of ``out`` if it describes the design there.

    Returns
    -------
    (result, None)
        result.json of a simulation of this design.
    (None, reason)
        No result, or a stale one (``reason`` says why).
    """
    path = Path(out) / RESULT_FILE
    if not path.exists():
        return None, None
    fix = f"run `hwgen sim {text.display(out)}` again (or delete {RESULT_FILE})"
    result = _read_json(path, "a simulation result", fix)
    recorded = result.get("design_sha256")
    if recorded is None:
        return None, (f"{RESULT_FILE} does not say which design it simulated (no "
                      "design_sha256): it is ignored")
    if recorded != manifest_sha256:
        return None, (f"{RESULT_FILE} belongs to another compile of {text.display(out)} "
                      "(its design_sha256 differs from manifest.json's): it is ignored")
    missing = [key for key in _SIMULATION_KEYS + ("layers",) if key not in result]
    if missing:
        raise HwgenError(f"{path} lacks {', '.join(missing)}; {fix}")
    return result, None


_SIMULATION_KEYS = ("simulator", "driver", "num_inferences", "bit_exact", "mismatches",
                    "cycles_exact", "cycles_per_second", "cycles")


def report_data(out_dir) -> dict:
    """Merge manifest.json and, when it describes this design, sim/result.json of ``out_dir``.

    Raises
    ------
    HwgenError
        A missing, corrupt or truncated manifest.json or result.json, naming the file and
        the fix.
    """
    out = Path(out_dir)
    manifest_path = out / MANIFEST_FILE
    if not manifest_path.exists():
        raise HwgenError(f"{manifest_path} does not exist; run `hwgen compile ... -o "
                         f"{text.display(out)}` first")
    recompile = f"compile again: hwgen compile MODEL -o {text.display(out)}"
    manifest = _read_json(manifest_path, "a manifest", recompile)
    result, stale = current_result(out, design_sha256(out))
    try:
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
                              "ii_bound": predicted["ii_bound"],
                              "fifo_bits": manifest.get("fifo_bits")},
                "simulation": None, "simulation_ignored": stale,
                "synthesis": synthesis_data(out, manifest),
                "estimate": manifest.get("estimate")}
    except (KeyError, TypeError) as error:
        raise HwgenError(f"{manifest_path} lacks {error} (written by another hwgen version, "
                         f"or edited); {recompile}") from None
    if result:
        data["simulation"] = {key: result[key] for key in _SIMULATION_KEYS}
    return data


def _fmt(value, spec="") -> str:
    if value is None:
        return "-"
    return format(value, spec)


def render_markdown(data: dict) -> str:
    """The report as a Markdown document (one table row per layer, names escaped)."""
    lines = [f"# hwgen report: {text.markdown(data['model'])} (top `{data['top']}`)", "",
             "| layer | kind | out <- in | w / in / out | PE x SIMD | MACs | cycles/inference "
             "| latency model | latency RTL | utilization model | utilization RTL |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for layer in data["layers"]:
        folding = f"{layer['pe']} x {layer['simd']}" if layer["pe"] is not None else "-"
        lines.append(
            f"| {text.markdown(layer['name'])} | {layer['kind']} | {layer['shape']} "
            f"| {_fmt(layer['weights'])} / {layer['input']} / {layer['output']} "
            f"| {folding} | {_fmt(layer['macs'])} | {layer['cycles_per_vector']} "
            f"| {layer['latency_model']} | {_fmt(layer['latency_rtl'])} "
            f"| {_fmt(layer['utilization_model'], '.1%')} "
            f"| {_fmt(layer['utilization_rtl'], '.1%')} |")
    p = data["predicted"]
    lines += ["", f"Pipeline (cycle model): latency {p['latency']} cycles, initiation interval "
                  f"{p['ii']} cycles (slowest layer: {text.markdown(p['ii_bound'])}); FIFOs "
                  f"{_fmt(p['fifo_bits'], ',')} bits."]
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
        ignored = data.get("simulation_ignored")
        lines += ["", f"Simulation: {NOT_SIMULATED}" + (f" ({ignored})." if ignored else ".")]
    lines += render_synthesis(data.get("synthesis"), [layer["name"] for layer in data["layers"]])
    lines += render_estimate(data.get("estimate"), data.get("synthesis"),
                             name=text.markdown)
    return "\n".join(lines) + "\n"


def write_report(out_dir) -> tuple[str, dict]:
    """Write ``report.md`` and ``report.json`` into ``out_dir``; return both."""
    data = report_data(out_dir)
    markdown = render_markdown(data)
    out = Path(out_dir)
    try:
        (out / "report.md").write_text(markdown)
        (out / "report.json").write_text(text.json_text(data, indent=2) + "\n")
    except OSError as error:
        raise HwgenError(f"cannot write the report into {text.display(out)}: "
                         f"{error.strerror}") from None
    return markdown, data
