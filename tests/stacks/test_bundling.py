from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from stacks.bundling import BundleSpec, BundlingError, build_bundle, bundle_key, trim

pytestmark = pytest.mark.unit


@pytest.fixture
def spec(tmp_path):
    source = tmp_path / "pkg"
    (source / "tests").mkdir(parents=True)
    (source / "__init__.py").write_text("VALUE = 1\n")
    (source / "tests" / "test_x.py").write_text("")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("")
    return BundleSpec(source=source, requirements=requirements, python_version="3.12", architecture="x86_64")


def test_the_platforms_are_manylinux_wheels_for_the_lambda_architecture(spec):
    arm = BundleSpec(spec.source, spec.requirements, "3.12", "arm64")

    assert "manylinux_2_28_x86_64" in spec.platforms() and "manylinux2014_x86_64" in spec.platforms()
    assert all(p.endswith("aarch64") for p in arm.platforms())


def test_the_key_follows_the_content_and_the_target(spec):
    before = bundle_key(spec, with_dependencies=True)
    (spec.source / "__init__.py").write_text("VALUE = 2\n")

    assert bundle_key(spec, with_dependencies=True) != before
    assert bundle_key(spec, with_dependencies=False) != bundle_key(spec, with_dependencies=True)
    assert bundle_key(BundleSpec(spec.source, spec.requirements, "3.13", "x86_64"), with_dependencies=True) != \
        bundle_key(spec, with_dependencies=True)


def test_a_bundle_is_built_once_trimmed_and_compiled_then_served_from_the_cache(spec, tmp_path):
    first = build_bundle(spec, with_dependencies=False, cache_dir=tmp_path / "cache")
    second = build_bundle(spec, with_dependencies=False, cache_dir=tmp_path / "cache")

    assert first.path == second.path
    assert (first.path / "pkg" / "__init__.py").is_file()
    assert not (first.path / "pkg" / "tests").exists()
    assert list((first.path / "pkg" / "__pycache__").glob("__init__.cpython-312*.pyc"))


def test_a_bundle_over_lambdas_unzipped_limit_fails_synth_with_its_size(spec, tmp_path, monkeypatch):
    monkeypatch.setattr("stacks.bundling.LAMBDA_UNZIPPED_LIMIT_BYTES", 10)

    with pytest.raises(BundlingError, match=r"the bundle for pkg is 0 MiB unzipped; Lambda allows 0 MiB"):
        build_bundle(spec, with_dependencies=False, cache_dir=tmp_path / "cache")
    assert not list((tmp_path / "cache").iterdir())


def test_trimming_removes_what_no_function_imports_and_keeps_the_rest(tmp_path):


    keep = ["numpy/__init__.py", "numpy/testing/__init__.py", "numpy/typing/__init__.py",
            "numpy-2.5.5.dist-info/METADATA", "numpy-2.5.5.dist-info/LICENSE.txt", "pydantic-2.1.dist-info/entry_points.txt",
            "onnxruntime/capi/onnxruntime_pybind11_state.cpython-312-x86_64-linux-gnu.so",
            "onnxruntime/capi/libonnxruntime_providers_shared.so", "onnxruntime/ThirdPartyNotices.txt",
            "numpy/_core/_multiarray_umath.cpython-312-x86_64-linux-gnu.so", "aws_lambda_powertools/logging/logger.py"]
    drop = ["bin/fastapi", "numpy-2.5.5.dist-info/RECORD", "numpy/_core/tests/test_x.py", "numpy/__init__.pyi",
            "numpy/f2py/__init__.py", "numpy/_core/include/numpy/ndarrayobject.h", "numpy/random/lib/libnpyrandom.a",
            "numpy/_core/_umath_tests.cpython-312-x86_64-linux-gnu.so", "onnxruntime/capi/libonnxruntime.so.1.31.1",
            "onnxruntime/transformers/x.py", "onnxruntime/quantization/x.py", "onnxruntime/tools/x.py",
            "onnxruntime/backend/backend.py", "google/protobuf/__init__.py", "protobuf-7.36.2.dist-info/METADATA",
            "flatbuffers/__init__.py", "pkg/__pycache__/x.cpython-312.pyc", "pkg/test/test_y.py"]
    for relative in keep + drop:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("x")

    trim(tmp_path)

    assert [r for r in keep if not (tmp_path / r).exists()] == []
    assert [r for r in drop if (tmp_path / r).exists()] == []


def test_zipped_size_is_that_of_a_deflated_zip(spec, tmp_path):
    import zipfile

    from stacks.bundling import zipped_size

    (spec.source / "data.txt").write_text("slipway " * 10_000)
    with zipfile.ZipFile(tmp_path / "real.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path in sorted(spec.source.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(spec.source).as_posix())

    assert abs(zipped_size(spec.source) - (tmp_path / "real.zip").stat().st_size) < 200
    assert zipped_size(spec.source) < 10_000


# --- every handler imports and runs from a trimmed bundle ------------------------------------
# Offline: the bundle is assembled from the distributions this environment installed for
# lambdas/requirements.txt (the same wheels pip fetches for the Lambda platform), then trimmed and
# compiled by stacks.bundling as a deployed bundle is, and run with nothing else on sys.path.

REPO = Path(__file__).resolve().parents[2]
LAMBDAS = REPO / "lambdas"


def _closure(requirements: Path) -> set[str]:
    from packaging.requirements import Requirement

    names = [Requirement(line).name for line in requirements.read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    seen: set[str] = set()
    while names:
        name = re.sub(r"[-_.]+", "-", names.pop()).lower()
        if name in seen:
            continue
        seen.add(name)
        for raw in metadata.requires(name) or []:
            requirement = Requirement(raw)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                names.append(requirement.name)
    return seen


def _assemble(target: Path) -> None:
    for name in _closure(LAMBDAS / "requirements.txt"):
        distribution = metadata.distribution(name)
        for file in distribution.files or []:
            source = Path(distribution.locate_file(file))
            if ".." in file.parts or not source.is_file():
                continue  # console scripts live outside site-packages
            destination = target / file
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, destination)  # the bundle only ever replaces files, never edits them
            except OSError:
                shutil.copy2(source, destination)
    shutil.copytree(LAMBDAS / "slipway_serving", target / "slipway_serving",
                    ignore=shutil.ignore_patterns("__pycache__"))


RUN_EVERY_HANDLER = r'''
import io, json, sys, os
bundle, archive, pointer = sys.argv[1], sys.argv[2], sys.argv[3]

class FakeS3:
    def __init__(self):
        self.objects = {("models", "pointers/m.json"): open(pointer, "rb").read(),
                        ("models", json.loads(open(pointer).read())["uri"].split("/", 3)[3]): open(archive, "rb").read()}
        self.puts = {}
    def get_object(self, Bucket, Key, **kwargs):
        data = self.objects[(Bucket, Key)]
        return {"Body": io.BytesIO(data), "ContentLength": len(data)}
    def put_object(self, Bucket, Key, Body, **kwargs):
        self.puts[Key] = Body
    def delete_object(self, Bucket, Key):
        self.puts.pop(Key, None)

class Context:
    function_name, memory_limit_in_mb, aws_request_id = "f", 512, "r"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:f"

s3 = FakeS3()
os.environ.update(SLIPWAY_MODEL_BUCKET="models", SLIPWAY_MODEL_POINTER_KEY="pointers/m.json",
                  SLIPWAY_RESULTS_BUCKET="results", SLIPWAY_MODEL_CACHE_DIR=os.path.join(os.path.dirname(archive), "cache"))
from slipway_serving.handlers.csv import CsvRuntime
from slipway_serving.handlers.http import HttpRuntime
from slipway_serving.handlers.kinesis import KinesisRuntime
sys.stdout = io.StringIO()  # logs and metrics
http, kinesis, batch = (R.from_env(os.environ, s3=lambda: s3) for R in (HttpRuntime, KinesisRuntime, CsvRuntime))

import base64
row = json.loads(sys.argv[4])
http_event = {"version": "2.0", "rawPath": "/predict", "requestContext": {"http": {"method": "POST", "path": "/predict",
              "sourceIp": "1.2.3.4"}, "requestId": "x"}, "headers": {}, "rawQueryString": "",
              "body": json.dumps({"instances": [row]}), "isBase64Encoded": False}
out = {"predict": http.handle(http_event, Context())["statusCode"]}
for path in ("/openapi.json", "/nope"):
    event = dict(http_event, rawPath=path, body=None, requestContext=dict(http_event["requestContext"],
                 http={"method": "GET", "path": path, "sourceIp": "1.2.3.4"}))
    out[path] = http.handle(event, Context())["statusCode"]
data = base64.b64encode(json.dumps({"features": row}).encode()).decode()
out["kinesis"] = kinesis.handle({"Records": [{"kinesis": {"sequenceNumber": "1", "partitionKey": "p", "data": data},
                                                "eventID": "shardId-0:1"}]}, Context())
csv_body = (",".join(row) + "\n" + ",".join(str(v) for v in row.values()) + "\n").encode()
s3.objects[("data", "batch/x.csv")] = csv_body
note = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                     "s3": {"bucket": {"name": "data"}, "object": {"key": "batch/x.csv", "size": len(csv_body)}}}]}
out["batch"] = batch.handle({"Records": [{"messageId": "m", "body": json.dumps(note)}]}, Context())
out["puts"] = sorted(s3.puts)
stdlib = os.path.dirname(os.__file__)
out["outside"] = sorted({name.split(".")[0] for name, module in list(sys.modules.items())
                         if getattr(module, "__file__", None) and not module.__file__.startswith((bundle, stdlib))})
sys.stdout = sys.__stdout__
print(json.dumps(out))
'''


def test_every_handler_imports_and_runs_from_the_trimmed_bundle(tmp_path: Path) -> None:
    from tests.lambdas.artifacts import build_breast_cancer

    model = build_breast_cancer(tmp_path / "model")
    (tmp_path / "model.tar.gz").write_bytes(model.archive)
    (tmp_path / "pointer.json").write_text(json.dumps(model.pointer("v1", bucket="models")))
    bundle = tmp_path / "bundle"
    _assemble(bundle)
    before = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())

    trim(bundle)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(bundle)], check=True)
    done = subprocess.run([sys.executable, "-S", "-c", RUN_EVERY_HANDLER, str(bundle), str(tmp_path / "model.tar.gz"),
                           str(tmp_path / "pointer.json"), json.dumps(model.rows(1)[0])],
                          env={"PYTHONPATH": str(bundle), "PATH": os.environ.get("PATH", "")},
                          capture_output=True, text=True, timeout=300)

    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout)
    assert (out["predict"], out["/openapi.json"], out["/nope"]) == (200, 200, 404)
    assert out["kinesis"] == {"batchItemFailures": []} and out["batch"] == {"batchItemFailures": []}
    assert out["puts"] == ["predictions/x.csv", "predictions/x.rejects.csv", "rejects/shardId-0/1.jsonl",
                           "results/shardId-0/1.jsonl"]  # the scorer writes both objects, empty or not
    assert out["outside"] == []  # nothing came from outside the bundle but the standard library
    after = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    assert after < before * 0.75
