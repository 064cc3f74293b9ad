"""The embedded AWS emulator: a moto server on loopback, started and stopped with the local stack."""
from __future__ import annotations

import logging
import threading
import urllib.request
from dataclasses import dataclass, field
from typing import ClassVar

from slipway.aws import AwsTarget
from slipway.local import moto_patches, stepfunctions
from slipway.local.faults import Fault, with_faults
from slipway.errors import SlipwayError
from slipway.sagemaker import service as local_sagemaker

log = logging.getLogger(__name__)

class EmulatorError(SlipwayError):
    pass


@dataclass
class MotoEmulator:
    """moto's threaded server; `localhost` because the CDK CLI's S3 addressing needs a host name.

    moto keeps its state in process-wide backends, so one embedded emulator runs per process and
    each starts from an empty account.
    """

    _running: ClassVar[threading.Lock] = threading.Lock()

    host: str = "127.0.0.1"
    port: int = 0
    region: str = "us-east-1"
    faults: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._server = None
        self._thread: threading.Thread | None = None

    def start(self) -> AwsTarget:
        # moto is heavy; import only when it runs. Its WSGI app is served here (as moto's own
        # ThreadedMotoServer does) so that injected faults can sit in front of it.
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        if not self._running.acquire(blocking=False):
            raise EmulatorError("an embedded moto emulator is already running in this process; stop it first")
        moto_patches.apply()
        app = with_faults(DomainDispatcherApplication(create_backend_app), self.faults)
        self._server = make_server(self.host, self.port, app, threaded=True, request_handler=MotoRequestHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="moto", daemon=True)
        self._thread.start()
        port = self._server.server_port
        urllib.request.urlopen(urllib.request.Request(f"http://{self.host}:{port}/moto-api/reset", method="POST"),
                               timeout=10).close()
        log.info("moto server listening on %s:%s", self.host, port)
        stepfunctions.enable(f"http://localhost:{port}")
        target = AwsTarget(
            region=self.region,
            endpoint_url=f"http://localhost:{port}",
            access_key_id="testing",
            secret_access_key="testing",
        )
        local_sagemaker.install(target)  # SageMaker's job calls run real jobs here
        return target

    def detach_stream_triggers(self) -> int:
        """Stop moto invoking mapped functions itself, through docker, as records and messages arrive.

        Slipway's pollers are the event source mappings here (batches, retries, bisect,
        checkpoints, partial batch responses); the mappings stay listed in moto's Lambda API, only
        moto's shortcut on PutRecord / SendMessage goes (for SQS it would also receive, and so
        hide, the messages).
        """
        from moto.kinesis.models import kinesis_backends
        from moto.sqs.models import sqs_backends

        detached = 0
        for account_backends in kinesis_backends.values():
            for backend in account_backends.values():
                for stream in backend.streams.values():
                    detached += len(stream.lambda_event_source_mappings)
                    stream.lambda_event_source_mappings.clear()
        for account_backends in sqs_backends.values():
            for backend in account_backends.values():
                for queue in backend.queues.values():
                    detached += len(queue.lambda_event_source_mappings)
                    queue.lambda_event_source_mappings.clear()
        return detached

    def stop(self) -> None:
        if self._server is not None:
            local_sagemaker.uninstall()
            self._server.shutdown()
            self._server.server_close()
            self._server = None
            stepfunctions.disable()
            self._running.release()

    def __enter__(self) -> AwsTarget:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
