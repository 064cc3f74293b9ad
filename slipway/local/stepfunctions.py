"""Step Functions on the embedded emulator: moto's ASL interpreter, completed where it stops short.

moto 5.2 executes state machines with the interpreter it vendors from LocalStack when its
`stepfunctions.execute_state_machine` option is on (FINDINGS.md, "Step Functions on moto"). Four
things keep SlipwayTraining's synthesized definition from running there, each completed here:

- CloudFormation creates state machines in moto's plain backend, while executions run in the
  parser backend: state machines are created in the parser backend instead.
- The interpreter's clients call `localhost:$MOTO_PORT` (default 5000), not the embedded server's
  port: they are pointed at the emulator this process started.
- `sagemaker:*.sync` is refused ("Unsupported .sync callback procedure"): SageMaker gets the
  integration Step Functions documents, polling Describe until the job ends (sagemaker_sync.py).
- `lambda:invoke` goes to moto's Lambda, which needs docker: it goes to the functions Slipway hosts.

Everything else (states, paths, intrinsics, retries, catches, SNS, history) is moto's interpreter,
unchanged. Each patch is applied once, and only if moto still looks as this module expects.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

Invoke = Callable[..., Any]  # LocalFunction.invoke(event, *, timeout_s=None) -> Invocation

_lock = threading.Lock()
_applied = False
_endpoint: dict[str, str] = {}
_functions: dict[str, Invoke] = {}
_original: dict[str, Any] = {}


class HostedFunctionNotFound(LookupError):
    pass


def enable(endpoint_url: str) -> bool:
    """Execute state machines in this process's moto, its clients calling `endpoint_url`.

    Called when the embedded emulator starts (before CloudFormation creates the state machines);
    `disable` when it stops, so moto outside the emulator (a test's mock_aws) behaves as shipped.
    """
    if not apply():
        return False
    from moto.core.config import default_user_config
    from moto.stepfunctions import models as sfn_models
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    with _lock:
        _endpoint["url"] = endpoint_url.rstrip("/")
        _functions.clear()
        default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = True
        sfn_models.stepfunctions_backends = stepfunctions_parser_backends  # CloudFormation creates them here
    return True


def host(functions: Mapping[str, Invoke]) -> None:
    """Lambda tasks invoke `functions`: each function's ARN (unqualified) and name -> its invoke."""
    with _lock:
        _functions.clear()
        _functions.update(functions)


def disable() -> None:
    if not _applied:
        return
    from moto.core.config import default_user_config
    from moto.stepfunctions import models as sfn_models

    with _lock:
        _endpoint.clear()
        _functions.clear()
        default_user_config.setdefault("stepfunctions", {})["execute_state_machine"] = False
        sfn_models.stepfunctions_backends = _original["backends"]


def hosted_function(function_name: str) -> Invoke:
    """The hosted function a Lambda `FunctionName` names: a name, or an ARN with or without qualifier."""
    candidates = [function_name]
    if function_name.startswith("arn:"):
        parts = function_name.split(":")
        candidates += [":".join(parts[:7]), parts[6] if len(parts) > 6 else ""]
    else:
        candidates.append(function_name.split(":", 1)[0])  # "name:alias"
    with _lock:
        for candidate in candidates:
            if candidate in _functions:
                return _functions[candidate]
    raise HostedFunctionNotFound(function_name)


def endpoint_port() -> str:
    with _lock:
        url = _endpoint.get("url")
    if url is None:
        from moto.settings import moto_server_port

        return moto_server_port()
    return str(urlsplit(url).port)


def invocation_response(invocation: Any) -> dict[str, Any]:
    """Lambda's Invoke response as the interpreter reads it (Payload already parsed).

    A function error is `FunctionError: Unhandled` with the runtime's error document as the payload
    (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_ResponseSyntax).
    """
    if invocation.error_type is not None:
        return {"StatusCode": 200, "ExecutedVersion": "$LATEST", "FunctionError": "Unhandled",
                "Payload": {"errorType": invocation.error_type, "errorMessage": invocation.error_message or "",
                            "stackTrace": list(invocation.stack)}}
    return {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": invocation.payload}


def _invoke_hosted(parameters: dict[str, Any], region: str, state_credentials: Any) -> dict[str, Any]:
    import json

    from botocore.exceptions import ClientError

    name = parameters["FunctionName"]
    try:
        invoke = hosted_function(name)
    except HostedFunctionNotFound:
        raise ClientError({"Error": {"Code": "ResourceNotFoundException", "Message": f"Function not found: {name}"},
                           "ResponseMetadata": {"HTTPStatusCode": 404, "RequestId": ""}}, "Invoke") from None
    raw = parameters.get("Payload") or b"{}"
    event = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    return invocation_response(invoke(event))


def apply() -> bool:
    """Idempotent; returns False (and leaves moto as it is) when moto's interpreter changed shape."""
    global _applied
    with _lock:
        if _applied:
            return True
        try:
            from moto.stepfunctions import models as sfn_models
            from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
            from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
                state_task_service_factory as factory,
            )
            from moto.stepfunctions.parser.asl.utils import boto_client

            from slipway.local.sagemaker_sync import StateTaskServiceSageMaker
        except ImportError as error:
            log.warning("moto's Step Functions interpreter is not where Slipway expects it (%s); "
                        "state machines will not execute locally", error)
            return False
        expected = (hasattr(lambda_eval_utils, "_invoke_lambda_function"), hasattr(boto_client, "moto_server_port"),
                    hasattr(factory, "state_task_service_for"), hasattr(sfn_models, "stepfunctions_backends"))
        if not all(expected):
            log.warning("moto's Step Functions interpreter changed shape; state machines will not execute locally")
            return False

        _original["backends"] = sfn_models.stepfunctions_backends
        boto_client.moto_server_port = endpoint_port
        original_factory = factory.state_task_service_for
        original_invoke = lambda_eval_utils._invoke_lambda_function

        def state_task_service_for(service_name: str) -> Any:
            if service_name == "sagemaker":
                return StateTaskServiceSageMaker()
            return original_factory(service_name)

        def invoke_lambda_function(parameters: dict, region: str, state_credentials: Any) -> Any:
            with _lock:
                hosting = bool(_functions)
            if not hosting:
                return original_invoke(parameters, region, state_credentials)
            return _invoke_hosted(parameters, region, state_credentials)

        factory.state_task_service_for = state_task_service_for
        # state_task_factory imported the factory function by name: rebind it there too.
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory

        state_task_factory.state_task_service_for = state_task_service_for
        lambda_eval_utils._invoke_lambda_function = invoke_lambda_function
        _applied = True
        return True
