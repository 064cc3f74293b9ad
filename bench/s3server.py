"""The embedded emulator's S3 in its own process, for benchmarks that must pay real S3 requests.

It runs on a CPU other than the measured one where the machine has one, as S3 is another machine
for a Lambda function: the function's wall time then holds the request's round trip, not the
emulator's own work. Listens on 127.0.0.1 only.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench", "AWS_DEFAULT_REGION": "us-east-1",
               "AWS_REGION": "us-east-1"}
_SERVE = "from moto.server import ThreadedMotoServer; import sys, time; " \
         "ThreadedMotoServer(ip_address='127.0.0.1', port=int(sys.argv[1])).start(); time.sleep(1e9)"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def other_cpus(measured: int) -> set[int]:
    cpus = os.sched_getaffinity(0) | set(range(os.cpu_count() or 1))
    return (cpus - {measured}) or {measured}


@contextmanager
def s3_server(cpus: set[int] | None = None) -> Iterator[str]:
    """The endpoint URL of a fresh emulator process (pinned to ``cpus`` when given)."""
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-c", _SERVE, str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        if cpus:
            os.sched_setaffinity(server.pid, cpus)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the S3 emulator did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def client(endpoint: str):
    import boto3

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="bench", aws_secret_access_key="bench")
