"""``hwgen explore``: sensitivity, greedy and evolutionary search, Pareto front, finalists.

Writes into OUT: ``pareto.csv`` / ``pareto.json`` (the front; the JSON also holds every
evaluated row, the sensitivity table and the searches' picks), ``pareto.png``,
``configs/NAME.toml`` (one CONFIG.toml per finalist: formats and the folding, so
``hwgen compile --config`` rebuilds the same design), ``finalists/NAME/`` (each finalist
compiled and, unless ``simulate=False``, simulated on the validation set: bit- and
cycle-exact; synthesised with Yosys as ``synth`` says: ``"smallest"`` (the default) the
smallest finalist and uniform int8, so the summary's ratio has a measured twin,
``smaller_by_synth``; ``"all"`` every finalist and uniform int8; ``"none"``) and
``summary.json``.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
import time
from pathlib import Path

import numpy as np

from .. import api
from ..backend.writer import MARKER_FILE, check_out_dir
from ..errors import ConfigError, HwgenError
from ..passes import FoldingTargetError
from ..passes.folding import target_interval
from ..synth import TARGETS as SYNTH_TARGETS
from ..synth import Progress, synthesize
from ..synth.tools import NEXTPNR_ECP5, NEXTPNR_ICE40, YOSYS, require_tool
from .backend import make_backend
from .evaluate import Context
from .pareto import pareto_front, summary, uniform_marks
from .plot import plot_pareto
from .resources import DSP_LUTS, SOURCE
from .search import PRICINGS, Archive, evolve, greedy, sensitivity
from .space import BASELINE, DEFAULT_ACTIVATIONS, DEFAULT_FORMATS, Space, config_toml, describe

__all__ = ["explore", "parse_budget", "DEFAULT_CLOCK_MHZ"]

#: Clock used to turn intervals into inferences/s when --clock-mhz is not given.
DEFAULT_CLOCK_MHZ = 100.0
_BUDGET_KEYS = {"luts": "lut", "lut": "lut", "dsps": "dsp", "dsp": "dsp", "bram": "bram",
                "brams": "bram", "lutram": "lutram", "cost": "cost"}
_CSV_COLUMNS = ("name", "source", "accuracy", "accuracy_drop", "sqnr_db", "ii", "latency",
                "inferences_per_s", "cost", "lut", "dsp", "bram", "lutram", "ff", "carry",
                "within_budget", "formats", "activations")


def parse_budget(text: str | None) -> dict:
    """``"luts=20000,dsps=40,bram=10"`` -> ``{"lut": 20000, "dsp": 40, "bram": 10}``."""
    if not text:
        return {}
    budget = {}
    for item in text.split(","):
        key, _, value = item.partition("=")
        key = key.strip().lower()
        if key not in _BUDGET_KEYS:
            raise ConfigError(f"--budget: unknown resource {key!r}; valid: luts, dsps, bram, "
                              "lutram, cost (e.g. --budget luts=20000,dsps=40)")
        try:
            limit = float(value)
        except ValueError:
            raise ConfigError(f"--budget: {key}={value!r} is not a number") from None
        if not limit >= 0:
            raise ConfigError(f"--budget: {key}={value} must be 0 or more")
        budget[_BUDGET_KEYS[key]] = limit
    return budget


def _float_reference(model: str, x: np.ndarray) -> np.ndarray:
    import onnxruntime as ort
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return np.asarray(session.run(None, {name: x.astype(np.float32)})[0],
                      dtype=np.float64).reshape(len(x), -1)


def _check_data(x_val, y_val, max_drop):
    if len(x_val) == 0 or len(x_val) != len(y_val):
        raise HwgenError(f"--val: {len(x_val)} inputs and {len(y_val)} labels; give one integer "
                         "label per input row")
    if np.asarray(y_val).dtype.kind not in "iu":
        raise HwgenError(f"--val: labels must be integers (class indices), not "
                         f"{np.asarray(y_val).dtype}")
    if not 0.0 <= max_drop < 1.0:
        raise HwgenError(f"--max-accuracy-drop is a fraction in [0, 1) (0.005 = 0.5 points), "
                         f"not {max_drop}")


def _ladder(fastest: int, ref: int, steps: int) -> tuple:
    return tuple(sorted({ref, *(fastest * 2 ** k for k in range(steps))}))


def explore(model, calibration, x_val, y_val, out, *, budget: dict | None = None,
            target_fps: float | None = None, clock_mhz: float | None = None,
            formats=DEFAULT_FORMATS, activations=DEFAULT_ACTIVATIONS, max_drop: float = 0.005,
            seed: int = 0, workers: int | None = None, address: str | None = None,
            simulate: bool = True, synth: str | bool = "smallest", population: int = 12,
            generations: int = 6, ladder_steps: int = 5, finalists: int = 3,
            dsp_luts: float = DSP_LUTS, target: str = "xcup", simulator: str = "verilator",
            force: bool = False, greedy_pricing: str = "exact", log=print) -> dict:
    """Run the search and write OUT; returns the summary (also OUT/summary.json).

    OUT must be new, empty or written by hwgen before (``force``: any directory), as for
    ``hwgen compile``; that is checked before any work. ``greedy_pricing``: ``"exact"``
    (every greedy move compiled and priced) or ``"additive"`` (each layer's moves priced
    once against uniform int8, the savings added: for large models, see
    :func:`~hwgen.explore.search.greedy`).
    """
    start = time.monotonic()
    check_out_dir(out, force=force)
    model = str(model)
    x_val, y_val = np.asarray(x_val), np.asarray(y_val)
    if y_val.ndim == 2 and y_val.shape[1] == 1:
        y_val = y_val[:, 0]
    if y_val.ndim != 1:
        raise HwgenError(f"--val: the labels must be one integer class per input, shape (N,), "
                         f"not {y_val.shape}; give the label file after the inputs")
    _check_data(x_val, y_val, max_drop)
    if greedy_pricing not in PRICINGS:
        raise ConfigError(f"greedy pricing {greedy_pricing!r} is not valid; valid: "
                          f"{', '.join(PRICINGS)}")
    synth = _synth_mode(synth)
    if synth != "none":
        _check_synthesis(target)
    ref_target = target_interval(target_fps=target_fps, clock_mhz=clock_mhz)
    clock = clock_mhz or DEFAULT_CLOCK_MHZ
    out = Path(out)

    # the model's matrix layers, its default folding and the fastest interval it reaches
    probe = api.compile(model, calibration)
    layers = [layer for layer in probe.manifest["layers"] if "pe" in layer and "simd" in layer]
    space = Space(layers=tuple(lyr["name"] for lyr in layers),
                  inputs=tuple(int(lyr["mw"]) for lyr in layers), formats=tuple(formats),
                  activations=tuple(activations))
    try:
        api.compile(model, calibration, target_ii=1)
        fastest = 1
    except FoldingTargetError as error:
        fastest = error.best_ii
    ref_ii = ref_target if ref_target is not None else probe.ii
    if ref_ii < fastest:
        raise ConfigError(f"--target-fps {target_fps:,.0f} at {clock_mhz:g} MHz asks for "
                          f"{ref_ii} cycles per inference; the fastest folding of this model "
                          f"takes {fastest}")
    iis = _ladder(fastest, ref_ii, ladder_steps)
    log(f"layers {', '.join(space.layers)}; intervals {', '.join(map(str, iis))} cycles "
        f"(reference {ref_ii}); resources: {SOURCE}")

    context = Context(model=model, calibration=np.asarray(calibration), x_val=x_val,
                      y_val=y_val, reference=_float_reference(model, x_val), space=space,
                      iis=iis, target=target, dsp_luts=float(dsp_luts), ref_ii=int(ref_ii))
    backend = make_backend(context, workers=workers, address=address)
    try:
        archive = Archive(backend, ref_ii=ref_ii, max_drop=max_drop, budget=budget)
        table = sensitivity(archive, space)
        log(f"sensitivity: {len(table)} candidates, one gene changed each "
            f"[{time.monotonic() - start:.0f} s]")
        greedy_pick = greedy(archive, space, table, pricing=greedy_pricing)
        log(f"greedy: {describe(*space.split(greedy_pick))} "
            f"[{time.monotonic() - start:.0f} s]")
        # uniform weights at int8 activations, and WnAn where n is an activation format too
        uniforms = [space.uniform(f) for f in space.formats] + [
            space.uniform(f, f) for f in space.formats
            if f != BASELINE and f in space.activations]
        archive.evaluate(uniforms, "uniform")
        evolved = evolve(archive, space, seed=seed, population=population,
                         generations=generations, start=[greedy_pick, *uniforms])
        log(f"evolution: {describe(*space.split(evolved))}, "
            f"{len(archive.rows)} candidates in all [{time.monotonic() - start:.0f} s]")

        rows = archive.all_rows()
        for i, row in enumerate(rows):
            row["name"] = f"c{i:04d}"
            row["inferences_per_s"] = clock * 1e6 / row["ii"]
        front = pareto_front(rows)
        int8 = archive.at(space.uniform(BASELINE))
        result = summary(rows, int8=int8, ref_ii=ref_ii, max_drop=max_drop, clock_mhz=clock)
        greedy_row = _pick(archive, greedy_pick, iis, bool(budget) and ref_target is None)
        evolved_row = archive.at(evolved)
        result.update({
            "model": model, "validation_inputs": len(x_val), "seed": seed,
            "greedy_pricing": greedy_pricing,
            "backend": backend.name, "resources": SOURCE, "target": target,
            "weight_formats": list(space.formats), "activation_formats": list(space.activations),
            "dsp_luts": dsp_luts,
            "budget": budget or None, "clock_mhz": clock, "intervals": list(iis),
            "candidates": len(archive.rows), "rows": len(rows),
            "greedy": _named(greedy_row, rows), "evolution": _named(evolved_row, rows),
            "evolution_beats_greedy": bool(
                archive.feasible(evolved_row) and (not archive.feasible(greedy_row)
                                                   or evolved_row["cost"] < greedy_row["cost"])),
        })
        out.mkdir(parents=True, exist_ok=True)
        # what an earlier run wrote goes: its finalists would be mistaken for this run's
        for old in ("configs", "finalists"):
            shutil.rmtree(out / old, ignore_errors=True)
        (out / MARKER_FILE).write_text("This directory was written by `hwgen explore`. Running "
                                       "it again replaces its results.\n")
        chosen = _finalists(archive, rows, result, finalists)
        if synth != "none":
            # the reference is synthesised too: the summary's ratio then has a measured twin
            int8_row = next(r for r in rows if r["name"] == _named(int8, rows)["name"])
            if all(row["name"] != int8_row["name"] for _, row in chosen):
                chosen.append((BASELINE, int8_row))
        plot_pareto(out / "pareto.png", rows, uniform_marks(rows), clock_mhz=clock,
                    cost_limit=int8["cost"])
        result["finalists"] = _build_finalists(
            out, model, calibration, x_val, y_val, space, chosen, backend=backend,
            simulate=simulate, synth=synth, target=target, simulator=simulator, log=log)
        result.update(_synth_ratio(result["finalists"],
                                   int8_row["name"] if synth != "none" else None))
        _write_tables(out, rows, front, table, result)
        result["seconds"] = round(time.monotonic() - start, 1)
        (out / "summary.json").write_text(json.dumps(_jsonable(result), indent=2) + "\n")
        return result
    finally:
        # the finalists' synthesis jobs ran on the same backend
        backend.close()


def _pick(archive, formats, iis, fastest_in_budget):
    if not fastest_in_budget:
        return archive.at(formats)
    rows = [archive.at(formats, ii) for ii in iis]
    fits = [r for r in rows if r is not None and archive.within_budget(r)]
    return min(fits, key=lambda r: r["ii"]) if fits else archive.at(formats)


def _named(row, rows):
    if row is None:
        return None
    match = next(r for r in rows if r["formats"] == row["formats"]
                 and r["activations"] == row["activations"]
                 and r["target_ii"] == row["target_ii"])
    return {k: match[k] for k in ("name", "formats", "activations", "ii", "accuracy", "cost",
                                  "feasible")}


def _finalists(archive, rows, result, count):
    """The summary's smallest and fastest, the greedy pick, then the cheapest feasible row
    at each other interval; at most ``count``, no duplicates."""
    wanted = []
    def key(r):
        return tuple(r["formats"].values()), tuple(r["activations"].values()), r["ii"]

    by_key = {key(r): r for r in rows}
    for label in ("smallest", "fastest"):
        wanted.append((label, by_key[key(result[label])]))
    if result["greedy"]:
        wanted.append(("greedy", next(r for r in rows if r["name"] == result["greedy"]["name"])))
    for ii in sorted({r["ii"] for r in rows}):
        feasible = [r for r in rows if r["ii"] == ii and r["feasible"]]
        if feasible:
            wanted.append((f"ii{ii}", min(feasible, key=lambda r: (r["cost"], -r["accuracy"]))))
    chosen, seen = [], set()
    for label, row in wanted:
        if row["name"] in seen:
            continue
        seen.add(row["name"])
        chosen.append((label, row))
        if len(chosen) == count:
            break
    return chosen


def _synth_ratio(finalists, int8_name) -> dict:
    """The summary's ``smaller_by`` measured by Yosys: uniform int8's synthesised cost over
    the smallest finalist's (when both were synthesised)."""
    by_name = {f["name"]: f for f in finalists if "synth" in f}
    small = next((f for f in finalists if f["label"] == "smallest" and "synth" in f), None)
    if int8_name not in by_name or small is None:
        return {"smaller_by_synth": None}
    return {"smaller_by_synth": by_name[int8_name]["synth"]["cost"] / small["synth"]["cost"]}


#: What ``synth`` may be: every finalist, the summary's two sides, or nothing.
SYNTH_MODES = ("all", "smallest", "none")


def _synth_mode(synth) -> str:
    if synth is True or synth is False:
        return "all" if synth else "none"
    if synth not in SYNTH_MODES:
        raise ConfigError(f"--synth {synth!r} is not valid; valid: {', '.join(SYNTH_MODES)}")
    return synth


def _check_synthesis(target: str) -> None:
    """Before any search: the synthesis target exists and its tools are installed."""
    if target not in SYNTH_TARGETS:
        raise ConfigError(f"target {target!r} cannot be synthesised; valid: "
                          f"{', '.join(SYNTH_TARGETS)} (or --no-synth)")
    require_tool(YOSYS)
    if SYNTH_TARGETS[target].places:
        nextpnr = {tool.name: tool for tool in (NEXTPNR_ECP5, NEXTPNR_ICE40)}
        require_tool(nextpnr[SYNTH_TARGETS[target].nextpnr])


def synthesise_job(context: Context, path: str) -> dict:
    """Yosys' totals of the finalist saved at ``path`` (``hwgen synth`` on the context's
    target), with their cost scalar; a backend task like :func:`evaluate`."""
    data = synthesize(path, context.target, progress=Progress(lambda line: None))
    totals = {k: int(round(data["totals"][k])) for k in ("lut", "ff", "carry", "dsp", "bram",
                                                          "lutram")}
    cost = totals["lut"] + totals["lutram"] + totals["dsp"] * context.dsp_luts
    return {**totals, "cost": float(cost), "yosys_s": data["elapsed_s"]["yosys"]}


def _build_finalists(out, model, calibration, x_val, y_val, space, chosen, *, backend,
                     simulate, synth, target, simulator, log):
    """Compile each finalist from its CONFIG.toml; synthesise those ``synth`` asks for as
    backend tasks (in parallel on Ray: the finalists are saved under OUT, which a local Ray
    instance shares); then simulate each in this process."""
    (out / "configs").mkdir(exist_ok=True)
    done, designs, jobs = [], [], []
    for label, row in chosen:
        config = space.config(space.candidate(row),
                              {k: tuple(v) for k, v in row["folding"].items()})
        header = (f"hwgen explore finalist {label} ({row['name']}): accuracy "
                  f"{row['accuracy']:.4f}, II {row['ii']} cycles, cost {row['cost']:.0f}\n"
                  f"hwgen compile MODEL.onnx --calib CALIB.npy --config {label}.toml -o OUT")
        (out / "configs" / f"{label}.toml").write_text(config_toml(config, header))
        design = api.compile(model, calibration, config)
        golden = design.golden_int(x_val)
        accuracy = float(np.mean(golden.reshape(len(x_val), -1).argmax(axis=1) == y_val))
        entry = {"label": label, "name": row["name"], "config": f"configs/{label}.toml",
                 "ii": design.ii, "latency": design.latency, "accuracy": accuracy,
                 # the CONFIG.toml rebuilds what the search priced and measured
                 "matches_search": design.ii == row["ii"] and design.latency == row["latency"]
                 and accuracy == row["accuracy"]}
        # "smallest": the two sides of the summary's ratio only (fast designs take Yosys long)
        synthesise = synth == "all" or (synth == "smallest" and label in ("smallest",
                                                                           BASELINE))
        if simulate or synthesise:
            design.save(out / "finalists" / label, force=True)
        if synthesise:
            # the estimate the search used, beside what Yosys makes of the same Verilog
            entry["estimate"] = {k: row[k] for k in ("lut", "ff", "carry", "dsp", "bram",
                                                     "lutram", "cost")}
            jobs.append((entry, row))
        done.append(entry)
        designs.append(design)
    paths = [str((out / "finalists" / entry["label"]).resolve()) for entry, _ in jobs]
    for (entry, row), result in zip(jobs, backend.map(paths, synthesise_job), strict=True):
        entry["synth"] = result
        log(f"finalist {entry['label']}: synthesised ({target}): LUT {result['lut']:,} "
            f"(estimate {row['lut']:,}), DSP {result['dsp']} (estimate {row['dsp']}), "
            f"cost {result['cost']:,.0f} (estimate {row['cost']:,.0f})")
    for entry, design in zip(done, designs, strict=True):
        if not simulate:
            break
        sim = design.simulate(x_val, simulator=simulator, log=lambda m: None)
        entry.update({"bit_exact": bool(sim.result["bit_exact"]),
                      "cycles_exact": sim.result["cycles_exact"]})
        log(f"finalist {entry['label']}: II {design.ii}, bit exact {entry['bit_exact']}, "
            f"cycles exact {entry['cycles_exact']}")
    return done


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def _write_tables(out, rows, front, table, result):
    with open(out / "pareto.csv", "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(_CSV_COLUMNS)
        for r in front:
            writer.writerow([json.dumps(r[k]) if k in ("formats", "activations") else r[k]
                             for k in _CSV_COLUMNS])
    data = {"front": [r["name"] for r in front], "rows": rows, "sensitivity": table,
            "summary": {k: v for k, v in result.items() if k != "finalists"},
            # each finalist's config, exactness and (when synthesised) Yosys' resources
            "finalists": result.get("finalists", [])}
    (out / "pareto.json").write_text(json.dumps(_jsonable(data), indent=1) + "\n")
