"""moto's SageMaker answers the job calls with the local SageMaker instead of its instant fakes.

moto 5.2 marks every training and tuning job Completed at once, writes no artifact, and lacks
StopTrainingJob and ListTrainingJobsForHyperParameterTuningJob. Its response class dispatches an
operation to the method of the same snake_case name; these methods replace (or add) the job
operations and leave every other SageMaker operation to moto. Guarded like moto_patches: if the
class no longer looks as expected, moto runs unchanged and says so.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)
OPERATIONS = (
    "create_training_job", "describe_training_job", "stop_training_job", "list_training_jobs",
    "create_hyper_parameter_tuning_job", "describe_hyper_parameter_tuning_job",
    "list_training_jobs_for_hyper_parameter_tuning_job", "stop_hyper_parameter_tuning_job")
_EXPECTED = ("create_training_job", "describe_training_job", "list_training_jobs",
             "create_hyper_parameter_tuning_job", "describe_hyper_parameter_tuning_job")
_originals: dict[str, Any] = {}


def _operation(name: str, service: Callable[[], Any]) -> Callable[[Any], Any]:
    def method(self: Any) -> Any:
        from moto.core.responses import ActionResult, EmptyResult
        # moto serializes an error with the model of the service its class's module names
        from moto.sagemaker.exceptions import SagemakerClientError as ServiceException

        from .service import SageMakerApiError

        local = service()
        if local is None:  # moto used without the emulator (mock_aws in tests): moto's own
            original = _originals.get(name)
            if original is None:
                raise NotImplementedError(f"The {name} action has not been implemented")
            return original(self)
        request = json.loads(self.body or "{}")
        try:
            result = getattr(Api, name)(local, self.current_account, self.region, request)
        except SageMakerApiError as error:
            raise ServiceException(error.code, error.message) from None
        return EmptyResult() if result is None else ActionResult(result)

    method.__name__ = name
    return method


class Api:
    """Request in, response out; `local` is the LocalSageMaker of the running emulator."""

    @staticmethod
    def create_training_job(local: Any, account: str, region: str, request: dict[str, Any]
                            ) -> dict[str, Any]:
        return {"TrainingJobArn": local.create_training_job(account, region, request).arn}

    @staticmethod
    def describe_training_job(local: Any, account: str, region: str, request: dict[str, Any]
                              ) -> dict[str, Any]:
        return local.training_job(account, region, request["TrainingJobName"]).describe()

    @staticmethod
    def stop_training_job(local: Any, account: str, region: str, request: dict[str, Any]) -> None:
        local.stop_training_job(account, region, request["TrainingJobName"])

    @staticmethod
    def list_training_jobs(local: Any, account: str, region: str, request: dict[str, Any]
                           ) -> dict[str, Any]:
        return local.list_training_jobs(account, region, request)

    @staticmethod
    def create_hyper_parameter_tuning_job(local: Any, account: str, region: str,
                                          request: dict[str, Any]) -> dict[str, Any]:
        return {"HyperParameterTuningJobArn":
                local.create_tuning_job(account, region, request).arn}

    @staticmethod
    def describe_hyper_parameter_tuning_job(local: Any, account: str, region: str,
                                            request: dict[str, Any]) -> dict[str, Any]:
        return local.tuning_job(account, region,
                                request["HyperParameterTuningJobName"]).describe()

    @staticmethod
    def list_training_jobs_for_hyper_parameter_tuning_job(
            local: Any, account: str, region: str, request: dict[str, Any]) -> dict[str, Any]:
        return local.list_tuning_job_trials(account, region, request)

    @staticmethod
    def stop_hyper_parameter_tuning_job(local: Any, account: str, region: str,
                                        request: dict[str, Any]) -> None:
        local.stop_tuning_job(account, region, request["HyperParameterTuningJobName"])


def apply(service: Callable[[], Any]) -> bool:
    """Idempotent: the methods read the current LocalSageMaker through `service` on each call."""
    from moto.sagemaker.responses import SageMakerResponse

    if _originals:
        return True
    if not all(callable(getattr(SageMakerResponse, name, None)) for name in _EXPECTED):
        log.warning("moto's SageMaker responses changed shape; its instant fake jobs stay")
        return False
    for name in OPERATIONS:
        _originals[name] = SageMakerResponse.__dict__.get(name)
        setattr(SageMakerResponse, name, _operation(name, service))
    return True
