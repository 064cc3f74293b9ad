"""One fresh process per measurement, run as ``python -S child.py <json args>`` with only the
function's bundle (and this directory) on sys.path, pinned to one CPU by the parent.

http:   import the handler, answer one API Gateway request (the cold start: the parent started the
        clock before exec; perf_counter is the system-wide monotonic clock), then N warm requests.
        CPU time is recorded beside wall time: on a shared machine it is the part that does not
        depend on waiting for the CPU.
stream: import the handler, score the 10,000-record Kinesis batch once (model load), then time
        R more batches. Both report peak RSS (VmHWM). Results go to a JSON file; stdout is discarded.
"""
import time

STARTED = time.perf_counter()

import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

args = json.loads(sys.argv[1])
model_dir = args["model_dir"]


class FakeS3:
    """S3 on local files: the pointer and the artifact in, puts kept in memory."""

    def __init__(self):
        self.puts = {}

    def get_object(self, Bucket, Key, **kwargs):
        path = os.path.join(model_dir, "pointer.json" if Key.startswith("pointers/") else "model.tar.gz")
        with open(path, "rb") as handle:
            data = handle.read()
        return {"Body": io.BytesIO(data), "ContentLength": len(data)}

    def put_object(self, Bucket, Key, Body, **kwargs):
        self.puts[Key] = len(Body)


class Context:
    function_name = "bench"
    memory_limit_in_mb = 1769
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id = "bench-request"


s3, context = FakeS3(), Context()
if args["variant"] == "slipway":
    os.environ.update(SLIPWAY_MODEL_BUCKET="bench-models", SLIPWAY_MODEL_POINTER_KEY=f"pointers/{args['model']}.json",
                      SLIPWAY_RESULTS_BUCKET="bench-results", SLIPWAY_MODEL_CACHE_DIR=args["cache_dir"])
    if args["mode"] == "http":
        from slipway_serving.handlers.http import HttpRuntime as Runtime
    else:
        from slipway_serving.handlers.kinesis import KinesisRuntime as Runtime
    handler = Runtime.from_env(os.environ, s3=lambda: s3).handle
else:
    os.environ["NAIVE_MODEL_PATH"] = os.path.join(model_dir, "model.joblib")
    import naive_app

    naive_app.S3 = s3
    handler = naive_app.handler if args["mode"] == "http" else naive_app.stream_handler
imported = time.perf_counter()

with open(args["event"], "rb") as handle:
    event = json.loads(handle.read())
result = {"started": STARTED, "imported": imported}
if args["mode"] == "http":
    response = handler(event, context)
    result["first_response"] = time.perf_counter()
    result["first_response_cpu"] = sum(os.times()[:2])  # CPU time of this process since it started
    assert response["statusCode"] == 200, response
    timings, cpu = [], []
    for _ in range(args["warm"]):
        began, began_cpu = time.perf_counter(), time.process_time()
        handler(event, context)
        timings.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    result["warm_s"], result["warm_cpu_s"] = timings, cpu
    result["body"] = json.loads(response["body"])
else:
    assert handler(event, context) == {"batchItemFailures": []}
    timings, cpu = [], []
    for _ in range(args["repeats"]):
        began, began_cpu = time.perf_counter(), time.process_time()
        handler(event, context)
        timings.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    result["batch_s"], result["batch_cpu_s"] = timings, cpu
    result["puts"] = s3.puts
with open("/proc/self/status") as handle:  # VmHWM: this process's peak RSS (ru_maxrss survives exec)
    result["peak_rss_kb"] = next(int(line.split()[1]) for line in handle if line.startswith("VmHWM:"))
with open(args["out"], "w") as handle:
    json.dump(result, handle)
