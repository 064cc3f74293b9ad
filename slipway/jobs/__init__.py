"""Job specs (training/jobs/<name>.yaml) and everything rendered from them: the SageMaker
CreateTrainingJob / CreateHyperParameterTuningJob requests, their validation against botocore's
service model, the pre-flight check against the trainer, and local training."""
from __future__ import annotations

from .errors import (JobError, JobSpecError, PreflightError, RenderError,
                     RequestValidationError)
from .render import render_training_job, render_tuning_job
from .spec import JobSpec, load_job_spec

__all__ = ["JobError", "JobSpec", "JobSpecError", "PreflightError", "RenderError",
           "RequestValidationError", "load_job_spec", "render_training_job",
           "render_tuning_job"]
