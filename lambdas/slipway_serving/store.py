"""ModelStore: pointer -> verified artifact -> loaded Predictor, cached by the artifact's sha256.

The archive is downloaded once per sha256 into the cache dir (temp name, then rename), verified
against the pointer on every use, and unpacked into a fresh directory that is removed once the
ONNX session holds the model. The pointer is read again once its time-to-live has passed
(``SLIPWAY_POINTER_TTL_SECONDS``), so a promotion is picked up without a redeploy. A new
artifact that fails verification is refused with a logged error, remembered (it is not fetched
again until the pointer changes), and the last good model keeps serving.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .artifact import unpack, verify_sha256
from .config import Limits, ServingConfig
from .errors import ArtifactError, ArtifactIntegrityError, ModelUnavailable, ServingError
from .manifest import Manifest, Pointer, parse_pointer
from .predictor import Predictor

log = logging.getLogger(__name__)
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class LoadedModel:
    pointer: Pointer
    predictor: Predictor

    @property
    def manifest(self) -> Manifest:
        return self.predictor.manifest

    @property
    def version(self) -> str:
        return self.pointer.version


class ModelStore:
    """``load_phases`` holds the last load's wall time per phase in ms (client: the first S3 client,
    boto3's import included; pointer; artifact: download and hash; unpack: file checks; session),
    logged with the load: it is what a cold start spends before its first prediction."""

    def __init__(self, *, bucket: str, pointer_key: str, cache_dir: str | Path,
                 s3: Callable[[], Any], limits: Limits = Limits(),
                 refresh_interval_s: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._bucket, self._pointer_key = bucket, pointer_key
        self._cache_dir = Path(cache_dir)
        self._s3, self._limits = s3, limits
        self._refresh_interval_s, self._clock = refresh_interval_s, clock
        self._current: LoadedModel | None = None
        self._refused: tuple[str, ArtifactError] | None = None  # (sha256, why): not fetched again
        self._checked_at = 0.0
        self._lock = threading.Lock()
        self._client_timed = False
        self.load_phases: dict[str, float] = {}

    @classmethod
    def from_config(cls, config: ServingConfig, s3: Callable[[], Any]) -> ModelStore:
        return cls(bucket=config.model_bucket, pointer_key=config.pointer_key,
                   cache_dir=config.cache_dir, s3=s3, limits=config.limits,
                   refresh_interval_s=config.pointer_ttl_s)

    def loaded(self) -> LoadedModel | None:
        """The model being served, if any, without checking the pointer."""
        return self._current

    def current(self) -> LoadedModel:
        """The model to serve; loads it on first use. Raises ModelUnavailable if there is none."""
        model = self._current
        if model is not None and not self._due():
            return model
        try:
            return self.refresh()
        except ServingError as exc:
            if self._current is not None:  # keep serving the last good model
                log.error("model refresh failed, still serving %s: %s", self._current.version, exc)
                return self._current
            log.error("no model could be loaded: %s", exc)
            raise ModelUnavailable("no model is available; try again later") from exc

    def refresh(self) -> LoadedModel:
        """Re-read the pointer; load its artifact unless it is already loaded."""
        with self._lock:
            self._checked_at = self._clock()
            phases = self.load_phases = {}
            started = time.perf_counter()
            pointer = parse_pointer(self._get(self._bucket, self._pointer_key, 64 * 1024))
            phases["pointer"] = (time.perf_counter() - started) * 1000 - phases.get("client", 0.0)
            current = self._current
            if current is not None and current.pointer.sha256 == pointer.sha256:
                if current.pointer != pointer:  # same archive promoted again under a new version
                    self._current = current = replace(current, pointer=pointer)
                return current
            if self._refused is not None and self._refused[0] == pointer.sha256:
                refused = self._refused[1]
                raise type(refused)(refused.message)
            try:
                loaded = self._load(pointer)
            except ArtifactError as exc:
                serving = current.version if current else "nothing"
                log.error("refused artifact %s (%s); serving %s", pointer.version, exc, serving)
                self._refused = (pointer.sha256, exc)
                (self._cache_dir / f"{pointer.sha256}.tar.gz").unlink(missing_ok=True)
                raise
            self._current = loaded
            self._prune(keep=pointer.sha256)
            log.info("serving model %s version %s", loaded.manifest.model_name, loaded.version,
                     extra={"load_ms": {k: round(v, 1) for k, v in phases.items()}})
            return loaded

    # TTL hook: with refresh_interval_s set, current() re-reads the pointer when it is due.
    def _due(self) -> bool:
        interval = self._refresh_interval_s
        return interval is not None and self._clock() - self._checked_at >= interval

    def _load(self, pointer: Pointer) -> LoadedModel:
        phases, started = self.load_phases, time.perf_counter()
        archive = self._download(pointer)
        workdir = Path(tempfile.mkdtemp(prefix=f".unpack-{pointer.sha256[:12]}-", dir=self._cache_dir))
        try:
            downloaded = time.perf_counter()
            phases["artifact"] = (downloaded - started) * 1000
            unpacked = unpack(archive, workdir, max_members=self._limits.max_members,
                              max_member_bytes=self._limits.max_member_bytes)
            if unpacked.manifest.model_name != pointer.model_name:
                raise ArtifactError(f"pointer names model {pointer.model_name!r}, the manifest "
                                    f"{unpacked.manifest.model_name!r}")
            checked = time.perf_counter()
            phases["unpack"] = (checked - downloaded) * 1000
            predictor = Predictor(unpacked.manifest, unpacked.serving_path)
            phases["session"] = (time.perf_counter() - checked) * 1000
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        return LoadedModel(pointer=pointer, predictor=predictor)

    def _download(self, pointer: Pointer) -> Path:
        """The archive at ``<cache>/<sha256>.tar.gz``, its sha256 checked against the pointer.

        Downloaded once and hashed while it streams in; a cached copy is hashed again before
        use and, if it was altered on disk, replaced by a fresh download.
        """
        self._cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = self._cache_dir / f"{pointer.sha256}.tar.gz"
        if target.is_file():
            try:
                verify_sha256(target, pointer.sha256, f"cached artifact {target.name}")
                return target
            except ArtifactIntegrityError as exc:
                log.warning("%s; downloading it again", exc)
                target.unlink(missing_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".download-", dir=self._cache_dir)
        try:
            body = self._s3_client().get_object(Bucket=pointer.bucket, Key=pointer.key)["Body"]
            digest, total = hashlib.sha256(), 0
            with os.fdopen(fd, "wb") as sink:
                for chunk in iter(lambda: body.read(_CHUNK), b""):
                    total += len(chunk)
                    if total > self._limits.max_artifact_bytes:
                        raise ArtifactIntegrityError(f"artifact {pointer.uri} is larger than "
                                                     f"{self._limits.max_artifact_bytes} bytes")
                    digest.update(chunk)
                    sink.write(chunk)
            if digest.hexdigest() != pointer.sha256:  # never keep a wrong download under its name
                raise ArtifactIntegrityError(f"artifact {pointer.uri}: sha256 mismatch (expected "
                                             f"{pointer.sha256}, got {digest.hexdigest()})")
            os.replace(temp, target)
        except ServingError:
            raise
        except Exception as exc:  # botocore and network errors while downloading
            raise ModelUnavailable(f"could not download {pointer.uri}: {exc}") from exc
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
        return target

    def _s3_client(self) -> Any:
        if self._client_timed:
            return self._s3()
        started = time.perf_counter()  # the first use pays boto3's import and the client's creation
        client = self._s3()
        self.load_phases["client"], self._client_timed = (time.perf_counter() - started) * 1000, True
        return client

    def _get(self, bucket: str, key: str, limit: int) -> bytes:
        try:
            body = self._s3_client().get_object(Bucket=bucket, Key=key)["Body"].read(limit + 1)
        except Exception as exc:  # botocore errors: transient or not, the model is unavailable
            raise ModelUnavailable(f"could not read s3://{bucket}/{key}: {exc}") from exc
        if len(body) > limit:
            raise ArtifactError(f"s3://{bucket}/{key} is larger than {limit} bytes")
        return body

    def _prune(self, keep: str) -> None:
        for path in self._cache_dir.glob("*.tar.gz"):
            if path.name != f"{keep}.tar.gz":
                path.unlink(missing_ok=True)
