"""hwgen.explore: the resource adapter, the Pareto front, the searches on a small digits MLP."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import hwgen
from hwgen.errors import ConfigError
from hwgen.explore import explore, parse_activations, parse_budget, parse_formats
from hwgen.explore.pareto import pareto_front
from hwgen.explore.resources import Resources, cost, estimate
from hwgen.explore.space import Space, config_toml
from hwgen.perf.cost import design_cost
from tests.fixtures.explore_models import digits_mlp

SMALL = {"formats": ("int8", "int4", "int2", "binary"), "activations": ("int8", "int4"),
         "population": 4, "generations": 1,
         "ladder_steps": 2, "finalists": 2, "simulate": False, "synth": False}


@pytest.fixture(scope="module")
def mlp(tmp_path_factory):
    path = tmp_path_factory.mktemp("mlp") / "mlp.onnx"
    return (str(path), *digits_mlp(path))


@pytest.fixture(scope="module")
def serial_run(mlp, tmp_path_factory):
    out = tmp_path_factory.mktemp("explore") / "out"
    model, calib, x, y = mlp
    return out, explore(model, calib, x, y, out, seed=3, log=lambda m: None, **SMALL)


# -- pieces ---------------------------------------------------------------------------------

def test_estimate_is_the_cost_models_total_in_whole_primitives(mlp):
    model, calib, _, _ = mlp
    design = hwgen.compile(model, calib)
    for target in ("xcup", "ecp5"):
        total = design_cost(design.blocks, design.lowered.edges, target).total
        r = estimate(design, target)
        for field in ("lut", "ff", "carry", "dsp", "bram", "lutram"):
            assert abs(getattr(r, field) - getattr(total, field)) <= 0.5, (target, field)
        assert isinstance(r.lut, int) and r.dsp == round(total.dsp)


def test_cost_counts_a_dsp_as_dsp_luts():
    r = Resources(lut=100, ff=0, carry=0, dsp=3, bram=7, lutram=10)
    assert cost(r, dsp_luts=50) == 100 + 10 + 150


def test_pareto_front_drops_dominated_rows():
    rows = [{"name": "a", "accuracy": 0.9, "cost": 10, "ii": 100},
            {"name": "b", "accuracy": 0.8, "cost": 20, "ii": 100},     # a beats it
            {"name": "c", "accuracy": 0.95, "cost": 30, "ii": 100},
            {"name": "d", "accuracy": 0.8, "cost": 20, "ii": 50}]      # faster than all
    assert [r["name"] for r in pareto_front(rows)] == ["a", "d", "c"]


def test_bad_budget_and_formats_name_the_fix():
    assert parse_budget("luts=2000,dsps=4,bram=1") == {"lut": 2000, "dsp": 4, "bram": 1}
    with pytest.raises(ConfigError, match="unknown resource 'flops'; valid: luts"):
        parse_budget("flops=3")
    with pytest.raises(ConfigError, match="'int9'"):
        parse_formats("int4,int9")
    assert parse_formats("int4,binary") == ("int8", "int4", "binary")
    assert parse_activations("int4,uint6") == ("int8", "int4", "uint6")
    with pytest.raises(ConfigError, match="--activations: unknown format.*'mxfp4'"):
        parse_activations("int4,mxfp4")


def test_space_gives_mx_layers_a_block_size_that_divides_their_inputs():
    space = Space(layers=("conv1", "fc"), inputs=(9, 256), formats=("int8", "mxfp4", "mx6"))
    assert space.allowed(0) == ("int8", "mxfp4")          # 9 inputs: no even block for mx6
    config = space.config(("mxfp4", "mx6", "int8", "int8"))
    assert config["layer"]["conv1"]["block_size"] == 9
    assert config["layer"]["fc"]["block_size"] == 32
    text = config_toml(config, "a header")
    assert '[layer."fc"]\nweights = "mx6"\nactivations = "int8"\nblock_size = 32' in text


def test_a_candidate_is_the_weights_then_the_input_activations_of_each_layer():
    space = Space(layers=("conv1", "fc"), inputs=(9, 256), formats=("int8", "int4"),
                  activations=("int8", "int4", "int2"))
    assert space.genes == 4
    assert [space.gene(g) for g in range(4)] == [
        ("conv1", "weights"), ("fc", "weights"), ("conv1", "activations"),
        ("fc", "activations")]
    assert space.allowed(1) == ("int8", "int4") and space.allowed(3) == ("int8", "int4", "int2")
    assert space.uniform("int4") == ("int4", "int4", "int8", "int8")
    assert space.uniform("int4", "int4") == ("int4", "int4", "int4", "int4")
    candidate = ("int4", "int8", "int2", "int4")
    assert space.split(candidate) == ({"conv1": "int4", "fc": "int8"},
                                      {"conv1": "int2", "fc": "int4"})
    config = space.config(candidate)
    assert config["layer"]["conv1"] == {"weights": "int4", "activations": "int2"}
    row = {"formats": {"conv1": "int4", "fc": "int8"}, "activations": {"conv1": "int2",
                                                                      "fc": "int4"}}
    assert space.candidate(row) == candidate


class _PairBackend:
    """A toy backend: a layer's cost falls only when its weights AND its input activations are
    int4 (as its products then leave the DSPs); int4 on one side alone costs a little more."""

    def __init__(self, space):
        self.space = space

    def _cost(self, c):
        n = len(self.space.layers)
        pairs = sum(c[i] == c[n + i] == "int4" for i in range(n))
        singles = sum(g == "int4" for g in c) - 2 * pairs
        return 100.0 + singles - 40.0 * pairs

    def map(self, candidates, function=None):
        from hwgen.explore.evaluate import price
        if function is price:
            return [self._cost(c) for c in candidates]
        narrow = [sum(g == "int4" for g in c) for c in candidates]
        return [[{"target_ii": 10, "ii": 10, "accuracy": 0.9 - 0.001 * k, "noise": 0.01 * k,
                  "sqnr_db": 30.0, "cost": self._cost(c)}]
                for c, k in zip(candidates, narrow, strict=True)]


def test_greedy_takes_the_pair_moves_no_single_gene_move_reveals():
    from hwgen.explore.search import Archive, greedy, sensitivity
    space = Space(layers=("a", "b"), inputs=(8, 8), formats=("int8", "int4"),
                  activations=("int8", "int4"))
    archive = Archive(_PairBackend(space), ref_ii=10, max_drop=0.01)
    table = sensitivity(archive, space)
    # every single-gene change costs more than uniform int8 ...
    assert all(e["saving"] < 0 for e in table)
    # ... yet the greedy walk gives both layers int4 weights and activations
    assert greedy(archive, space, table) == ("int4",) * 4
    archive = Archive(_PairBackend(space), ref_ii=10, max_drop=0.0025)   # room for one pair
    table = sensitivity(archive, space)
    chosen = greedy(archive, space, table)
    assert sorted(chosen) == ["int4", "int4", "int8", "int8"] and chosen[0] == chosen[2]


class _RecordingPairBackend(_PairBackend):
    """_PairBackend that records what it is asked to price; ``clash`` adds 100 to the cost
    of a candidate with both layers at int4 / int4 (an interaction additivity cannot see)."""

    def __init__(self, space, clash=False):
        super().__init__(space)
        self.priced, self.clash = [], clash

    def _cost(self, c):
        return super()._cost(c) + (100.0 if self.clash and set(c) == {"int4"} else 0.0)

    def map(self, candidates, function=None):
        from hwgen.explore.evaluate import price
        if function is price:
            self.priced += [tuple(c) for c in candidates]
        return super().map(candidates, function)


def test_additive_greedy_prices_each_layer_change_once_against_uniform_int8():
    from hwgen.explore.search import Archive, greedy, sensitivity
    space = Space(layers=("a", "b"), inputs=(8, 8), formats=("int8", "int4"),
                  activations=("int8", "int4"))
    backend = _RecordingPairBackend(space)
    archive = Archive(backend, ref_ii=10, max_drop=0.01)
    table = sensitivity(archive, space)
    assert greedy(archive, space, table, pricing="additive") == ("int4",) * 4
    # only the pair moves from uniform int8 (the single genes were evaluated by the
    # sensitivity), each once; no candidate with two layers changed was priced
    assert sorted(backend.priced) == sorted([("int4", "int8", "int4", "int8"),
                                             ("int8", "int4", "int8", "int4")])
    # a move whose evaluated cost is above the current one is not kept
    backend = _RecordingPairBackend(space, clash=True)
    archive = Archive(backend, ref_ii=10, max_drop=0.01)
    chosen = greedy(archive, space, sensitivity(archive, space), pricing="additive")
    assert sorted(chosen) == ["int4", "int4", "int8", "int8"] and chosen[0] == chosen[2]
    with pytest.raises(ValueError, match="greedy pricing 'guess'; valid: exact, additive"):
        greedy(archive, space, table, pricing="guess")


# -- a whole search -------------------------------------------------------------------------

def test_explore_writes_the_front_plot_configs_and_summary(serial_run):
    out, result = serial_run
    for name in ("pareto.csv", "pareto.json", "pareto.png", "summary.json"):
        assert (out / name).stat().st_size > 0, name
    assert (out / "pareto.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads((out / "pareto.json").read_text())
    front = {r["name"] for r in data["rows"] if r["name"] in data["front"]}
    # no evaluated row is at least as good on all three and better on one
    for r in data["rows"]:
        for f in (x for x in data["rows"] if x["name"] in front):
            assert not (r["accuracy"] >= f["accuracy"] and r["cost"] <= f["cost"]
                        and r["ii"] <= f["ii"] and (r["accuracy"], r["cost"], r["ii"])
                        != (f["accuracy"], f["cost"], f["ii"])), (r["name"], f["name"])
    with open(out / "pareto.csv") as f:
        assert {row["name"] for row in csv.DictReader(f)} == set(data["front"])
    assert json.loads((out / "summary.json").read_text())["smaller_by"] == result["smaller_by"]
    assert result["smaller_by"] >= 1.0 and result["faster_by"] >= 1.0
    assert len(result["finalists"]) == 2
    assert all(f["matches_search"] and "bit_exact" not in f for f in result["finalists"])


def test_uniform_int8_row_is_the_golden_models_accuracy(mlp, serial_run):
    model, calib, x, y = mlp
    out, result = serial_run
    design = hwgen.compile(model, calib)
    accuracy = float(np.mean(design.golden(x).argmax(axis=1) == y))
    assert result["int8"]["accuracy"] == accuracy
    assert result["int8"]["ii"] == design.ii


def test_finalist_config_rebuilds_the_design_the_search_priced(mlp, serial_run):
    model, calib, x, y = mlp
    out, result = serial_run
    smallest = result["smallest"]
    design = hwgen.compile(model, calib, str(out / "configs" / "smallest.toml"))
    assert (design.ii, design.latency) == (smallest["ii"], smallest["latency"])
    assert float(np.mean(design.golden(x).argmax(axis=1) == y)) == smallest["accuracy"]
    assert smallest["accuracy"] >= result["int8"]["accuracy"] - 0.005 - 1e-12


def test_same_seed_same_result(mlp, serial_run, tmp_path):
    model, calib, x, y = mlp
    out, _ = serial_run
    explore(model, calib, x, y, tmp_path / "again", seed=3, log=lambda m: None, **SMALL)
    first = json.loads((out / "pareto.json").read_text())
    again = json.loads((tmp_path / "again" / "pareto.json").read_text())
    assert first["rows"] == again["rows"] and first["front"] == again["front"]


# -- the command ----------------------------------------------------------------------------

def test_cli_refuses_bad_formats_before_any_work(tmp_path, capsys):
    from hwgen.cli import main
    status = main(["explore", "missing.onnx", "--calib", "c.npy", "--val", "x.npy", "y.npy",
                   "-o", str(tmp_path / "out"), "--formats", "int8,int12"])
    assert status == 2
    err = capsys.readouterr().err
    assert "--formats: unknown format(s) 'int12'" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_cli_explore_prints_the_summary(mlp, tmp_path, capsys):
    from hwgen.cli import main
    model, calib, x, y = mlp
    paths = {}
    for name, array in (("calib", calib), ("x", x), ("y", y)):
        paths[name] = tmp_path / f"{name}.npy"
        np.save(paths[name], array)
    status = main(["explore", model, "--calib", str(paths["calib"]), "--val", str(paths["x"]),
                   str(paths["y"]), "-o", str(tmp_path / "out"), "--formats", "int8,int4",
                   "--population", "2", "--generations", "1", "--finalists", "1",
                   "--no-simulate", "--no-synth", "--budget", "luts=1e9"])
    assert status == 0
    printed = capsys.readouterr().out
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert f"{summary['smaller_by']:.2f}x smaller" in printed
    assert summary["budget"] == {"lut": 1e9}
    assert (tmp_path / "out" / "configs" / "smallest.toml").is_file()


def test_explore_refuses_a_directory_hwgen_did_not_write(mlp, tmp_path):
    model, calib, x, y = mlp
    (tmp_path / "mine.txt").write_text("keep me")
    with pytest.raises(hwgen.errors.HwgenError, match="was not written by hwgen"):
        explore(model, calib, x, y, tmp_path, log=lambda m: None, **SMALL)
    assert (tmp_path / "mine.txt").read_text() == "keep me"


def test_labels_of_the_wrong_shape_are_refused_before_any_compile(mlp, tmp_path):
    model, calib, x, y = mlp
    with pytest.raises(hwgen.errors.HwgenError, match=r"shape \(N,\), not \(120, 64\)"):
        explore(model, calib, x, x, tmp_path / "out", log=lambda m: None, **SMALL)


def test_activation_formats_are_searched_and_rebuilt_by_the_finalist_config(mlp, serial_run):
    model, calib, x, y = mlp
    out, result = serial_run
    data = json.loads((out / "pareto.json").read_text())
    kinds = {(e["kind"], e["format"]) for e in data["sensitivity"]}
    assert ("activations", "int4") in kinds and ("weights", "int4") in kinds
    # some evaluated row has narrow input activations somewhere, and W4A4 was evaluated
    assert any("int4" in r["activations"].values() for r in data["rows"])
    assert any(set(r["formats"].values()) == set(r["activations"].values()) == {"int4"}
               for r in data["rows"])
    # the finalist's CONFIG.toml gives each layer the input activations the search priced
    smallest = result["smallest"]
    design = hwgen.compile(model, calib, str(out / "configs" / "smallest.toml"))
    types = {layer["name"]: (layer["weight_type"], layer["input_type"])
             for layer in design.manifest["layers"] if "weight_type" in layer}
    assert types == {name: (smallest["formats"][name], smallest["activations"][name])
                     for name in smallest["formats"]}


def test_an_unknown_synthesis_target_is_refused_before_any_compile(mlp, tmp_path):
    model, calib, x, y = mlp
    options = {**SMALL, "synth": True, "target": "virtex2"}
    with pytest.raises(ConfigError, match="target 'virtex2' cannot be synthesised; valid: .*"
                                          "xcup.*or --no-synth"):
        explore(model, calib, x, y, tmp_path / "out", log=lambda m: None, **options)
    assert not (tmp_path / "out").exists()


def test_an_unknown_synthesis_mode_is_refused_before_any_compile(mlp, tmp_path):
    model, calib, x, y = mlp
    with pytest.raises(ConfigError, match="--synth 'some' is not valid; valid: all, smallest, "
                                          "none"):
        explore(model, calib, x, y, tmp_path / "out", log=lambda m: None,
                **{**SMALL, "synth": "some"})
    assert not (tmp_path / "out").exists()
