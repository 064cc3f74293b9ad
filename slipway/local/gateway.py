"""A local API Gateway: a real HTTP server on loopback per API that turns each request into the
event the route's payload format defines (2.0 for HTTP APIs, 1.0 for REST APIs and HTTP APIs set
to 1.0) and calls the integrated function.

Limits enforced as API Gateway documents them: a 10 MB request payload (413), Lambda's 6 MB
synchronous payload (413 for requests, 502 for responses), a 502 for a failed or malformed
function response, and the integration timeout (30 s for HTTP APIs: 503; 29 s for REST: 504).
IAM, JWT and Cognito authorization are recorded on each route but not verified locally.
"""
from __future__ import annotations

import base64
import logging
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, urlsplit

import orjson

from slipway.local.functions import Invocation
from slipway.local.payload_v1 import http_v1_event, http_v1_response
from slipway.local.routes import Route, match

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 10 * 1024 * 1024
LAMBDA_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024
_TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript", "+json", "+xml",
               "application/x-www-form-urlencoded")

# (function logical id, event, integration timeout in s) -> result; raises TimeoutError past it
Invoker = Callable[[str, dict[str, Any], float], Invocation]


def _is_text(content_type: str) -> bool:
    return any(marker in content_type.lower() for marker in _TEXT_TYPES)


def http_v2_event(
    route: Route, *, method: str, raw_path: str, raw_query: str, headers: list[tuple[str, str]],
    body: bytes, path_parameters: dict[str, str], source_ip: str, api_id: str, account_id: str,
) -> dict[str, Any]:
    """The payload format 2.0 event: lower-cased headers joined by commas, cookies split out."""
    joined: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in headers:
        key = name.lower()
        if key == "cookie":
            cookies += [c.strip() for c in value.split(";") if c.strip()]
            continue
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    query: dict[str, str] = {}
    for name, value in parse_qsl(raw_query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    # API Gateway adds these before the function sees the request.
    joined.setdefault("x-forwarded-for", source_ip)
    joined.setdefault("x-forwarded-proto", "http")
    now = datetime.now(timezone.utc)
    is_text = _is_text(joined.get("content-type", "")) or not body
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": joined,
        "requestContext": {
            "accountId": account_id,
            "apiId": api_id,
            "domainName": f"{api_id}.execute-api.localhost",
            "domainPrefix": api_id,
            "http": {"method": method, "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": source_ip,
                     "userAgent": joined.get("user-agent", "")},
            "requestId": uuid.uuid4().hex[:16],
            "routeKey": route.route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "isBase64Encoded": not is_text,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        event["body"] = body.decode("utf-8") if is_text else base64.b64encode(body).decode()
    return event


def http_v2_response(invocation: Invocation) -> tuple[int, list[tuple[str, str]], bytes]:
    """Map a function result to the HTTP response API Gateway sends, or its 502."""
    if invocation.failed:
        log.error("function error %s: %s", invocation.error_type, invocation.error_message)
        return _gateway_error(502, "Internal Server Error")
    payload = invocation.payload
    if len(orjson.dumps(payload)) > LAMBDA_SYNC_PAYLOAD_BYTES:
        return _gateway_error(502, "Internal Server Error")
    if not isinstance(payload, dict) or "statusCode" not in payload:
        # Format 2.0 infers a response: any valid JSON becomes a 200 application/json body.
        return 200, [("content-type", "application/json")], orjson.dumps(payload)
    try:
        status = int(payload["statusCode"])
        body = payload.get("body") or ""
        raw = base64.b64decode(body) if payload.get("isBase64Encoded") else str(body).encode()
        headers = [(str(k), str(v)) for k, v in (payload.get("headers") or {}).items()]
        for name, values in (payload.get("multiValueHeaders") or {}).items():
            headers += [(str(name), str(v)) for v in values]
        headers += [("set-cookie", str(c)) for c in payload.get("cookies") or []]
    except (TypeError, ValueError) as error:
        log.error("malformed function response: %s", error)
        return _gateway_error(502, "Internal Server Error")
    return status, headers, raw


def _timeout_response(route: Route) -> tuple[int, list[tuple[str, str]], bytes]:
    if route.api_kind == "rest":
        return _gateway_error(504, "Endpoint request timed out")
    return _gateway_error(503, "Service Unavailable")


def _gateway_error(status: int, message: str) -> tuple[int, list[tuple[str, str]], bytes]:
    return status, [("content-type", "application/json")], orjson.dumps({"message": message})


class LocalApiGateway:
    def __init__(self, routes: list[Route], invoke: Invoker, *, api_id: str = "local", account_id: str = "123456789012",
                 host: str = "127.0.0.1", port: int = 0) -> None:
        self.routes = routes
        self.invoke = invoke
        self.api_id = api_id
        self.account_id = account_id
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "LocalApiGateway":
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-apigw", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def handle(self, method: str, target: str, headers: list[tuple[str, str]], body: bytes,
               source_ip: str) -> tuple[int, list[tuple[str, str]], bytes]:
        parts = urlsplit(target)
        found = match(self.routes, method, parts.path)
        if found is None:
            return _gateway_error(404, "Not Found")
        route, parameters = found
        if len(body) > LAMBDA_SYNC_PAYLOAD_BYTES:
            return _gateway_error(413, "Request Entity Too Large")
        build, respond = (http_v2_event, http_v2_response) if route.payload_version == "2.0" else \
            (http_v1_event, http_v1_response)
        event = build(route, method=method, raw_path=parts.path, raw_query=parts.query, headers=headers,
                      body=body, path_parameters=parameters, source_ip=source_ip, api_id=self.api_id,
                      account_id=self.account_id)
        if len(orjson.dumps(event)) > LAMBDA_SYNC_PAYLOAD_BYTES:
            return _gateway_error(413, "Request Entity Too Large")
        try:
            invocation = self.invoke(route.function_logical_id, event, route.timeout_ms / 1000)
        except TimeoutError:
            return _timeout_response(route)
        return respond(invocation)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as API Gateway's endpoint offers

            def _serve(self) -> None:
                started = time.perf_counter()
                length = int(self.headers.get("content-length") or 0)
                if length > MAX_REQUEST_BYTES:
                    status, headers, body = _gateway_error(413, "Request Entity Too Large")
                    self.close_connection = True
                else:
                    raw = self.rfile.read(length) if length else b""
                    status, headers, body = gateway.handle(self.command, self.path, list(self.headers.items()),
                                                           raw, self.client_address[0])
                self.send_response(status)
                for name, value in headers:
                    if name.lower() not in ("content-length", "connection"):
                        self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.send_header("apigw-requestid", uuid.uuid4().hex[:16])
                self.end_headers()
                self.wfile.write(body)
                log.debug("%s %s -> %s in %.1f ms", self.command, self.path, status,
                          (time.perf_counter() - started) * 1000)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

            def log_message(self, format: str, *args: Any) -> None:  # access log goes through logging
                log.debug(format, *args)

        return Handler
