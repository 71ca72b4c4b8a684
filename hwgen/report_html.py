"""``hwgen report OUT --html``: one self-contained report.html (plotly.js inlined, no network).

For a compiled design (OUT/manifest.json): the per-layer table (with the resource estimate of
:mod:`hwgen.explore.resources`), a pipeline timeline of two back-to-back inferences from the
cycle model (each block from its first input beat to its last output beat) and, beside it,
from the transfer log of the simulation when OUT/sim holds a current one, utilization bars
(cycle model, and the simulation's when OUT/sim holds a current one) and a histogram of each
layer's weight codes with the format's grid of codes drawn over it. For an explore run
(OUT/pareto.json): the Pareto plot, the front and the sensitivity table, then the sections of
the first finalist compiled under OUT/finalists/.

Every chart is a plotly figure whose JSON is embedded in a ``<script>`` (``</`` escaped) and
drawn by the inlined plotly.js; each chart's div gets ``data-series`` (its trace count) once
drawn, which the browser test reads. Model names go through :func:`hwgen.text.html`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from . import text
from .api import load
from .errors import HwgenError
from .explore.pareto import uniform_marks
from .explore.resources import SOURCE, layer_estimate
from .explore.space import describe
from .report import current_result, design_sha256, report_data
from .synth.report_section import critical_path_text, seed_sweep_text

__all__ = ["write_html_report", "REPORT_HTML"]

REPORT_HTML = "report.html"
_INFERENCES = 2


def _plotly():
    try:
        import plotly.graph_objects as go
        from plotly.offline import get_plotlyjs
    except ImportError:
        raise HwgenError("hwgen report --html needs plotly: pip install 'hwgen[explore]'") \
            from None
    return go, get_plotlyjs


class _Page:
    def __init__(self, title: str):
        self.title = title
        self.parts: list[str] = []
        self.charts = 0

    def add(self, html: str) -> None:
        self.parts.append(html)

    def chart(self, fig) -> None:
        self.charts += 1
        div = f"chart{self.charts}"
        spec = fig.to_json().replace("</", "<\\/")
        self.parts.append(
            f'<div id="{div}" class="chart"></div>\n<script>(function () {{\n'
            f'  var f = {spec};\n'
            f'  Plotly.newPlot("{div}", f.data, f.layout, {{displaylogo: false}}).then('
            f'function (gd) {{ gd.setAttribute("data-series", gd.data.length); }});\n'
            f'}})();</script>')

    def render(self, plotly_js: str) -> str:
        body = "\n".join(self.parts)
        script = plotly_js.replace("</script", "<\\/script")
        return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{text.html(self.title)}</title>\n<style>body{{font-family:sans-serif;"
                f"margin:1.5em}} table{{border-collapse:collapse;font-size:0.9em}} "
                f"td,th{{border:1px solid #ccc;padding:2px 6px;text-align:right}} "
                f".chart{{width:100%;max-width:1000px;height:380px}}</style>\n"
                f"<script>{script}</script>\n"
                f"</head><body>\n{body}\n</body></html>\n")


def _table(header: list, rows: list) -> str:
    head = "".join(f"<th>{text.html(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{text.html('-' if v is None else v)}</td>"
                                    for v in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _grid(weight_type: str | None) -> list[int]:
    """The codes a weight format can hold (the quantization grid), for integer formats."""
    if weight_type in ("bipolar", "binary"):
        return [-1, 1]
    if weight_type == "ternary":
        return [-1, 0, 1]
    if weight_type and weight_type.startswith("int"):
        q = 2 ** (int(weight_type[3:]) - 1) - 1        # narrow range
        return list(range(-q, q + 1))
    return []


def _simulated_spans(out: Path, names: list[str]) -> dict:
    """``{series name: (first input cycles, last output cycles)}`` per inference from the
    transfer log in OUT/sim/result.json, when that simulation is of this design and logged
    every layer (a run with stalls, or by an hwgen without the log, has none)."""
    result, _ = current_result(out, design_sha256(out))
    if not result or result.get("idle") or result.get("backpressure"):
        return {}
    layers = {layer.get("name"): layer for layer in result.get("layers", [])}
    spans = {}
    for i in range(_INFERENCES):
        try:
            starts = [layers[name]["first_in_rtl"][i] for name in names]
            ends = [layers[name]["last_out_rtl"][i] for name in names]
        except (KeyError, IndexError, TypeError):
            break
        spans[f"inference {i + 1} (simulation)"] = (starts, ends)
    return spans


def _design_sections(page: _Page, go, out: Path) -> None:
    data = report_data(out)
    manifest = json.loads((out / "manifest.json").read_text())
    design = load(out)
    layers = manifest["layers"]
    estimates = [layer_estimate(layer) for layer in manifest["estimate"]["layers"]]
    page.add(f"<h2>Design {text.html(data['model'])}</h2><p>Cycle model: latency "
             f"{data['predicted']['latency']} cycles, initiation interval "
             f"{data['predicted']['ii']} cycles (slowest: "
             f"{text.html(data['predicted']['ii_bound'])}).</p>")
    rows = []
    for layer, est in zip(data["layers"], estimates, strict=True):
        folding = f"{layer['pe']} x {layer['simd']}" if layer["pe"] is not None else "-"
        rows.append([layer["name"], layer["kind"], layer["shape"], layer["weights"], folding,
                     layer["macs"], layer["cycles_per_vector"], layer["latency_model"],
                     layer["latency_rtl"], f"{layer['utilization_model']:.1%}",
                     est.lut, est.dsp, est.bram, est.lutram])
    page.add("<h3>Layers</h3>" + _table(
        ["layer", "kind", "out <- in", "weights", "PE x SIMD", "MACs", "cycles/inference",
         "latency model", "latency RTL", "utilization", "LUT", "DSP", "BRAM18", "LUTRAM"],
        rows) + f"<p>Resources: {text.html(SOURCE)}, per layer, on "
                 f"{text.html(manifest['estimate']['target'])}.</p>")

    _synthesis_section(page, go, data)

    timing = design.timing(_INFERENCES)
    names = [b.name for b in timing.layers]
    spans = {f"inference {i + 1} (cycle model)": ([t.first_in[i] for t in timing.layers],
                                                  [t.last_out[i] for t in timing.layers])
             for i in range(_INFERENCES)}
    spans.update(_simulated_spans(out, names))
    fig = go.Figure()
    for name, (starts, ends) in spans.items():
        fig.add_trace(go.Bar(y=names, x=[e - s for s, e in zip(starts, ends, strict=True)],
                             base=starts, orientation="h", name=name))
    # grouped: each layer shows the model's bar and the simulation's bar of each inference
    fig.update_layout(title="Pipeline timeline: first input beat to last output beat per "
                            "layer, from the cycle model"
                            + (" and the simulation's transfer log" if len(spans)
                               > _INFERENCES else ""),
                      xaxis_title="cycle", barmode="group", yaxis_autorange="reversed")
    page.add("<h3>Pipeline timeline</h3>")
    page.chart(fig)

    names = [layer["name"] for layer in data["layers"]]
    fig = go.Figure(go.Bar(x=names, y=[layer["utilization_model"] for layer in data["layers"]],
                           name="cycle model"))
    if data["simulation"]:
        fig.add_trace(go.Bar(x=names, y=[layer["utilization_rtl"] for layer in data["layers"]],
                             name="simulation"))
    fig.update_layout(title="Utilization (busy cycles / initiation interval)",
                      yaxis_tickformat=".0%")
    page.add("<h3>Utilization</h3>")
    page.chart(fig)

    page.add("<h3>Weights</h3>")
    for block, layer in zip(design.blocks, layers, strict=True):
        codes = getattr(block, "weights", None)
        if codes is None or not isinstance(codes, np.ndarray):
            continue
        grid = _grid(layer.get("weight_type"))
        fig = go.Figure(go.Histogram(x=np.asarray(codes).ravel().tolist(), name="weights",
                                     xbins={"size": 1, "start": -0.5 + min(grid or [0])}))
        # one layout update: plotly's add_vline per line is quadratic in the lines
        fig.update_layout(shapes=[{"type": "line", "x0": g, "x1": g, "yref": "paper", "y0": 0,
                                   "y1": 1, "line": {"width": 0.5, "color": "red"},
                                   "opacity": 0.4} for g in grid])
        fig.add_trace(go.Scatter(x=grid, y=[0] * len(grid), mode="markers",
                                 marker={"color": "red", "symbol": "line-ns-open"},
                                 name=f"{layer.get('weight_type')} grid"))
        fig.update_layout(title=f"{layer['name']}: weight codes ({layer.get('weight_type')})",
                          xaxis_title="code", yaxis_title="weights", bargap=0.05)
        page.chart(fig)


_SYNTH_COLUMNS = (("lut", "LUT"), ("ff", "FF"), ("carry", "carry"), ("dsp", "DSP"),
                  ("bram", "BRAM"), ("lutram", "LUTRAM"))


def _synthesis_section(page: _Page, go, data: dict) -> None:
    """Yosys's resources per block, Fmax and the critical path from OUT/synth/resources.json
    when it is current, with the analytic estimate's LUTs beside Yosys's when both are of the
    same target."""
    syn = data.get("synthesis")
    page.add("<h3>Synthesis</h3>")
    if syn is None:
        page.add("<p>Not synthesised yet: run <code>hwgen synth</code> for resources and "
                 "Fmax.</p>")
        return
    if not syn["current"]:
        page.add(f"<p>The synthesis result {text.html(syn['file'])} "
                 f"({text.html(syn['target'])}) is STALE and not shown: "
                 f"{text.html(syn['stale_reason'])}. Run <code>hwgen synth</code> again.</p>")
        return
    names = [layer["name"] for layer in data["layers"]]
    rows = [[name] + [syn["layers"][name][key] for key, _ in _SYNTH_COLUMNS] for name in names]
    rows.append(["glue (FIFOs, width converters, top)"]
                + [syn["glue"][key] for key, _ in _SYNTH_COLUMNS])
    rows.append(["total"] + [syn["totals"][key] for key, _ in _SYNTH_COLUMNS])
    where = syn["target"] + (f", {syn['device']}" if syn["device"] else "")
    page.add(f"<p>Yosys, hierarchy kept per block, on {text.html(where)}.</p>"
             + _table(["block"] + [label for _, label in _SYNTH_COLUMNS], rows))
    if syn["fmax_mhz"]:
        sweep = seed_sweep_text(syn.get("seed"), syn.get("seeds"))
        page.add(f"<p>Fmax {syn['fmax_mhz']:.1f} MHz (nextpnr{text.html(sweep)}): "
                 f"throughput = Fmax / II = {syn['throughput_inferences_per_s']:,.0f} "
                 f"inferences/s (II {syn['ii_cycles']} cycles), latency "
                 f"{syn['latency_us']:.2f} us.</p><p>Critical path: "
                 f"{critical_path_text(syn['critical_path'], name=text.html)}.</p>")
    else:
        page.add(f"<p>No Fmax: {text.html(syn['target'])} is synthesised without place and "
                 "route (use --target ecp5 or ice40 for timing).</p>")
    estimate = data.get("estimate")
    if estimate and estimate.get("target") == syn["target"]:
        fig = go.Figure([
            go.Bar(x=names, y=[layer["resources"]["lut"] for layer in estimate["layers"]],
                   name="analytic estimate"),
            go.Bar(x=names, y=[syn["layers"][name]["lut"] for name in names], name="Yosys")])
        fig.update_layout(title=f"LUTs per layer on {syn['target']}: the cost model's "
                                "estimate and Yosys", barmode="group")
        page.chart(fig)


def _pareto_sections(page: _Page, go, out: Path) -> None:
    data = json.loads((out / "pareto.json").read_text())
    rows, front = data["rows"], set(data["front"])
    s = data["summary"]
    page.add(f"<h2>Design-space exploration</h2><p>{len(rows)} evaluated rows, "
             f"{len(front)} on the Pareto front; {s['smaller_by']:.2f}x smaller and "
             f"{s['faster_by']:.2f}x faster than uniform int8 within "
             f"{100 * s['max_accuracy_drop']:g} accuracy points. Resources: "
             f"{text.html(s['resources'])}.</p>")
    fig = go.Figure()
    groups = {"evaluated": [r for r in rows if r["name"] not in front],
              "Pareto front": [r for r in rows if r["name"] in front], **uniform_marks(rows)}
    for name, group in groups.items():
        fig.add_trace(go.Scatter(
            x=[r["cost"] for r in group], y=[r["accuracy"] for r in group], mode="markers",
            name=name, text=[f"{r['name']} II {r['ii']}: " + describe(
                r["formats"], r.get("activations")) for r in group]))
    fig.update_layout(title="Accuracy against cost (LUT + DSP-equivalent)", xaxis_type="log",
                      xaxis_title="cost", yaxis_title="validation accuracy",
                      yaxis_tickformat=".0%")
    page.chart(fig)
    table = [[r["name"], r["source"], f"{r['accuracy']:.2%}", r["ii"], f"{r['cost']:,.0f}",
              r["lut"], r["dsp"], describe(r["formats"], r.get("activations"))]
             for r in sorted((r for r in rows if r["name"] in front),
                             key=lambda r: (r["cost"], r["ii"]))]
    page.add("<h3>Pareto front</h3>" + _table(
        ["name", "source", "accuracy", "II", "cost", "LUT", "DSP", "formats"], table))
    finalists = data.get("finalists", [])
    if finalists:
        def exact(f):
            if "bit_exact" not in f:
                return "not simulated"
            return f"bit {f['bit_exact']}, cycles {f['cycles_exact']}"

        def pair(f, key):
            est, syn = f.get("estimate"), f.get("synth")
            if est is None or syn is None:
                return None
            return f"{est[key]:,.0f} / {syn[key]:,.0f}"

        page.add("<h3>Finalists</h3>" + _table(
            ["finalist", "row", "accuracy", "II", "simulation",
             "LUT estimate / Yosys", "DSP estimate / Yosys", "cost estimate / Yosys"],
            [[f["label"], f["name"], f"{f['accuracy']:.2%}", f["ii"], exact(f),
              pair(f, "lut"), pair(f, "dsp"), pair(f, "cost")] for f in finalists])
            + ("<p>Synthesised: uniform int8's cost over the smallest finalist's is "
               f"{s['smaller_by_synth']:.2f}x (the cost model: {s['smaller_by']:.2f}x).</p>"
               if s.get("smaller_by_synth") else ""))
    page.add("<h3>Per-layer sensitivity (one layer's weights or input activations in a lower "
             "format)</h3>" + _table(
                 ["layer", "of", "format", "accuracy", "drop", "SQNR dB", "cost saving"],
                 [[e["layer"], e.get("kind", "weights"), e["format"], f"{e['accuracy']:.2%}",
                   f"{e['accuracy_drop']:+.2%}",
                   "-" if e["sqnr_db"] is None else f"{e['sqnr_db']:.1f}", f"{e['saving']:,.0f}"]
                  for e in data["sensitivity"]]))


def write_html_report(out_dir) -> Path:
    """Write OUT/report.html for a compiled design or an explore run; return its path."""
    out = Path(out_dir)
    is_design = (out / "manifest.json").is_file()
    is_explore = (out / "pareto.json").is_file()
    if not is_design and not is_explore:
        raise HwgenError(f"{text.display(out)} holds neither manifest.json (hwgen compile) nor "
                         "pareto.json (hwgen explore): nothing to report")
    go, get_plotlyjs = _plotly()
    page = _Page(f"hwgen report: {out.name}")
    page.add(f"<h1>hwgen report: {text.html(out.name)}</h1>")
    if is_explore:
        _pareto_sections(page, go, out)
        # the first finalist of the run (the smallest), as summary.json lists them
        try:
            labels = [f["label"] for f in json.loads((out / "summary.json").read_text())
                      .get("finalists", [])]
        except (OSError, ValueError):
            labels = []
        finalists = [out / "finalists" / label for label in labels
                     if (out / "finalists" / label / "manifest.json").is_file()]
        if finalists:
            page.add(f"<h2>Finalist {text.html(finalists[0].name)}</h2>")
            _design_sections(page, go, finalists[0])
    if is_design:
        _design_sections(page, go, out)
    path = out / REPORT_HTML
    try:
        path.write_text(page.render(get_plotlyjs()))
    except OSError as error:
        raise HwgenError(f"cannot write {text.display(path)}: {error.strerror}") from None
    return path
