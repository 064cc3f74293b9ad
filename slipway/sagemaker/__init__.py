"""The local SageMaker: one runner of SageMaker's script-mode training contract (runner.py and the
modules it uses), driven by `slipway train|tune` and by the SageMaker API the embedded emulator
serves (service.py, training_job.py, tuning_job.py): real jobs on this machine, not fakes."""
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
