"""A local API Gateway: a real HTTP server on loopback per API that turns each request into the
event of the route's payload format (slipway.local.sources.apigw_v2 / apigw_v1) and calls the
integrated function.

Limits enforced as API Gateway documents them: a 10 MB request payload (413), Lambda's 6 MB
synchronous payload (413 for requests; a larger response is a function error), and the integration
timeout (30 s for HTTP APIs: 503; 29 s for REST: 504). A REST API is served under its stage
(`/prod/...`), as its invoke URL is. IAM, JWT and Cognito authorization are recorded on each route
but not verified locally.
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import urlsplit

import orjson

from slipway.local.routes import Route, match
from slipway.local.sources import Result, apigw_v1, apigw_v2
from slipway.local.sources.http import (LAMBDA_SYNC_PAYLOAD_BYTES, HttpRequest, HttpResponse, gateway_error,
                                        http_api_request_id, rest_api_request_id)

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 10 * 1024 * 1024
# A listen backlog that holds every client of a busy laptop: with socketserver's default of 5, a
# burst of 32 clients overflows the accept queue, the kernel drops SYNs (retried after 1 s: the
# p99 of ~1,039 ms seen with 32 clients) and resets connections. The kernel caps it at somaxconn.
LISTEN_BACKLOG = 1024

# (function logical id, event, integration timeout in s) -> result; raises TimeoutError past it
Invoker = Callable[[str, dict[str, Any], float], Result]


class _Server(ThreadingHTTPServer):
    request_queue_size = LISTEN_BACKLOG
    daemon_threads = True
    allow_reuse_address = True

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = super().get_request()
        # Small responses go out at once instead of waiting for the client's delayed ACK (Nagle).
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return connection, address


def _not_found(kind: str) -> HttpResponse:
    # A REST API answers an unknown path or method with 403 Missing Authentication Token.
    return gateway_error(403, "Missing Authentication Token") if kind == "rest" else gateway_error(404, "Not Found")


class LocalApiGateway:
    def __init__(self, routes: list[Route], invoke: Invoker, *, api_id: str = "local", account_id: str = "123456789012",
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.routes = routes
        self.invoke = invoke
        self.api_id = api_id
        self.account_id = account_id
        self.kind = routes[0].api_kind if routes else "http"
        self.stage = routes[0].stage if routes else "$default"
        self._server = _Server((host, port), self._handler_class())
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The invoke URL: a REST API's includes its stage."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}" + (f"/{self.stage}" if self.kind == "rest" else "")

    def start(self) -> "LocalApiGateway":
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-apigw", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def request_id(self) -> str:
        return rest_api_request_id() if self.kind == "rest" else http_api_request_id()

    def handle(self, request: HttpRequest) -> HttpResponse:
        path = request.path
        if self.kind == "rest":
            prefix = f"/{self.stage}"
            if path != prefix and not path.startswith(prefix + "/"):
                return _not_found("rest")
            path = path[len(prefix):] or "/"
        found = match(self.routes, request.method, path)
        if found is None:
            return _not_found(self.kind)
        route, parameters = found
        if len(request.body) > LAMBDA_SYNC_PAYLOAD_BYTES:
            return gateway_error(413, "Request Entity Too Large")
        if route.payload_version == "2.0":
            event = apigw_v2.event(request, route_key=route.route_key, path_parameters=parameters,
                                   api_id=self.api_id, account_id=self.account_id)
        else:
            event = apigw_v1.event(request, resource=route.path or path, path=path, path_parameters=parameters,
                                   api_id=self.api_id, account_id=self.account_id, api_kind=route.api_kind,
                                   stage=route.stage, binary_media_types=route.binary_media_types)
        if len(orjson.dumps(event)) > LAMBDA_SYNC_PAYLOAD_BYTES:
            return gateway_error(413, "Request Entity Too Large")
        try:
            result = self.invoke(route.function_logical_id, event, route.timeout_ms / 1000)
        except TimeoutError:
            if route.api_kind == "rest":
                return gateway_error(504, "Endpoint request timed out")
            return gateway_error(503, "Service Unavailable")
        if route.payload_version == "2.0":
            return apigw_v2.response(result)
        return apigw_v1.response(result, api_kind=route.api_kind, accept=request.header("accept"),
                                 binary_media_types=route.binary_media_types)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        gateway = self
        id_header = "x-amzn-RequestId" if self.kind == "rest" else "apigw-requestid"

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as API Gateway's endpoint offers

            def _serve(self) -> None:
                started = time.perf_counter()
                request_id = gateway.request_id()
                length = int(self.headers.get("content-length") or 0)
                if length > MAX_REQUEST_BYTES:
                    response = gateway_error(413, "Request Entity Too Large")
                    self.close_connection = True
                else:
                    raw = self.rfile.read(length) if length else b""
                    parts = urlsplit(self.path)
                    request = HttpRequest(method=self.command, path=parts.path, query=parts.query,
                                          headers=tuple(self.headers.items()), body=raw,
                                          source_ip=self.client_address[0], request_id=request_id)
                    try:
                        response = gateway.handle(request)
                    except Exception:  # the gateway answers, never drops the connection
                        log.exception("local API Gateway failed on %s %s", self.command, self.path)
                        response = gateway_error(500, "Internal Server Error")
                self.send_response(response.status)
                for name, value in response.headers:
                    if name.lower() not in ("content-length", "connection"):
                        self.send_header(name, value)
                self.send_header("content-length", str(len(response.body)))
                self.send_header(id_header, request_id)  # the requestContext.requestId the function saw
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(response.body)
                log.debug("%s %s -> %s in %.1f ms", self.command, self.path, response.status,
                          (time.perf_counter() - started) * 1000)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

            def log_message(self, format: str, *args: Any) -> None:  # access log goes through logging
                log.debug(format, *args)

        return Handler
