"""The Lambda Runtime API on loopback, one server per sandbox, for AWS's runtime interface client.

https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html: the runtime polls
GET /2018-06-01/runtime/invocation/next and answers with POST .../invocation/{id}/response or
.../{id}/error; an initialization failure is POST .../init/error. awslambdaric's C client needs every
header of /next (it crashes on a missing one, FINDINGS.md) and HTTP/1.1 with Content-Length; the
socket sets TCP_NODELAY, else each invocation waits ~40 ms on delayed ACKs.
"""
from __future__ import annotations

import queue
import socket
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

PREFIX = "/2018-06-01/runtime"


@dataclass(frozen=True)
class Work:
    request_id: str
    body: bytes
    deadline_ms: int  # epoch milliseconds
    function_arn: str


@dataclass(frozen=True)
class Report:
    """What the runtime posted back: kind is "response", "error" or "init_error"."""

    kind: str
    request_id: str
    body: bytes
    error_type: str = ""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a runtime killed mid-request (timeout, crash) leaves a broken pipe behind; expected


class RuntimeApi:
    """Hands one piece of work at a time to the runtime and passes back what it posts."""

    def __init__(self, on_report: Callable[[Report], None], on_next: Callable[[], None]) -> None:
        self._work: queue.Queue[Work | None] = queue.Queue()
        self.on_report = on_report
        self.on_next = on_next  # the runtime finished init (first call) or the previous invocation
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: bytes = b"{}", headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path != f"{PREFIX}/invocation/next":
                    return self._reply(404, b'{"errorMessage": "unknown path"}')
                api.on_next()
                work = api._work.get()
                if work is None:  # the sandbox is going away; the runtime will be killed
                    return self._reply(500, b'{"errorMessage": "shutting down"}')
                self._reply(200, work.body, {
                    "Lambda-Runtime-Aws-Request-Id": work.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(work.deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": work.function_arn,
                    "Lambda-Runtime-Trace-Id": f"Root=1-00000000-{work.request_id.replace('-', '')[:24]};Sampled=0",
                    "Lambda-Runtime-Client-Context": "",
                    "Lambda-Runtime-Cognito-Identity": "",
                })

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = self.path.removeprefix(PREFIX).strip("/").split("/")
                error_type = self.headers.get("Lambda-Runtime-Function-Error-Type", "")
                if parts == ["init", "error"]:
                    report = Report("init_error", "", body, error_type)
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    report = Report(parts[2], parts[1], body, error_type)
                else:
                    return self._reply(404, b'{"errorMessage": "unknown path"}')
                self._reply(202, b'{"status": "OK"}')
                api.on_report(report)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="runtime-api", daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def give(self, work: Work) -> None:
        self._work.put(work)

    def close(self) -> None:
        self._work.put(None)
        self._server.shutdown()
        self._server.server_close()
