"""Fitted coefficients of the cost model: what one unit of each feature costs per target.

The part between the ``fitted`` markers is written by ``python benchmarks/fit_cost_model.py
--write`` (non-negative least squares on the relative error over the sweep of
benchmarks/cost_sweep.py, against Yosys through the cells ``hwgen synth`` counts). Do not
edit it by hand: refit. xc7 shares xcup's coefficients (the same LUT6 / CARRY4 fabric and
``synth_xilinx``) and iCE40 ECP5's (LUT4 fabric); neither is fitted on its own.
"""

# -- fitted: begin (benchmarks/fit_cost_model.py --write replaces this part) -----------------
#: where each target's coefficients come from
FITTED_ON = {
    "xcup": "2026-12-06, 82 parts",
    "ecp5": "2026-12-06, 82 parts",
}
#: the same in one line (shown in manifest.json and the report)
FITTED = ("benchmarks/fit_cost_model.py: "
          "xcup: 2026-12-06, 82 parts; "
          "ecp5: 2026-12-06, 82 parts"
          )
COEFFICIENTS = {
    "xcup": {
        "lut": {
            "add_lut": 2.4558, "csa": 0.4993, "csa_dsp": 0.9961, "mux": 0.9886, "mux_n": 0.2591,
            "in_mux": 2.0976, "acc_mux": 1.1637, "pad_mux": 0.4685, "lutram_mux": 1.5469,
            "term_sel": 1.3933, "rom": 1.0824, "soft_mul": 1.1417, "soft_mul_lut": 1.3597,
            "logic": 0.9213, "rq_g": 7.0291, "rq_g_bits": 4.9018, "rq_s": 39.2545,
            "rq_s_bits": 1.8175, "rq_shift": 0.1664, "rq_serial": 10.6946, "rq_mux": 0.8266,
            "mx_align": 2.3866, "mx_quant": 2.3531, "dwc_sel": 1.2719, "dwc_load": 1.4827,
            "win_ctl": 0.8248, "term_and": 1.4732, "rq_table": 0.0933, "mx_term_log": 0.9497,
            "csa_borrow": 0.9697,
        },
        "ff": {
            "reg": 0.9852, "reg_dsp": 0.9624, "ram_ff": 0.3681, "block": 2.2253,
        },
        "carry": {
            "carry": 0.5506, "soft_mul": 0.123, "rq_g_carry": 1.2723, "rq_s_carry": 0.4558,
            "mx_carry": 0.6213,
        },
    },
    "ecp5": {
        "lut": {
            "add": 0.0436, "add_lut": 0.2572, "inc_lut": 3.2751, "csa": 0.2623, "csa_dsp": 0.8376,
            "mux": 0.4685, "mux_n": 0.8619, "in_mux": 2.2764, "acc_mux": 1.0827, "pad_mux": 0.7408,
            "lutram_mux": 0.726, "term_sel": 2.9447, "cmp": 0.6611, "cmp_lut": 2.0424,
            "rom": 1.1233, "soft_mul": 1.8877, "logic": 4.3129, "rq_g_bits": 2.0042,
            "rq_s_bits": 1.3669, "rq_shift": 0.3483, "rq_mux": 0.618, "mx_align": 2.561,
            "mx_quant": 2.8051, "dwc_sel": 4.2766, "dwc_load": 2.5985, "term_and": 2.0922,
            "rq_table": 0.0957, "mx_term_log": 1.4079, "csa_borrow": 0.0432,
        },
        "ff": {
            "reg": 0.9859, "reg_dsp": 0.9581, "ram_ff": 0.2444, "block": 2.5818,
        },
        "carry": {
            "carry": 0.7138, "soft_mul": 1.4913, "rq_g_carry": 1.5124, "rq_s_carry": 0.6301,
            "mx_carry": 0.5419,
        },
    },
}
# -- fitted: end ------------------------------------------------------------------------------
#: Coefficients measured by hand, not fitted (the fit takes their part off the observed
#: counts first): on Xilinx one LUT6 per counter output of the XNOR MVAU's compressor-tree
#: popcount (``benchmarks/bench_xnor_resources.py``: its four points, 64 x 64 at PE x SIMD
#: 1 x 8 to 8 x 64, synthesised counter by counter); and the LUTs of the threshold unit's
#: comparators per bit (``thr_cmp``), measured on the threshold unit's module alone
#: (``benchmarks/bench_kept_modules.py``: sweep points b01, b02, b03, b06, bw2, t02 with every
#: module kept; 0.70-0.96 LUT6 a bit on xcup, 0.14-0.24 LUT4 on ECP5, whose CCU2C carry
#: cells hold the comparison): fitted with the blocks, the comparators go to zero and their
#: LUTs to other features.
FIXED = {"xcup": {"lut": {"popcount": 1.0, "thr_cmp": 0.86}},
         "ecp5": {"lut": {"thr_cmp": 0.18}}}
for _target, _resources in FIXED.items():
    for _resource, _coefficients in _resources.items():
        COEFFICIENTS[_target][_resource].update(_coefficients)
COEFFICIENTS["xc7"] = COEFFICIENTS["xcup"]
COEFFICIENTS["ice40"] = COEFFICIENTS["ecp5"]

#: LUTs per distinct column of a ROM in soft logic, by address bits, measured with Yosys on
#: ROMs of random contents (by hand; the fit script does not refit them): ``counter`` for a
#: ROM addressed by a counter (the weight ROMs: ABC maps these far less densely than it
#: could), ``register`` for one addressed by a register (the per-fold tables). Deeper ROMs
#: double per address bit. ECP5's ``counter`` column up to 6 bits is measured inside the
#: blocks instead, where a weight ROM costs more from 32 words up and less at 8 than alone
#: (``benchmarks/bench_weight_rom_in_block.py``: fitted sweep points c01, g01 layer_1, i02,
#: i07, i17, i18 with their weight rows repeated with period 8, 16, 32, 64, less the period-2
#: block, per column: 0.6-1.0 LUT4 at 8 words, 1.0-2.3 at 16, 3.1-3.2 at 32, 4.6-5.0 in
#: ROMs of 36-40 words, 6.8 at 64), divided by the fitted ``rom`` coefficient (about 1.2).
ROM_LUTS = {
    "xcup": {"counter": {2: 0.1, 3: 0.9, 4: 1.0, 5: 1.3, 6: 3.7, 7: 9.5, 8: 19.0, 9: 34.8},
             "register": {2: 0.1, 3: 0.9, 4: 1.0, 5: 1.0, 6: 1.0, 7: 2.0, 8: 4.0, 9: 9.6}},
    "ecp5": {"counter": {2: 0.2, 3: 0.65, 4: 1.1, 5: 2.55, 6: 5.7, 7: 12.8, 8: 31.4, 9: 56.4},
             "register": {2: 0.3, 3: 1.0, 4: 1.1, 5: 2.1, 6: 4.1, 7: 8.2, 8: 19.0, 9: 37.8}},
}
ROM_LUTS["xc7"] = ROM_LUTS["xcup"]
ROM_LUTS["ice40"] = ROM_LUTS["ecp5"]
