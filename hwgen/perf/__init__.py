"""Exact cycle model: per block and for the pipeline (:mod:`hwgen.perf.pipeline`)."""

from .mvau import (
                   WRITE_DELAY,
                   credits_for_full_rate,
                   int_mvau_cycles_per_vector,
                   int_mvau_isolated_latency,
)
from .pipeline import (
                   LayerTiming,
                   Periodicity,
                   PipelineAnalysis,
                   PipelineTiming,
                   analyse_pipeline,
                   pipeline_timing,
)

__all__ = ["WRITE_DELAY", "credits_for_full_rate", "int_mvau_cycles_per_vector",
           "int_mvau_isolated_latency", "LayerTiming", "PipelineTiming", "PipelineAnalysis",
           "Periodicity", "analyse_pipeline", "pipeline_timing"]
