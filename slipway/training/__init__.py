"""Local SageMaker training: run a script-mode training job on this machine, exactly as the
cloud would run it."""
from __future__ import annotations

from .errors import (InvalidTrainingRequest, TrainingJobExists, TrainingJobFailed,
                     TrainingRunnerError)
from .metrics import MetricCollector, MetricDefinition, compile_definitions
from .runner import TrainingJobResult, run_training_job

__all__ = [
    "InvalidTrainingRequest", "MetricCollector", "MetricDefinition", "TrainingJobExists",
    "TrainingJobFailed", "TrainingJobResult", "TrainingRunnerError", "compile_definitions",
    "run_training_job",
]
