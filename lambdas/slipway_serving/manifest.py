"""Typed, validated readers for the model pointer and manifest (docs/contracts.md §2-3)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from .errors import ArtifactError

SCHEMA_VERSION = 1
SERVABLE_FORMATS = frozenset({"onnx"})
TASKS = frozenset({"classification", "regression", "clustering", "dimensionality_reduction",
                   "anomaly_detection"})
MANIFEST_FILE = "manifest.json"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MODEL_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$")
_S3_URI = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(.+)$")

Label = str | int | bool


@dataclass(frozen=True)
class Pointer:
    model_name: str
    version: str
    uri: str
    sha256: str
    promoted_at: str | None

    @property
    def bucket(self) -> str:
        return _S3_URI.match(self.uri).group(1)  # type: ignore[union-attr]  # checked in parse

    @property
    def key(self) -> str:
        return _S3_URI.match(self.uri).group(2)  # type: ignore[union-attr]


@dataclass(frozen=True)
class Feature:
    name: str
    type: str  # "number" | "category"
    categories: tuple[Any, ...] = ()
    allow_missing: bool = False


@dataclass(frozen=True)
class FileEntry:
    sha256: str
    bytes: int
    format: str


@dataclass(frozen=True)
class Serving:
    format: str
    file: str
    input: str
    outputs: Mapping[str, str]


@dataclass(frozen=True)
class Manifest:
    model_name: str
    task: str
    algorithm: str
    features: tuple[Feature, ...]
    classes: tuple[Label, ...] | None
    serving: Serving
    files: Mapping[str, FileEntry]
    document: Mapping[str, Any]  # the verified manifest.json as read, for GET /model

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)


def _load(raw: bytes, what: str) -> dict[str, Any]:
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ArtifactError(f"{what} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ArtifactError(f"{what} must be a JSON object")
    if doc.get("schema_version") != SCHEMA_VERSION:
        raise ArtifactError(f"{what}: unsupported schema_version {doc.get('schema_version')!r} "
                            f"(this server reads {SCHEMA_VERSION})")
    return doc


def _get(doc: Mapping[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = doc.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ArtifactError(f"{what}: '{key}' is missing or has the wrong type")
    return value


def parse_pointer(raw: bytes) -> Pointer:
    doc = _load(raw, "pointer")
    uri = _get(doc, "uri", str, "pointer")
    sha = _get(doc, "sha256", str, "pointer")
    if not _S3_URI.match(uri):
        raise ArtifactError(f"pointer: 'uri' must be an s3://bucket/key URI, got {uri!r}")
    if not _SHA256.match(sha):
        raise ArtifactError("pointer: 'sha256' must be 64 lowercase hex digits")
    promoted_at = doc.get("promoted_at")
    return Pointer(model_name=_get(doc, "model_name", str, "pointer"),
                   version=_get(doc, "version", str, "pointer"), uri=uri, sha256=sha,
                   promoted_at=promoted_at if isinstance(promoted_at, str) else None)


def _safe_file_name(name: str) -> bool:
    return (bool(name) and name not in (".", "..", MANIFEST_FILE) and "/" not in name
            and "\\" not in name and "\x00" not in name)


def _files(doc: Mapping[str, Any]) -> dict[str, FileEntry]:
    files: dict[str, FileEntry] = {}
    for name, entry in _get(doc, "files", dict, "manifest").items():
        if not _safe_file_name(name):
            raise ArtifactError(f"manifest: file name {name!r} is not a plain file name")
        if not isinstance(entry, dict):
            raise ArtifactError(f"manifest: files[{name!r}] must be an object")
        sha, size = entry.get("sha256"), entry.get("bytes")
        if not isinstance(sha, str) or not _SHA256.match(sha):
            raise ArtifactError(f"manifest: files[{name!r}].sha256 must be 64 lowercase hex digits")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ArtifactError(f"manifest: files[{name!r}].bytes must be a non-negative integer")
        files[name] = FileEntry(sha256=sha, bytes=size, format=str(entry.get("format", "")))
    if not files:
        raise ArtifactError("manifest: 'files' must list at least one file")
    return files


def _category_values(name: str, categories: Any) -> tuple[Any, ...]:
    if not isinstance(categories, list) or not categories:
        raise ArtifactError(f"manifest: category feature {name!r} needs a non-empty 'categories' list")
    keys = set()
    for value in categories:
        if not isinstance(value, (str, int, float)) or (isinstance(value, float) and value != value):
            raise ArtifactError(f"manifest: category feature {name!r} has a category that is not a "
                                f"string, number or boolean: {value!r}")
        keys.add(category_key(value))
    if len(keys) != len(categories):
        raise ArtifactError(f"manifest: category feature {name!r} lists a category twice")
    return tuple(categories)


def category_key(value: Any) -> tuple[str, Any]:
    """A lookup key that keeps True, 1 and "1" apart but lets 1 and 1.0 meet (JSON numbers)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return ("number", value)
    return (type(value).__name__, value)


def _features(doc: Mapping[str, Any]) -> tuple[Feature, ...]:
    features = []
    for item in _get(doc, "features", list, "manifest"):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise ArtifactError("manifest: every feature needs a non-empty 'name'")
        name, kind = item["name"], item.get("type")
        if kind not in ("number", "category"):
            raise ArtifactError(f"manifest: feature {name!r} has unknown type {kind!r}")
        allow_missing = item.get("allow_missing", False)
        if not isinstance(allow_missing, bool):
            raise ArtifactError(f"manifest: feature {name!r} has a non-boolean 'allow_missing'")
        categories = _category_values(name, item.get("categories")) if kind == "category" else ()
        features.append(Feature(name, kind, categories, allow_missing))
    names = [f.name for f in features]
    if not features or len(set(names)) != len(names):
        raise ArtifactError("manifest: 'features' must be a non-empty list of unique names")
    return tuple(features)


def _classes(doc: Mapping[str, Any], task: str) -> tuple[Label, ...] | None:
    if task != "classification":
        return None
    classes = _get(doc, "classes", list, "manifest")
    if len(classes) < 2 or not all(isinstance(c, (str, int)) for c in classes):
        raise ArtifactError("manifest: 'classes' must list at least two string/integer/boolean labels")
    if len({str(c) for c in classes}) != len(classes):
        raise ArtifactError("manifest: 'classes' must be unique")
    return tuple(classes)


def _serving(doc: Mapping[str, Any], files: Mapping[str, FileEntry]) -> Serving:
    serving = _get(doc, "serving", dict, "manifest")
    fmt = serving.get("format")
    if fmt not in SERVABLE_FORMATS:
        raise ArtifactError(f"manifest: serving format {fmt!r} is not servable (allowed: onnx)")
    file, name = serving.get("file"), serving.get("input")
    outputs = serving.get("outputs")
    if not isinstance(file, str) or file not in files:
        raise ArtifactError(f"manifest: serving file {file!r} is not listed in 'files'")
    if not isinstance(name, str) or not name:
        raise ArtifactError("manifest: 'serving.input' must name the model's input tensor")
    if not isinstance(outputs, dict) or not all(isinstance(v, str) for v in outputs.values()):
        raise ArtifactError("manifest: 'serving.outputs' must map roles to output names")
    return Serving(format=fmt, file=file, input=name, outputs=dict(outputs))


def parse_manifest(raw: bytes) -> Manifest:
    doc = _load(raw, "manifest")
    model_name = _get(doc, "model_name", str, "manifest")
    if not _MODEL_NAME.match(model_name):
        raise ArtifactError(f"manifest: model_name {model_name!r} is not a valid name")
    task = doc.get("task")
    if task not in TASKS:
        raise ArtifactError(f"manifest: unknown task {task!r}")
    files = _files(doc)
    return Manifest(model_name=model_name, task=task,
                    algorithm=_get(doc, "algorithm", str, "manifest"),
                    features=_features(doc), classes=_classes(doc, task),
                    serving=_serving(doc, files), files=files, document=doc)
