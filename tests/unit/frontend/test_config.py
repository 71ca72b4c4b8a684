"""CONFIG.toml parsing: defaults, overrides, and errors that name the bad entry and the choices."""

import numpy as np
import pytest

from hwgen.errors import ConfigError
from hwgen.frontend import CompileConfig, LayerOptions, load_config, quantize_mlp
from hwgen.ir import IntType

TOML = b"""
[default]
weights = "int4"
activations = "uint8"
calibration = "percentile"
output = "int8"

[layer.fc1]
activations = "int4"
granularity = "tensor"
pe = 2
simd = "auto"

[layer."block/fc.2"]
requant = "single"
rounding = "half_away"
"""


def test_defaults():
    config = load_config(None)
    opts = config.layer("anything")
    assert opts == LayerOptions(weights="int8", activations="int8", granularity="channel",
                                calibration="minmax", rounding="half_even", requant="gemmlowp",
                                pe=None, simd=None)
    assert config.output == "int8" and config.output_type == IntType(8, True)
    assert opts.weight_type == IntType(8, True) and opts.group_size is None


def test_toml_file_and_dict_give_the_same_config(tmp_path):
    path = tmp_path / "CONFIG.toml"
    path.write_bytes(TOML)
    from_file = load_config(path)
    import tomllib
    from_dict = load_config(tomllib.loads(TOML.decode()))
    for config in (from_file, from_dict):
        assert config.default.weights == "int4" and config.default.calibration == "percentile"
        fc1 = config.layer("fc1")
        # a layer table overrides only its own keys; the rest come from [default]
        assert (fc1.weights, fc1.activations, fc1.granularity, fc1.calibration) == \
            ("int4", "int4", "tensor", "percentile")
        assert (fc1.pe, fc1.simd) == (2, None)
        other = config.layer("block/fc.2")
        assert (other.requant, other.rounding, other.activations) == \
            ("single", "half_away", "uint8")
        assert config.layer("fc0") == config.default
    assert from_file.source == str(path)
    assert load_config(from_file) is from_file


def test_config_is_frozen():
    config = load_config({"layer": {"a": {"pe": 4}}})
    with pytest.raises(AttributeError):
        config.output = "int4"
    with pytest.raises(TypeError):
        config.overrides["b"] = LayerOptions()
    assert isinstance(config, CompileConfig)


@pytest.mark.parametrize("table,message", [
    ({"defaults": {}}, "unknown table [defaults]; valid tables: [default], [layer.NAME]"),
    ({"default": {"wieghts": "int8"}},
     "[default]: unknown key 'wieghts'; valid keys: activations, binarize, block_size, "
     "calibration, dsp_packing, granularity, output, pe, pipeline, requant, rounding, simd, "
     "ternarize, weights"),
    ({"layer": {"fc": {"output": "int8"}}},
     "[layer.fc]: unknown key 'output' ('output' is the format of the model's final output "
     "and belongs in [default]); valid keys: weights, activations, granularity, calibration, "
     "rounding, requant, pe, simd"),
    ({"default": {"weights": "uint8"}},
     "weights = 'uint8': weights must be signed (their zero point is 0); valid: int2, int3, "
     "int4, int5, int6, int7, int8"),
    ({"default": {"weights": "int9"}},
     "weights = 'int9': 9-bit codes are out of range for the INT datapath (2 to 8 bits)"),
    ({"default": {"activations": "uint1"}}, "activations = 'uint1': 1-bit codes are out of range"),
    ({"default": {"activations": "fp8"}},
     "activations = 'fp8' is not a known format; valid: int2, int3, int4, int5, int6, int7, "
     "int8, uint2, uint3, uint4, uint5, uint6, uint7, uint8"),
    ({"default": {"output": 8}}, "output must be a format name such as 'int8', not 8"),
    ({"default": {"granularity": "group:0"}},
     "granularity = 'group:0' is not valid; valid: tensor, channel, group:N"),
    ({"default": {"calibration": "max"}},
     "calibration = 'max' is not valid; valid: minmax, mean_minmax, ema, percentile, mse, "
     "laplace, gaussian, entropy"),
    ({"default": {"rounding": "stochastic"}},
     "rounding = 'stochastic' is not valid; valid: half_even, half_away"),
    ({"default": {"requant": "float"}}, "requant = 'float' is not valid; valid: gemmlowp, single"),
    ({"default": {"pe": 0}}, "pe = 0 is not valid; valid: a positive integer or 'auto'"),
    ({"default": {"simd": True}}, "simd = True is not valid"),
    ({"default": {"simd": "4"}}, "simd = '4' is not valid"),
    ({"layer": {"fc": 3}}, "[layer.fc] must be a table of keys, not 3"),
    ({"layer": 3}, "[layer] must hold one [layer.NAME] table per layer"),
])
def test_errors_name_the_entry_and_list_valid_choices(table, message):
    with pytest.raises(ConfigError) as info:
        load_config(table)
    assert message in str(info.value)


def test_all_errors_are_listed_at_once():
    with pytest.raises(ConfigError) as info:
        load_config({"default": {"weights": "int1", "pe": -1},
                     "layer": {"fc": {"simd": 0, "colour": "red"}}})
    text = str(info.value)
    assert text.startswith("config has 4 problems:")
    for part in ("[default]: weights = 'int1'", "[default]: pe = -1",
                 "[layer.fc]: simd = 0", "[layer.fc]: unknown key 'colour'"):
        assert part in text


def test_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[default\nweights = 'int8'")
    with pytest.raises(ConfigError, match="bad.toml is not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="config must be None, a dict or the path"):
        load_config(42)


# -- checks that need the model ---------------------------------------------------------------

def small_mlp(config, names=("fc0", "fc1")):
    rng = np.random.default_rng(20)
    return quantize_mlp(weights=[rng.normal(size=(6, 4)), rng.normal(size=(3, 6))],
                        calibration=rng.normal(size=(32, 4)), config=config, names=names)


def test_unknown_layer_lists_the_models_layers():
    with pytest.raises(ConfigError) as info:
        small_mlp({"layer": {"fc9": {"pe": 1}, "fc0": {"pe": 1}, "a b": {}}})
    assert str(info.value) == ('config: [layer.fc9], [layer."a b"]: the model has no such '
                               "layer; its layers are: fc0, fc1")


def test_group_granularity_parses_but_the_int_datapath_rejects_it():
    assert load_config({"default": {"granularity": "group:16"}}).default.group_size == 16
    with pytest.raises(ConfigError) as info:
        small_mlp({"layer": {"fc1": {"granularity": "group:2"}}})
    assert str(info.value) == (
        "layer 'fc1': granularity = 'group:2': group scales need the MX / VS-Quant path (a later "
        "issue); the INT datapath takes 'tensor' or 'channel'")


def test_pe_and_simd_must_divide_the_layer():
    with pytest.raises(ConfigError) as info:
        small_mlp({"layer": {"fc0": {"pe": 4, "simd": 3}}})
    text = str(info.value)
    assert "layer 'fc0': pe = 4 does not divide its 6 output channels; use one of 1, 2, 3, 6 " \
           "or 'auto'" in text
    assert "layer 'fc0': simd = 3 does not divide its 4 inputs; use one of 1, 2, 4 or 'auto'" \
        in text


def test_folding_is_set_only_when_pe_and_simd_are_both_given():
    graph = small_mlp({"layer": {"fc0": {"pe": 3, "simd": 2}, "fc1": {"pe": 3}}})
    assert (graph.layers[0].folding.pe, graph.layers[0].folding.simd) == (3, 2)
    assert graph.layers[1].folding is None


def test_docs_document_every_key_and_their_example_parses():
    import pathlib
    import re
    import tomllib

    docs = (pathlib.Path(__file__).parents[3] / "docs" / "config.md").read_text()
    documented = set(re.findall(r"^\| `(\w+)` \|", docs, flags=re.M))
    keys = set(LayerOptions.__dataclass_fields__) | {"output"}
    assert documented == keys
    example = re.search(r"```toml\n(.*?)```", docs, flags=re.S).group(1)
    config = load_config(tomllib.loads(example))
    assert config.layer("fc1").pe == 4 and config.layer("block/fc.2").weights == "int4"
