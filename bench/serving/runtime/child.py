"""One fresh process per measurement, run as ``python -S child.py <json args>`` with only the
function's bundle, this directory and the Lambda runtime's boto3 on sys.path, pinned to one CPU
by the parent. S3 is the emulator's, over HTTP: the parent sets AWS_ENDPOINT_URL, as Lambda's
environment would point at S3, so the real boto3 creates a real client and pays real requests.

http:        import the handler, answer one API Gateway request (the cold start: the parent
             started the clock before exec; perf_counter is the system-wide monotonic clock),
             then N warm requests. CPU time is recorded beside wall time.
stream:      import the handler, score the Kinesis batch once (model load), then time R more.
floor_cold:  the least a cold start can do with the same libraries: import numpy, onnxruntime and
             orjson, create the S3 client, GET the pointer and the artifact into memory, check the
             sha256, untar, build the session, predict one row; ``overlap`` fetches on a thread
             while the main thread imports.
floor_stream: the least a batch can cost: per record base64 + orjson, rows to a float32 matrix by
             itemgetter, one prediction with the fastest safe predictor (ONNX Runtime, or XGBoost's
             own UBJ model where given), NDJSON from one orjson call, one PUT of the same object to the same S3.
All report peak RSS (VmHWM). Results go to a JSON file; stdout is discarded.
"""
import time

STARTED = time.perf_counter()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402

args = json.loads(sys.argv[1])


class Context:
    function_name = "bench"
    memory_limit_in_mb = 1769
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id = "bench-request"


def _timed(handler, event, repeats):
    timings, cpu = [], []
    for _ in range(repeats):
        began, began_cpu = time.perf_counter(), time.process_time()
        handler(event, Context())
        timings.append(time.perf_counter() - began)
        cpu.append(time.process_time() - began_cpu)
    return timings, cpu


def _function():
    if args["variant"] == "slipway":
        if args["mode"] == "http":
            from slipway_serving.handlers import http as module
        else:
            from slipway_serving.handlers import kinesis as module
        return module, module.handler
    import naive_app

    return naive_app, naive_app.handler if args["mode"] == "http" else naive_app.stream_handler


def _load_phases(module):
    """The store's own account of its load (client, pointer, artifact, unpack, session), if it keeps one."""
    try:
        return dict(module.runtime().store.load_phases)
    except AttributeError:
        return {}


def _event():
    with open(args["event"], "rb") as handle:
        return json.loads(handle.read())


def function_modes(result):
    module, handler = _function()
    result["imported"] = time.perf_counter()
    event = _event()
    if args["mode"] == "http":
        response = handler(event, Context())
        result["first_response"] = time.perf_counter()
        result["first_response_cpu"] = sum(os.times()[:2])  # CPU time of this process since it started
        assert response["statusCode"] == 200, response
        result["load_phases"] = _load_phases(module) if args["variant"] == "slipway" else {}
        result["warm_s"], result["warm_cpu_s"] = _timed(handler, event, args["warm"])
        result["body"] = json.loads(response["body"])
    else:
        assert handler(event, Context()) == {"batchItemFailures": []}
        result["batch_s"], result["batch_cpu_s"] = _timed(handler, event, args["repeats"])


def floor_cold(result):
    import hashlib
    import io
    import tarfile
    import threading

    fetched = {}

    def fetch():
        began = time.perf_counter()
        import boto3

        s3 = boto3.client("s3")
        fetched["client"] = time.perf_counter()
        pointer = json.loads(s3.get_object(Bucket=args["bucket"], Key=args["pointer_key"])["Body"].read())
        fetched["pointer"] = time.perf_counter()
        bucket, key = pointer["uri"][len("s3://"):].split("/", 1)
        data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        fetched["artifact"] = time.perf_counter()
        if hashlib.sha256(data).hexdigest() != pointer["sha256"]:
            raise SystemExit("sha256 mismatch")
        fetched["data"], fetched["began"] = data, began

    # Two threads importing at once can deadlock on Python's per-module import locks, which Python
    # resolves by handing one of them a partially initialised module (seen here: botocore's
    # dataclass saw `typing` half-built while numpy imported it). The modules both sides share are
    # imported first, on this thread.
    import dataclasses, logging, typing  # noqa: E401, F401

    worker = threading.Thread(target=fetch) if args["overlap"] else None
    if worker:
        worker.start()
    import numpy as np
    import onnxruntime as ort
    import orjson

    result["imported"] = time.perf_counter()
    if worker:
        worker.join()
    else:
        fetch()
    fetch_end = time.perf_counter()
    with tarfile.open(fileobj=io.BytesIO(fetched["data"]), mode="r:gz") as archive:
        files = {m.name: archive.extractfile(m).read() for m in archive}
    manifest = json.loads(files["manifest.json"])
    for name, entry in manifest["files"].items():
        if hashlib.sha256(files[name]).hexdigest() != entry["sha256"]:
            raise SystemExit(f"{name}: sha256 mismatch")
    unpacked = time.perf_counter()
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.enable_cpu_mem_arena = False
    session = ort.InferenceSession(files[manifest["serving"]["file"]], sess_options=options,
                                   providers=["CPUExecutionProvider"])
    built = time.perf_counter()
    event = _event()
    row = json.loads(event["body"])["instances"][0]
    names = [f["name"] for f in manifest["features"]]
    matrix = np.array([[row[n] for n in names]], dtype=np.float32)
    label, probabilities = session.run(None, {manifest["serving"]["input"]: matrix})
    orjson.dumps({"predictions": [{"label": int(label[0]), "probabilities": probabilities[0].tolist()}]})
    result["first_response"] = time.perf_counter()
    result["first_response_cpu"] = sum(os.times()[:2])
    result["floor_phases"] = {
        "imports": (result["imported"] - STARTED) * 1000,
        "client": (fetched["client"] - fetched["began"]) * 1000,
        "fetch": (fetched["artifact"] - fetched["client"]) * 1000,
        "waited_for_fetch": (fetch_end - result["imported"]) * 1000,
        "unpack": (unpacked - fetch_end) * 1000, "session": (built - unpacked) * 1000,
        "predict": (result["first_response"] - built) * 1000}


def floor_stream(result):
    import binascii
    import gc
    from operator import itemgetter

    import boto3
    import numpy as np
    import orjson

    event = _event()
    manifest = args["manifest"]
    names = [f["name"] for f in manifest["features"]]
    getter = itemgetter(*names)
    if args.get("ubj"):
        import xgboost

        booster = xgboost.Booster(model_file=args["ubj"])
        booster.set_param({"nthread": 1})

        def probabilities_of(matrix):
            p1 = booster.inplace_predict(matrix)
            return np.stack([1 - p1, p1], axis=1)
    else:
        import onnxruntime as ort

        options = ort.SessionOptions()  # as Slipway's predictor sets them
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.enable_cpu_mem_arena = False
        session = ort.InferenceSession(args["onnx"], sess_options=options, providers=["CPUExecutionProvider"])

        def probabilities_of(matrix):
            return session.run(["probabilities"], {"features": matrix})[0]

    s3 = boto3.client("s3")
    keys = [str(c) for c in manifest["classes"]]
    a2b, loads, dumps = binascii.a2b_base64, orjson.loads, orjson.dumps

    def batch(event, _context):
        gc.disable()  # as the handler does: parsing makes no cycles, a collection would only walk them
        records = event["Records"]
        documents = [loads(a2b(r["kinesis"]["data"])) for r in records]
        matrix = np.array([getter(d["features"]) for d in documents], dtype=np.float32)
        probabilities = probabilities_of(matrix)
        labels = probabilities.argmax(axis=1).tolist()
        shard, name, version = records[0]["eventID"].rsplit(":", 1)[0], manifest["model_name"], "bench-1"
        items = [{"id": d.get("id"), "shard_id": shard, "sequence_number": r["kinesis"]["sequenceNumber"],
                  "label": label, "probabilities": dict(zip(keys, p)), "model_name": name, "model_version": version}
                 for d, r, label, p in zip(documents, records, labels, probabilities.tolist())]
        # one orjson call for all lines (per-call cost dominates small objects): stream.ndjson's trick
        body = dumps(items)[1:-1].replace(b'},{"id":', b'}\n{"id":') + b"\n"
        s3.put_object(Bucket=args["results_bucket"], Key="floor/batch.jsonl", Body=body)
        gc.enable()

    batch(event, None)
    result["batch_s"], result["batch_cpu_s"] = _timed(batch, event, args["repeats"])


result = {"started": STARTED}
{"floor_cold": floor_cold, "floor_stream": floor_stream}.get(args["mode"], function_modes)(result)
with open("/proc/self/status") as handle:  # VmHWM: this process's peak RSS (ru_maxrss survives exec)
    result["peak_rss_kb"] = next(int(line.split()[1]) for line in handle if line.startswith("VmHWM:"))
with open(args["out"], "w") as handle:
    json.dump(result, handle)
