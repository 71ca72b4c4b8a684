"""The public Python face: compile a model, save and load a design, golden model, simulation.

``hwgen.compile``, ``hwgen.load``, :class:`Design` and :class:`SimulationResult` live here and are
re-exported by :mod:`hwgen`. The ``hwgen`` command (:mod:`hwgen.cli`) goes through the same
functions, so ``design.save(out)`` writes what ``hwgen compile -o out`` writes and
``design.simulate(x)`` returns what ``hwgen sim`` reports. Only :mod:`hwgen` and :mod:`hwgen.cli`
import this module. Nothing here imports Amaranth: the Verilog is generated (and Amaranth
imported) when a design is saved or simulated, or its :attr:`Design.verilog` is read.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from .backend.design import DEFAULT_TOP, INTERFACES, LoweredDesign
from .backend.design_file import load_design
from .backend.manifest import build_manifest
from .backend.writer import MANIFEST_FILE, write_design
from .errors import ConfigError, HwgenError, ModelError, SimulationError
from .golden.model import run_pipeline
from .input_files import input_file
from .ir.graph import Graph
from .passes import (
    DEFAULT_MAX_MACS,
    MAX_LAYER_WEIGHTS,
    FoldingTargetError,
    steady_state_inferences,
)
from .passes.folding import target_interval, target_rate_error
from .perf.cost.summary import DEFAULT_COST_TARGET
from .perf.pipeline import PipelineTiming, pipeline_timing
from .report import RESULT_FILE
from .sim.model_run import DRIVERS, simulate_design
from .sim.shipped_run import new_run_dir, publish_results, simulate_shipped
from .sim.toolchain import SIMULATORS
from .text import check_verilog_identifier

__all__ = ["compile", "load", "Design", "SimulationResult"]

#: Where a saved design's simulation results go, relative to its directory.
SIM_DIR = Path(RESULT_FILE).parent


def _is_model_proto(model) -> bool:
    # An onnx.ModelProto can only exist once onnx is imported: no need to import it here.
    onnx = sys.modules.get("onnx")
    return onnx is not None and isinstance(model, onnx.ModelProto)


def _print_to_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _check_positive(name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise HwgenError(f"{name} must be a positive integer, not {value!r}")


def compile(model, calibration=None, config=None, *, max_macs: int | None = None,
            target_ii: int | None = None, target_fps: float | None = None,
            clock_mhz: float | None = None, top: str = DEFAULT_TOP,
            interface: str = "stream", max_layer_weights: int | None = MAX_LAYER_WEIGHTS,
            progress=None) -> Design:
    """Quantize (if needed), fold, lower and size a model into a :class:`Design`.

    What ``hwgen compile`` does before it writes anything.

    Parameters
    ----------
    model : str, os.PathLike, onnx.ModelProto or hwgen.ir.Graph
        An ONNX model, float (quantized with ``calibration``), QDQ (onnxruntime's
        ``quantize_static``, compiled with its own scales) or QONNX (Brevitas, FINN); or an IR
        graph that is quantized already (e.g. from :func:`hwgen.frontend.quantize_mlp`).
    calibration : array_like, optional
        Representative inputs of a float model, one per row, in the model's own layout
        (``(N, features)`` or ``(N, C, H, W)``). Not used by QDQ models; must be None for a
        graph.
    config : CompileConfig, dict, str or os.PathLike, optional
        CONFIG.toml (its path, or the same tables as a dict): formats, rounding, PE / SIMD per
        layer (docs/config.md).
    max_macs : int, optional
        Budget mode: multipliers of the largest layer when the folding is chosen
        automatically (the CLI's ``--max-macs``; 64 when no target is given).
    target_ii : int, optional
        Target mode: the cheapest folding (fewest multipliers) whose initiation interval is
        at most ``target_ii`` cycles per inference (``--target-ii``).
    target_fps, clock_mhz : float, optional
        Target mode as a rate: at least ``target_fps`` inferences per second at a clock of
        ``clock_mhz`` MHz, i.e. ``target_ii = floor(clock_mhz * 1e6 / target_fps)``
        (``--target-fps``, ``--clock-mhz``).
    top : str
        Verilog module name (the CLI's ``--top``): a plain identifier, no Verilog keyword.
    interface : {"stream", "axis"}
        The top module's ports (the CLI's ``--interface``): Amaranth valid/ready streams
        ``i_stream`` / ``o_stream`` with ``clk`` / ``rst``, or AXI4-Stream ``s_axis_*`` /
        ``m_axis_*`` with ``aclk`` / ``aresetn`` (docs/integration.md). The blocks and the
        predicted cycles are the same.
    max_layer_weights : int or None
        A layer with more weights is refused before any long work (the CLI's
        ``--max-layer-weights``; :data:`hwgen.passes.MAX_LAYER_WEIGHTS` by default); None
        for no limit.
    progress : callable, optional
        ``progress(step)`` with the name of each compile step as it starts.

    Returns
    -------
    Design
        Not saved yet: :meth:`Design.save` writes it.

    Raises
    ------
    HwgenError
        A subclass naming the layer, node or value at fault (unsupported operators, bad
        config keys, empty calibration data, ...), before any long work; a
        :class:`~hwgen.passes.FoldingTargetError` when no folding reaches the target, naming
        the fastest interval, the layer that sets it and why.
    """
    if max_macs is not None:
        _check_positive("max_macs", max_macs)
    if max_layer_weights is not None:
        _check_positive("max_layer_weights", max_layer_weights)
    check_verilog_identifier(top, "top")
    if interface not in INTERFACES:
        raise ConfigError(f"interface must be one of {', '.join(map(repr, INTERFACES))}, not "
                          f"{interface!r} (the CLI's --interface)")
    if isinstance(config, (str, os.PathLike)):
        input_file(config, "config")
    options = {"top": top, "max_layer_weights": max_layer_weights, "progress": progress}
    # The compiler reads ONNX: import it when a model is compiled, so `import hwgen` stays light.
    from .compiler import compile_graph, compile_onnx
    target = target_interval(target_ii=target_ii, target_fps=target_fps, clock_mhz=clock_mhz)
    if target is not None and max_macs is not None:
        raise ConfigError("give max_macs (a multiplier budget) or a target interval / rate, "
                          "not both")
    options["max_macs"] = DEFAULT_MAX_MACS if max_macs is None else max_macs
    options["target_ii"] = target
    try:
        if isinstance(model, Graph):
            if calibration is not None:
                raise ModelError(f"graph {model.name!r} is quantized already: pass "
                                 "calibration=None (calibration data is for float ONNX models)")
            lowered = compile_graph(model, config, **options)
        elif isinstance(model, (str, os.PathLike)) or _is_model_proto(model):
            if not _is_model_proto(model):
                input_file(model, "model")
            lowered = compile_onnx(model, calibration, config, **options)
        else:
            raise ModelError("model must be the path of a .onnx file, an onnx.ModelProto or a "
                             f"hwgen.ir.Graph, not {type(model).__name__}")
    except FoldingTargetError as error:
        if target_fps is None:
            raise
        raise target_rate_error(error, target_fps, clock_mhz) from None
    if interface != lowered.interface:
        lowered = dataclasses.replace(lowered, interface=interface)
    return Design(lowered)


def load(out) -> Design:
    """The design saved in directory ``out`` (by :meth:`Design.save` or ``hwgen compile``).

    Parameters
    ----------
    out : str or os.PathLike
        The output directory (or the design.npz file in it).

    Returns
    -------
    Design
        Bound to ``out``: :meth:`Design.simulate` writes ``out/sim/result.json``.
    """
    path = Path(out)
    lowered = load_design(path)
    return Design(lowered, out=path if path.is_dir() else path.parent)


@dataclass(frozen=True, eq=False)
class SimulationResult:
    """What one simulation found: the result.json dict and the simulated outputs.

    Attributes
    ----------
    result : dict
        The contents of result.json: ``bit_exact``, ``mismatches``, ``cycles_exact`` (None
        with idle or backpressure cycles), ``cycles`` (latency, II and whole-run cycles, RTL
        and model), ``layers`` (per block), simulator, driver and speed.
    outputs : numpy.ndarray
        Dequantized outputs (float32), one row per input, in the model's own output layout.
    outputs_int : numpy.ndarray
        The output codes, same layout.
    golden_int : numpy.ndarray
        The golden model's output codes, same layout.
    path : pathlib.Path or None
        The result.json written (None for an unsaved design simulated in a temporary
        directory).
    """

    result: dict
    outputs: np.ndarray
    outputs_int: np.ndarray
    golden_int: np.ndarray
    path: Path | None = None

    @property
    def ok(self) -> bool:
        """Outputs bit exact and, where checked, every transfer in its modelled cycle.

        ``hwgen sim`` exits 1 when this is False.
        """
        return bool(self.result["bit_exact"]) and self.result["cycles_exact"] is not False


class Design:
    """A compiled accelerator: its blocks, Verilog, golden model, cycle model and simulation.

    Made by :func:`hwgen.compile` or :func:`hwgen.load`, not directly.

    Parameters
    ----------
    lowered : LoweredDesign
        The lowered blocks, edges and input / output quantization (what design.npz stores).
    out : str or os.PathLike, optional
        The directory the design was saved in, if any.
    """

    def __init__(self, lowered: LoweredDesign, *, out=None):
        if not isinstance(lowered, LoweredDesign):
            raise TypeError(f"lowered must be a LoweredDesign, not {type(lowered).__name__}")
        self._lowered = lowered
        self._out = None if out is None else Path(out)

    def __repr__(self) -> str:
        where = f", saved in {self._out}" if self._out is not None else ", not saved"
        return (f"<hwgen.Design {self.name!r}: {len(self.blocks)} blocks, "
                f"{self.input_shape} -> {self.output_shape}{where}>")

    # -- facts ---------------------------------------------------------------------------
    @property
    def lowered(self) -> LoweredDesign:
        """The lowered design (:class:`hwgen.backend.design.LoweredDesign`)."""
        return self._lowered

    @property
    def out(self) -> Path | None:
        """The directory the design was saved in or loaded from; None before :meth:`save`."""
        return self._out

    @property
    def name(self) -> str:
        """The model's name."""
        return self._lowered.name

    @property
    def top(self) -> str:
        """Verilog module name of the accelerator."""
        return self._lowered.top

    @property
    def interface(self) -> str:
        """The top module's ports: ``"stream"`` (valid/ready) or ``"axis"`` (AXI4-Stream)."""
        return self._lowered.interface

    @property
    def blocks(self) -> tuple:
        """Hardware blocks in pipeline order (block parameter dataclasses, e.g. IntMvauParams)."""
        return self._lowered.blocks

    @property
    def input_shape(self) -> tuple:
        """Shape of one input in the model's own layout, e.g. ``(C, H, W)`` for an ONNX image."""
        return tuple(self._lowered.model_input_shape)

    @property
    def output_shape(self) -> tuple:
        """Shape of one output in the model's own layout (what :meth:`golden` returns per row)."""
        axes = self._output_axes
        shape = tuple(self._lowered.output_shape)
        return shape if axes is None else tuple(shape[a] for a in axes)

    @property
    def input_quant(self):
        """How float inputs become codes (:class:`hwgen.ir.types.TensorQuant`)."""
        return self._lowered.input_quant

    @property
    def output_quant(self):
        """How output codes become floats (:class:`hwgen.ir.types.TensorQuant`)."""
        return self._lowered.output_quant

    @property
    def verilog(self) -> str:
        """Verilog of the accelerator; deterministic (the same design gives the same text)."""
        return self._lowered.verilog

    @property
    def manifest(self) -> dict:
        """manifest.json: ports, stream layout, per-layer shapes, types, folding, FIFO depths,
        predicted cycles.

        Read from the saved directory; for an unsaved design, built the same way with an empty
        ``files`` table (the files are listed once they are written).
        """
        if self._out is not None:
            return json.loads((self._out / MANIFEST_FILE).read_text())
        return build_manifest(self._lowered, files={})

    # -- cycle model ---------------------------------------------------------------------
    def timing(self, inferences: int) -> PipelineTiming:
        """The cycle model's transfer cycles of ``inferences`` back-to-back inferences.

        ``timing(n).total_cycles`` is what simulating ``n`` inputs takes, exactly.
        """
        return pipeline_timing(self.blocks, inferences, self._lowered.edges)

    @cached_property
    def _steady(self) -> PipelineTiming:
        return self.timing(steady_state_inferences(len(self.blocks)))

    @property
    def latency(self) -> int:
        """Predicted cycles from the first input beat to the last output beat of one inference
        into an empty pipeline (the manifest's ``predicted.latency``)."""
        return self._steady.latency

    @property
    def ii(self) -> int:
        """Predicted initiation interval: cycles between consecutive inferences' last output
        beats in steady state (the manifest's ``predicted.ii``)."""
        return self._steady.ii

    # -- golden model --------------------------------------------------------------------
    @property
    def _output_axes(self) -> tuple | None:
        # The frontends stream a feature map as (H, W, C) and record how the model's input
        # (C, H, W) becomes the stream (input_axes); an output feature map goes back the
        # inverse way. Without input_axes (an IR graph, a dense model) rows keep the stream
        # order.
        axes = self._lowered.input_axes
        if axes is None or len(axes) != len(self._lowered.output_shape):
            return None
        return tuple(int(a) for a in np.argsort(axes))

    def _model_layout(self, codes: np.ndarray) -> np.ndarray:
        codes = codes.reshape((len(codes),) + tuple(self._lowered.output_shape))
        axes = self._output_axes
        return codes if axes is None else codes.transpose((0,) + tuple(a + 1 for a in axes))

    def _dequantize(self, codes: np.ndarray) -> np.ndarray:
        return self.output_quant.dequantize(codes).astype(np.float32)

    def golden_int(self, x) -> np.ndarray:
        """Output codes of the golden model (bit-accurate integer execution of every block).

        Parameters
        ----------
        x : array_like
            Inputs, one per row, in the model's own layout (``(N, *input_shape)``) or flat;
            floats are quantized with the input scale, integers are taken as codes.

        Returns
        -------
        numpy.ndarray
            int64, ``(N, *output_shape)``; what the RTL must output, bit for bit.
        """
        codes = self._lowered.input_codes(x)
        return self._model_layout(run_pipeline(self.blocks, codes, edges=self._lowered.edges))

    def golden(self, x) -> np.ndarray:
        """Dequantized outputs of the golden model (float32, ``(N, *output_shape)``).

        Equal to :attr:`SimulationResult.outputs` of a bit-exact simulation of the same ``x``.
        """
        return self._dequantize(self.golden_int(x))

    # -- files and simulation ------------------------------------------------------------
    def save(self, out, *, force: bool = False, progress=None,
             cost_target: str = DEFAULT_COST_TARGET) -> Path:
        """Write what ``hwgen compile -o out`` writes and bind the design to ``out``.

        ``out/rtl/TOP.v`` (Verilog), ``rtl/lint_waivers.vlt``, ``rtl/files.f``,
        ``mem/*.memh`` (memory images), ``design.npz`` (this design, for :func:`hwgen.load`
        and ``hwgen sim``) and ``manifest.json`` (with the resource estimate for
        ``cost_target``). They are written beside ``out`` and renamed into place: whatever
        ``out`` held before (simulation and synthesis results included) is gone afterwards,
        and an interrupted save leaves it as it was.

        Parameters
        ----------
        out : str or os.PathLike
            The output directory: new, empty, or written by hwgen before.
        force : bool
            Replace ``out`` even when it is a non-empty directory hwgen did not write (the
            CLI's ``--force``); everything in it is deleted.
        progress : callable, optional
            ``progress(step)`` with the name of each step as it starts.
        cost_target : str
            Target of manifest.json's resource estimate: ``"ecp5"`` (default), ``"xcup"``,
            ``"xc7"`` or ``"ice40"`` (the CLI's ``--cost-target``).

        Returns
        -------
        pathlib.Path
            ``out``.

        Raises
        ------
        HwgenError
            ``out`` is empty (``""``), a file, holds the current directory, is a non-empty
            directory hwgen did not write (without ``force``), or cannot be written.
        """
        write_design(self._lowered, out, force=force, progress=progress,
                     cost_target=cost_target)
        out = Path(out)
        self._out = out
        return out

    def simulate(self, x, *, simulator: str = "verilator", driver: str = "harness",
                 idle: float = 0.0, backpressure: float = 0.0, seed: int = 1,
                 waves: bool = False, work_dir=None, allow_modified: bool = False,
                 max_cycles: int | None = None, progress=None, log=None) -> SimulationResult:
        """Simulate the shipped RTL over every row of ``x`` and check it against both models.

        What ``hwgen sim OUT`` does: outputs must equal the golden model bit for bit and, with
        no idle or backpressure cycles, every transfer must happen in the cycle the cycle model
        predicts. A saved design is simulated from its files exactly as they were shipped:
        each file manifest.json lists is checked against its sha256 first, and the run builds
        from the bytes it checked (docs/simulation.md). An unsaved design is simulated from
        the same RTL, written to a temporary directory.

        Each run works in a directory of its own (``run-*`` under the results directory), so
        runs may go on side by side; result.json, outputs.npy (dequantized float32),
        outputs_int.npy and sim.log then go in the results directory: ``OUT/sim`` for a saved
        design (so ``hwgen report OUT`` shows them). result.json records the design's
        ``design_sha256`` (manifest.json's) and any ``modified_files`` simulated. The run
        directory is removed after a run that passes and kept after one that does not.

        Parameters
        ----------
        x : array_like
            Inputs, one per row, as for :meth:`golden`.
        simulator : {"verilator", "icarus"}
        driver : {"harness", "cocotb"}
            Run the harness binary directly (fast) or under a cocotb test.
        idle, backpressure : float
            Probability, in [0, 1), of an idle input cycle / of a cycle without ready at the
            output. Either one turns the cycle check off (outputs are still checked).
        seed : int
            Seed of the idle and backpressure cycles.
        waves : bool
            Write ``waves.vcd`` in the results directory.
        work_dir : str or os.PathLike, optional
            The results directory; default ``OUT/sim`` for a saved design, a temporary
            directory (removed afterwards) for an unsaved one.
        allow_modified : bool
            Simulate shipped RTL or memory images that differ from manifest.json (the CLI's
            ``--allow-modified``) instead of refusing them; an edit that changes an output
            ends in ``bit_exact`` False.
        max_cycles : int, optional
            Stop a run after this many cycles, or as many without an output beat; by default
            both limits come from the cycle model (twice its cycles plus 10,000).
        progress : callable, optional
            ``progress(done, total)`` with output beats so far, about twice a second.
        log : callable, optional
            Receives build messages; default: print them on stderr.

        Returns
        -------
        SimulationResult
            ``.ok`` is False on any output mismatch or mistimed transfer (``hwgen sim`` then
            exits 1).

        Raises
        ------
        ModifiedFilesError
            A shipped file is missing or was edited after compile (without
            ``allow_modified``); the message names it.
        CycleLimitError
            The run went past its cycle limit (a stuck or slow design).
        """
        if self.interface != "stream":
            # the simulation harness drives the stream top's ports (i_stream, o_stream, clk,
            # rst and the transfers taps)
            raise SimulationError(
                f"design {self.name!r} was compiled with --interface {self.interface} "
                "(interface='axis'); hwgen sim simulates the stream interface only: compile it "
                "again without --interface (or with --interface stream) to simulate it; the "
                "AXI4-Stream ports are wired to the same pipeline and add no cycle "
                "(docs/integration.md)")
        if simulator not in SIMULATORS:
            raise SimulationError(f"unknown simulator {simulator!r}; use one of "
                                  f"{', '.join(SIMULATORS)}")
        if driver not in DRIVERS:
            raise SimulationError(f"unknown driver {driver!r}; use one of {', '.join(DRIVERS)}")
        for what, p in (("idle", idle), ("backpressure", backpressure)):
            if not 0.0 <= p < 1.0:
                raise SimulationError(f"{what} is a probability in [0, 1), not {p!r}")
        if log is None:
            log = _print_to_stderr
        options = dict(simulator=simulator, driver=driver, idle=idle,
                       backpressure=backpressure, seed=seed, waves=waves,
                       max_cycles=max_cycles, progress=progress, log=log)
        if work_dir is None and self._out is None:
            if waves:
                raise HwgenError("waves=True needs a place to keep waves.vcd: save the design "
                                 "first (design.save(out)) or pass work_dir")
            with tempfile.TemporaryDirectory(prefix="hwgen-sim-") as tmp:
                outcome = simulate_design(self._lowered, x, work_dir=Path(tmp), **options)
                return self._result(outcome)
        results = Path(work_dir) if work_dir is not None else self._out / SIM_DIR
        run_dir = new_run_dir(results)
        try:
            if self._out is None:
                outcome = simulate_design(self._lowered, x, work_dir=run_dir, **options)
            else:
                run = simulate_shipped(self._out, x, run_dir=run_dir,
                                       allow_modified=allow_modified, **options)
                outcome = run.outcome
        except BaseException:
            log(f"the run's files are kept in {run_dir}")
            raise
        sim = self._result(outcome)
        kept = not sim.ok          # a failed run's inputs, logs and copies, to look into
        outcome.result["run_dir"] = run_dir.name if kept else None
        path = publish_results(results, run_dir, outcome.result,
                               {"outputs.npy": sim.outputs, "outputs_int.npy": sim.outputs_int})
        if not kept:
            shutil.rmtree(run_dir, ignore_errors=True)
        return SimulationResult(result=outcome.result, outputs=sim.outputs,
                                outputs_int=sim.outputs_int, golden_int=sim.golden_int,
                                path=path)

    def _result(self, outcome) -> SimulationResult:
        outputs_int = self._model_layout(outcome.outputs_int)
        return SimulationResult(result=outcome.result, outputs=self._dequantize(outputs_int),
                                outputs_int=outputs_int,
                                golden_int=self._model_layout(outcome.golden))
