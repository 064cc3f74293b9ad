"""Reading a channel's CSV and Parquet files into one table that remembers where each row came
from, so every later error can name the file, the column and the row."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InconsistentColumns, InvalidData, MissingTargetColumn, NoTrainingData

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Table:
    frame: pd.DataFrame  # every file's rows, in file order, index 0..n-1
    files: tuple[Path, ...]
    file_index: np.ndarray  # per row: which file
    file_row: np.ndarray  # per row: 0-based row within that file

    def where(self, row: int) -> str:
        """`<file> line N` for CSV (the header is line 1), `<file> row N` for Parquet."""
        path = self.files[int(self.file_index[row])]
        number = int(self.file_row[row])
        if FORMATS[path.suffix.lower()] == "csv":
            return f"{path} line {number + 2}"
        return f"{path} row {number + 1}"

    @property
    def formats(self) -> tuple[str, ...]:
        return tuple(sorted({FORMATS[p.suffix.lower()] for p in self.files}))


def data_files(channel: Path) -> tuple[Path, ...]:
    # S3 prefixes arrive as nested folders; a stable order keeps the fingerprint stable
    files = sorted(p for p in channel.rglob("*")
                   if p.is_file() and p.suffix.lower() in FORMATS) if channel.is_dir() else []
    if not files:
        raise NoTrainingData(f"no .csv or .parquet files in channel directory {channel}")
    return tuple(files)


def fingerprint(files: tuple[Path, ...]) -> str:
    digest = hashlib.sha256()
    for path in files:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    return "sha256:" + digest.hexdigest()


def read_file(path: Path) -> pd.DataFrame:
    try:
        if FORMATS[path.suffix.lower()] == "csv":
            frame = pd.read_csv(path)
        else:
            frame = pd.read_parquet(path)
    except (ValueError, OSError, pd.errors.ParserError) as error:
        raise InvalidData(f"{path} cannot be read: {error}") from None
    # Parquet keeps whatever index was saved; rows are positions from here on
    return frame.reset_index(drop=True)


def read_channel(channel: Path, *, target: str, require_target: bool) -> Table:
    files = data_files(channel)
    frames = [read_file(path) for path in files]
    for path, frame in zip(files, frames):
        if require_target and target not in frame.columns:
            raise MissingTargetColumn(target, path, frame.columns)
        duplicated = sorted({str(c) for c in frame.columns if list(frame.columns).count(c) > 1})
        if duplicated:
            raise InconsistentColumns(f"{path} repeats column(s) {duplicated}")
    columns = list(frames[0].columns)
    for path, frame in zip(files[1:], frames[1:]):
        if set(frame.columns) != set(columns):
            raise InconsistentColumns(
                f"{path} has columns {list(frame.columns)}, but {files[0]} has {columns}")
    frame = pd.concat([f[columns] for f in frames], ignore_index=True) if len(frames) > 1 \
        else frames[0]
    if frame.empty:
        raise NoTrainingData(f"the files in {channel} hold no rows")
    sizes = [len(f) for f in frames]
    return Table(frame=frame, files=files,
                 file_index=np.repeat(np.arange(len(files)), sizes),
                 file_row=np.concatenate([np.arange(size) for size in sizes]))
